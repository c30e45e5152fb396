"""`vigie sla`: availability against target per component over a period (table or JSON)."""

from __future__ import annotations

import argparse
import time
from datetime import datetime, tzinfo
from typing import Any

from vigie.accounting.figures import ComponentSla, SlaFigures
from vigie.console.errors import EXIT_FINDING, EXIT_OK, UserError
from vigie.console.measurements import add_source_argument, open_source, open_store
from vigie.console.output import print_json, print_table
from vigie.console.period_args import add_period_arguments, period_from_args
from vigie.console.settings import config_path, load_settings
from vigie.kernel.text.language import Language
from vigie.reports.frozen import freeze_month
from vigie.reports.sla import sla_report

COLUMNS = (
    "component",
    "target",
    "availability",
    "downtime",
    "maintenance",
    "unknown",
    "coverage",
    "budget",
    "incidents",
    "status",
)


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
    add_source_argument(sla)
    sla.set_defaults(handler=run_sla)


def run_sla(args: argparse.Namespace) -> int:
    """Compute and print the SLA figures."""
    settings = load_settings(config_path(getattr(args, "config", None)))
    now = datetime.now(settings.timezone)
    try:
        period = period_from_args(args, now)
    except ValueError as exc:
        raise UserError(str(exc)) from None
    lang = Language(args.lang or settings.language)
    with open_store(settings) as store, open_source(settings, store, args.source) as source:
        try:
            reports = sla_report(
                store,
                settings.probes,
                period,
                args.component,
                now=now.timestamp(),
                recompute=args.recompute or args.freeze,
                source=source,
            )
        except KeyError as exc:
            raise UserError(f"--component: no component with id {exc}") from None
        if args.freeze:
            try:
                freeze_month(store, period, reports, time.time())
            except ValueError as exc:
                raise UserError(f"--freeze: {exc}") from None
    configured = {c.id: c.target for c in settings.probes.components}
    if args.json:
        print_json([_json(r, period.label, configured, settings.timezone) for r in reports])
    else:
        names = {c.id: c.name for c in settings.probes.components}
        rows = [
            sla_row(
                r.figures, names.get(r.figures.component, r.figures.component), lang, r.frozen_at is not None
            )
            for r in reports
        ]
        title = lang.t("cli.sla.title", period=period.label, tz=settings.timezone.key)
        headers = [lang.t(f"cli.sla.col.{c}") for c in COLUMNS]
        print_table(headers, rows, title=title, right=tuple(range(1, 9)))
        for line in frozen_notes(reports, names, configured, settings.timezone, lang):
            print(line)
    if args.check and any(r.figures.breached for r in reports):
        return EXIT_FINDING
    return EXIT_OK


def _json(report: ComponentSla, period: str, configured: dict[str, float], tz: tzinfo) -> dict[str, Any]:
    """One component's JSON object: the figures, the period, and whether they are frozen
    (``frozen_at``, ISO 8601, else null) beside the target the config says now."""
    frozen = report.frozen_at
    return {
        **report.figures.as_dict(),
        "period": period,
        "frozen_at": None if frozen is None else datetime.fromtimestamp(frozen, tz).isoformat(),
        "configured_target": configured.get(report.figures.component),
    }


def frozen_notes(
    reports: list[ComponentSla],
    names: dict[str, str],
    configured: dict[str, float],
    tz: tzinfo,
    lang: Language,
) -> list[str]:
    """Lines under the table for frozen figures: when they were frozen, and the target they
    were judged against where the config now says another."""
    frozen = [r for r in reports if r.frozen_at is not None]
    if not frozen:
        return []
    days = sorted({lang.date_time(datetime.fromtimestamp(r.frozen_at or 0.0, tz)) for r in frozen})
    lines = [lang.t("cli.sla.frozen", when=", ".join(days))]
    for r in frozen:
        now = configured.get(r.figures.component)
        if now is not None and now != r.figures.target:
            lines.append(
                lang.t(
                    "cli.sla.frozen_target",
                    name=names.get(r.figures.component, r.figures.component),
                    target=lang.target(r.figures.target),
                    configured=lang.target(now),
                )
            )
    return lines


def sla_row(f: SlaFigures, name: str, lang: Language, frozen: bool = False) -> list[str]:
    """One component's line of the table, worded as the report and the console word it
    (``frozen``: the verdict says the figures are a frozen month's)."""
    verdict = (
        "cli.sla.no_data" if f.availability is None else "cli.sla.breached" if f.breached else "cli.sla.met"
    )
    status = lang.t(verdict)
    return [
        name,
        lang.target(f.target),
        lang.percent(f.availability),
        lang.duration(f.down_s),
        lang.duration(f.maintenance_s),
        lang.duration(f.unknown_s),
        lang.percent(f.coverage, 1),
        lang.duration(f.budget_remaining_s),
        lang.number(f.incidents),
        lang.t("cli.sla.frozen_status", status=status) if frozen else status,
    ]
