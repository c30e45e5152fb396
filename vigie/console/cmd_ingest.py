"""`vigie ingest samples FILE.csv`: import measurement history (all or nothing per file)."""

from __future__ import annotations

import argparse
import os
import sys
from datetime import datetime, tzinfo
from functools import partial
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TaskID, TextColumn, TimeRemainingColumn

from vigie.console.duration_args import duration_option
from vigie.console.errors import UserError
from vigie.console.measurements import open_store
from vigie.console.output import print_json
from vigie.console.settings import config_path, load_settings
from vigie.kernel.text.language import Language
from vigie.probes.config import INGEST_PROBE
from vigie.probes.ingest import MAX_STEP, IngestStats, ingest_samples
from vigie.probes.rollups import RetentionError


def register(sub: Any) -> None:
    """Add `vigie ingest samples` to the CLI."""
    ingest = sub.add_parser("ingest", help="import measurement history")
    ingest_sub = ingest.add_subparsers(dest="ingest_command", metavar="COMMAND", parser_class=type(ingest))
    samples = ingest_sub.add_parser(
        "samples",
        help="import probe results from CSV (component,timestamp,status[,latency_ms,detail,interval_s])",
        description="Import history: header component,timestamp,status and optionally latency_ms,detail, "
        "probe,value,interval_s; timestamps ISO 8601 with an offset or Z; status up, degraded, down or "
        "maintenance. A row covers the time until its component's next row, at most twice its step: its "
        "interval_s cell, else --step, else the median spacing of the component's rows (said in the "
        "summary). Each file is checked whole first (a bad row writes nothing), then written in short "
        "transactions; rows already stored are skipped, so re-importing (also after an interrupted "
        "import) is harmless. Rows without a probe cell get the probe id 'ingest'.",
    )
    samples.add_argument("files", nargs="+", metavar="FILE.csv", help="CSV files, imported in order")
    samples.add_argument(
        "--step",
        metavar="DURATION",
        help="the step of the rows without an interval_s cell (e.g. 5m; default: each component's median spacing)",
    )
    samples.add_argument("--config", metavar="FILE", default=argparse.SUPPRESS, help="configuration file")
    samples.add_argument("--json", action="store_true", help="print what was imported as JSON")
    samples.set_defaults(handler=run_samples)
    ingest.set_defaults(handler=lambda args: ingest.print_help() or 2)


def _stats_json(path: str, stats: IngestStats) -> dict[str, Any]:
    return {
        "file": path,
        "rows": stats.rows,
        "added": stats.added,
        "components": stats.components,
        "first_ts": stats.first_ts,
        "last_ts": stats.last_ts,
        "seconds": round(stats.seconds, 3),
        "rows_per_s": round(stats.rate),
        "steps": [
            {"component": s.component, "probe": s.probe, "step_s": s.seconds, "source": s.source}
            for s in stats.steps
        ],
    }


def run_samples(args: argparse.Namespace) -> int:
    """Import each file in its own transaction; stop at the first bad one."""
    step = duration_option("--step", args.step, MAX_STEP)
    settings = load_settings(config_path(getattr(args, "config", None)))
    done = []
    err = Console(stderr=True)
    with open_store(settings) as store:
        for path in args.files:
            try:
                if sys.stderr.isatty():
                    with Progress(
                        TextColumn("{task.description}"),
                        BarColumn(),
                        DownloadColumn(),
                        TimeRemainingColumn(),
                        console=err,
                        transient=True,
                    ) as bar:
                        size = _size(path)
                        # Checked whole, then written: the bar counts the file twice.
                        task = bar.add_task(path, total=None if size is None else 2 * size)
                        stats = ingest_samples(
                            store, path, settings.probes, partial(_advance, bar, task), step
                        )
                else:
                    stats = ingest_samples(store, path, settings.probes, step=step)
            except RetentionError as exc:  # a bad file is a ConfigError: one located line, exit 2
                raise UserError(str(exc)) from None
            done.append(_stats_json(path, stats))
            if not args.json:
                print(_summary(path, stats, settings.timezone, Language(settings.language)))
    if args.json:
        print_json(done)
    return 0


def _summary(path: str, stats: IngestStats, tz: tzinfo, lang: Language) -> str:
    """One line per file for people: rows read, rows new, components and the time span."""
    span = ""
    if stats.first_ts is not None and stats.last_ts is not None:
        first = datetime.fromtimestamp(stats.first_ts, tz)
        last = datetime.fromtimestamp(stats.last_ts, tz)
        span = lang.t("cli.ingest.span", first=lang.date_time(first), last=lang.date_time(last))
    line = lang.t(
        "cli.ingest.imported",
        path=path,
        rows=lang.number(stats.rows),
        added=lang.number(stats.added),
        components=lang.number(stats.components),
        span=span,
        rate=lang.number(stats.rate),
    )
    return "\n".join([line, *_steps(stats, lang)])


def _steps(stats: IngestStats, lang: Language) -> list[str]:
    """The steps the rows cover, one line per way they were found (the inferred ones named)."""
    by_source: dict[str, list[str]] = {}
    for step in stats.steps:
        name = step.component if step.probe == INGEST_PROBE else f"{step.component}/{step.probe}"
        shown = name if step.seconds is None else f"{name} {lang.duration(step.seconds)}"
        by_source.setdefault(step.source, []).append(shown)
    return [
        lang.t(f"cli.ingest.step.{source}", steps=", ".join(by_source[source]))
        for source in ("median", "option", "column", "configured")
        if source in by_source
    ]


def _advance(bar: Progress, task: TaskID, done: int) -> None:
    bar.update(task, completed=done)


def _size(path: str) -> int | None:
    try:
        return os.path.getsize(path)
    except OSError:
        return None
