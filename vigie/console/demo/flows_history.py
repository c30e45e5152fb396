"""A simulated year of throughput: hourly rates of the exchange system and the API platform.

Written as a history CSV with the ``probe`` and ``value`` columns (DESIGN.md §7,
``component,timestamp,status,probe,value``): one row per hour for each component's
throughput-role probe, ``value`` the hour's mean rate per second, which is what the live
probes store and what the reports compare to the component's nominal capacity.

- The exchange system (``systeme-echanges``) receives each month the scenario's
  ``[flows] monthly`` count (30,000 to 55,000 flows, growing through the year, July over
  the 50,000 a month capacity), spread over the month's hours by the day's load curve,
  quieter at weekends.
- The API platform of Chorus Pro takes nearly ``[api] calls_per_day`` on a working day
  late in the year (less early in the year and at weekends), more on the month's closing
  and opening working days, when invoices pile up: those peak days go over the 6 million
  a day capacity.

This is simulated data shaped after the 2017 activity report, not measured data.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from vigie.console.demo.history import year_bounds
from vigie.console.demo.scenario import Scenario
from vigie.probes.config import ProbesConfig

FLOWS_HEADER = ("component", "timestamp", "status", "probe", "value")
EXCHANGE = "systeme-echanges"
API = "chorus-pro"
WEEKEND_FLOWS = 0.9  # weight of a weekend hour against a working-day hour (machine flows run all week)
WEEKEND_CALLS = (0.45, 0.35)  # Saturday, Sunday: share of a working day's API calls
API_START, API_END = 0.86, 0.97  # share of ``calls_per_day`` on a working day in January, December
API_PEAK = 1.12  # closing and opening working days of a month
API_NOISE = 0.04  # day-to-day spread (normal, relative)


@dataclass(frozen=True)
class FlowsSummary:
    """What was written for one component: rows and the year's volume in capacity units."""

    component: str
    probe: str
    rows: int
    total: float
    monthly: tuple[float, ...]


def throughput_probe(config: ProbesConfig, component: str) -> str | None:
    """The id of the component's first throughput-role probe, if it has one."""
    return next((p.id for p in config.probes if p.component == component and p.role == "throughput"), None)


def hours_of_year(year: int, tz: ZoneInfo) -> list[datetime]:
    """The year's UTC hours (local calendar year), as aware local date-times."""
    start, end = year_bounds(year, tz)
    count = int((end - start).total_seconds() // 3600)
    return [(start + timedelta(hours=i)).astimezone(tz) for i in range(count)]


def exchange_counts(scenario: Scenario, hours: list[datetime]) -> list[float]:
    """Flows received in each hour: the month's count spread by load, quieter at weekends."""
    rng = scenario.rng("flows-history", EXCHANGE)
    load = scenario.hourly_load
    weights = [
        load[h.hour] * (WEEKEND_FLOWS if h.weekday() >= 5 else 1.0) * math.exp(rng.gauss(0.0, 0.1))
        for h in hours
    ]
    totals: dict[Hashable, float] = {
        month: float(n) for month, n in enumerate(scenario.flows_monthly, start=1)
    }
    return _spread(hours, weights, lambda h: h.month, totals)


def api_counts(scenario: Scenario, hours: list[datetime]) -> list[float]:
    """API calls in each hour: each day's total spread over its hours by the load curve."""
    rng = scenario.rng("flows-history", API)
    days = sorted({h.date() for h in hours})
    peaks = _closing_and_opening_days(days)
    totals: dict[Hashable, float] = {}
    for day in days:
        weekday = day.weekday()
        share = WEEKEND_CALLS[weekday - 5] if weekday >= 5 else (API_PEAK if day in peaks else 1.0)
        trend = API_START + (API_END - API_START) * (day.timetuple().tm_yday - 1) / 364
        totals[day] = scenario.api_calls_per_day * trend * share * max(0.5, rng.gauss(1.0, API_NOISE))
    weights = [scenario.hourly_load[h.hour] for h in hours]
    return _spread(hours, weights, lambda h: h.date(), totals)


def _closing_and_opening_days(days: list[date]) -> set[date]:
    """The last two and the first working days of each month (``days`` in order)."""
    by_month: dict[tuple[int, int], list[date]] = defaultdict(list)
    for day in days:
        if day.weekday() < 5:
            by_month[(day.year, day.month)].append(day)
    return {d for working in by_month.values() for d in (*working[:1], *working[-2:])}


def _spread(
    hours: list[datetime],
    weights: list[float],
    group: Callable[[datetime], Hashable],
    totals: dict[Hashable, float],
) -> list[float]:
    """Split each group's total over its hours in proportion to their weights."""
    sums: dict[Hashable, float] = defaultdict(float)
    keys = [group(h) for h in hours]
    for key, weight in zip(keys, weights, strict=True):
        sums[key] += weight
    return [totals[key] * weight / sums[key] for key, weight in zip(keys, weights, strict=True)]


def write_flows(scenario: Scenario, config: ProbesConfig, folder: Path) -> tuple[Path, list[FlowsSummary]]:
    """Write ``flows-YEAR.csv`` into ``folder``: hourly rates under the throughput probes' ids.

    A component without a throughput probe in ``config`` is left out.
    """
    hours = hours_of_year(scenario.history_year, config.timezone)
    series = []
    for component, hourly in ((EXCHANGE, exchange_counts), (API, api_counts)):
        probe = throughput_probe(config, component)
        if probe is not None:
            series.append((component, probe, hourly(scenario, hours)))
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"flows-{scenario.history_year}.csv"
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write(",".join(FLOWS_HEADER) + "\n")
        for i, hour in enumerate(hours):
            stamp = hour.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            for component, probe, counts in series:
                out.write(f"{component},{stamp},up,{probe},{counts[i] / 3600:.6g}\n")
    summaries = []
    for component, probe, counts in series:
        monthly = [0.0] * 12
        for hour, count in zip(hours, counts, strict=True):
            monthly[hour.month - 1] += count
        summaries.append(FlowsSummary(component, probe, len(counts), sum(counts), tuple(monthly)))
    return path, summaries
