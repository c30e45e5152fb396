"""The report's tables as CSV: one block per table, each introduced by a ``# name`` line
and its header, blocks separated by an empty line. Values are raw (ratios, seconds,
ISO date-times) so a spreadsheet or a script computes on them; a section without data
is a block holding its one-line reason. Cells go through the kernel's CSV writer (a name
such as ``=cmd|...`` is written as text, never as a formula).
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from vigie.accounting.figures import CONTRACT_FIELDS
from vigie.kernel import csvout
from vigie.kernel.text.language import Language
from vigie.reports.content import Absent, Report
from vigie.reports.flows import COUNTED
from vigie.reports.templating import absent_text

AVAILABILITY_COLUMNS = ("component", "name", *CONTRACT_FIELDS[1:], "frozen_at")


def _block(out: Any, name: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    writer = csvout.writer(out)
    writer.writerow([f"# {name}"])
    writer.writerow(header)
    writer.writerows(["" if v is None else v for v in row] for row in rows)
    out.write("\n")


def _absent(out: Any, name: str, absent: Absent, lang: Language) -> None:
    _block(out, name, ["absent"], [[absent_text(absent, lang)]])


def _iso(moment: date | None) -> str | None:
    return None if moment is None else moment.isoformat()


def render_csv(report: Report, lang: Language) -> str:
    """Render the report's tables to CSV text."""
    out = io.StringIO()
    if isinstance(report.availability, Absent):
        _absent(out, "availability", report.availability, lang)
    else:
        _block(
            out,
            "availability",
            AVAILABILITY_COLUMNS,
            (
                [*(getattr(r, c) for c in AVAILABILITY_COLUMNS[:-1]), _iso(r.frozen_at)]
                for r in report.availability
            ),
        )
    if isinstance(report.trend, Absent):
        _absent(out, "trend", report.trend, lang)
    else:
        _block(
            out,
            "trend",
            ["component", "name", "target", *(m.key for m in report.trend_months)],
            ([t.component, t.name, t.target, *(p.availability for p in t.points)] for t in report.trend),
        )
    if isinstance(report.incidents, Absent):
        _absent(out, "incidents", report.incidents, lang)
    else:
        _block(
            out,
            "incidents",
            ["component", "name", "start", "end", "duration_s", "cause"],
            (
                [
                    i.component,
                    i.name,
                    i.start.isoformat(),
                    i.end.isoformat() if i.end else None,
                    i.duration_s,
                    i.cause,
                ]
                for i in report.incidents
            ),
        )
    if isinstance(report.throughput, Absent):
        _absent(out, "throughput", report.throughput, lang)
    else:
        _block(
            out,
            "throughput",
            [
                "component",
                "name",
                "period",
                "start",
                "volume",
                "unit",
                "per",
                "capacity",
                "utilisation",
                "over",
            ],
            (
                [
                    t.component,
                    t.name,
                    b.label,
                    b.start.isoformat(),
                    b.volume,
                    t.unit,
                    t.per,
                    t.capacity,
                    b.utilisation,
                    b.over,
                ]
                for t in report.throughput
                for b in t.buckets
            ),
        )
    if isinstance(report.tickets, Absent):
        _absent(out, "tickets", report.tickets, lang)
    else:
        tickets = report.tickets
        _block(
            out,
            "tickets",
            [
                "by",
                "label",
                "name",
                "count",
                "previous",
                "change",
                "first_contact_rate",
                "median_resolve_s",
                "p90_resolve_s",
                "backlog",
            ],
            [
                [
                    by,
                    v.label,
                    v.name,
                    v.count,
                    v.previous,
                    v.change,
                    v.first_contact_rate,
                    v.median_resolve_s,
                    v.p90_resolve_s,
                    v.backlog,
                ]
                for by, rows in (
                    ("application", tickets.by_application),
                    ("channel", tickets.by_channel),
                    ("total", (tickets.total,)),
                )
                for v in rows
            ],
        )
    if isinstance(report.homologations, Absent):
        _absent(out, "homologations", report.homologations, lang)
    else:
        h = report.homologations
        _block(
            out,
            "homologations",
            ["status", "application", "name", "expires_on", "days_left", "authority"],
            (
                [r.status, r.application, r.name, _iso(r.expires_on), r.days_left, r.authority]
                for r in (*h.expired, *h.expiring)
            ),
        )
        _block(
            out,
            "reserves_past_due",
            ["application", "name", "reserve", "owner", "due_on"],
            ([r.application, r.name, r.text, r.owner, _iso(r.due_on)] for r in h.reserves_past_due),
        )
    if isinstance(report.decommissioning, Absent):
        _absent(out, "decommissioning", report.decommissioning, lang)
    else:
        _block(
            out,
            "decommissioning",
            [
                "ministry",
                "total",
                "switched_off",
                "planned",
                "late",
                "unscheduled",
                "progress",
                "contract_late",
            ],
            (
                [
                    d.ministry,
                    d.total,
                    d.switched_off,
                    d.planned,
                    d.late,
                    d.unscheduled,
                    d.progress,
                    d.contract_late,
                ]
                for d in report.decommissioning
            ),
        )
    if isinstance(report.flows, Absent):
        _absent(out, "flows", report.flows, lang)
    else:
        flows = report.flows
        _block(
            out,
            "flows",
            ["type", "partner", *COUNTED],
            ([r.type, r.partner, *(getattr(r, c) for c in COUNTED)] for r in (*flows.rows, flows.total)),
        )
        _block(
            out,
            "flow_reasons",
            ["type", "stage", "reason", "count"],
            ([r.type, r.stage, r.reason, r.count] for r in flows.reasons),
        )
        _block(
            out,
            "flow_hop_times",
            ["type", "source", "target", "flows", "p50_s", "p95_s"],
            ([h.type, h.source, h.target, h.flows, h.p50_s, h.p95_s] for h in flows.hop_times),
        )
    return out.getvalue()
