"""File-flow check on an EDI drop directory: arrivals per interval and the oldest waiting file.

A file is "waiting" while it is in the directory; the consumer removes or moves it once
processed. Arrivals are files whose modification time falls in the last interval.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from pathlib import Path

from vigie.accounting.results import Status
from vigie.kernel.durations import format_duration, parse_duration
from vigie.probes.checks.base import Outcome, short
from vigie.probes.config import FileflowOptions


@dataclass(frozen=True)
class FileflowFacts:
    """What one file-flow check counted: the facts its stored ``detail`` is written from.

    ``oldest_s`` is the age of the oldest waiting file (None when none waits);
    ``over_s`` the backlog threshold that age passed (None when within thresholds).
    """

    arrived: int
    interval_s: float
    waiting: int
    oldest_s: float | None = None
    over_s: float | None = None

    def detail(self) -> str:
        """The stored sentence: ``[backlog over 10m: ]6 files in 1m, 3 waiting[, oldest 20m]``."""
        files = "file" if self.arrived == 1 else "files"
        text = f"{self.arrived} {files} in {format_duration(self.interval_s)}, {self.waiting} waiting"
        if self.oldest_s is not None:
            text += f", oldest {format_duration(self.oldest_s)}"
        if self.over_s is not None:
            text = f"backlog over {format_duration(self.over_s)}: {text}"
        return text


# The reverse of FileflowFacts.detail; durations are format_duration's (1h30m, 45s, 0ms).
_DETAIL = re.compile(
    r"(?:backlog over (?P<over>\S+): )?"
    r"(?P<arrived>\d+) files? in (?P<interval>\S+), (?P<waiting>\d+) waiting"
    r"(?:, oldest (?P<oldest>\S+))?"
)


def _seconds(text: str) -> float:
    # Under a second format_duration writes milliseconds (one figure under one: 0.01ms).
    return float(text[:-2]) / 1000 if text.endswith("ms") else parse_duration(text)


def read_detail(detail: str) -> FileflowFacts | None:
    """The facts back from a stored file-flow ``detail`` (None for a failure's reason).

    Readers (the console) show the facts in their own words; the stored sentence stays
    as written. Durations come back as precise as the sentence has them.
    """
    match = _DETAIL.fullmatch(detail)
    if match is None:
        return None
    try:
        over, oldest = match["over"], match["oldest"]
        return FileflowFacts(
            arrived=int(match["arrived"]),
            interval_s=_seconds(match["interval"]),
            waiting=int(match["waiting"]),
            oldest_s=None if oldest is None else _seconds(oldest),
            over_s=None if over is None else _seconds(over),
        )
    except ValueError:
        return None


def check_fileflow(options: FileflowOptions, interval: float, now: float | None = None) -> Outcome:
    """Measure throughput (files per second over the last interval) and backlog age."""
    now = time.time() if now is None else now
    folder = Path(options.path)
    if not folder.is_dir():
        return Outcome(Status.DOWN, f"{options.path} is not a directory")
    mtimes: list[float] = []
    files: list[tuple[str, float]] = []
    try:
        for entry in folder.glob(options.pattern):
            try:
                if entry.is_file():
                    mtime = entry.stat().st_mtime
                    mtimes.append(mtime)
                    files.append((entry.name, mtime))
            except FileNotFoundError:
                continue  # consumed while we looked: no longer waiting
    except OSError as exc:
        return Outcome(Status.DOWN, f"cannot read {options.path}: {short(exc)}")
    arrived = sum(1 for m in mtimes if now - interval <= m <= now)
    rate = arrived / interval
    backlog = max(0.0, now - min(mtimes)) if mtimes else 0.0
    status, over = Status.UP, None
    if options.backlog_down is not None and backlog > options.backlog_down:
        status, over = Status.DOWN, options.backlog_down
    elif options.backlog_degraded is not None and backlog > options.backlog_degraded:
        status, over = Status.DEGRADED, options.backlog_degraded
    facts = FileflowFacts(arrived, interval, len(mtimes), backlog if mtimes else None, over)
    return Outcome(status, facts.detail(), value=rate, files=tuple(files))
