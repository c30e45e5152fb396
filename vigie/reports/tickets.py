"""Service-desk figures over a period: volumes, growth, first-contact resolution, time to
resolve, backlog. Pure functions over tickets; the caller loads them from the store.

Definitions (what the figures mean):

- a ticket belongs to the period it was *opened* in (``start <= opened < end``);
- growth compares with the same dates one year earlier: ``opened / previous - 1``
  (None when the year before had no ticket); when no ticket at all was opened in the
  year before, its counts are unknown (no data), not zero;
- first-contact resolution rate = tickets resolved at first contact / tickets opened;
- time to resolve = resolved (solved, else closed) - opened, over the period's tickets
  that are resolved; median and 90th percentile (linear interpolation between ranks);
- backlog = tickets opened before the period's end and not resolved at that instant,
  whenever they were opened (in a group: the group's tickets, a month being the month
  a ticket was opened in).
"""

from __future__ import annotations

import re
import statistics
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from vigie.probes.tickets.model import Ticket, TicketFacts
from vigie.reports import periods

GROUPINGS = ("application", "month", "channel", "level")


def year_before(moment: datetime) -> datetime:
    """The same wall-clock time one year earlier (29 February becomes the 28th)."""
    try:
        return moment.replace(year=moment.year - 1)
    except ValueError:
        return moment.replace(year=moment.year - 1, day=28)


@dataclass(frozen=True)
class Period(periods.Period):
    """A reporting period (:class:`vigie.reports.periods.Period`) that knows its year before."""

    def year_before(self) -> Period:
        """The same dates one year earlier."""
        return previous_year(self)


def previous_year(period: periods.Period) -> Period:
    """The same dates one year earlier, labelled likewise (``2017-12`` -> ``2016-12``)."""
    label = re.sub(r"\d{4}", lambda m: f"{int(m.group()) - 1:04d}", period.label)
    return Period(year_before(period.start), year_before(period.end), label)


@dataclass(frozen=True)
class Figures:
    """The figures of one set of tickets (the whole period, or one group of it)."""

    key: str
    opened: int
    previous: int
    growth: float | None
    resolved: int
    first_contact: int
    first_contact_rate: float | None
    median_resolve_s: float | None
    p90_resolve_s: float | None
    backlog: int


@dataclass(frozen=True)
class TicketStats:
    """Figures over a period, in total and by one grouping (None: no grouping)."""

    period: periods.Period
    previous: Period
    total: Figures
    by: str | None = None
    groups: tuple[Figures, ...] = field(default_factory=tuple)


def percentile(sorted_values: list[float], fraction: float) -> float | None:
    """The ``fraction`` quantile of sorted values, interpolating between ranks."""
    if not sorted_values:
        return None
    if len(sorted_values) == 1:
        return sorted_values[0]
    if fraction == 0.5:
        return float(statistics.median(sorted_values))
    cuts = statistics.quantiles(sorted_values, n=100, method="inclusive")
    return cuts[round(fraction * 100) - 1]


def previous_known(stats: TicketStats) -> bool:
    """Whether the year before has data: a ticket opened then. Without one, its counts are
    not zero but unknown (shown "—"), the store holding nothing of that year."""
    return stats.total.previous > 0


def growth(opened: int, previous: int) -> float | None:
    """``opened / previous - 1``; None without a previous figure."""
    return None if previous == 0 else opened / previous - 1


class _Tally:
    """Running counts for one key."""

    __slots__ = ("backlog", "first_contact", "opened", "previous", "resolve_s")

    def __init__(self) -> None:
        self.opened = 0
        self.previous = 0
        self.first_contact = 0
        self.backlog = 0
        self.resolve_s: list[float] = []

    def figures(self, key: str) -> Figures:
        times = sorted(self.resolve_s)
        return Figures(
            key=key,
            opened=self.opened,
            previous=self.previous,
            growth=growth(self.opened, self.previous),
            resolved=len(times),
            first_contact=self.first_contact,
            first_contact_rate=None if self.opened == 0 else self.first_contact / self.opened,
            median_resolve_s=percentile(times, 0.5),
            p90_resolve_s=percentile(times, 0.9),
            backlog=self.backlog,
        )


def _month_keys(
    period: periods.Period, previous: periods.Period, timezone: ZoneInfo
) -> tuple[list[float], list[str]]:
    """Local month starts (epoch seconds) from the year before's first month to the
    period's last, and their ``YYYY-MM`` names, for bisecting."""
    first = previous.start.astimezone(timezone)
    last = period.end.astimezone(timezone)
    year, month = first.year, first.month
    bounds: list[float] = []
    names: list[str] = []
    while (year, month) <= (last.year, last.month):
        bounds.append(datetime(year, month, 1, tzinfo=timezone).timestamp())
        names.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return bounds, names


def ticket_stats(
    tickets: Iterable[Ticket], period: periods.Period, *, by: str | None = None, timezone: ZoneInfo
) -> TicketStats:
    """The figures of ``period`` from any tickets (those outside it are ignored except as
    the year before and the backlog); ``by`` groups them (see ``GROUPINGS``)."""
    return stats_from_facts((t.facts() for t in tickets), period, by=by, timezone=timezone)


def stats_from_facts(
    facts: Iterable[TicketFacts], period: periods.Period, *, by: str | None = None, timezone: ZoneInfo
) -> TicketStats:
    """:func:`ticket_stats` over :data:`TicketFacts` rows (what the store reads fast)."""
    if by is not None and by not in GROUPINGS:
        raise ValueError(f"cannot group tickets by '{by}' (use {', '.join(GROUPINGS)})")
    previous = previous_year(period)
    bounds, names = _month_keys(period, previous, timezone)
    # A month of the year before is named as the month a year later it is compared with.
    shifted = [f"{int(n[:4]) + 1:04d}{n[4:]}" for n in names]
    column = {"application": 2, "channel": 3, "level": 4}.get(by or "")
    total = _Tally()
    groups: dict[str, _Tally] = {}
    start, end = period.start.timestamp(), period.end.timestamp()
    prev_start, prev_end = previous.start.timestamp(), previous.end.timestamp()
    for fact in facts:
        opened, resolved = fact[0], fact[1]
        in_period = start <= opened < end
        in_previous = prev_start <= opened < prev_end
        in_backlog = opened < end and (resolved is None or resolved >= end)
        if not (in_period or in_previous or in_backlog):
            continue
        tallies = [total]
        if column is not None:
            key = str(fact[column])
        elif by == "month":
            index = bisect_right(bounds, opened) - 1
            # Older tickets (backlog only) get no month: month rows are the period's.
            key = "" if index < 0 else (shifted if in_previous and not in_period else names)[index]
        if by is not None:
            group = groups.get(key)
            if group is None:
                group = groups[key] = _Tally()
            tallies.append(group)
        for tally in tallies:
            if in_period:
                tally.opened += 1
                tally.first_contact += fact[5]
                if resolved is not None:
                    tally.resolve_s.append(resolved - opened)
            if in_previous:
                tally.previous += 1
            if in_backlog:
                tally.backlog += 1
    if by == "month":
        groups = {k: g for k, g in groups.items() if g.opened or g.previous}
        order = sorted(groups)
    else:
        order = sorted(groups, key=lambda k: (-groups[k].opened, k))
    rows = tuple(groups[k].figures(k) for k in order)
    return TicketStats(period, previous, total.figures("total"), by, rows)
