"""`vigie export openmetrics [period]`: stored results as the series an agent serves, for
``promtool tsdb create-blocks-from openmetrics`` or VictoriaMetrics' import API (see
:mod:`vigie.probes.openmetrics`)."""

from __future__ import annotations

import argparse
import contextlib
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

from vigie.console.errors import EXIT_OK, UserError
from vigie.console.period_args import add_period_arguments, period_from_args
from vigie.console.settings import config_path, load_settings
from vigie.kernel.text.language import Language
from vigie.probes.openmetrics import FORMATS, write_series
from vigie.probes.store import Store


def register(sub: Any) -> None:
    """Add `vigie export openmetrics` to the CLI."""
    export = sub.add_parser("export", help="stored results for an engine (Prometheus, VictoriaMetrics)")
    kinds = export.add_subparsers(dest="export_kind", metavar="KIND", parser_class=type(export))
    om = kinds.add_parser(
        "openmetrics",
        help="stored results as vigie_probe_* series with their own timestamps",
        description="Write the stored results of a period as the series an agent serves "
        "(vigie_probe_success, vigie_probe_state, vigie_probe_duration_seconds), each at its own "
        "time: OpenMetrics for `promtool tsdb create-blocks-from openmetrics`, or with --format "
        "prometheus the text format with millisecond timestamps for VictoriaMetrics' "
        "/api/v1/import/prometheus. Leave the last two hours out when Prometheus already scrapes them.",
    )
    om.add_argument("--config", metavar="FILE", default=argparse.SUPPRESS, help="configuration file")
    add_period_arguments(om)
    om.add_argument("--agent", metavar="NAME", help="read that agent's store and label its series agent=NAME")
    om.add_argument(
        "--format", choices=FORMATS, default="openmetrics", help="spelling (default: openmetrics)"
    )
    om.add_argument("--out", metavar="FILE", help="output file (default: standard output)")
    om.set_defaults(handler=run_export)
    export.set_defaults(handler=lambda args: export.print_help() or 2)


def run_export(args: argparse.Namespace) -> int:
    """Write the series of the period asked."""
    settings = load_settings(config_path(getattr(args, "config", None)))
    try:
        period = period_from_args(args, datetime.now(settings.timezone))
    except ValueError as exc:
        raise UserError(str(exc)) from None
    if args.agent is None:
        path = settings.store_path()
    else:
        agent = next((a for a in settings.probes.agents if a.name == args.agent), None)
        if agent is None:
            raise UserError(f"--agent: no agent named '{args.agent}' in [[agents]]")
        path = settings.file.parent / agent.store_file
    if not path.exists():
        raise UserError(f"{path}: no store here (nothing measured yet)")
    out_path = Path(args.out) if args.out else None
    if out_path is not None and not out_path.parent.is_dir():
        raise UserError(f"--out {args.out}: folder {out_path.parent} does not exist")
    with contextlib.ExitStack() as stack:
        store = stack.enter_context(Store.of_config(settings.probes, path))
        out = sys.stdout if out_path is None else stack.enter_context(out_path.open("w", encoding="utf-8"))
        stack.enter_context(store.snapshot())
        count = write_series(
            store, period.start_ts, period.end_ts, out, agent=args.agent or "", spelling=args.format
        )
    if out_path is not None:
        lang = Language(settings.language)
        sys.stderr.write(
            lang.t("cli.export.written", results=lang.plural("cli.export.results", count), out=out_path)
            + "\n"
        )
    return EXIT_OK
