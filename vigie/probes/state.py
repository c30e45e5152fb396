"""Each component's state as the daemon's results arrive, for alerts and /metrics.

The rules are the accounting's (:class:`vigie.accounting.state.LiveState`): coverage,
``confirm_after``, the worst of several probes, blips and declared maintenance windows, so
an alert says what the monthly report will count. This module only routes results to
their component, under a lock (the writer thread feeds, the exporter's threads read).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from itertools import groupby
from zoneinfo import ZoneInfo

from vigie.accounting.results import ProbeResult
from vigie.accounting.schedules import maintenance_spans
from vigie.accounting.state import CurrentState, LiveState, MaintenanceSource, Transition, current_state
from vigie.accounting.terms import MaintenanceWindow
from vigie.accounting.timeline import Segment
from vigie.kernel.spans import Span, clip
from vigie.probes.config import Component, ProbeConfig, ProbesConfig
from vigie.probes.sources import MetricsSource
from vigie.probes.store import Store

HISTORY_S = 3600.0
"""How far back the state now is read from the store (more when the blip threshold is longer)."""


class StateTracker:
    """Feeds on results, in time order, and reports the transitions they settle. Thread-safe."""

    def __init__(
        self,
        components: Sequence[Component],
        probes: Sequence[ProbeConfig],
        maintenance: Sequence[MaintenanceWindow] = (),
        timezone: ZoneInfo | None = None,
    ) -> None:
        self._states: dict[str, LiveState] = {}
        for comp in components:
            intervals = {
                p.id: p.interval for p in probes if p.component == comp.id and p.role == "availability"
            }
            windows = _windows(maintenance, comp.id, timezone) if maintenance and timezone else None
            self._states[comp.id] = LiveState(comp.id, comp.policy, intervals, windows)
        self._lock = threading.Lock()

    def update(self, result: ProbeResult) -> list[Transition]:
        """Account for one result; the transitions it settles (oldest first)."""
        live = self._states.get(result.component)
        if live is None:
            return []
        with self._lock:
            return live.feed(result)

    def resume(self, store: Store, config: ProbesConfig, now: float) -> list[Transition]:
        """Start from the stored results of the last hour (the state before a restart, or
        of a first round of checks); the transitions they settle."""
        changes = []
        with self._lock:
            for comp in config.components:
                live = self._states.get(comp.id)
                if live is None:
                    continue
                start = now - max(HISTORY_S, 2 * comp.policy.ignore_blips_shorter_than)
                changes += live.resume(availability_segments(store, config, comp, start, now + 1))
        return sorted(changes, key=lambda c: c.ts)

    def states(self) -> dict[str, CurrentState]:
        """Every component's settled state."""
        with self._lock:
            return {cid: live.current for cid, live in self._states.items()}


def _windows(windows: Sequence[MaintenanceWindow], component: str, tz: ZoneInfo) -> MaintenanceSource:
    """The component's maintenance spans, expanded a day ahead at a time (weekly windows
    cost a walk over the days; a result arrives every few seconds)."""
    cache: list[tuple[float, float, list[Span]]] = []

    def spans(start: float, end: float) -> list[Span]:
        if not cache or start < cache[0][0] or end > cache[0][1]:
            lo, hi = start, max(end, start) + 86400.0
            cache[:] = [(lo, hi, maintenance_spans(windows, component, tz, lo, hi))]
        return clip(cache[0][2], start, end)

    return spans


def availability_segments(
    store: MetricsSource, config: ProbesConfig, component: Component, start: float, end: float
) -> list[list[Segment]]:
    """The component's segments overlapping ``[start, end)``, one list per probe (and agent).

    Every probe stored for the component counts except those configured with
    ``role = "throughput"``: its availability probes, imported history (probe ``ingest``)
    and probes since removed from the config, so history is not lost by renaming a probe.
    """
    throughput = config.throughput_probes(component.id)
    segments = [s for s in store.segments(component.id, start, end) if s.probe not in throughput]
    return [list(group) for _, group in groupby(segments, key=lambda s: (s.agent, s.probe))]


def stored_states(
    store: MetricsSource, config: ProbesConfig, now: float, delay: float = 0.0
) -> dict[str, CurrentState]:
    """Every component's state at ``now`` from the stored results, by the accounting's rules.

    ``delay`` reads the state that long before ``now``: an engine that scrapes the agents
    knows the last moments only after a scrape interval or so.
    """
    states = {}
    now -= delay
    for comp in config.components:
        # Far enough back for a pending outage or a blip to show its start.
        start = now - max(HISTORY_S, 2 * comp.policy.ignore_blips_shorter_than)
        probes = availability_segments(store, config, comp, start, now + 1)
        windows = maintenance_spans(config.maintenance, comp.id, config.timezone, start, now + 1)
        states[comp.id] = current_state(probes, comp.policy, windows, now)
    return states
