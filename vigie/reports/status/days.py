"""A public component's daily bars and its availability over them, from the accounting.

One effective timeline is read per component over the whole range (the same rules as
:func:`vigie.reports.sla.compute_sla`: schedule, maintenance, ``confirm_after``, blips),
then each local day is accounted on its own slice of it with
:func:`vigie.accounting.figures.account`, so a day's figures are those `vigie sla --from D
--to D` gives. A day without any scheduled service is ``closed``; otherwise the day takes
the worst state measured in it (an outage shows however little of the day was measured),
except that it is green (``up``) only when at least :data:`MIN_COVERAGE` of it was measured:
a day nobody, or hardly anybody, measured is ``nodata`` (grey, never green).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from vigie.accounting.figures import SlaFigures, account
from vigie.accounting.schedules import schedule_spans
from vigie.accounting.timeline import StateSpan
from vigie.probes.config import Component, ProbesConfig
from vigie.probes.store import Store
from vigie.reports.sla import component_timeline

DAY_STATES = ("up", "degraded", "down", "maintenance", "nodata", "closed")
MIN_COVERAGE = 0.5
"""Share of a day's scheduled time (so far) that must be measured for the day to show green."""


@dataclass(frozen=True)
class Day:
    """One local day of a component: its state for the bar and the figures behind it."""

    day: date
    state: str
    availability: float | None
    down_s: float
    degraded_s: float
    maintenance_s: float
    coverage: float | None


@dataclass(frozen=True)
class DailyHistory:
    """A component's days, oldest first, and its availability over all of them (floored)."""

    days: tuple[Day, ...]
    availability: float | None
    down_s: float


def day_state(f: SlaFigures) -> str:
    """The bar's state of a day from its figures: the worst state that was measured, green
    only for a day measured enough."""
    if f.scheduled_s <= 0:
        return "closed"
    if f.up_s + f.degraded_s + f.down_s + f.maintenance_s <= 0:
        return "nodata"
    if f.down_s > 0:
        return "down"
    if f.degraded_s > 0:
        return "degraded"
    if f.maintenance_s > 0:
        return "maintenance"
    return "up" if (f.coverage or 0.0) >= MIN_COVERAGE else "nodata"


def local_days(today: date, count: int) -> list[date]:
    """The ``count`` days up to and including ``today``, oldest first."""
    return [today - timedelta(days=n) for n in range(count - 1, -1, -1)]


def midnight(day: date, tz: ZoneInfo) -> float:
    """Local midnight starting ``day`` (DST-exact: a day lasts 23, 24 or 25 hours)."""
    return datetime.combine(day, time(0), tz).timestamp()


def daily_history(
    store: Store, config: ProbesConfig, component: Component, days: list[date], now: float
) -> DailyHistory:
    """The component's figures for each of ``days`` (consecutive, oldest first) up to ``now``."""
    tz = config.timezone
    start, end = midnight(days[0], tz), midnight(days[-1] + timedelta(days=1), tz)
    timeline = component_timeline(store, config, component, start, end)
    starts, ends = [s.start for s in timeline], [s.end for s in timeline]

    def accounted(lo: float, hi: float) -> SlaFigures:
        part: list[StateSpan] = timeline[bisect_right(ends, lo) : bisect_left(starts, hi)]
        return account(component, part, schedule_spans(component.schedule, lo, hi), lo, hi, now)

    out = []
    for day in days:
        lo, hi = midnight(day, tz), midnight(day + timedelta(days=1), tz)
        f = accounted(lo, hi)
        out.append(
            Day(day, day_state(f), f.availability, f.down_s, f.degraded_s, f.maintenance_s, f.coverage)
        )
    whole = accounted(start, end)
    return DailyHistory(tuple(out), whole.availability, whole.down_s)
