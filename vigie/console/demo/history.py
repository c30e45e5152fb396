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

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TextIO
from zoneinfo import ZoneInfo

from vigie.accounting.schedules import applies_to, window_spans
from vigie.accounting.terms import MaintenanceWindow
from vigie.console.demo.scenario import Scenario, load_at
from vigie.kernel import csvout
from vigie.probes.config import Component
from vigie.probes.tickets.model import CSV_HEADER

SAMPLES_HEADER = ("component", "timestamp", "status", "latency_ms", "detail")
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
# The recent history: results for this many days before the demo starts, tickets for the
# months (the current one included) before it.
RECENT_DAYS = 30
RECENT_MONTHS = 12
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
    return write_window_samples(scenario, components, maintenance, tz, start, end, out, ("history",))


def recent_bounds(scenario: Scenario, since: datetime, now: datetime) -> tuple[datetime, datetime]:
    """The recent window to generate: from ``since`` (at most RECENT_DAYS back) to ``now``,
    both on the history step's grid (the first slot at or after ``since``)."""
    step = scenario.history_step
    start = max(since, now - timedelta(days=RECENT_DAYS)).timestamp()
    first = math.ceil(start / step) * step
    last = math.floor(now.timestamp() / step) * step
    return datetime.fromtimestamp(first, UTC), datetime.fromtimestamp(max(first, last), UTC)


def write_window_samples(
    scenario: Scenario,
    components: Sequence[Component],
    maintenance: Sequence[MaintenanceWindow],
    tz: ZoneInfo,
    start: datetime,
    end: datetime,
    out: TextIO,
    stream: tuple[object, ...],
) -> list[SamplesSummary]:
    """Write the results of ``components`` from ``start`` to ``end`` (UTC) as a history CSV.

    ``stream`` names the random stream (with the component's id), so a window is reproducible.
    """
    step = scenario.history_step
    slots = int((end - start).total_seconds() // step)
    times = [start + timedelta(seconds=i * step) for i in range(slots)]
    stamps = [t.strftime("%Y-%m-%dT%H:%M:%SZ") for t in times]
    loads = [load_at(scenario, lt.hour + lt.minute / 60) for lt in (t.astimezone(tz) for t in times)]
    columns, summaries = [], []
    for comp in components:
        rng = scenario.rng(*stream, comp.id)
        column, summary = _component_year(scenario, comp, maintenance, tz, start.timestamp(), loads, rng)
        columns.append((f"{comp.id},", column))
        summaries.append(summary)
    out.write(",".join(SAMPLES_HEADER) + "\n")
    # Plain string building: every field is a fixed word or a number (nothing to quote nor
    # to escape against formulas, see vigie.kernel.csvout),
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
    rng: random.Random,
) -> tuple[list[str], SamplesSummary]:
    """One component's slots as CSV cells ``status,latency_ms,detail``, and what they hold."""
    behaviour = scenario.component(comp.id)
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
        for begin, finish in window_spans(window, start, end, tz):
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
    year = scenario.history_year
    year_end = datetime(year + 1, 1, 1, tzinfo=tz)
    rng = scenario.rng("tickets")
    rows = _opened_in_months(scenario, rng, year, range(1, 13), tz)
    rows.sort(key=lambda r: (r[0], r[1]))
    writer = csvout.writer(out)
    writer.writerow(CSV_HEADER)
    for number, (opened_utc, app, channel) in enumerate(rows, start=1):
        writer.writerow(
            _ticket(scenario, rng, f"{year}-{number:06d}", opened_utc, app, channel, tz, year_end)
        )


def recent_months(now: datetime, tz: ZoneInfo, since: tuple[int, int] | None = None) -> list[tuple[int, int]]:
    """The (year, month) of the RECENT_MONTHS months up to ``now``'s, from ``since`` when later."""
    local = now.astimezone(tz)
    index = local.year * 12 + local.month - 1
    first = index - RECENT_MONTHS + 1
    if since is not None:
        first = max(first, since[0] * 12 + since[1] - 1)
    return [(i // 12, i % 12 + 1) for i in range(first, index + 1)]


def write_recent_tickets(
    scenario: Scenario, tz: ZoneInfo, months: Sequence[tuple[int, int]], now: datetime, out: TextIO
) -> int:
    """Write the simulated tickets of ``months`` opened before ``now``, with their state at ``now``.

    Each month is drawn from its own random stream and numbered before the cut at ``now``,
    so a later top-up writes the same tickets under the same ids (the import upserts them,
    bringing their state up to date) plus those opened since. Returns the rows written.
    """
    writer = csvout.writer(out)
    writer.writerow(CSV_HEADER)
    written = 0
    for year, month in months:
        rng = scenario.rng("tickets-recent", year, month)
        rows = sorted(_opened_in_months(scenario, rng, year, (month,), tz), key=lambda r: (r[0], r[1]))
        for number, (opened_utc, app, channel) in enumerate(rows, start=1):
            ticket = _ticket(
                scenario, rng, f"sim-{year}-{month:02d}-{number:06d}", opened_utc, app, channel, tz, now
            )
            if opened_utc < now:
                writer.writerow(ticket)
                written += 1
    return written


def _opened_in_months(
    scenario: Scenario, rng: random.Random, year: int, months: Sequence[int], tz: ZoneInfo
) -> list[tuple[datetime, str, str]]:
    """Tickets opened in ``months`` of ``year`` as (opened UTC, application, channel), unsorted:
    each application's yearly volume split by the monthly shares."""
    tickets = scenario.tickets
    channels, weights = zip(*tickets.channels.items(), strict=True)
    rows = []
    for app, count in tickets.applications.items():
        parts = _spread(count, tickets.monthly)
        for month in months:
            for _ in range(parts[month - 1]):
                channel = rng.choices(channels, weights)[0]
                rows.append((_opened(rng, year, month, channel, tz), app, channel))
    return rows


def _ticket(
    scenario: Scenario,
    rng: random.Random,
    ident: str,
    opened_utc: datetime,
    app: str,
    channel: str,
    tz: ZoneInfo,
    cut: datetime,
) -> tuple[str, ...]:
    """One ticket's CSV row: solved and closed after it opened, as they stand at ``cut``."""
    opened = opened_utc.astimezone(tz)
    first = rng.random() < scenario.tickets.first_contact.get(channel, 0.5)
    if first:
        solved = (opened_utc + timedelta(seconds=round(max(60.0, rng.gauss(480, 180))))).astimezone(tz)
    else:
        solved = (opened_utc + timedelta(seconds=round(rng.expovariate(1 / (30 * 3600))))).astimezone(tz)
    closed = (solved.astimezone(UTC) + timedelta(days=rng.choice((1, 2, 3, 5)))).astimezone(tz)
    if closed < cut:
        status, solved_text, closed_text = "closed", solved.isoformat(), closed.isoformat()
    elif solved < cut:
        status, solved_text, closed_text = "solved", solved.isoformat(), ""
    else:
        status, solved_text, closed_text = rng.choice(OPEN_STATUSES), "", ""
    return (
        "demo",
        ident,
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
