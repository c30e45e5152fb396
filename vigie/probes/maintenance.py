"""Maintenance windows as time intervals: pure functions, DST-safe, shared with SLA accounting.

Rules (the operator's reading of a window, in the configured time zone):

- a one-off window covers ``[start, end)``; local times are in the configured zone;
- a weekly window starts at ``at`` local time on each listed day and lasts ``duration``
  of elapsed time (a 2 h window is 2 h long even on the night the clocks change);
- a start time that happens twice (clocks going back) is its first occurrence; a start
  time that does not exist (clocks going forward) begins when the clocks jump, i.e.
  ``02:30`` on the spring-forward night in Europe/Paris starts at 03:00 local time.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from vigie.probes.config import MaintenanceWindow, aware

Interval = tuple[float, float]


def applies_to(window: MaintenanceWindow, component: str) -> bool:
    """True when the window names the component (or every component with ``*``)."""
    return component in window.components or "*" in window.components


def _local_start(day: datetime, window: MaintenanceWindow, tz: ZoneInfo) -> float:
    assert window.weekly_at is not None
    naive = datetime.combine(day.date(), window.weekly_at)
    # fold=0: a repeated time is its first occurrence. A missing time gets the offset from
    # before the jump, which lands exactly on the jump's wall-clock time or after it.
    start = naive.replace(tzinfo=tz, fold=0).timestamp()
    jump = _jump_end(naive, tz)
    return start if jump is None else jump


def _jump_end(naive: datetime, tz: ZoneInfo) -> float | None:
    """For a wall-clock time that does not exist in ``tz``, the instant the clocks jumped."""
    before = naive.replace(tzinfo=tz, fold=0)
    after = naive.replace(tzinfo=tz, fold=1)
    if before.utcoffset() == after.utcoffset():
        return None
    # Both folds of a missing time map back to a different wall time; a repeated time does not.
    roundtrip = datetime.fromtimestamp(before.timestamp(), tz).replace(tzinfo=None)
    if roundtrip == naive:
        return None
    # The jump happens between the two readings; find it to the second by bisection.
    low, high = min(before.timestamp(), after.timestamp()), max(before.timestamp(), after.timestamp())
    low_offset = datetime.fromtimestamp(low, tz).utcoffset()
    while high - low > 1:
        mid = (low + high) / 2
        if datetime.fromtimestamp(mid, tz).utcoffset() == low_offset:
            low = mid
        else:
            high = mid
    return float(math.ceil(low))


def intervals(window: MaintenanceWindow, start: float, end: float, tz: ZoneInfo) -> list[Interval]:
    """The parts of ``[start, end)`` (epoch seconds) the window covers, in order."""
    if not window.recurring:
        assert window.start is not None and window.end is not None
        first, last = aware(window.start, tz).timestamp(), aware(window.end, tz).timestamp()
        return [(max(first, start), min(last, end))] if first < end and last > start else []
    assert window.duration is not None
    length = window.duration.total_seconds()
    # Every start that could overlap [start, end): from a window-length before `start`.
    day = datetime.fromtimestamp(start - length, UTC).astimezone(tz) - timedelta(days=1)
    stop = datetime.fromtimestamp(end, UTC).astimezone(tz) + timedelta(days=1)
    out: list[Interval] = []
    while day <= stop:
        if day.weekday() in window.weekly_days:
            begin = _local_start(day, window, tz)
            finish = begin + length
            if begin < end and finish > start:
                out.append((max(begin, start), min(finish, end)))
        day += timedelta(days=1)
    return _merge(out)


def _merge(parts: Iterable[Interval]) -> list[Interval]:
    merged: list[Interval] = []
    for a, b in sorted(parts):
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], b))
        else:
            merged.append((a, b))
    return merged


def active_window(
    windows: Iterable[MaintenanceWindow], component: str, ts: float, tz: ZoneInfo
) -> MaintenanceWindow | None:
    """The first window that covers instant ``ts`` for ``component``, or None."""
    for window in windows:
        if applies_to(window, component) and intervals(window, ts, ts + 1e-6, tz):
            return window
    return None
