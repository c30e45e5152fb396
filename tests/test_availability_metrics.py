"""vigie_availability_ratio on /metrics: the SLA accounting over rolling windows, per scrape.

The collector reads each component's timeline once for its five windows: the figures must
be those `compute_sla` gives for each window on its own.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.probes.conftest import component, probe, probes_config
from vigie.accounting.results import ProbeResult, Status
from vigie.accounting.terms import MaintenanceWindow, Policy
from vigie.probes.config import HttpOptions
from vigie.probes.store import Store
from vigie.reports.metrics import WINDOWS, AvailabilityCollector
from vigie.reports.periods import Period, current_month
from vigie.reports.sla import compute_sla, sla_windows

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


HOUR = 3600.0
RUNS = st.lists(
    st.tuples(st.integers(1, 60), st.sampled_from(["up", "up", "degraded", "down", "gap"])),
    min_size=1,
    max_size=40,
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    runs=st.tuples(RUNS, RUNS),
    confirm_after=st.integers(1, 3),
    pending_counts_as_down=st.booleans(),
    blips=st.sampled_from([0.0, HOUR, 2 * HOUR + 1]),
    back=st.integers(0, 40 * 24),
    weekly=st.booleans(),
)
def test_windows_from_one_timeline_equal_compute_sla(
    tmp_path_factory: pytest.TempPathFactory,
    runs: tuple[list[tuple[int, str]], list[tuple[int, str]]],
    confirm_after: int,
    pending_counts_as_down: bool,
    blips: float,
    back: int,
    weekly: bool,
) -> None:
    """Accounting the five windows on one timeline read gives `compute_sla`'s figures for each."""
    policy = Policy(True, confirm_after, pending_counts_as_down, blips)
    options = HttpOptions("http://127.0.0.1:1/")
    config = probes_config(
        [component(policy=policy)],
        [probe("a", "http", options, interval=HOUR), probe("b", "http", options, interval=HOUR)],
        # A weekly window across midnight, so some fall across a window's start.
        maintenance=[
            MaintenanceWindow("w", ("svc",), "", None, None, frozenset({6}), time(22), timedelta(hours=5))
        ]
        if weekly
        else [],
    )
    results = []
    for pid, probe_runs in zip(("a", "b"), runs, strict=True):
        ts = NOW - 45 * 86400
        for hours, status in probe_runs:
            if status != "gap":
                results += [ProbeResult("svc", pid, ts + k * HOUR, Status(status), 5.0) for k in range(hours)]
            ts += hours * HOUR
    path = tmp_path_factory.mktemp("store") / "v.db"
    now = NOW - back * HOUR
    tz = config.timezone
    moment = datetime.fromtimestamp(now, tz)
    periods = {n: Period(datetime.fromtimestamp(now - s, tz), moment, n) for n, s in WINDOWS.items()}
    periods["month"] = current_month(tz, moment)
    with Store(path, intervals={("svc", "a"): HOUR, ("svc", "b"): HOUR}) as store:
        store.append(results)
        together = sla_windows(store, config, config.components[0], periods, now)
        for name, period in periods.items():
            assert together[name] == compute_sla(store, config, config.components[0], period, now).figures
