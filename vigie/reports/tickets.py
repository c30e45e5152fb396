"""Service-desk figures over a period: volumes, growth, first-contact resolution, time to
resolve, backlog. Pure functions over tickets; the caller loads them from the store.

Definitions (what the figures mean):

- a ticket belongs to the period it was *opened* in (``start <= opened < end``);
- growth compares with the same dates one year earlier: ``opened / previous - 1``
  (None when the year before had no ticket);
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
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from vigie.probes.tickets.model import Ticket

GROUPINGS = ("application", "month", "channel", "level")


def year_before(moment: datetime) -> datetime:
    """The same wall-clock time one year earlier (29 February becomes the 28th)."""
    try:
        return moment.replace(year=moment.year - 1)
    except ValueError:
        return moment.replace(year=moment.year - 1, day=28)


@dataclass(frozen=True)
class Period:
    """``[start, end)`` with aware bounds, and how people name it (``2017``, ``2017-12``)."""

    start: datetime
    end: datetime
    label: str

    def year_before(self) -> Period:
        """The same dates one year earlier."""
        label = re.sub(r"\d{4}", lambda m: f"{int(m.group()) - 1:04d}", self.label)
        return Period(year_before(self.start), year_before(self.end), label)

    def __contains__(self, moment: datetime) -> bool:
        return self.start <= moment < self.end


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

    period: Period
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


def _key_function(by: str | None, timezone: ZoneInfo) -> Callable[[Ticket, bool], str]:
    """How a ticket is grouped; ``shifted`` moves a month key of the year before forward
    one year, so December 2016 is compared with December 2017."""
    if by is None:
        return lambda t, shifted: ""
    if by == "month":

        def month(ticket: Ticket, shifted: bool) -> str:
            local = ticket.opened.astimezone(timezone)
            return f"{local.year + int(shifted):04d}-{local.month:02d}"

        return month
    if by == "level":
        return lambda t, shifted: str(t.level)
    if by == "application":
        return lambda t, shifted: t.application
    if by == "channel":
        return lambda t, shifted: t.channel
    raise ValueError(f"cannot group tickets by '{by}' (use {', '.join(GROUPINGS)})")


def ticket_stats(
    tickets: Iterable[Ticket], period: Period, *, by: str | None = None, timezone: ZoneInfo
) -> TicketStats:
    """The figures of ``period`` from any tickets (those outside it are ignored except as
    the year before and the backlog); ``by`` groups them (see ``GROUPINGS``)."""
    previous = period.year_before()
    key_of = _key_function(by, timezone)
    total = _Tally()
    groups: dict[str, _Tally] = {}
    start, end, prev_start, prev_end = period.start, period.end, previous.start, previous.end
    for ticket in tickets:
        opened = ticket.opened
        in_period = start <= opened < end
        in_previous = prev_start <= opened < prev_end
        resolved = ticket.solved or ticket.closed
        in_backlog = opened < end and (resolved is None or resolved >= end)
        if not (in_period or in_previous or in_backlog):
            continue
        key = key_of(ticket, in_previous and not in_period)
        tallies = (total, groups.setdefault(key, _Tally())) if by else (total,)
        for tally in tallies:
            if in_period:
                tally.opened += 1
                tally.first_contact += ticket.first_contact
                if resolved is not None:
                    tally.resolve_s.append((resolved - opened).total_seconds())
            if in_previous:
                tally.previous += 1
            if in_backlog:
                tally.backlog += 1
    if by == "month":
        # Older open tickets make months of their own; a month row is one of the period's.
        groups = {k: g for k, g in groups.items() if g.opened or g.previous}
        order = sorted(groups)
    else:
        order = sorted(groups, key=lambda k: (-groups[k].opened, k))
    rows = tuple(groups[k].figures(k) for k in order)
    return TicketStats(period, previous, total.figures("total"), by, rows)
