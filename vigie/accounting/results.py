"""The measurement: what one probe saw at one moment, and the states it can report."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum


class Status(StrEnum):
    """State of a component as measured (``unknown`` is never stored: it is absence of data)."""

    UP = "up"
    DEGRADED = "degraded"
    DOWN = "down"
    MAINTENANCE = "maintenance"
    UNKNOWN = "unknown"


STORED_STATUSES = (Status.UP, Status.DEGRADED, Status.DOWN, Status.MAINTENANCE)


@dataclass(frozen=True, slots=True)
class ProbeResult:
    """One probe result. ``ts`` is seconds since the epoch (UTC).

    The result stands for the component's state from ``ts`` until the next result of
    the same probe (at most twice the probe's interval; beyond that the time is unknown).
    ``value`` carries a throughput reading (a counter or a rate) for throughput probes.
    ``agent`` names the site that measured it (empty: the one daemon of a single-machine set-up).
    ``interval_s`` is the result's own step when it has one (imported history taken at
    another pace than the probe's); it then covers at most twice that step.
    """

    component: str
    probe: str
    ts: float
    status: Status
    latency_ms: float | None = None
    detail: str = ""
    value: float | None = None
    agent: str = ""
    interval_s: float | None = None

    @property
    def time(self) -> datetime:
        """``ts`` as an aware UTC date-time."""
        return datetime.fromtimestamp(self.ts, UTC)
