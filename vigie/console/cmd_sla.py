"""`vigie sla`: availability against target per component over a period (table or JSON)."""

from __future__ import annotations

import argparse
import time
from datetime import datetime
from typing import Any

from vigie.console.errors import EXIT_FINDING, EXIT_OK, UserError
from vigie.console.measurements import open_store
from vigie.console.output import duration, print_json, print_table
from vigie.console.period_args import add_period_arguments, period_from_args
from vigie.console.settings import config_path, load_settings
from vigie.kernel.text.language import Language
from vigie.reports.frozen import freeze_month
from vigie.reports.sla import sla_report

HEADERS = {
    "fr": [
        "Composant",
        "Cible",
        "Disponibilité réelle",
        "Indisponibilité",
        "Maintenance",
        "Inconnu",
        "Couverture",
        "Budget restant",
        "Incidents",
        "Statut",
    ],
    "en": [
        "Component",
        "Target",
        "Availability",
        "Downtime",
        "Maintenance",
        "Unknown",
        "Coverage",
        "Budget left",
        "Incidents",
        "Status",
    ],
}
VERDICT = {"fr": ("cible dépassée", "conforme", "sans mesure"), "en": ("BREACHED", "met", "no data")}


def register(sub: Any) -> None:
    """Add `vigie sla` to the CLI."""
    sla = sub.add_parser(
        "sla",
        help="availability against SLA targets over a period",
        description="Time-based availability of each component over a period, inside its service "
        "schedule, with downtime, maintenance, unknown time, coverage, error budget and incidents. "
        "Exit 1 with --check when a target is breached.",
    )
    sla.add_argument("--config", metavar="FILE", default=argparse.SUPPRESS, help="configuration file")
    add_period_arguments(sla)
    sla.add_argument("--component", action="append", metavar="ID", help="only this component (repeatable)")
    sla.add_argument("--json", action="store_true", help="print a JSON list, one object per component")
    sla.add_argument("--check", action="store_true", help="exit 1 when any component breaches its target")
    sla.add_argument("--lang", choices=("fr", "en"), help="language of the table (default: config)")
    sla.add_argument("--freeze", action="store_true", help="store a closed month's figures for good")
    sla.add_argument("--recompute", action="store_true", help="ignore a frozen month and recompute")
    sla.set_defaults(handler=run_sla)


def run_sla(args: argparse.Namespace) -> int:
    """Compute and print the SLA figures."""
    settings = load_settings(config_path(getattr(args, "config", None)))
    now = datetime.now(settings.timezone)
    try:
        period = period_from_args(args, now)
    except ValueError as exc:
        raise UserError(str(exc)) from None
    lang = args.lang or settings.language
    with open_store(settings) as store:
        try:
            reports = sla_report(
                store,
                settings.probes,
                period,
                args.component,
                now=time.time(),
                recompute=args.recompute or args.freeze,
            )
        except KeyError as exc:
            raise UserError(f"--component: no component with id {exc}") from None
        if args.freeze:
            try:
                freeze_month(store, period, reports, time.time())
            except ValueError as exc:
                raise UserError(f"--freeze: {exc}") from None
    if args.json:
        print_json([{**r.figures.as_dict(), "period": period.label} for r in reports])
    else:
        names = {c.id: c.name for c in settings.probes.components}
        words = Language(lang)  # the report's number formats: 98 %, 99,988 %
        breached, met, nodata = VERDICT[lang]
        rows = []
        for r in reports:
            f = r.figures
            verdict = nodata if f.availability is None else breached if f.breached else met
            rows.append(
                [
                    names.get(f.component, f.component),
                    words.target(f.target),
                    words.percent(f.availability),
                    duration(f.down_s, lang),
                    duration(f.maintenance_s, lang),
                    duration(f.unknown_s, lang),
                    words.percent(f.coverage),
                    duration(f.budget_remaining_s, lang),
                    f.incidents,
                    verdict,
                ]
            )
        title = (
            "Disponibilité" if lang == "fr" else "Availability"
        ) + f" — {period.label} ({settings.timezone.key})"
        print_table(HEADERS[lang], rows, title=title, right=tuple(range(1, 9)))
    if args.check and any(r.figures.breached for r in reports):
        return EXIT_FINDING
    return EXIT_OK
