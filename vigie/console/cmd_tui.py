"""`vigie tui`: the Textual operations console over the store."""

from __future__ import annotations

import argparse
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from vigie.console.catalog_input import as_of_date
from vigie.console.errors import UserError
from vigie.console.measurements import add_source_argument
from vigie.console.settings import config_path, load_settings


def register(sub: Any) -> None:
    """Add `vigie tui` to the CLI."""
    tui = sub.add_parser(
        "tui",
        help="open the operations console (Textual)",
        description="The live console: availability, flows, tickets, homologations, "
        "decommissioning and the application map. Press ? inside for the keys.",
    )
    tui.add_argument("--config", metavar="FILE", default=argparse.SUPPRESS, help="configuration file")
    tui.add_argument(
        "--interval",
        type=float,
        default=2.0,
        metavar="SECONDS",
        help="refresh interval in seconds (default 2; + and - change it inside)",
    )
    tui.add_argument(
        "--as-of",
        type=as_of_date,
        metavar="YYYY-MM-DD",
        help="show the console as it stood at the end of that day (figures, tickets, homologations, "
        "decommissioning; default: now)",
    )
    tui.add_argument("--json", action="store_true", help=argparse.SUPPRESS)
    add_source_argument(tui)
    tui.set_defaults(handler=run_tui)


def run_tui(args: argparse.Namespace) -> int:
    """Load the configuration (errors exit 2 before the screen opens) and run the console."""
    from vigie.console.tui.app import VigieApp

    settings = load_settings(config_path(getattr(args, "config", None)))
    if args.json:
        raise UserError("vigie tui is interactive: use vigie sla --json for figures")
    if not 0.1 <= args.interval <= 3600:
        raise UserError(f"--interval {args.interval:g}: must be between 0.1 and 3600 seconds")
    if args.as_of is None:
        VigieApp(settings, interval=args.interval, source=args.source).run()
        return 0
    moment = end_of_day(args.as_of, settings.timezone)
    VigieApp(
        settings, interval=args.interval, clock=lambda: moment, as_of=args.as_of, source=args.source
    ).run()
    return 0


def end_of_day(day: date, zone: ZoneInfo) -> float:
    """The last second of ``day`` in ``zone`` (now, for today), in epoch seconds."""
    following = datetime.combine(day + timedelta(days=1), time(0), zone)
    return min(following.timestamp() - 1, datetime.now(zone).timestamp())
