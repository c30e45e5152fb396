"""Is this instant inside a maintenance window? Pure functions, DST-safe.

The rule is the SLA accounting's (:func:`vigie.reports.wallclock.maintenance_spans`), so
the daemon marks as ``maintenance`` exactly the time the reports exclude:

- a one-off window covers ``[start, end)``; local date-times are in the configured zone;
- a weekly window covers the local wall-clock span from ``at`` on each listed day for
  ``duration`` of wall-clock time. An instant is inside when its local wall-clock time
  is: on the spring-forward night a local hour that does not exist is never inside (a
  02:00-04:00 window lasts one real hour), on the fall-back night a repeated local hour
  is inside twice (the same window lasts three real hours).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from vigie.probes.config import MaintenanceWindow, aware


def applies_to(window: MaintenanceWindow, component: str) -> bool:
    """True when the window names the component (or every component with ``*``)."""
    return component in window.components or "*" in window.components


def covers(window: MaintenanceWindow, ts: float, tz: ZoneInfo) -> bool:
    """True when instant ``ts`` (epoch seconds) is inside the window."""
    if not window.recurring:
        assert window.start is not None and window.end is not None
        return aware(window.start, tz).timestamp() <= ts < aware(window.end, tz).timestamp()
    assert window.weekly_at is not None and window.duration is not None
    local = datetime.fromtimestamp(ts, tz).replace(tzinfo=None)  # the wall clock's reading
    # A window that started on an earlier day may still be running (durations up to a week).
    for back in range(math.ceil(window.duration / timedelta(days=1)) + 1):
        day = local.date() - timedelta(days=back)
        if day.weekday() in window.weekly_days:
            begin = datetime.combine(day, window.weekly_at)
            if begin <= local < begin + window.duration:
                return True
    return False


def active_window(
    windows: Iterable[MaintenanceWindow], component: str, ts: float, tz: ZoneInfo
) -> MaintenanceWindow | None:
    """The first window that covers instant ``ts`` for ``component``, or None."""
    for window in windows:
        if applies_to(window, component) and covers(window, ts, tz):
            return window
    return None
