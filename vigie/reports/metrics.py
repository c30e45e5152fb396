"""Availability on /metrics: the SLA accounting over rolling windows, as a Prometheus collector.

The daemon's exporter lives in `probes`, which cannot import `reports`; `vigie run` hands
this collector to it as an extra one. Each scrape computes, from the store's rollups, every
component's availability over the last hour, day, week and 30 days and over the current
calendar month (its SLA period), with the same rules as `vigie sla`: each component's
timeline is read and built once per scrape, and the five windows are accounted on it.

With ``[measurements] source = "prometheus"`` the results are read through the engine; when
it does not answer, the windows are left out (never a made-up 0 or 100 %) and
``vigie_measurements_source_up`` says 0.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from vigie.probes.config import ProbesConfig
from vigie.probes.db import KeptReader
from vigie.probes.sources import EngineError, MetricsSource
from vigie.probes.store import Store
from vigie.reports.periods import Period, current_month
from vigie.reports.sla import sla_windows

log = logging.getLogger("vigie.metrics")

WINDOWS = {"1h": 3600.0, "24h": 86400.0, "7d": 7 * 86400.0, "30d": 30 * 86400.0}


class AvailabilityCollector(Collector):
    """``vigie_availability_ratio{component, window}`` and the month's error budget left."""

    def __init__(
        self,
        config: ProbesConfig,
        store_path: str | Path,
        clock: Callable[[], float] = time.time,
        engine: MetricsSource | None = None,
    ) -> None:
        self.config = config
        self.store_path = Path(store_path)
        self.clock = clock
        self.engine = engine
        self._engine_lock = threading.Lock()
        self._reader = KeptReader(lambda: Store.of_config(self.config, self.store_path))

    def close(self) -> None:
        """Close the reading connection."""
        self._reader.close()

    def collect(self) -> Iterator[Metric]:
        """Compute the figures now (floored ratios, as everywhere in Vigie)."""
        ratio = GaugeMetricFamily(
            "vigie_availability_ratio",
            "Availability (up + degraded over measured scheduled time), floored to 0.001 %",
            labels=["component", "window"],
        )
        budget = GaugeMetricFamily(
            "vigie_error_budget_remaining_seconds",
            "Error budget left in the current calendar month",
            labels=["component"],
        )
        now = self.clock()
        tz = self.config.timezone
        moment = datetime.fromtimestamp(now, tz)
        periods = {
            name: Period(datetime.fromtimestamp(now - length, tz), moment, name)
            for name, length in WINDOWS.items()
        }
        periods["month"] = current_month(tz, moment)
        if self.engine is not None:
            source_up = GaugeMetricFamily(
                "vigie_measurements_source_up", "1 when the engine answered the availability queries"
            )
            try:
                with self._engine_lock:
                    windows = {
                        c.id: sla_windows(self.engine, self.config, c, periods, now)
                        for c in self.config.components
                    }
            except EngineError as exc:
                log.warning(json.dumps({"event": "source-unavailable", "error": str(exc)}))
                source_up.add_metric([], 0.0)
                yield source_up
                return
            source_up.add_metric([], 1.0)
            yield source_up
        else:
            with self._reader.snapshot() as store:
                windows = {
                    c.id: sla_windows(store, self.config, c, periods, now) for c in self.config.components
                }
        for name in periods:
            for component_id, figures in windows.items():
                availability = figures[name].availability
                if availability is not None:
                    ratio.add_metric([component_id, name], availability)
                if name == "month":
                    budget.add_metric([component_id], figures[name].budget_remaining_s)
        yield ratio
        yield budget
