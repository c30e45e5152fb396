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
    """

    component: str
    probe: str
    ts: float
    status: Status
    latency_ms: float | None = None
    detail: str = ""
    value: float | None = None
    agent: str = ""

    @property
    def time(self) -> datetime:
        """``ts`` as an aware UTC date-time."""
        return datetime.fromtimestamp(self.ts, UTC)
