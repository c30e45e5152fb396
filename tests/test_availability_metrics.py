"""vigie_availability_ratio on /metrics: the SLA accounting over rolling windows, per scrape."""

from __future__ import annotations

from pathlib import Path

from tests.probes.conftest import component, probe, probes_config
from vigie.probes.config import HttpOptions
from vigie.probes.results import ProbeResult, Status
from vigie.probes.store import Store
from vigie.reports.metrics import AvailabilityCollector

NOW = 1_500_000_000.0  # 2017-07-14, mid-month


def test_ratio_per_window_and_budget(tmp_path: Path) -> None:
    config = probes_config(
        [component()], [probe("p", "http", HttpOptions("http://127.0.0.1:1/"), interval=60)]
    )
    path = tmp_path / "v.db"
    with Store(path, intervals={("svc", "p"): 60}) as store:
        # Two hours up, then the last six minutes down.
        results = [ProbeResult("svc", "p", NOW - 7200 + i * 60, Status.UP, 5.0) for i in range(114)]
        results += [
            ProbeResult("svc", "p", NOW - 360 + i * 60, Status.DOWN, None, "HTTP 500") for i in range(6)
        ]
        store.append(results)
    collector = AvailabilityCollector(config, path, clock=lambda: NOW)
    try:
        families = {f.name: f for f in collector.collect()}
    finally:
        collector.close()
    ratios = {s.labels["window"]: s.value for s in families["vigie_availability_ratio"].samples}
    assert ratios["1h"] == 0.9  # 54 of 60 minutes
    assert ratios["24h"] == ratios["month"] == 0.95  # 114 of 120 measured minutes
    [budget] = families["vigie_error_budget_remaining_seconds"].samples
    assert budget.labels == {"component": "svc"} and budget.value < 0.01 * 31 * 86400
