"""The scheduler on a real store and a real test bed: isolation, errors, maintenance, batches."""

from __future__ import annotations

import json
import logging
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from tests.probes.conftest import component, probe, probes_config
from tests.probes.testbed import TestBed
from vigie.accounting.results import Status
from vigie.accounting.terms import MaintenanceWindow
from vigie.probes.checks.base import Outcome
from vigie.probes.checks.heartbeat import Heartbeats
from vigie.probes.checks.kinds import make_check
from vigie.probes.config import HttpOptions
from vigie.probes.scheduler import Scheduler
from vigie.probes.store import Store


def _run(scheduler: Scheduler, seconds: float) -> None:
    stop = threading.Event()
    scheduler.run(stop, until=time.time() + seconds)
    scheduler.close()


def test_a_hanging_target_does_not_delay_the_others(
    bed: TestBed, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    bed.set("/hang", "hang")
    bed.set("/fast", "up")
    probes = [
        probe("hanging", "http", HttpOptions(bed.url("/hang")), interval=0.3, timeout=1.0),
        probe("fast", "http", HttpOptions(bed.url("/fast")), interval=0.1, timeout=1.0),
    ]
    config = probes_config([component()], probes)
    with Store(tmp_path / "v.db") as store:
        checks = {p.id: make_check(p, Heartbeats(probes)) for p in probes}
        scheduler = Scheduler(config, store, checks)
        with caplog.at_level(logging.DEBUG, logger="vigie.scheduler"):
            _run(scheduler, 2.5)
        hanging = list(store.results(probe="hanging"))
        fast = list(store.results(probe="fast"))
    assert hanging and all(r.status is Status.DOWN and "no answer" in r.detail for r in hanging)
    # The hanging probe is never started twice at once: skipped, not queued.
    assert scheduler.skipped > 0
    # The daemon's -v batch lines say how many runs were skipped so far.
    batches = [json.loads(r.getMessage()) for r in caplog.records if '"batch"' in r.getMessage()]
    assert batches and batches[-1]["skipped"] <= scheduler.skipped
    assert any(b["skipped"] > 0 for b in batches)
    first = hanging[0]
    during = [r for r in fast if first.ts < r.ts < first.ts + 1.0]
    assert len(during) >= 2 and all(r.status is Status.UP for r in during)


def test_a_probe_that_raises_is_down_and_the_rest_go_on(tmp_path: Path) -> None:
    probes = [probe("boom", "tcp", None, interval=0.1), probe("fine", "tcp", None, interval=0.1)]

    def boom() -> Outcome:
        raise RuntimeError("driver exploded")

    config = probes_config([component()], probes)
    with Store(tmp_path / "v.db") as store:
        scheduler = Scheduler(config, store, {"boom": boom, "fine": lambda: Outcome(Status.UP, "ok", 1.0)})
        _run(scheduler, 0.6)
        boom_results = list(store.results(probe="boom"))
        assert boom_results and boom_results[0].detail == "probe error: RuntimeError: driver exploded"
        assert all(r.status is Status.DOWN for r in boom_results)
        assert all(r.status is Status.UP for r in store.results(probe="fine"))
        assert store.count() == scheduler.stored


def test_results_inside_a_maintenance_window_are_maintenance(tmp_path: Path) -> None:
    now = datetime.now().astimezone()
    window = MaintenanceWindow(
        "patch", ("svc",), "Patch mardi", start=now - timedelta(hours=1), end=now + timedelta(hours=1)
    )
    probes = [probe("p", "tcp", None)]
    config = probes_config([component(), component("other")], probes, maintenance=[window])
    with Store(tmp_path / "v.db") as store:
        scheduler = Scheduler(config, store, {"p": lambda: Outcome(Status.DOWN, "connection refused")})
        [measured] = scheduler.run_once()
        scheduler.close()
    assert measured.result.status is Status.MAINTENANCE
    assert measured.result.detail == "maintenance (Patch mardi): connection refused"


def test_latency_over_the_component_threshold_is_degraded(bed: TestBed, tmp_path: Path) -> None:
    bed.set("/slow", "slow", delay=0.3)
    probes = [probe("slow", "http", HttpOptions(bed.url("/slow")), timeout=2.0)]
    config = probes_config([component(latency_threshold=0.1)], probes)
    with Store(tmp_path / "v.db") as store:
        scheduler = Scheduler(config, store, {"slow": make_check(probes[0], Heartbeats(probes))})
        [measured] = scheduler.run_once()
        scheduler.close()
    assert measured.result.status is Status.DEGRADED
    assert measured.result.detail.startswith("slow: ")
