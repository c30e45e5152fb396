"""What the accounting is told about a component: its service schedule, its policy, its
maintenance windows, its target. Plain data: `vigie.probes.config` reads them from
`config.toml`, the tests build them directly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from vigie.kernel.text.language import Language

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class ScheduleWindow:
    """Service hours on some weekdays, in the component's time zone (end may be ``time.max``)."""

    days: frozenset[int]
    start: time
    end: time


@dataclass(frozen=True)
class Schedule:
    """When a component is expected to serve. No windows means around the clock (24x7)."""

    windows: tuple[ScheduleWindow, ...] = ()
    timezone: ZoneInfo = field(default_factory=lambda: ZoneInfo("Europe/Paris"))

    @property
    def always(self) -> bool:
        """True for a 24x7 schedule."""
        return not self.windows

    def describe(self, lang: Language | None = None) -> str:
        """A short form as the configuration writes it (``24x7``, ``mon-fri 08:30-18:30``),
        or in ``lang``'s words for people (``lun.-ven. 08:30-18:30``)."""
        if self.always:
            return "24x7" if lang is None else lang.t("schedule.always")
        parts = []
        for w in self.windows:
            days = sorted(w.days)
            if lang is not None:
                span = lang.weekdays(days)
            elif days == list(range(days[0], days[-1] + 1)) and len(days) > 1:
                span = f"{DAYS[days[0]]}-{DAYS[days[-1]]}"
            else:
                span = ",".join(DAYS[d] for d in days)
            end = "24:00" if w.end == time.max else w.end.strftime("%H:%M")
            parts.append(f"{span} {w.start.strftime('%H:%M')}-{end}")
        return "; ".join(parts)


QUORUMS = ("majority", "any", "all")
"""The named quorums; a number of agents is the fourth form."""


@dataclass(frozen=True)
class Policy:
    """Accounting policy knobs (global defaults, overridable per component).

    ``quorum`` says how many of the agents that have data must see a state for the
    component to take it (see :func:`quorum_needed`): one of :data:`QUORUMS` or a number.
    """

    exclude_maintenance: bool = True
    confirm_after: int = 1
    pending_counts_as_down: bool = True
    ignore_blips_shorter_than: float = 0.0
    quorum: str | int = "majority"


def quorum_needed(quorum: str | int, voters: int) -> int:
    """How many of ``voters`` agents (those with data at that moment) make a quorum.

    ``majority``: more than half; ``any``: one; ``all``: every one; a number N: N, or every
    agent with data when fewer have data (a site that went silent does not outvote the others).
    """
    if quorum == "any":
        return min(1, voters)
    if quorum == "all":
        return voters
    if quorum == "majority":
        return voters // 2 + 1 if voters else 0
    return min(int(quorum), voters)


@dataclass(frozen=True)
class MaintenanceWindow:
    """A declared maintenance: one-off (``start``/``end``) or weekly (``day``/``at``/``duration``).

    ``public`` ones are announced on the status page, with ``reason`` as their text.
    """

    id: str
    components: tuple[str, ...]
    reason: str = ""
    start: datetime | None = None
    end: datetime | None = None
    weekly_days: frozenset[int] = frozenset()
    weekly_at: time | None = None
    duration: timedelta | None = None
    public: bool = False

    @property
    def recurring(self) -> bool:
        """True for a weekly window."""
        return bool(self.weekly_days)


class Accountable(Protocol):
    """What the accounting needs of a component (`vigie.probes.config.Component` is one)."""

    @property
    def id(self) -> str: ...

    @property
    def target(self) -> float: ...

    @property
    def schedule(self) -> Schedule: ...

    @property
    def policy(self) -> Policy: ...
