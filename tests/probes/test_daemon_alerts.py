"""The daemon end to end: a target scripted to fail then recover, confirmed after two
failures, alerts posted to a loopback webhook, confirmed state on /metrics."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import requests

from tests.probes.conftest import component, probe, probes_config
from tests.probes.testbed import TestBed, webhook_receiver
from vigie.accounting.results import ProbeResult, Status
from vigie.accounting.terms import Policy
from vigie.probes.config import AlertsConfig, HttpOptions, StoreConfig
from vigie.probes.daemon import Daemon
from vigie.probes.secrets import Secret
from vigie.probes.store import Store


def test_scripted_outage_gives_down_then_recovery(bed: TestBed, tmp_path: Path) -> None:
    elapsed = time.monotonic() - bed.started
    bed.script("/svc", [(0, "up"), (elapsed + 1.0, "error"), (elapsed + 2.5, "up")])
    stop = threading.Event()
    with webhook_receiver() as (url, received):
        config = probes_config(
            [component(policy=Policy(confirm_after=2))],
            [probe("svc-http", "http", HttpOptions(bed.url("/svc")), interval=0.2)],
            alerts=AlertsConfig(webhook=Secret(url), backoff=0.01),
        )
        with Daemon(config, tmp_path / "v.db") as daemon:
            runner = threading.Thread(target=daemon.run, args=(stop,))
            runner.start()
            seen_down = False
            for _ in range(100):
                time.sleep(0.1)
                state = daemon.tracker.states()["svc"].state
                seen_down = seen_down or state is Status.DOWN
                if seen_down and state is Status.UP:
                    break
            assert daemon.server is not None
            metrics = requests.get(daemon.server.url + "/metrics", timeout=5).text
            stop.set()
            runner.join(10)
            raw = [r.status for r in daemon.store.results(probe="svc-http")]
    assert seen_down
    assert 'vigie_component_up{component="svc"} 1.0' in metrics
    kinds = [(a["kind"], a["component"]) for a in received]
    assert kinds == [("down", "svc"), ("recovery", "svc")]
    assert received[0]["detail"].startswith("HTTP 500")
    # The raw results keep every failure, including the first one that was not yet confirmed.
    first_down = raw.index(Status.DOWN)
    assert raw[first_down + 1] is Status.DOWN


def test_the_daemon_applies_retention(bed: TestBed, tmp_path: Path) -> None:
    """Raw results older than [store] retention go with the first batch; the horizon is recorded."""
    bed.set("/svc", "up")
    config = probes_config(
        [component()],
        [probe("svc-http", "http", HttpOptions(bed.url("/svc")), interval=0.2)],
        store=StoreConfig(retention=86400),
    )
    old = time.time() - 3 * 86400
    with Store(tmp_path / "v.db", intervals={("svc", "svc-http"): 0.2}) as store:
        store.append([ProbeResult("svc", "svc-http", old + i, Status.UP, 1.0) for i in range(10)])
    with Daemon(config, tmp_path / "v.db") as daemon:
        daemon.run(threading.Event(), duration=1.0)
        kept = list(daemon.store.results(probe="svc-http"))
        horizon = daemon.store.horizon()
    assert kept and all(r.ts > time.time() - 86400 for r in kept)
    assert horizon is not None and old < horizon <= time.time() - 86400
