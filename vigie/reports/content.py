"""The report's content: a tree of dataclasses holding every figure, in the order the
report shows them, built by pure functions from figures computed elsewhere (the SLA
accounting, the throughput series, ticket statistics, the catalog's registers).

Renderers (HTML, Markdown, JSON, CSV) only format what is here; nothing is recomputed.
A section whose data is missing is an :class:`Absent` carrying the reason, so every
format says so instead of dropping the section.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import date, datetime

from vigie.accounting.figures import SlaFigures
from vigie.catalog.homologation import RegisterEntry, status_counts
from vigie.catalog.homologation import Status as HomologationStatus
from vigie.catalog.lifecycle import DecomState, GroupProgress
from vigie.reports.flows import IntegrationReport
from vigie.reports.tickets import Figures, TicketStats, previous_known

SCHEMA_VERSION = 1
NOTABLE_INCIDENTS = 3


@dataclass(frozen=True)
class Absent:
    """A section without data; ``reason`` is the message key of the line that says why."""

    reason: str


NO_FLOWS = Absent("report.absent.no_flows")


@dataclass(frozen=True)
class MonthRef:
    """A calendar month."""

    year: int
    month: int

    @property
    def key(self) -> str:
        """``2017-07``."""
        return f"{self.year:04d}-{self.month:02d}"


@dataclass(frozen=True)
class AvailabilityRow(SlaFigures):
    """One line of the availability table: `vigie sla`'s figures for one component, named;
    ``frozen_at`` says when they were frozen (a closed month read back as stored)."""

    name: str = ""
    frozen_at: datetime | None = None


@dataclass(frozen=True)
class TrendPoint:
    """A component's availability in one month (``None``: nothing measured)."""

    month: str
    availability: float | None
    breached: bool
    frozen: bool = False


@dataclass(frozen=True)
class TrendRow:
    """Twelve months of one component's availability."""

    component: str
    name: str
    target: float
    points: tuple[TrendPoint, ...]


@dataclass(frozen=True)
class IncidentRow:
    """A maximal down interval of a component, in the report's time zone."""

    component: str
    name: str
    start: datetime
    end: datetime | None
    duration_s: float
    cause: str


@dataclass(frozen=True)
class ThroughputBucket:
    """Average throughput over one bucket (a day or a month), in the capacity's unit and period."""

    label: str
    start: datetime
    volume: float | None
    utilisation: float | None

    @property
    def over(self) -> bool:
        """True when the bucket went over the nominal capacity."""
        return self.utilisation is not None and self.utilisation > 1


@dataclass(frozen=True)
class ThroughputRow:
    """One component's throughput against its nominal capacity over the report's period."""

    component: str
    name: str
    unit: str
    per: str
    capacity: float
    mean: float | None
    utilisation: float | None
    buckets: tuple[ThroughputBucket, ...]

    @property
    def peak(self) -> ThroughputBucket | None:
        """The bucket with the highest volume."""
        measured = [b for b in self.buckets if b.volume is not None]
        return max(measured, key=lambda b: b.volume or 0.0) if measured else None

    @property
    def over(self) -> tuple[ThroughputBucket, ...]:
        """The buckets over nominal capacity."""
        return tuple(b for b in self.buckets if b.over)


@dataclass(frozen=True)
class VolumeRow:
    """A group's ticket figures (as `vigie tickets stats` gives them): the count with the
    same period a year earlier (``previous`` None when the store holds no ticket of that
    year: no data, not zero; ``change``: the growth), first-contact resolution, median and
    P90 time to resolve, and the backlog at the period's end. ``label`` is the group's code
    (application id, channel code), ``name`` what the report shows."""

    label: str
    count: int
    previous: int | None
    change: float | None
    name: str = ""
    first_contact_rate: float | None = None
    median_resolve_s: float | None = None
    p90_resolve_s: float | None = None
    backlog: int = 0


@dataclass(frozen=True)
class Tickets:
    """Ticket volumes of the period by application and by channel."""

    total: VolumeRow
    by_application: tuple[VolumeRow, ...]
    by_channel: tuple[VolumeRow, ...]


@dataclass(frozen=True)
class HomologationRow:
    """An application whose homologation needs attention (``status``: the register's code)."""

    application: str
    name: str
    status: str
    expires_on: date | None
    days_left: int | None
    authority: str


