"""`vigie store prune` and `vigie store rebuild`: retention of raw results, and rollup rebuild."""

from __future__ import annotations

import argparse
import time
from datetime import datetime
from typing import Any

from vigie.console.errors import UserError
from vigie.console.measurements import open_store
from vigie.console.output import print_json
from vigie.console.settings import config_path, load_settings
from vigie.kernel.text.language import Language
from vigie.reports.periods import parse_moment


def register(sub: Any) -> None:
    """Add `vigie store ...` to the CLI."""
    store = sub.add_parser("store", help="maintain the measurement store")
    store_sub = store.add_subparsers(dest="store_command", metavar="COMMAND", parser_class=type(store))
    prune = store_sub.add_parser(
        "prune",
        help="delete raw results older than [store] retention (rollups and frozen months stay)",
        description="Delete raw probe results older than the retention period (default 35 days) or "
        "--before; the rollups that SLA accounting reads are kept, so past months stay reproducible.",
    )
    prune.add_argument("--config", metavar="FILE", default=argparse.SUPPRESS, help="configuration file")
    prune.add_argument("--before", metavar="DATE", help="delete results before this date instead")
    prune.add_argument("--json", action="store_true", help="print the outcome as JSON")
    prune.set_defaults(handler=run_prune)
    rebuild = store_sub.add_parser(
        "rebuild",
        help="recompute the rollups from the raw results kept",
        description="Recompute segments and hourly rollups from the raw results still kept.",
    )
    rebuild.add_argument("--config", metavar="FILE", default=argparse.SUPPRESS, help="configuration file")
    rebuild.add_argument("--json", action="store_true", help="print the outcome as JSON")
    rebuild.set_defaults(handler=run_rebuild)
    store.set_defaults(handler=lambda args: store.print_help() or 2)


def run_prune(args: argparse.Namespace) -> int:
    """Apply retention to raw results."""
    settings = load_settings(config_path(getattr(args, "config", None)))
    if args.before:
        try:
            moment = parse_moment(args.before)
        except ValueError as exc:
            raise UserError(f"--before: {exc}") from None
        if not isinstance(moment, datetime):
            moment = datetime(moment.year, moment.month, moment.day)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=settings.timezone)
        cut = moment.timestamp()
    else:
        cut = time.time() - settings.probes.store.retention
    with open_store(settings) as store:
        deleted = store.delete_before(cut)
        horizon = store.horizon()
    moment = datetime.fromtimestamp(horizon or cut, settings.timezone)
    if args.json:
        print_json(
            {"deleted": deleted, "horizon": horizon, "horizon_local": moment.isoformat(timespec="minutes")}
        )
    else:
        lang = Language(settings.language)
        print(lang.t("cli.store.pruned", deleted=lang.number(deleted), when=lang.date_time(moment)))
    return 0


def run_rebuild(args: argparse.Namespace) -> int:
    """Recompute the rollups from raw results."""
    settings = load_settings(config_path(getattr(args, "config", None)))
    with open_store(settings) as store:
        store.rebuild_rollups()
        count = store.count()
    if args.json:
        print_json({"raw_results": count})
    else:
        lang = Language(settings.language)
        print(lang.t("cli.store.rebuilt", count=lang.number(count)))
    return 0
