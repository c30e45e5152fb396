"""Gathers a report's inputs at the edges (measurement store, ticket store, catalog) and
hands them to the same functions `vigie sla`, `vigie tickets stats`, `vigie homologations`
and `vigie decom` use, so a report never computes a figure differently.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from vigie.accounting.figures import SlaFigures
from vigie.accounting.incidents import Incident
from vigie.catalog.homologation import register
from vigie.catalog.lifecycle import progress
from vigie.catalog.model import Catalog
from vigie.probes.config import ProbesConfig
from vigie.probes.flows.lifecycle import Route
from vigie.probes.flows.store import FlowStore
from vigie.probes.sources import MetricsSource
from vigie.probes.store import Store
from vigie.probes.tickets.store import TicketStore
from vigie.reports import content, periods
from vigie.reports.content import Absent, ComponentRef, IncidentRow, MonthRef, Report
from vigie.reports.flows import IntegrationReport, integration_report
from vigie.reports.sla import sla_report
from vigie.reports.status.communication import covering, read_notices
from vigie.reports.throughput import Bucket, throughput_row
from vigie.reports.tickets import Period, ticket_stats


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


def measured(figures: SlaFigures) -> bool:
    """True when some of the period was measured (else the figures are all zero)."""
    return figures.availability is not None or figures.maintenance_s > 0


def availability_sections(
    probes: ProbesConfig,
    store: Store,
    period: ReportPeriod,
    now: datetime,
    source: MetricsSource | None = None,
) -> tuple[
    tuple[content.AvailabilityRow, ...] | Absent,
    tuple[content.TrendRow, ...] | Absent,
    tuple[IncidentRow, ...] | Absent,
]:
    """The availability table, the twelve-month trend and the incident list (results read from
    ``source``, default ``store``; frozen months from ``store``)."""
    comps = components(probes)
    by_id = {c.id: c for c in probes.components}
    now_ts = now.timestamp()
    accounted = sla_report(store, probes, period.period, now=now_ts, source=source)
    months = content.month_window(period.year, period.month)
    # Each month as `vigie sla --month` gives it (a frozen month read back as frozen).
    reports = {
        m: sla_report(
            store, probes, periods.month(m.year, m.month, period.timezone), now=now_ts, source=source
        )
        for m in months
    }
    monthly = {m: [r.figures for r in found if measured(r.figures)] for m, found in reports.items()}
    frozen_months = {
        m: frozenset(r.figures.component for r in found if r.frozen_at is not None)
        for m, found in reports.items()
    }
    figures = [a.figures for a in accounted if measured(a.figures)]
    trend: tuple[content.TrendRow, ...] | Absent = (
        content.trend_rows(comps, months, monthly, frozen_months)
        if any(monthly.values())
        else Absent("report.absent.no_data")
    )
    if not figures:
        no_data = Absent("report.absent.no_data")
        return no_data, trend, no_data
    tz = period.timezone
    # What the team wrote about an incident (vigie incident) stands instead of the probe's last
    # error; drafts too: the report is internal.
    told = read_notices(store.db.conn, include_drafts=True)

    def cause(incident: Incident) -> str:
        notice = covering(told, incident.component, incident.start, incident.end)
        return incident.cause if notice is None else notice.cause or notice.title

    frozen = {
        a.figures.component: datetime.fromtimestamp(a.frozen_at, tz)
        for a in accounted
        if a.frozen_at is not None
    }
    incidents = tuple(
        IncidentRow(
            component=i.component,
            name=by_id[i.component].name,
            start=datetime.fromtimestamp(i.start, tz),
            end=None if i.ongoing else datetime.fromtimestamp(i.end, tz),
            duration_s=i.duration_s,
            cause=cause(i),
        )
        for a in accounted
        for i in a.incidents
    )
    rows = content.availability_rows(comps, figures, frozen)
    return rows, trend, tuple(sorted(incidents, key=lambda i: i.start))


def throughput_section(
    probes: ProbesConfig, store: Store, period: ReportPeriod
) -> tuple[content.ThroughputRow, ...] | Absent:
    """Throughput against capacity for every component with a nominal capacity."""
    with_capacity = [c for c in probes.components if c.capacity is not None]
    if not with_capacity:
        return Absent("report.absent.no_capacity")
    start, end = period.start.timestamp(), period.end.timestamp()
    rows = []
    for comp in with_capacity:
        assert comp.capacity is not None
        own = [p.id for p in probes.probes if p.component == comp.id and p.role == "throughput"]
        # Throughput probes store a rate per second in ``value`` (raw results: kept for the
        # store's retention period).
        samples = [
            (r.ts, r.value)
            for pid in own
            for r in store.results(comp.id, start, end, probe=pid)
            if r.value is not None
        ]
        samples.sort()
        rows.append(throughput_row(comp.id, comp.name, comp.capacity, period.buckets(), samples))
    if all(r.mean is None for r in rows):
        return Absent("report.absent.no_data")
    return tuple(rows)


def tickets_section(
    store_path: Path, busy_timeout: float, period: ReportPeriod, names: Mapping[str, str] | None = None
) -> content.Tickets | Absent:
    """Ticket figures by application (``names``: their names) and channel, with the year
    before, first-contact resolution, time to resolve and backlog (`vigie tickets stats`)."""
    with TicketStore(store_path, busy_timeout) as tickets:
        if tickets.count() == 0:
            return Absent("report.absent.no_tickets")
        when = Period(period.start, period.end, period.label)
        loaded = list(tickets.for_period(when.year_before().start, when.end))
    by_app = ticket_stats(loaded, when, by="application", timezone=period.timezone)
    by_channel = ticket_stats(loaded, when, by="channel", timezone=period.timezone)
    return content.ticket_volumes(by_app, by_channel, names)


def application_names(probes: ProbesConfig, catalog: Catalog | Absent) -> dict[str, str]:
    """Applications' names by id: the catalog's, else the components' of the config."""
    names = {c.id: c.name for c in probes.components}
    if not isinstance(catalog, Absent):
        names.update({a.id: a.name for a in catalog.applications.values()})
    return names


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


def flows_section(
    store_path: Path, busy_timeout: float, routes: Mapping[str, Route], period: ReportPeriod, now: datetime
) -> IntegrationReport | Absent:
    """The integration report of the month (`vigie flows report`); a year points to the months."""
    if period.month is None:
        return Absent("report.absent.flows_monthly")
    if not routes or not store_path.exists():
        return Absent("report.absent.no_flows")
    with FlowStore(store_path, busy_timeout) as store, store.snapshot():
        report = integration_report(
            store, routes, period.start.timestamp(), period.end.timestamp(), now.timestamp(), period.label
        )
    return report if report.rows else Absent("report.absent.no_flows")


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
    flows: IntegrationReport | Absent = content.NO_FLOWS,
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
        flows=flows,
    )
