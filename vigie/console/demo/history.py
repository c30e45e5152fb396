"""A simulated year of history: probe results and support tickets, written as import CSVs.

The results follow DESIGN.md §7 (``component,timestamp,status,latency_ms,detail``), one
row per component every ``history.step``; they are shaped so that each component's
availability over the year is its figure in the report's table: the number of down slots
is the largest that keeps (up + degraded) / (up + degraded + down) at or above the figure,
maintenance slots (the declared windows) left out of the denominator. Outages are grouped
into incidents of seeded random lengths. The tickets follow the tickets import's CSV.

This is simulated data shaped after the published 2017 figures, not measured data.
"""

from __future__ import annotations

import csv
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TextIO
from zoneinfo import ZoneInfo

from vigie.console.demo.scenario import Scenario, load_at
from vigie.probes.config import Component, MaintenanceWindow
from vigie.probes.maintenance import applies_to, intervals

SAMPLES_HEADER = ("component", "timestamp", "status", "latency_ms", "detail")
TICKETS_HEADER = (
    "source",
    "id",
    "application",
    "opened",
    "solved",
    "closed",
    "status",
    "channel",
    "category",
    "level",
    "first_contact",
)
# Mean incident length in history slots: Chorus Pro's 2017 troubles lasted longer.
INCIDENT_SLOTS = {"chorus-pro": 14.0}
DEFAULT_INCIDENT_SLOTS = 5.0
DOWN_CAUSES = ("HTTP 503", "timeout after 5s", "connection refused", "HTTP 502")
CATEGORIES = (
    "Dépôt de facture",
    "Suivi de facture",
    "Compte et habilitations",
    "Raccordement EDI/API",
    "Anomalie applicative",
    "Demande d'information",
)
OPEN_STATUSES = ("new", "assigned", "planned", "waiting")
BUSINESS_CHANNELS = ("phone", "chat")  # staffed 08:30-18:30 on weekdays; the others are 24/7


@dataclass(frozen=True)
class SamplesSummary:
    """What was written for one component."""

    component: str
    rows: int
    down: int
    maintenance: int
    degraded: int
    incidents: int

    @property
    def availability(self) -> float:
        """Slot-based availability of what was written (the accounting counts time)."""
        measured = self.rows - self.maintenance
        return (measured - self.down) / measured if measured else 1.0