@dataclass(frozen=True)
class ReserveRow:
    """An open reserve past its due date."""

    application: str
    name: str
    text: str
    owner: str
    due_on: date | None


@dataclass(frozen=True)
class Homologations:
    """Homologations expired, expiring soon, and open reserves past due, as of the period's end."""

    as_of: date
    counts: dict[str, int]
    expired: tuple[HomologationRow, ...]
    expiring: tuple[HomologationRow, ...]
    reserves_past_due: tuple[ReserveRow, ...]


@dataclass(frozen=True)
class DecomRow:
    """Decommissioning progress of one ministry (the register's counts and ratio)."""

    ministry: str
    total: int
    switched_off: int
    planned: int
    late: int
    unscheduled: int
    progress: float
    contract_late: bool


@dataclass(frozen=True)
class Overrun:
    """A component whose throughput went over nominal capacity: how often, and its peak."""

    name: str
    periods: int
    peak: str
    peak_utilisation: float


@dataclass(frozen=True)
class Summary:
    """The first paragraph: targets met, the worst component, budget, notable incidents."""

    components: int
    measured: int
    met: int
    worst: AvailabilityRow | None
    budget_s: float
    unavailable_s: float
    incident_count: int
    notable: tuple[IncidentRow, ...]
    over_capacity: tuple[Overrun, ...]

    @property
    def budget_used(self) -> float | None:
        """Share of the total error budget consumed (downtime, and maintenance where it counts)."""
        return self.unavailable_s / self.budget_s if self.budget_s else None


@dataclass(frozen=True)
class Report:
    """A monthly or yearly report: every figure, in the order the report shows them."""

    kind: str
    year: int
    month: int | None
    timezone: str
    generated_at: datetime
    summary: Summary
    availability: tuple[AvailabilityRow, ...] | Absent
    trend: tuple[TrendRow, ...] | Absent
    trend_months: tuple[MonthRef, ...]
    incidents: tuple[IncidentRow, ...] | Absent
    throughput: tuple[ThroughputRow, ...] | Absent
    tickets: Tickets | Absent
    homologations: Homologations | Absent
    decommissioning: tuple[DecomRow, ...] | Absent
    flows: IntegrationReport | Absent = NO_FLOWS

    @property
    def period_key(self) -> str:
        """``2017-07`` for a month, ``2017`` for a year (used in file names)."""
        return f"{self.year:04d}" if self.month is None else f"{self.year:04d}-{self.month:02d}"


@dataclass(frozen=True)
class ComponentRef:
    """What the report needs to know about a configured component."""

    id: str
    name: str
    target: float


def availability_rows(
    components: Sequence[ComponentRef],
    figures: Sequence[SlaFigures],
    frozen: Mapping[str, datetime] | None = None,
) -> tuple[AvailabilityRow, ...]:
    """The availability table in configuration order, straight from the accounting's figures
    (``frozen``: when each frozen component's figures were frozen)."""
    by_id = {f.component: f for f in figures}
    rows = []
    for comp in components:
        f = by_id.get(comp.id)
        if f is None:
            continue
        rows.append(AvailabilityRow(**asdict(f), name=comp.name, frozen_at=(frozen or {}).get(comp.id)))
    return tuple(rows)


def trend_rows(
    components: Sequence[ComponentRef],
    months: Sequence[MonthRef],
    monthly: Mapping[MonthRef, Sequence[SlaFigures]],
    frozen: Mapping[MonthRef, frozenset[str]] | None = None,
) -> tuple[TrendRow, ...]:
    """Month-by-month availability per component (``None`` where a month has no measurement;
    ``frozen``: the components whose figures of a month are frozen)."""
    indexed = {m: {f.component: f for f in monthly.get(m, ())} for m in months}
    rows = []
    for comp in components:
        points = []
        for m in months:
            f = indexed[m].get(comp.id)
            measured = f is not None and f.availability is not None
            points.append(
                TrendPoint(
                    month=m.key,
                    availability=f.availability if f is not None else None,
                    breached=bool(f is not None and measured and f.breached),
                    frozen=comp.id in (frozen or {}).get(m, frozenset()),
                )
            )
        rows.append(TrendRow(comp.id, comp.name, comp.target, tuple(points)))
    return tuple(rows)


