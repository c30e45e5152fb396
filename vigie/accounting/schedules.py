"""Service schedules and maintenance windows as UTC spans, DST included: pure functions the
accounting, the daemon (tagging results in maintenance) and the console share.

**Service schedules** ("mon-fri 08:30-18:30") are local wall-clock spans: an instant is in
service when its local wall-clock time is. On the spring-forward night a local hour that
does not exist is never in service; on the fall-back night a repeated local hour is in
service twice (two real hours).

**Maintenance windows** follow the operator's reading instead, in the configured zone:

- a one-off window covers ``[start, end)``; local times are in the configured zone;
- a weekly window starts at ``at`` local time on each listed day and lasts ``duration``
  of elapsed time (a 2 h window is 2 h long even on the night the clocks change);
- a start time that happens twice (clocks going back) is its first occurrence; a start
  time that does not exist (clocks going forward) begins when the clocks jump, i.e.
  ``02:30`` on the spring-forward night in Europe/Paris starts at 03:00 local time.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from vigie.accounting.terms import MaintenanceWindow, Schedule
from vigie.kernel.localtime import DAY, aware, jump_end, local_to_utc, utc_offset
from vigie.kernel.spans import Span, normalise

# 1970-01-01, day 0 of the epoch, was a Thursday (weekday 3 with Monday = 0).
_EPOCH_WEEKDAY = 3


def _seconds(moment: time) -> int:
    """Seconds since midnight; ``time.max`` (a window ending at 24:00) is a whole day."""
    if moment == time.max:
        return DAY
    return moment.hour * 3600 + moment.minute * 60 + moment.second


def _local_days(tz: ZoneInfo, start: float, end: float, margin: int) -> range:
    first = math.floor((start + utc_offset(tz, start)) / DAY) - margin
    last = math.floor((end + utc_offset(tz, end)) / DAY) + 1
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

    A weekly window starts at its local time and lasts its elapsed duration (see the
    module's rules).
    """
    if end <= start:
        return []
    return normalise(
        span for w in windows if applies_to(w, component) for span in window_spans(w, start, end, tz)
    )


def applies_to(window: MaintenanceWindow, component: str) -> bool:
    """True when the window names the component (or every component with ``*``)."""
    return component in window.components or "*" in window.components


def _local_start(day: datetime, window: MaintenanceWindow, tz: ZoneInfo) -> float:
    assert window.weekly_at is not None
    naive = datetime.combine(day.date(), window.weekly_at)
    # fold=0: a repeated time is its first occurrence. A missing time gets the offset from
    # before the jump, which lands exactly on the jump's wall-clock time or after it.
    start = naive.replace(tzinfo=tz, fold=0).timestamp()
    jump = jump_end(naive, tz)
    return start if jump is None else jump


def window_spans(window: MaintenanceWindow, start: float, end: float, tz: ZoneInfo) -> list[Span]:
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
    out: list[Span] = []
    while day <= stop:
        if day.weekday() in window.weekly_days:
            begin = _local_start(day, window, tz)
            finish = begin + length
            if begin < end and finish > start:
                out.append((max(begin, start), min(finish, end)))
        day += timedelta(days=1)
    return normalise(out)


def active_window(
    windows: Iterable[MaintenanceWindow], component: str, ts: float, tz: ZoneInfo
) -> MaintenanceWindow | None:
    """The first window that covers instant ``ts`` for ``component``, or None."""
    for window in windows:
        if applies_to(window, component) and window_spans(window, ts, ts + 1e-6, tz):
            return window
    return None
