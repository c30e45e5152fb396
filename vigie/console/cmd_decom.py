"""`vigie decom`: decommissioning progress by ministry or domain, burn-down and integrity findings."""

from __future__ import annotations

import argparse
from datetime import date
from typing import Any

from vigie.catalog.lifecycle import (
    GROUPINGS,
    BurnDownPoint,
    DecomState,
    Finding,
    GroupProgress,
    burn_down,
    earlier_switched_off,
    integrity,
    overall,
    progress,
)
from vigie.catalog.model import Catalog
from vigie.console.catalog_input import as_of_date, load_configured_catalog, today
from vigie.console.output import print_json, print_table
from vigie.console.settings import config_path, load_settings
from vigie.kernel.text.language import Language

# Column order: done, then what is still ahead, then what is behind.
ORDER = (DecomState.SWITCHED_OFF, DecomState.PLANNED, DecomState.LATE, DecomState.UNSCHEDULED)


def register(sub: Any) -> None:
    """Add `vigie decom` to the CLI."""
    parser = sub.add_parser(
        "decom",
        help="decommissioning progress by ministry or domain, monthly burn-down, integrity findings",
        description="Applications being decommissioned (en extinction) as of a day: switched off, planned, "
        "late, unscheduled; each ministry's progress contract; the monthly burn-down; and the live "
        "interfaces still wired to a retiring application.",
    )
    parser.add_argument("--config", metavar="FILE", default=argparse.SUPPRESS, help="configuration file")
    parser.add_argument("--by", choices=GROUPINGS, default="ministry", help="group by (default: ministry)")
    parser.add_argument(
        "--as-of", type=as_of_date, metavar="YYYY-MM-DD", help="day of the progress (default: today)"
    )
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.add_argument(
        "--check",
        action="store_true",
        help="exit 1 when an application is late or an interface is past its extinction deadline",
    )
    parser.set_defaults(handler=run)


def report(catalog: Catalog, as_of: date, by: str) -> dict[str, Any]:
    """Everything `vigie decom` shows, JSON-ready."""
    whole = overall(catalog, as_of)
    return {
        "as_of": as_of.isoformat(),
        "by": by,
        "total": whole.to_json(),
        "earlier_switched_off": earlier_switched_off(catalog),
        "groups": [g.to_json() for g in progress(catalog, as_of, by)],
        "burn_down": [p.to_json() for p in burn_down(catalog, as_of)],
        "integrity": [f.to_json() for f in integrity(catalog, as_of)],
    }


def run(args: argparse.Namespace) -> int:
    """Print the progress; with ``--check``, 1 when something is late or overdue."""
    settings = load_settings(config_path(getattr(args, "config", None)))
    catalog = load_configured_catalog(settings)
    as_of = args.as_of or today(settings)
    whole = overall(catalog, as_of)
    groups = progress(catalog, as_of, args.by)
    points = burn_down(catalog, as_of)
    findings = integrity(catalog, as_of)
    if args.json:
        print_json(report(catalog, as_of, args.by))
    else:
        language = settings.language
        print_progress(whole, groups, args.by, as_of, language, earlier_switched_off(catalog))
        print_burn_down(points, language)
        print_findings(findings, language)
    failed = whole.counts[DecomState.LATE] > 0 or any(f.overdue for f in findings)
    return 1 if args.check and failed else 0


def print_progress(
    whole: GroupProgress, groups: list[GroupProgress], by: str, as_of: date, language: str, earlier: int
) -> None:
    """The per-group table, titled with the overall figures, then the grand total switched off."""
    lang = Language(language)
    off = whole.counts[DecomState.SWITCHED_OFF]
    title = lang.t(
        "cli.decom.title",
        day=as_of.isoformat(),
        total=lang.number(whole.total),
        off=lang.number(off),
        ratio=lang.percent(whole.ratio, 1),
    )
    names = [by, "in_scope", *ORDER, "progress", *(["contract"] if by == "ministry" else [])]
    rows = []
    for g in groups:
        row: list[Any] = [
            g.key,
            lang.number(g.total),
            *(lang.number(g.counts[s]) for s in ORDER),
            lang.percent(g.ratio, 1),
        ]
        if by == "ministry":
            row.append(_contract_cell(g, lang))
        rows.append(row)
    print_table([lang.t(f"cli.decom.col.{n}") for n in names], rows, title=title, right=(1, 2, 3, 4, 5, 6))
    late = [app for g in groups for app in g.late]
    if late:
        print(lang.t("cli.decom.late", colon=lang.colon, apps=", ".join(sorted(late))))
    if earlier:
        print(lang.t("cli.decom.earlier", total=lang.number(off + earlier), earlier=lang.number(earlier)))


def _contract_cell(group: GroupProgress, lang: Language) -> str:
    contract = group.contract
    if contract is None:
        return ""
    parts = [contract.reference or contract.id, f"{group.contract_done}/{len(contract.applications)}"]
    if contract.target_on is not None:
        parts.append(f"→ {contract.target_on.isoformat()}")
    if group.contract_late:
        parts.append(lang.t("cli.decom.contract_late"))
    return " ".join(parts)


def print_burn_down(points: list[BurnDownPoint], language: str) -> None:
    """The burn-down, keeping the months where a figure changes (and the first and last)."""
    lang = Language(language)
    rows = []
    previous: tuple[int | None, int] | None = None
    for index, p in enumerate(points):
        figures = (p.remaining_actual, p.remaining_planned)
        if figures != previous or index in (0, len(points) - 1):
            rows.append(
                [
                    p.month,
                    lang.number(p.remaining_actual),
                    lang.number(p.remaining_planned),
                    lang.number(p.switched_off),
                ]
            )
        previous = figures
    if rows:
        columns = ("month", "remaining_actual", "remaining_planned", "switched_off_total")
        print_table(
            [lang.t(f"cli.decom.col.{c}") for c in columns],
            rows,
            title=lang.t("cli.decom.burn"),
            right=(1, 2, 3),
        )


def print_findings(findings: list[Finding], language: str) -> None:
    """The integrity findings, errors first."""
    if not findings:
        return
    lang = Language(language)
    overdue = lang.t("cli.decom.overdue")
    rows = [
        [
            f.interface,
            f.retiring,
            f.counterpart,
            None if f.deadline is None else f.deadline.isoformat() + (overdue if f.overdue else ""),
            lang.t(f"catalog.action.{f.action}", target=f.replacement),
            lang.label("catalog.finding", f.kind),
        ]
        for f in findings
    ]
    columns = ("interface", "retiring", "counterpart", "deadline", "action", "finding")
    print_table([lang.t(f"cli.decom.col.{c}") for c in columns], rows, title=lang.t("cli.decom.findings"))
