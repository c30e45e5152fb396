"""The Prometheus exporter: a custom collector that reads the current state on each scrape.

Labels come from the configuration only (component and probe ids, probe kinds), never
from what a target answered, so a misbehaving target cannot explode the series count.
Other packages' figures reach /metrics as extra collectors handed in by `console`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector, CollectorRegistry

from vigie.accounting.results import ProbeResult, Status
from vigie.accounting.state import CurrentState
from vigie.probes.config import ProbesConfig
from vigie.probes.db import KeptReader
from vigie.probes.state import stored_states
from vigie.probes.store import Store

_UP = (Status.UP, Status.DEGRADED)


class VigieCollector(Collector):
    """Probe and component metrics from the store, the confirmed states and live extras.

    ``states`` gives each component's settled state (the daemon's tracker); without it,
    the stored results decide, by the same rules (:func:`vigie.probes.state.stored_states`). ``certs`` gives each HTTPS probe's certificate expiry.
    """

    def __init__(
        self,
        config: ProbesConfig,
        store_path: str | Path,
        states: Callable[[], dict[str, CurrentState]] | None = None,
        certs: Callable[[], dict[str, float]] | None = None,
    ) -> None:
        self.config = config
        self.store_path = Path(store_path)
        self.states = states
        self.certs = certs
        # One reading connection, shared by the server's threads one scrape at a time.
        self._reader = KeptReader(lambda: Store.of_config(self.config, self.store_path))

    def _read(self) -> tuple[dict[str, ProbeResult], dict[str, CurrentState]]:
        with self._reader.snapshot() as store:
            latest = store.latest_of((p.component, p.id) for p in self.config.probes)
            states = self.states() if self.states else stored_states(store, self.config, time.time())
        return latest, states

    def close(self) -> None:
        """Close the reading connection."""
        self._reader.close()

    def collect(self) -> Iterator[Metric]:
        """Build every metric family from the current state."""
        latest, states = self._read()
        probes = {p.id: p for p in self.config.probes}
        success = GaugeMetricFamily(
            "vigie_probe_success",
            "1 when the probe's last check answered (up or degraded)",
            labels=["component", "probe", "kind"],
        )
        duration = GaugeMetricFamily(
            "vigie_probe_duration_seconds",
            "Duration of the probe's last check",
            labels=["component", "probe", "kind"],
        )
        last_ts = GaugeMetricFamily(
            "vigie_last_result_timestamp_seconds",
            "When the probe last checked (epoch)",
            labels=["component", "probe"],
        )
        throughput = GaugeMetricFamily(
            "vigie_throughput_per_second", "Last throughput reading of a probe", labels=["component", "probe"]
        )
        for pid, probe in probes.items():
            result = latest.get(pid)
            if result is None or result.component != probe.component:
                continue
            labels = [probe.component, pid, probe.kind]
            success.add_metric(labels, 1.0 if result.status in _UP else 0.0)
            if result.latency_ms is not None:
                duration.add_metric(labels, result.latency_ms / 1000)
            last_ts.add_metric([probe.component, pid], result.ts)
            if result.value is not None:
                throughput.add_metric([probe.component, pid], result.value)
        yield from (success, duration, last_ts, throughput)
        yield from self._components(latest, states)
        certs = GaugeMetricFamily(
            "vigie_cert_expiry_timestamp_seconds",
            "TLS certificate notAfter (epoch)",
            labels=["component", "probe"],
        )
        for pid, expiry in (self.certs() if self.certs else {}).items():
            if pid in probes:
                certs.add_metric([probes[pid].component, pid], expiry)
        yield certs

    def _components(
        self, latest: dict[str, ProbeResult], states: dict[str, CurrentState]
    ) -> Iterator[Metric]:
        up = GaugeMetricFamily(
            "vigie_component_up",
            "1 when the component's confirmed state is up or degraded",
            labels=["component"],
        )
        state = GaugeMetricFamily(
            "vigie_component_state", "1 for the component's current state", labels=["component", "state"]
        )
        objective = GaugeMetricFamily(
            "vigie_sla_objective_ratio", "SLA availability target", labels=["component"]
        )
        utilisation = GaugeMetricFamily(
            "vigie_capacity_utilisation_ratio", "Throughput over nominal capacity", labels=["component"]
        )
        for comp in self.config.components:
            objective.add_metric([comp.id], comp.target)
            current = states.get(comp.id)
            status = current.state if current is not None else Status.UNKNOWN
            for name in (Status.UP, Status.DEGRADED, Status.DOWN, Status.MAINTENANCE, Status.UNKNOWN):
                state.add_metric([comp.id, str(name)], 1.0 if status is name else 0.0)
            if status in (Status.UP, Status.DEGRADED, Status.DOWN):
                up.add_metric([comp.id], 1.0 if status in _UP else 0.0)
            rates = [
                r.value
                for p in self.config.probes
                if p.component == comp.id and p.role == "throughput"
                for r in [latest.get(p.id)]
                if r is not None and r.value is not None
            ]
            if comp.capacity is not None and rates:
                utilisation.add_metric([comp.id], sum(rates) / comp.capacity.per_second)
        yield from (up, state, objective, utilisation)


def build_registry(collector: VigieCollector, extra: tuple[Collector, ...] = ()) -> CollectorRegistry:
    """A registry holding Vigie's collector and any extra ones (e.g. the catalog's)."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(collector)
    for other in extra:
        registry.register(other)
    return registry
