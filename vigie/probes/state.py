"""Each component's confirmed state: ``confirm_after`` consecutive failures before down.

The stored raw results keep what each probe saw; this is the state alerts and the
exporter report. A component's observed state combines its availability probes' latest
results: maintenance if the latest is maintenance, else the worst of down, degraded, up.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass, field

from vigie.accounting.results import ProbeResult, Status
from vigie.probes.config import Component, ProbeConfig

_SEVERITY = {Status.UP: 0, Status.DEGRADED: 1, Status.DOWN: 2}


@dataclass(frozen=True)
class Transition:
    """A confirmed change of a component's state."""

    component: str
    old: Status
    new: Status
    ts: float
    detail: str


@dataclass
class ComponentState:
    """What is known now about one component."""

    component: str
    state: Status = Status.UNKNOWN
    since: float | None = None
    failures: int = 0
    detail: str = ""
    latest: dict[str, ProbeResult] = field(default_factory=dict)


class StateTracker:
    """Feeds on results, in time order, and reports confirmed transitions. Thread-safe."""

    def __init__(self, components: tuple[Component, ...], probes: tuple[ProbeConfig, ...]) -> None:
        self._confirm = {c.id: c.policy.confirm_after for c in components}
        self._availability = {p.id for p in probes if p.role == "availability"}
        self._states = {c.id: ComponentState(c.id) for c in components}
        self._lock = threading.Lock()

    def update(self, result: ProbeResult) -> Transition | None:
        """Account for one result; returns the transition it confirms, if any."""
        if result.probe not in self._availability or result.component not in self._states:
            return None
        with self._lock:
            state = self._states[result.component]
            state.latest[result.probe] = result
            observed = _combine(result, state.latest.values())
            if observed is Status.DOWN:
                state.failures += 1
                if state.failures < self._confirm[result.component]:
                    return None  # pending: not yet confirmed
            else:
                state.failures = 0
            detail = result.detail if observed is result.status else _worst_detail(state.latest.values())
            old = state.state
            state.detail = detail
            if observed is old:
                return None
            state.state, state.since = observed, result.ts
            return Transition(result.component, old, observed, result.ts, detail)

    def states(self) -> dict[str, ComponentState]:
        """A copy of every component's state."""
        with self._lock:
            return {
                k: ComponentState(v.component, v.state, v.since, v.failures, v.detail, dict(v.latest))
                for k, v in self._states.items()
            }


def _combine(current: ProbeResult, latest: Iterable[ProbeResult]) -> Status:
    if current.status is Status.MAINTENANCE:
        return Status.MAINTENANCE
    statuses = [r.status for r in latest if r.status in _SEVERITY]
    return max(statuses, key=_SEVERITY.__getitem__, default=current.status)


def _worst_detail(latest: Iterable[ProbeResult]) -> str:
    results = [r for r in latest if r.status in _SEVERITY]
    worst = max(results, key=lambda r: _SEVERITY[r.status], default=None)
    return worst.detail if worst else ""