def summarise(
    components: Sequence[ComponentRef],
    availability: Sequence[AvailabilityRow],
    incidents: Sequence[IncidentRow],
    throughput: Sequence[ThroughputRow],
) -> Summary:
    """The summary paragraph's figures."""
    measured = [r for r in availability if r.availability is not None]
    met = sum(1 for r in measured if not r.breached)
    # The worst is judged by margin to its own target: 98.5 % against 99 % is worse
    # than 98.2 % against 98 %.
    worst = min(measured, key=lambda r: (r.availability or 0.0) - r.target, default=None)
    notable = sorted(incidents, key=lambda i: -i.duration_s)[:NOTABLE_INCIDENTS]
    over = tuple(
        Overrun(t.name, len(t.over), peak.label, peak.utilisation or 0.0)
        for t in throughput
        if t.over and (peak := t.peak) is not None
    )
    return Summary(
        components=len(components),
        measured=len(measured),
        met=met,
        worst=worst,
        budget_s=sum(r.budget_s for r in measured),
        unavailable_s=sum(r.budget_s - r.budget_remaining_s for r in measured),
        incident_count=len(incidents),
        notable=tuple(notable),
        over_capacity=over,
    )


def month_window(year: int, month: int | None) -> tuple[MonthRef, ...]:
    """The trend's twelve months: the calendar year, or the twelve months ending with ``month``."""
    if month is None:
        return tuple(MonthRef(year, m) for m in range(1, 13))
    refs = []
    y, m = year, month
    for _ in range(12):
        refs.append(MonthRef(y, m))
        y, m = (y, m - 1) if m > 1 else (y - 1, 12)
    return tuple(reversed(refs))


def ticket_volumes(
    by_application: TicketStats, by_channel: TicketStats, names: Mapping[str, str] | None = None
) -> Tickets:
    """The tickets section from the ticket statistics of the period (as `vigie tickets stats`);
    ``names`` gives applications their names (else their id)."""
    known = previous_known(by_application)

    def row(f: Figures, label: str, name: str) -> VolumeRow:
        return VolumeRow(
            label=label,
            count=f.opened,
            previous=f.previous if known else None,
            change=f.growth,
            name=name,
            first_contact_rate=f.first_contact_rate,
            median_resolve_s=f.median_resolve_s,
            p90_resolve_s=f.p90_resolve_s,
            backlog=f.backlog,
        )

    return Tickets(
        total=row(by_application.total, "total", ""),
        by_application=tuple(row(g, g.key, (names or {}).get(g.key, g.key)) for g in by_application.groups),
        by_channel=tuple(row(g, g.key, "") for g in by_channel.groups),
    )


def homologation_status(entries: Sequence[RegisterEntry], as_of: date) -> Homologations:
    """The homologations section from the register as of the period's end (as `vigie homologations`)."""

    def row(e: RegisterEntry) -> HomologationRow:
        return HomologationRow(
            application=e.application.id,
            name=e.application.name,
            status=e.status.value,
            expires_on=e.expires_on,
            days_left=e.days_left,
            authority=e.record.authority if e.record is not None else "",
        )

    return Homologations(
        as_of=as_of,
        counts={status.value: count for status, count in status_counts(entries).items()},
        expired=tuple(row(e) for e in entries if e.status is HomologationStatus.EXPIRED),
        expiring=tuple(row(e) for e in entries if e.status is HomologationStatus.EXPIRING),
        reserves_past_due=tuple(
            ReserveRow(e.application.id, e.application.name, r.text, r.owner, r.due_on)
            for e in entries
            for r in e.overdue_reserves
        ),
    )


def decommissioning_progress(
    groups: Sequence[GroupProgress], ministries: Mapping[str, str]
) -> tuple[DecomRow, ...]:
    """The decommissioning section from progress by ministry (as `vigie decom --by ministry`)."""
    return tuple(
        DecomRow(
            ministry=ministries.get(g.key, g.key),
            total=g.total,
            switched_off=g.counts[DecomState.SWITCHED_OFF],
            planned=g.counts[DecomState.PLANNED],
            late=g.counts[DecomState.LATE],
            unscheduled=g.counts[DecomState.UNSCHEDULED],
            progress=g.ratio,
            contract_late=g.contract_late,
        )
        for g in groups
    )
