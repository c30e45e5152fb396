"""A brute-force SLA oracle: walks time sample by sample, straight from the rules' wording.

It shares no code with `vigie.reports` beyond the config dataclasses: it looks up the
result covering each instant, counts runs of failures, converts each instant to local
time with zoneinfo, and so on. Tests draw every time on a grid of ``step`` seconds, so
sampling each step is the same as sampling every second (``step = 1`` is literal).
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from vigie.accounting.results import Status
from vigie.accounting.terms import MaintenanceWindow
from vigie.probes.config import Component

RANK = {Status.UP: 0, Status.DEGRADED: 1, Status.DOWN: 2, Status.MAINTENANCE: 3}


@dataclass
class OracleResult:
    counts: dict[str, float]
    scheduled: float
    incidents: list[tuple[float, float, float]]
    site_down: float = 0.0  # seconds in [start, end) some agents saw down without a quorum


def _needed(quorum: str | int, voters: int) -> int:
    """How many agents with data make the quorum, as the configuration reference words it."""
    if quorum == "any":
        return 1
    if quorum == "all":
        return voters
    if quorum == "majority":
        return next(k for k in range(1, voters + 1) if 2 * k > voters)
    return min(int(quorum), voters)


def _probe_state(
    results: list[tuple[float, Status]], interval: float, t: float, comp: Component
) -> Status | None:
    times = [r[0] for r in results]
    i = bisect.bisect_right(times, t) - 1
    if i < 0 or t >= results[i][0] + 2 * interval:
        return None
    status = results[i][1]
    n = comp.policy.confirm_after
    if status != Status.DOWN or n <= 1:
        return status
    first = i
    while (
        first > 0
        and results[first - 1][1] == Status.DOWN
        and results[first][0] - results[first - 1][0] <= 2 * interval
    ):
        first -= 1
    last = i
    while (
        last + 1 < len(results)
        and results[last + 1][1] == Status.DOWN
        and results[last + 1][0] - results[last][0] <= 2 * interval
    ):
        last += 1
    if last - first + 1 < n:
        return Status.UP
    if not comp.policy.pending_counts_as_down and t < results[first + n - 1][0]:
        return Status.UP
    return Status.DOWN


def _seconds(moment: time) -> int:
    return 86400 if moment == time.max else moment.hour * 3600 + moment.minute * 60 + moment.second


def _in_schedule(comp: Component, t: float) -> bool:
    if comp.schedule.always:
        return True
    local = datetime.fromtimestamp(t, comp.schedule.timezone)
    sec = local.hour * 3600 + local.minute * 60 + local.second
    return any(
        local.weekday() in w.days and _seconds(w.start) <= sec < _seconds(w.end)
        for w in comp.schedule.windows
    )


@lru_cache(maxsize=4096)
def _weekly_start(day: date, at: time, tz: ZoneInfo) -> float:
    """The first instant, scanning minute by minute, whose local date is ``day`` and time >= ``at``."""
    t = datetime.combine(day, time(0), tz).timestamp() - 3 * 3600
    while True:
        local = datetime.fromtimestamp(t, tz)
        if local.date() > day or (local.date() == day and local.time() >= at):
            return t
        t += 60


def _in_maintenance(windows: list[MaintenanceWindow], comp: Component, t: float) -> bool:
    tz = comp.schedule.timezone
    for w in windows:
        if comp.id not in w.components and "*" not in w.components:
            continue
        if w.start is not None and w.end is not None:
            if w.start.timestamp() <= t < w.end.timestamp():
                return True
            continue
        assert w.weekly_at is not None and w.duration is not None
        today = datetime.fromtimestamp(t, tz).date()
        for back in range(9):
            day = today - timedelta(days=back)
            if day.weekday() in w.weekly_days:
                start = _weekly_start(day, w.weekly_at, tz)
                if start <= t < start + w.duration.total_seconds():
                    return True
    return False


def oracle(
    comp: Component,
    probes: list[tuple[list[tuple[float, Status]], float]],
    windows: list[MaintenanceWindow],
    start: float,
    end: float,
    sim_start: float,
    sim_end: float,
    step: float,
    agents: list[str] | None = None,
) -> OracleResult:
    """Count seconds per state in ``[start, end)``; simulate ``[sim_start, sim_end)`` for runs.

    ``agents`` names the site of each probe (all one site when None): each site sees the
    worst state of its probes, and the component takes the state that the quorum of the
    sites with data see: sorting their views from the worst, the one at the quorum's rank.
    """
    sites = agents or [""] * len(probes)
    grid = [sim_start + k * step for k in range(int((sim_end - sim_start) // step))]
    states: list[Status | None] = []
    partial: list[bool] = []
    for t in grid:
        views: dict[str, Status] = {}
        for (results, iv), site in zip(probes, sites, strict=True):
            s = _probe_state(results, iv, t, comp)
            if s is not None and (site not in views or RANK[s] > RANK[views[site]]):
                views[site] = s
        ranked = sorted(views.values(), key=RANK.__getitem__, reverse=True)
        state = ranked[_needed(comp.policy.quorum, len(ranked)) - 1] if ranked else None
        states.append(state)
        partial.append(state != Status.DOWN and Status.DOWN in ranked)
    # A run of such instants next to the component's own downtime is the outage's edge.
    site_down = 0.0
    k = 0
    while k < len(grid):
        if not partial[k]:
            k += 1
            continue
        j = k
        while j < len(grid) and partial[j]:
            j += 1
        edge = (k > 0 and states[k - 1] == Status.DOWN) or (j < len(grid) and states[j] == Status.DOWN)
        if not edge:
            site_down += sum(step for x in range(k, j) if start <= grid[x] < end)
        k = j
    # Blips: a run of down samples shorter than the threshold is up.
    limit = comp.policy.ignore_blips_shorter_than
    k = 0
    while k < len(states):
        if states[k] == Status.DOWN:
            j = k
            while j < len(states) and states[j] == Status.DOWN:
                j += 1
            if (j - k) * step < limit:
                states[k:j] = [Status.UP] * (j - k)
            k = j
        else:
            k += 1
    final = [
        Status.MAINTENANCE if _in_maintenance(windows, comp, t) else s
        for t, s in zip(grid, states, strict=True)
    ]
    counted = [start <= t < end and _in_schedule(comp, t) for t in grid]
    counts = {s: 0.0 for s in ("up", "degraded", "down", "maintenance", "unknown")}
    for state, inside in zip(final, counted, strict=True):
        if inside:
            counts[str(state) if state is not None else "unknown"] += step
    incidents = []
    k = 0
    while k < len(final):
        if final[k] == Status.DOWN:
            j = k
            while j < len(final) and final[j] == Status.DOWN:
                j += 1
            downtime = sum(step for x in range(k, j) if counted[x])
            if downtime:
                incidents.append((max(grid[k], start), min(grid[j - 1] + step, end), downtime))
            k = j
        else:
            k += 1
    return OracleResult(counts, float(sum(step for c in counted if c)), incidents, site_down)
