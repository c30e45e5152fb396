"""Stuck flows on /metrics: ``vigie_flows_stuck{type, hop}``, labels from the configuration
only (each ``[[flows]]`` type and the hops of its path), so events cannot add series."""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from pathlib import Path

from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from vigie.probes.db import KeptReader
from vigie.probes.flows.lifecycle import Route
from vigie.probes.flows.store import FlowStore
from vigie.probes.flows.stuck import stuck_flows


class FlowCollector(Collector):
    """Counts the flows stuck now, per flow type and the hop they are stuck at."""

    def __init__(
        self, store_path: str | Path, routes: Mapping[str, Route], busy_timeout: float = 10.0
    ) -> None:
        self.routes = routes
        self._reader = KeptReader(lambda: FlowStore(store_path, busy_timeout))

    def close(self) -> None:
        """Close the reading connection."""
        self._reader.close()

    def collect(self) -> Iterator[Metric]:
        """One gauge per type and hop of its path (0 when none is stuck there)."""
        gauge = GaugeMetricFamily(
            "vigie_flows_stuck",
            "Flows whose last event is older than their hop's deadline",
            labels=["type", "hop"],
        )
        counts: dict[tuple[str, str], int] = {
            (route.type, hop): 0 for route in self.routes.values() for hop in route.path[:-1]
        }
        if self.routes:
            with self._reader.snapshot() as store:
                for stuck in stuck_flows(store, self.routes, time.time()):
                    counts[(stuck.type, stuck.hop)] += 1
        for (kind, hop), count in counts.items():
            gauge.add_metric([kind, hop], count)
        yield gauge
