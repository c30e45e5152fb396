"""`vigie decom`: decommissioning progress by ministry or domain, burn-down and integrity findings."""

from __future__ import annotations

import argparse
from datetime import date
from typing import Any

from vigie.catalog.lifecycle import (
    GROUPINGS,
    LABELS,
    BurnDownPoint,
    DecomState,
    Finding,
    FindingKind,
    GroupProgress,
    burn_down,
    earlier_switched_off,
    integrity,
    overall,
    progress,
)
from vigie.catalog.model import Catalog
from vigie.console.catalog_input import as_of_date, load_configured_catalog, today
from vigie.console.output import percent, print_json, print_table
from vigie.console.settings import config_path, load_settings
from vigie.kernel.text.language import Language

# Column order: done, then what is still ahead, then what is behind.
ORDER = (DecomState.SWITCHED_OFF, DecomState.PLANNED, DecomState.LATE, DecomState.UNSCHEDULED)

WORDS: dict[str, dict[str, Any]] = {
    "fr": {
        "title": "Décommissionnement au {day} — {total} applications concernées, {off} éteintes ({ratio})",
        "since": "{count} applications éteintes depuis {year}",
        "ministry": "Ministère",
        "domain": "Domaine",
        "in_scope": "Concernées",
        "states": ["Éteintes", "Planifiées", "En retard", "Sans date"],
        "earlier": "{total} applications éteintes au total, dont {earlier} avant d'être suivies dans le catalogue "
        "(contrats de progrès)",
        "progress": "Avancement",
        "contract": "Contrat de progrès",
        "contract_late": "échéance dépassée",
        "burn": "Burn-down mensuel (mois où un chiffre change)",
        "burn_columns": ["Mois", "Restantes (réel)", "Restantes (prévu)", "Éteintes (cumul)"],
        "findings": "Intégrité : interfaces à supprimer ou rerouter",
        "finding_columns": ["Interface", "En extinction", "Reliée à", "Échéance", "Action", "Constat"],
        "actions": {"remove": "supprimer", "reroute": "rerouter vers {to}"},
        "kinds": {
            FindingKind.WIRED_TO_SWITCHED_OFF: "application active reliée à une application éteinte",
            FindingKind.WIRED_TO_PHASE_OUT: "application active reliée à une application en extinction",
            FindingKind.BETWEEN_RETIRING: "deux applications en extinction",
        },
        "overdue": " (échéance dépassée)",
    },
    "en": {
        "title": "Decommissioning on {day} — {total} applications in scope, {off} switched off ({ratio})",
        "since": "{count} applications switched off since {year}",
        "ministry": "Ministry",
        "domain": "Domain",
        "in_scope": "In scope",
        "states": ["Switched off", "Planned", "Late", "Unscheduled"],
        "earlier": "{total} applications switched off in all, {earlier} of them before the catalog tracked them "
        "(progress contracts)",
        "progress": "Progress",
        "contract": "Progress contract",
        "contract_late": "target passed",
        "burn": "Monthly burn-down (months where a figure changes)",
        "burn_columns": ["Month", "Remaining (actual)", "Remaining (plan)", "Switched off (total)"],
        "findings": "Integrity: interfaces to remove or reroute",
        "finding_columns": ["Interface", "Retiring", "Wired to", "Deadline", "Action", "Finding"],
        "actions": {"remove": "remove", "reroute": "reroute to {to}"},
        "kinds": {
            FindingKind.WIRED_TO_SWITCHED_OFF: "live application wired to a switched-off one",
            FindingKind.WIRED_TO_PHASE_OUT: "live application wired to one in extinction",
            FindingKind.BETWEEN_RETIRING: "both ends are retiring",
        },
        "overdue": " (deadline passed)",
    },
}


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
    words = WORDS[language]
    off = whole.counts[DecomState.SWITCHED_OFF]
    title = words["title"].format(
        day=as_of.isoformat(), total=whole.total, off=off, ratio=percent(whole.ratio, 1, language)
    )
    columns = [words[by], words["in_scope"], *words["states"], words["progress"]]
    if by == "ministry":
        columns.append(words["contract"])
    rows = []
    for g in groups:
        row: list[Any] = [g.key, g.total, *(g.counts[s] for s in ORDER), percent(g.ratio, 1, language)]
        if by == "ministry":
            row.append(_contract_cell(g, language))
        rows.append(row)
    print_table(columns, rows, title=title, right=(1, 2, 3, 4, 5, 6))
    late = [app for g in groups for app in g.late]
    if late:
        print(
            f"{LABELS[language][DecomState.LATE].capitalize()}{Language(language).colon}{', '.join(sorted(late))}"
        )
    if earlier:
        print(words["earlier"].format(total=off + earlier, earlier=earlier))


def _contract_cell(group: GroupProgress, language: str) -> str:
    contract = group.contract
    if contract is None:
        return ""
    words = WORDS[language]
    parts = [contract.reference or contract.id, f"{group.contract_done}/{len(contract.applications)}"]
    if contract.target_on is not None:
        parts.append(f"→ {contract.target_on.isoformat()}")
    if group.contract_late:
        parts.append(words["contract_late"])
    return " ".join(parts)


def print_burn_down(points: list[BurnDownPoint], language: str) -> None:
    """The burn-down, keeping the months where a figure changes (and the first and last)."""
    words = WORDS[language]
    rows = []
    previous: tuple[int | None, int] | None = None
    for index, p in enumerate(points):
        figures = (p.remaining_actual, p.remaining_planned)
        if figures != previous or index in (0, len(points) - 1):
            rows.append([p.month, p.remaining_actual, p.remaining_planned, p.switched_off])
        previous = figures
    if rows:
        print_table(words["burn_columns"], rows, title=words["burn"], right=(1, 2, 3))


def print_findings(findings: list[Finding], language: str) -> None:
    """The integrity findings, errors first."""
    if not findings:
        return
    words = WORDS[language]
    rows = [
        [
            f.interface,
            f.retiring,
            f.counterpart,
            None if f.deadline is None else f.deadline.isoformat() + (words["overdue"] if f.overdue else ""),
            words["actions"][f.action].format(to=f.replacement),
            words["kinds"][f.kind],
        ]
        for f in findings
    ]
    print_table(words["finding_columns"], rows, title=words["findings"])
