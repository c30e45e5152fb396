"""`vigie tickets import|pull|stats`: service-desk tickets into the store, and their figures."""

from __future__ import annotations

import argparse
import sys
from dataclasses import asdict
from typing import Any

from vigie.console.errors import UserError
from vigie.console.output import print_json, print_table
from vigie.console.settings import Settings, config_path, load_settings
from vigie.kernel.text.language import MISSING, Language
from vigie.probes.tickets.csvimport import import_csv
from vigie.probes.tickets.glpi import GlpiClient, GlpiError, pull
from vigie.probes.tickets.mapping import GlpiMapper
from vigie.probes.tickets.store import TicketStore
from vigie.reports.periods import Period, parse_period
from vigie.reports.tickets import (
    GROUPINGS,
    Figures,
    TicketStats,
    previous_known,
    previous_year,
    stats_from_facts,
)


def register(sub: Any) -> None:
    """Add `vigie tickets ...` to the CLI."""
    tickets = sub.add_parser("tickets", help="service-desk tickets: import, pull from GLPI, statistics")
    tickets_sub = tickets.add_subparsers(
        dest="tickets_command", metavar="COMMAND", parser_class=type(tickets)
    )

    imp = tickets_sub.add_parser(
        "import",
        help="import tickets from CSV files (Vigie's format or a GLPI export)",
        description="Import CSV files of tickets. Each file is imported whole or not at all; "
        "a bad row is reported as file:line: field: message (exit 2). Re-importing is harmless.",
    )
    imp.add_argument("files", nargs="+", metavar="FILE.csv")
    imp.add_argument("--no-progress", action="store_true", help="no progress bar, even on a terminal")
    imp.set_defaults(handler=run_import)

    pul = tickets_sub.add_parser(
        "pull",
        help="pull tickets changed since the last pull from GLPI's REST API",
        description="Pull tickets from GLPI ([tickets.glpi] in the config); tokens come from "
        "the environment variables the config names.",
    )
    pul.add_argument("--full", action="store_true", help="ignore the cursor and pull every ticket")
    pul.set_defaults(handler=run_pull)

    stats = tickets_sub.add_parser(
        "stats",
        help="ticket volumes, growth, first-contact resolution, time to resolve, backlog",
        description="Figures over a period (default: the current month), against the same "
        "dates a year earlier.",
    )
    stats.add_argument("--month", metavar="YYYY-MM")
    stats.add_argument("--year", metavar="YYYY")
    stats.add_argument("--from", dest="start", metavar="DATE", help="first day (ISO date or date-time)")
    stats.add_argument("--to", dest="end", metavar="DATE", help="last day, included (a date-time: excluded)")
    stats.add_argument("--by", choices=GROUPINGS, help="one row per application, month, channel or level")
    stats.set_defaults(handler=run_stats)

    for parser in (imp, pul, stats):
        parser.add_argument("--config", metavar="FILE", default=argparse.SUPPRESS, help="configuration file")
        parser.add_argument("--json", action="store_true", help="print JSON")
    tickets.set_defaults(handler=lambda args: tickets.print_help() or 2)


def _settings(args: argparse.Namespace) -> Settings:
    return load_settings(config_path(getattr(args, "config", None)))


def run_import(args: argparse.Namespace) -> int:
    """Import each file in turn; stop at the first bad one."""
    settings = _settings(args)
    lang = Language(settings.language)
    results = []
    with TicketStore(settings.store_path(), settings.probes.store.busy_timeout) as store:
        for name in args.files:
            result = import_csv(name, store, settings.tickets, progress=False if args.no_progress else None)
            results.append(result)
            for warning in result.warnings:
                print(f"vigie: warning: {warning}", file=sys.stderr)
            if not args.json:
                print(
                    lang.t(
                        "cli.tickets.imported",
                        file=result.file,
                        rows=lang.number(result.rows),
                        format=result.format,
                        stored=lang.number(result.stored),
                    )
                )
    if args.json:
        print_json([asdict(r) for r in results])
    return 0


def run_pull(args: argparse.Namespace) -> int:
    """Pull from GLPI into the store."""
    settings = _settings(args)
    glpi = settings.tickets.glpi
    if glpi is None:
        raise UserError(
            f"{settings.file}: tickets.glpi: missing (url, user_token, app_token) to pull from GLPI"
        )
    with TicketStore(settings.store_path(), settings.probes.store.busy_timeout) as store:
        try:
            with GlpiClient(glpi) as client:
                result = pull(client, store, GlpiMapper(settings.tickets), full=args.full)
        except GlpiError as exc:
            raise UserError(str(exc)) from None
    if args.json:
        print_json(asdict(result))
    else:
        lang = Language(settings.language)
        print(
            lang.t(
                "cli.tickets.pulled",
                url=glpi.url,
                fetched=lang.number(result.fetched),
                stored=lang.number(result.stored),
                cursor=result.cursor or MISSING,
            )
        )
    return 0


# --- statistics --------------------------------------------------------------------------


def run_stats(args: argparse.Namespace) -> int:
    """Compute and print the figures of a period."""
    settings = _settings(args)
    zone = settings.timezone
    try:
        period = parse_period(
            zone, month_text=args.month, year_text=args.year, from_text=args.start, to_text=args.end
        )
    except ValueError as exc:
        raise UserError(str(exc)) from None
    with TicketStore(settings.store_path(), settings.probes.store.busy_timeout) as store:
        facts = store.facts_for_period(previous_year(period).start, period.end)
        stats = stats_from_facts(facts, period, by=args.by, timezone=zone)
    if args.json:
        print_json(stats_json(stats))
    else:
        _print_stats(stats, settings.language)
    return 0


def stats_json(stats: TicketStats) -> dict[str, Any]:
    """The JSON form of ticket figures: ratios are ratios, durations are seconds."""

    def period(p: Period) -> dict[str, str]:
        return {"label": p.label, "start": p.start.isoformat(), "end": p.end.isoformat()}

    known = previous_known(stats)

    def figures(f: Figures) -> dict[str, Any]:
        # The year before without any ticket is no data: null, not 0.
        return asdict(f) if known else {**asdict(f), "previous": None}

    return {
        "period": period(stats.period),
        "previous": period(stats.previous),
        "total": figures(stats.total),
        "by": stats.by,
        "groups": [figures(g) for g in stats.groups],
    }


def _print_stats(stats: TicketStats, language: str) -> None:
    lang = Language(language)
    known = previous_known(stats)

    def row(f: Figures, key: str) -> list[object]:
        return [
            key,
            lang.number(f.opened),
            lang.number(f.previous if known else None),
            lang.change(f.growth),
            lang.percent(f.first_contact_rate, 1),
            lang.duration(f.median_resolve_s),
            lang.duration(f.p90_resolve_s),
            lang.number(f.backlog),
        ]

    # Channels by their name in the language (the JSON keeps the codes).
    rows = [row(g, lang.label("channel", g.key) if stats.by == "channel" else g.key) for g in stats.groups]
    # Without a grouping the one row is the period's (a "Total" header over "Total" says nothing).
    rows.append(row(stats.total, lang.t("common.total") if stats.by else stats.period.label))
    columns = [
        stats.by or "period",
        "opened",
        "previous",
        "growth",
        "first_contact",
        "median",
        "p90",
        "backlog",
    ]
    print_table(
        [lang.t(f"cli.tickets.col.{c}") for c in columns],
        rows,
        title=lang.t("cli.tickets.title", label=stats.period.label, previous=stats.previous.label),
        right=range(1, 8),
    )
