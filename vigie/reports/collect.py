"""Gathers a report's inputs at the edges (measurement store, ticket store, catalog) and
hands them to the same functions `vigie sla`, `vigie tickets stats`, `vigie homologations`
and `vigie decom` use, so a report never computes a figure differently.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from vigie.catalog.homologation import register
from vigie.catalog.lifecycle import progress
from vigie.catalog.model import Catalog
from vigie.probes.config import Component, ProbesConfig
from vigie.probes.results import ProbeResult
from vigie.probes.store import Store
from vigie.probes.tickets.store import TicketStore
from vigie.probes.timeline import (
    DEFAULT_INTERVAL,
    INGEST_PROBE,
    intervals_from_config,
    segments_from_results,
    split_by_probe,
)
from vigie.reports import content, periods
from vigie.reports.availability import SlaFigures, account, effective_timeline
from vigie.reports.content import Absent, ComponentRef, IncidentRow, MonthRef, Report
from vigie.reports.incidents import Incident, find_incidents
from vigie.reports.spans import clip
from vigie.reports.throughput import Bucket, throughput_row
from vigie.reports.tickets import Period, ticket_stats
from vigie.reports.wallclock import maintenance_spans, schedule_spans

KINDS = ("monthly", "yearly")


@dataclass(frozen=True)
class ReportPeriod:
    """The period a report covers: a calendar month or year in the configured time zone."""

    kind: str
    year: int
    month: int | None
    timezone: ZoneInfo

    @property
    def period(self) -> periods.Period:
        """The SLA accounting's period (calendar month or year, DST-exact)."""
        if self.month is None:
            return periods.year(self.year, self.timezone)
        return periods.month(self.year, self.month, self.timezone)

    @property
    def start(self) -> datetime:
        """First instant (local midnight)."""
        return self.period.start

    @property
    def end(self) -> datetime:
        """First instant after the period."""
        return self.period.end

    @property
    def last_day(self) -> date:
        """The period's last calendar day (the "as of" date of registers)."""
        return self.end.date() - timedelta(days=1)

    @property
    def label(self) -> str:
        """``2017-07`` or ``2017``."""
        return f"{self.year:04d}" if self.month is None else f"{self.year:04d}-{self.month:02d}"

    def buckets(self) -> list[Bucket]:
        """Throughput buckets: days of a month, months of a year."""
        if self.month is None:
            return [Bucket(m.label, m.start, m.end) for m in self.period.months()]
        days = (self.end.date() - self.start.date()).days
        out = []
        for offset in range(days):
            day = self.start.date() + timedelta(days=offset)
            start = datetime(day.year, day.month, day.day, tzinfo=self.timezone)
            nxt = day + timedelta(days=1)
            out.append(
                Bucket(day.isoformat(), start, datetime(nxt.year, nxt.month, nxt.day, tzinfo=self.timezone))
            )
        return out


def components(probes: ProbesConfig) -> list[ComponentRef]:
    """The configured components, in configuration order."""
    return [ComponentRef(c.id, c.name, c.target) for c in probes.components]


@dataclass(frozen=True)
class Accounted:
    """One component's SLA figures over a period and the incidents behind them."""

    figures: SlaFigures
    incidents: list[Incident]


def availability_results(
    probes: ProbesConfig, comp: Component, store: Store, start: float, end: float
) -> list[ProbeResult]:
    """The component's availability-probe results that bear on ``[start, end)``, oldest first."""
    own = {p.id for p in probes.probes if p.component == comp.id and p.role == "availability"} | {
        INGEST_PROBE
    }
    return [r for r in store.results(comp.id, start - _lookback(probes), end) if r.probe in own]


def _lookback(probes: ProbesConfig) -> float:
    # A result up to two intervals before the start still covers the period's first seconds.
    return 2 * max(intervals_from_config(probes).values(), default=DEFAULT_INTERVAL)


def account_component(
    probes: ProbesConfig,
    comp: Component,
    results: Sequence[ProbeResult],
    start: float,
    end: float,
    now: float,
) -> Accounted:
    """`vigie sla`'s accounting of one component over ``[start, end)`` from its stored results
    (see :func:`availability_results`): timelines per probe, policy, maintenance and schedule
    applied by the SLA accounting's own functions (:mod:`vigie.reports.availability`)."""
    intervals = intervals_from_config(probes)
    first = bisect.bisect_left(results, start - _lookback(probes), key=lambda r: r.ts)
    last = bisect.bisect_left(results, end, key=lambda r: r.ts)
    segments = [
        segments_from_results(group, intervals.get((comp.id, group[0].probe), DEFAULT_INTERVAL))
        for group in split_by_probe(results[first:last])
    ]
    maintenance = maintenance_spans(probes.maintenance, comp.id, probes.timezone, start, end)
    timeline = effective_timeline(segments, comp.policy, maintenance)
    schedule = schedule_spans(comp.schedule, start, end)
    figures = account(comp, timeline, schedule, start, end, now)
    until = max(start, min(end, now))
    incidents = find_incidents(
        comp.id, timeline, clip(clip(schedule, start, end), start, until), start, until
    )
    return Accounted(figures, incidents)


def measured(figures: SlaFigures) -> bool:
    """True when some of the period was measured (else the figures are all zero)."""
    return figures.availability is not None or figures.maintenance_s > 0


