"""File-flow check on an EDI drop directory: arrivals per interval and the oldest waiting file.

A file is "waiting" while it is in the directory; the consumer removes or moves it once
processed. Arrivals are files whose modification time falls in the last interval.
"""

from __future__ import annotations

import time
from pathlib import Path

from vigie.configfile import format_duration
from vigie.probes.checks.base import Outcome, short
from vigie.probes.config import FileflowOptions
from vigie.probes.results import Status


def check_fileflow(options: FileflowOptions, interval: float, now: float | None = None) -> Outcome:
    """Measure throughput (files per second over the last interval) and backlog age."""
    now = time.time() if now is None else now
    folder = Path(options.path)
    if not folder.is_dir():
        return Outcome(Status.DOWN, f"{options.path} is not a directory")
    mtimes: list[float] = []
    try:
        for entry in folder.glob(options.pattern):
            try:
                if entry.is_file():
                    mtimes.append(entry.stat().st_mtime)
            except FileNotFoundError:
                continue  # consumed while we looked: no longer waiting
    except OSError as exc:
        return Outcome(Status.DOWN, f"cannot read {options.path}: {short(exc)}")
    arrived = sum(1 for m in mtimes if now - interval <= m <= now)
    rate = arrived / interval
    backlog = max(0.0, now - min(mtimes)) if mtimes else 0.0
    detail = f"{arrived} files in {format_duration(interval)}, {len(mtimes)} waiting"
    if mtimes:
        detail += f", oldest {format_duration(backlog)}"
    status = Status.UP
    if options.backlog_down is not None and backlog > options.backlog_down:
        status = Status.DOWN
        detail = f"backlog over {format_duration(options.backlog_down)}: {detail}"
    elif options.backlog_degraded is not None and backlog > options.backlog_degraded:
        status = Status.DEGRADED
        detail = f"backlog over {format_duration(options.backlog_degraded)}: {detail}"
    return Outcome(status, detail, value=rate)
