"""Local-time rules (service schedules, maintenance windows) turned into UTC spans, DST included.

A schedule "mon-fri 08:30-18:30" is a set of *local* wall-clock spans. Inside a stretch
of constant UTC offset, local time is UTC plus that offset, so each local span maps to
UTC exactly; the stretches are found from the time zone's transitions. An instant is in
service when its local wall-clock time is: on the spring-forward night a local hour that
does not exist is never in service, and on the fall-back night a repeated local hour is
in service twice (two real hours).

Maintenance windows follow the operator's reading instead (:mod:`vigie.probes.maintenance`):
they start at a local time and last an elapsed duration.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from datetime import datetime, time
from zoneinfo import ZoneInfo

from vigie.probes import maintenance
from vigie.probes.config import MaintenanceWindow, Schedule
from vigie.probes.maintenance import applies_to
from vigie.reports.spans import Span, normalise

DAY = 86400
# 1970-01-01, day 0 of the epoch, was a Thursday (weekday 3 with Monday = 0).
_EPOCH_WEEKDAY = 3


def _offset(tz: ZoneInfo, ts: float) -> int:
    delta = datetime.fromtimestamp(ts, tz).utcoffset()
    return int(delta.total_seconds()) if delta is not None else 0


def offset_pieces(tz: ZoneInfo, start: float, end: float) -> list[tuple[float, float, int]]:
    """Stretches ``(a, b, offset)`` of constant UTC offset (seconds) covering ``[start, end)``."""
    pieces: list[tuple[float, float, int]] = []
    a, current = start, _offset(tz, start)
    probe = math.floor(start)
    while a < end:
        # Offsets change at most a few times a year: step by half-days, bisect to the second.
        nxt = min(probe + DAY // 2, math.ceil(end))
        if _offset(tz, nxt) != current:
            lo, hi = probe, nxt
            while hi - lo > 1:
                mid = (lo + hi) // 2
                if _offset(tz, mid) == current:
                    lo = mid
                else:
                    hi = mid
            pieces.append((a, float(hi), current))
            a, current = float(hi), _offset(tz, hi)
        elif nxt >= end:
            break
        probe = nxt
    pieces.append((a, end, current))
    return [p for p in pieces if p[1] > p[0]]


def local_to_utc(local: Iterable[Span], tz: ZoneInfo, start: float, end: float) -> list[Span]:
    """Map local wall-clock spans (seconds since 1970-01-01 00:00 local) to UTC, cut to ``[start, end)``."""
    spans = normalise(local)
    out: list[Span] = []
    for a, b, off in offset_pieces(tz, start, end):
        for lo, hi in spans:
            s, e = max(lo - off, a), min(hi - off, b)
            if s < e:
                out.append((s, e))
    return normalise(out)


def _seconds(moment: time) -> int:
    """Seconds since midnight; ``time.max`` (a window ending at 24:00) is a whole day."""
    if moment == time.max:
        return DAY
    return moment.hour * 3600 + moment.minute * 60 + moment.second


def _local_days(tz: ZoneInfo, start: float, end: float, margin: int) -> range:
    first = math.floor((start + _offset(tz, start)) / DAY) - margin
    last = math.floor((end + _offset(tz, end)) / DAY) + 1
    return range(first, last + 1)


def schedule_spans(schedule: Schedule, start: float, end: float) -> list[Span]:
    """The UTC spans of ``[start, end)`` inside the service schedule."""
    if end <= start:
        return []
    if schedule.always:
        return [(start, end)]
    local = [
        (day * DAY + _seconds(w.start), day * DAY + _seconds(w.end))
        for day in _local_days(schedule.timezone, start, end, 1)
        for w in schedule.windows
        if (day + _EPOCH_WEEKDAY) % 7 in w.days
    ]
    return local_to_utc(local, schedule.timezone, start, end)


def maintenance_spans(
    windows: Sequence[MaintenanceWindow], component: str, tz: ZoneInfo, start: float, end: float
) -> list[Span]:
    """The UTC spans of ``[start, end)`` inside the component's declared maintenance windows.

    Windows follow :mod:`vigie.probes.maintenance` (the rules the daemon tags results
    with): a weekly window starts at its local time and lasts its elapsed duration.
    """
    if end <= start:
        return []
    return normalise(
        span for w in windows if applies_to(w, component) for span in maintenance.intervals(w, start, end, tz)
    )