def availability_sections(
    probes: ProbesConfig, store: Store, period: ReportPeriod, now: datetime
) -> tuple[
    tuple[content.AvailabilityRow, ...] | Absent,
    tuple[content.TrendRow, ...] | Absent,
    tuple[IncidentRow, ...] | Absent,
]:
    """The availability table, the twelve-month trend and the incident list."""
    comps = components(probes)
    by_id = {c.id: c for c in probes.components}
    now_ts = now.timestamp()
    start, end = period.start.timestamp(), period.end.timestamp()
    months = content.month_window(period.year, period.month)
    spans = [periods.month(m.year, m.month, period.timezone) for m in months]
    # One read per component covers the period and the trend's twelve months.
    window_start = min(start, spans[0].start_ts)
    accounted = []
    monthly: dict[MonthRef, list[SlaFigures]] = {m: [] for m in months}
    for comp in probes.components:
        results = availability_results(probes, comp, store, window_start, end)
        accounted.append(account_component(probes, comp, results, start, end, now_ts))
        for m, span in zip(months, spans, strict=True):
            f = account_component(probes, comp, results, span.start_ts, span.end_ts, now_ts).figures
            if measured(f):
                monthly[m].append(f)
    figures = [a.figures for a in accounted if measured(a.figures)]
    trend: tuple[content.TrendRow, ...] | Absent = (
        content.trend_rows(comps, months, monthly) if any(monthly.values()) else Absent("absent.no_data")
    )
    if not figures:
        no_data = Absent("absent.no_data")
        return no_data, trend, no_data
    tz = period.timezone
    incidents = tuple(
        IncidentRow(
            component=i.component,
            name=by_id[i.component].name,
            start=datetime.fromtimestamp(i.start, tz),
            end=datetime.fromtimestamp(i.end, tz),
            duration_s=i.duration_s,
            cause=i.cause,
        )
        for a in accounted
        for i in a.incidents
    )
    return content.availability_rows(comps, figures), trend, tuple(sorted(incidents, key=lambda i: i.start))


def throughput_section(
    probes: ProbesConfig, store: Store, period: ReportPeriod
) -> tuple[content.ThroughputRow, ...] | Absent:
    """Throughput against capacity for every component with a nominal capacity."""
    with_capacity = [c for c in probes.components if c.capacity is not None]
    if not with_capacity:
        return Absent("absent.no_capacity")
    throughput_probes = {p.id for p in probes.probes if p.role == "throughput"}
    start, end = period.start.timestamp(), period.end.timestamp()
    rows = []
    for comp in with_capacity:
        assert comp.capacity is not None
        samples = [
            (r.ts, r.value)
            for r in store.results(comp.id, start, end)
            if r.value is not None and r.probe in throughput_probes
        ]
        rows.append(throughput_row(comp.id, comp.name, comp.capacity, period.buckets(), samples))
    if all(r.mean is None for r in rows):
        return Absent("absent.no_data")
    return tuple(rows)


def tickets_section(store_path: Path, busy_timeout: float, period: ReportPeriod) -> content.Tickets | Absent:
    """Ticket volumes by application and channel with the year before (`vigie tickets stats`)."""
    with TicketStore(store_path, busy_timeout) as tickets:
        if tickets.count() == 0:
            return Absent("absent.no_tickets")
        when = Period(period.start, period.end, period.label)
        loaded = list(tickets.for_period(when.year_before().start, when.end))
    by_app = ticket_stats(loaded, when, by="application", timezone=period.timezone)
    by_channel = ticket_stats(loaded, when, by="channel", timezone=period.timezone)
    return content.ticket_volumes(by_app, by_channel)


def catalog_sections(
    catalog: Catalog | Absent, period: ReportPeriod
) -> tuple[content.Homologations | Absent, tuple[content.DecomRow, ...] | Absent]:
    """Homologation status and decommissioning progress as of the period's last day."""
    if isinstance(catalog, Absent):
        return catalog, catalog
    as_of = period.last_day
    names = {m.id: m.name for m in catalog.ministries.values()}
    return (
        content.homologation_status(register(catalog, as_of), as_of),
        content.decommissioning_progress(progress(catalog, as_of, by="ministry"), names),
    )


def assemble(
    period: ReportPeriod,
    comps: Sequence[ComponentRef],
    *,
    availability: tuple[content.AvailabilityRow, ...] | Absent,
    trend: tuple[content.TrendRow, ...] | Absent,
    incidents: tuple[content.IncidentRow, ...] | Absent,
    throughput: tuple[content.ThroughputRow, ...] | Absent,
    tickets: content.Tickets | Absent,
    homologations: content.Homologations | Absent,
    decommissioning: tuple[content.DecomRow, ...] | Absent,
    generated_at: datetime,
) -> Report:
    """Put the sections together with their summary (pure)."""
    summary = content.summarise(
        comps,
        () if isinstance(availability, Absent) else availability,
        () if isinstance(incidents, Absent) else incidents,
        () if isinstance(throughput, Absent) else throughput,
    )
    months: tuple[MonthRef, ...] = content.month_window(period.year, period.month)
    return Report(
        kind=period.kind,
        year=period.year,
        month=period.month,
        timezone=period.timezone.key,
        generated_at=generated_at.astimezone(period.timezone),
        summary=summary,
        availability=availability,
        trend=trend,
        trend_months=months,
        incidents=incidents,
        throughput=throughput,
        tickets=tickets,
        homologations=homologations,
        decommissioning=decommissioning,
    )