def year_bounds(year: int, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """Start and end (UTC) of a calendar year in the time zone."""
    start = datetime(year, 1, 1, tzinfo=tz).astimezone(UTC)
    end = datetime(year + 1, 1, 1, tzinfo=tz).astimezone(UTC)
    return start, end


def write_samples(
    scenario: Scenario,
    components: Sequence[Component],
    maintenance: Sequence[MaintenanceWindow],
    tz: ZoneInfo,
    out: TextIO,
) -> list[SamplesSummary]:
    """Write the year's results of ``components`` as a history CSV, rows in time order."""
    start, end = year_bounds(scenario.history_year, tz)
    step = scenario.history_step
    slots = int((end - start).total_seconds() // step)
    times = [start + timedelta(seconds=i * step) for i in range(slots)]
    stamps = [t.strftime("%Y-%m-%dT%H:%M:%SZ") for t in times]
    loads = [load_at(scenario, lt.hour + lt.minute / 60) for lt in (t.astimezone(tz) for t in times)]
    columns, summaries = [], []
    for comp in components:
        column, summary = _component_year(scenario, comp, maintenance, tz, start.timestamp(), loads)
        columns.append((f"{comp.id},", column))
        summaries.append(summary)
    out.write(",".join(SAMPLES_HEADER) + "\n")
    # Plain string building: every field is a fixed word or a number (nothing to quote),
    # and this is the hot loop of the demo's first start.
    for i, stamp in enumerate(stamps):
        out.write("".join(f"{prefix}{stamp},{column[i]}\n" for prefix, column in columns))
    return summaries


def _component_year(
    scenario: Scenario,
    comp: Component,
    maintenance: Sequence[MaintenanceWindow],
    tz: ZoneInfo,
    start: float,
    loads: list[float],
) -> tuple[list[str], SamplesSummary]:
    """One component's year as CSV cells ``status,latency_ms,detail``, and what they hold."""
    behaviour = scenario.component(comp.id)
    rng = scenario.rng("history", comp.id)
    slots, step = len(loads), scenario.history_step
    in_window = _maintenance_slots(comp.id, maintenance, tz, start, step, slots)
    measured = slots - sum(in_window)
    down_slots = math.floor((1 - behaviour.availability_2017) * measured + 1e-9)
    mean = INCIDENT_SLOTS.get(comp.id, DEFAULT_INCIDENT_SLOTS)
    down, incidents = _place_incidents(rng, in_window, down_slots, mean)
    threshold_ms = math.inf if comp.latency_threshold is None else comp.latency_threshold * 1000
    # latency_for, unrolled: median x (1 + slowdown x load) x log-normal spread.
    spread, shift = behaviour.spread, behaviour.spread**2 / 2
    scale = [1000 * behaviour.latency * (1 + behaviour.load_slowdown * load) for load in loads]
    gauss, exp = rng.gauss, math.exp
    column: list[str] = []
    degraded = 0
    cause = DOWN_CAUSES[0]
    for i in range(slots):
        if in_window[i]:
            column.append("maintenance,,maintenance programmée")
        elif down[i]:
            if i == 0 or not down[i - 1]:
                cause = rng.choice(DOWN_CAUSES)
            column.append(f"down,,{cause}")
        else:
            ms = scale[i] * exp(spread * gauss(0.0, 1.0) - shift)
            if ms > threshold_ms:
                degraded += 1
                column.append(f"degraded,{ms:.1f},slow answer")
            else:
                column.append(f"up,{ms:.1f},")
    summary = SamplesSummary(comp.id, slots, sum(down), sum(in_window), degraded, incidents)
    return column, summary


def _maintenance_slots(
    component: str, windows: Sequence[MaintenanceWindow], tz: ZoneInfo, start: float, step: float, slots: int
) -> list[bool]:
    """Which slots start inside one of the component's declared maintenance windows."""
    marked = [False] * slots
    end = start + step * slots
    for window in windows:
        if not applies_to(window, component):
            continue
        for begin, finish in intervals(window, start, end, tz):
            for i in range(math.ceil((begin - start) / step), math.ceil((finish - start) / step)):
                marked[i] = True
    return marked


def _place_incidents(
    rng: random.Random, in_window: list[bool], total: int, mean_slots: float
) -> tuple[list[bool], int]:
    """Mark ``total`` down slots as separate incidents of exponential lengths, outside maintenance."""
    slots = len(in_window)
    down = [False] * slots
    left, incidents = total, 0
    while left > 0:
        length = min(left, max(1, round(rng.expovariate(1 / mean_slots))))
        for _ in range(1000):
            first = rng.randrange(1, max(2, slots - length - 1))
            span = range(first - 1, min(slots, first + length + 1))
            if not any(down[j] or in_window[j] for j in span):
                break
        else:
            length = 1
            first = next(j for j in range(slots) if not down[j] and not in_window[j])
        for j in range(first, first + length):
            down[j] = True
        left -= length
        incidents += 1
    return down, incidents


def write_tickets(scenario: Scenario, tz: ZoneInfo, out: TextIO) -> None:
    """Write the year's tickets in the tickets import's CSV, oldest first."""
    tickets = scenario.tickets
    year = scenario.history_year
    year_end = datetime(year + 1, 1, 1, tzinfo=tz)
    rng = scenario.rng("tickets")
    channels, weights = zip(*tickets.channels.items(), strict=True)
    rows = []
    for app, count in tickets.applications.items():
        for month, in_month in enumerate(_spread(count, tickets.monthly), start=1):
            for _ in range(in_month):
                channel = rng.choices(channels, weights)[0]
                opened = _opened(rng, year, month, channel, tz)
                rows.append((opened, app, channel))
    rows.sort(key=lambda r: (r[0], r[1]))
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(TICKETS_HEADER)
    for number, (opened_utc, app, channel) in enumerate(rows, start=1):
        opened = opened_utc.astimezone(tz)
        first = rng.random() < tickets.first_contact.get(channel, 0.5)
        if first:
            solved = (opened_utc + timedelta(seconds=round(max(60.0, rng.gauss(480, 180))))).astimezone(tz)
        else:
            solved = (opened_utc + timedelta(seconds=round(rng.expovariate(1 / (30 * 3600))))).astimezone(tz)
        closed = (solved.astimezone(UTC) + timedelta(days=rng.choice((1, 2, 3, 5)))).astimezone(tz)
        if closed < year_end:
            status, solved_text, closed_text = "closed", solved.isoformat(), closed.isoformat()
        elif solved < year_end:
            status, solved_text, closed_text = "solved", solved.isoformat(), ""
        else:
            status, solved_text, closed_text = rng.choice(OPEN_STATUSES), "", ""
        writer.writerow(
            (
                "demo",
                f"{year}-{number:06d}",
                app,
                opened.isoformat(),
                solved_text,
                closed_text,
                status,
                channel,
                rng.choice(CATEGORIES),
                "1" if first else "2",
                "true" if first else "false",
            )
        )


def _spread(count: int, shares: Sequence[float]) -> list[int]:
    """Split ``count`` by ``shares`` with largest remainders, so the parts add up exactly."""
    total = sum(shares)
    raw = [count * s / total for s in shares]
    parts = [math.floor(r) for r in raw]
    order = sorted(range(len(raw)), key=lambda i: raw[i] - parts[i], reverse=True)
    for i in order[: count - sum(parts)]:
        parts[i] += 1
    return parts


def _opened(rng: random.Random, year: int, month: int, channel: str, tz: ZoneInfo) -> datetime:
    """A moment in the month: business hours on weekdays for staffed channels, any time otherwise."""
    first = datetime(year, month, 1, tzinfo=tz)
    days = ((first.replace(month=month % 12 + 1, year=year + month // 12)) - first).days
    while True:
        day = first + timedelta(days=rng.randrange(days))
        if channel in BUSINESS_CHANNELS:
            if day.weekday() >= 5:
                continue
            minute = rng.randrange(8 * 60 + 30, 18 * 60 + 30)
        else:
            minute = rng.randrange(24 * 60)
        local = day.replace(hour=minute // 60, minute=minute % 60, second=rng.randrange(60))
        # Through UTC: a wall-clock time skipped or repeated by DST gets one real instant,
        # and the durations added to it later are real durations.
        return local.astimezone(UTC)


def write_history(
    scenario: Scenario,
    components: Sequence[Component],
    maintenance: Sequence[MaintenanceWindow],
    tz: ZoneInfo,
    folder: Path,
) -> tuple[Path, Path, list[SamplesSummary]]:
    """Write ``samples-YEAR.csv`` and ``tickets-YEAR.csv`` into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    year = scenario.history_year
    samples, tickets = folder / f"samples-{year}.csv", folder / f"tickets-{year}.csv"
    with samples.open("w", encoding="utf-8", newline="") as out:
        summaries = write_samples(scenario, components, maintenance, tz, out)
    with tickets.open("w", encoding="utf-8", newline="") as out:
        write_tickets(scenario, tz, out)
    return samples, tickets, summaries
