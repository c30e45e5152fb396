"""How a flow, its trace and the stuck flows read, in words: shared by `vigie flows` and the
console's "Suivi des flux" tab (the CLI prints these lines and rows, the console shows them)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from vigie.kernel.text.language import MISSING, Language
from vigie.probes.flows.lifecycle import Stage, flag_names
from vigie.probes.flows.store import Flow
from vigie.probes.flows.stuck import StuckFlow
from vigie.reports.flows import Trace

TRACE_COLUMNS = ("at", "after", "hop", "event", "status", "stage", "note")
FLOW_COLUMNS = ("key", "type", "partner", "first", "where", "stage", "last", "flags")
STUCK_COLUMNS = ("type", "hop", "next", "key", "partner", "last_event", "due", "overdue")


class FlowWords:
    """A language and a time zone: instants to the minute, stages, kinds and flags in words."""

    def __init__(self, lang: Language, zone: ZoneInfo) -> None:
        self.lang = lang
        self.zone = zone

    def when(self, at: float | None) -> str:
        """An instant in the configured zone, to the minute."""
        return MISSING if at is None else self.lang.date_time(datetime.fromtimestamp(at, self.zone))

    def stage(self, stage: Stage) -> str:
        """A stage of the life cycle."""
        return self.lang.t(f"probes.flow.stage.{stage.value}")

    def flags(self, codes: tuple[str, ...]) -> str:
        """Flags, comma-separated."""
        return ", ".join(self.lang.t(f"probes.flow.flag.{code}") for code in codes)

    def columns(self, names: tuple[str, ...]) -> list[str]:
        """Column titles."""
        return [self.lang.t(f"cli.flows.col.{name}") for name in names]

    # --- one flow's trace ------------------------------------------------------------------

    def trace_header(self, t: Trace, now: float) -> list[str]:
        """Who the flow is, where it is, what is next and by when, what is odd, its ids."""
        lang, flow, p = self.lang, t.flow, t.flow.progress
        lines = [
            lang.t(
                "cli.flows.trace.title",
                flow=flow.key,
                type=flow.type or MISSING,
                partner=flow.partner or MISSING,
            ),
            lang.t(
                "cli.flows.trace.where",
                stage=self.stage(p.stage),
                hop=t.hop or MISSING,
                position=_position(t),
                total=lang.duration(t.total_s),
            ),
        ]
        if t.next_hop is not None and t.due_at is not None:
            key = "cli.flows.trace.late" if t.stuck else "cli.flows.trace.next"
            lines.append(
                lang.t(key, hop=t.next_hop, due=self.when(t.due_at), delay=lang.duration(abs(now - t.due_at)))
            )
        elif t.route is not None and p.settled_at is not None:
            lines.append(lang.t("cli.flows.trace.settled", when=self.when(p.settled_at)))
        if t.flags:
            lines.append(lang.t("cli.flows.trace.flags", flags=self.flags(t.flags)))
        if t.keys:
            lines.append(lang.t("cli.flows.trace.keys", keys=", ".join(f"{v} ({n})" for n, v in t.keys)))
        if t.references:
            lines.append(
                lang.t("cli.flows.trace.references", refs=", ".join(f"{n} {v}" for n, v in t.references))
            )
        if t.carried_by:
            lines.append(lang.t("cli.flows.trace.carried_by", batches=", ".join(t.carried_by)))
        if t.carries:
            shown = ", ".join(t.carried[:5]) + (", …" if t.carries > 5 else "")
            lines.append(lang.t("cli.flows.trace.carries", count=lang.number(t.carries), keys=shown))
        if t.reports:
            lines.append(lang.t("cli.flows.trace.reports", names=", ".join(r.name for r in t.reports)))
        return lines

    def trace_rows(self, t: Trace) -> list[list[str]]:
        """The events, one row each (:data:`TRACE_COLUMNS`)."""
        lang = self.lang
        rows = []
        for s in t.steps:
            e = s.event
            notes = [lang.t(f"probes.flow.flag.{f}") for f in s.new_flags]
            if e.reason:
                notes.append(e.reason)
            if e.alias:
                notes.append(lang.t("cli.flows.trace.as_key", flow=e.alias))
            if e.report:
                notes.append(lang.t("cli.flows.trace.report", name=e.report))
            rows.append(
                [
                    self.when(e.at),
                    MISSING if s.since_previous_s is None else "+" + lang.duration(s.since_previous_s),
                    e.hop,
                    lang.t(f"probes.flow.kind.{e.kind.value}"),
                    e.status or "",
                    self.stage(s.stage),
                    "; ".join(notes),
                ]
            )
        return rows

    # --- lists of flows ----------------------------------------------------------------------

    def flow_row(self, f: Flow) -> list[str]:
        """One flow's state (:data:`FLOW_COLUMNS`)."""
        p = f.progress
        last = " ".join(x for x in (self.lang.t(f"probes.flow.kind.{p.last_kind.value}"), p.last_status) if x)
        return [
            f.key,
            f.type or MISSING,
            f.partner or MISSING,
            self.when(p.first_at),
            p.last_hop,
            self.stage(p.stage),
            last,
            self.flags(flag_names(p.flags)),
        ]

    def stuck_row(self, s: StuckFlow) -> list[str]:
        """One stuck flow (:data:`STUCK_COLUMNS`)."""
        return [
            s.type,
            s.hop,
            s.next_hop,
            s.key,
            s.partner or MISSING,
            self.when(s.last_at),
            self.when(s.due_at),
            self.lang.duration(s.overdue_s),
        ]


def _position(t: Trace) -> str:
    if t.route is None or t.hop is None or t.hop not in t.route.path:
        return MISSING
    return f"{t.route.path.index(t.hop) + 1}/{len(t.route.path)}"
