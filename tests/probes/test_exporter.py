"""The daemon's HTTP server: /metrics scraped with a real GET and parsed, heartbeats pushed."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.registry import Collector

from tests.probes.conftest import component, probe, probes_config
from tests.probes.testbed import TestBed
from vigie.probes.config import Capacity, CounterOptions, HeartbeatOptions, HttpOptions
from vigie.probes.daemon import AlreadyRunning, Daemon, StoreLock
from vigie.probes.secrets import Secret


class _Catalog(Collector):
    """Stands for a collector `console` passes in (e.g. homologations from the catalog)."""

    def collect(self) -> Iterator[Metric]:
        yield GaugeMetricFamily("vigie_homologations_expired", "Expired homologations", value=3)


@pytest.fixture
def daemon(bed: TestBed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Daemon]:
    monkeypatch.setenv("VIGIE_HB_TOKEN", "beat-token-123")
    bed.set("/health", "up")
    bed.set("/rate", "json", payload={"rate": 30.0})
    config = probes_config(
        [component("web"), component("api", capacity=Capacity(60, "calls", "second")), component("batch")],
        [
            probe("web-http", "http", HttpOptions(bed.url("/health")), "web"),
            probe(
                "api-rate",
                "counter",
                CounterOptions("json", bed.url("/rate"), "$.rate", mode="rate"),
                "api",
                role="throughput",
            ),
            probe(
                "batch-hb", "heartbeat", HeartbeatOptions(Secret("${VIGIE_HB_TOKEN}")), "batch", interval=60
            ),
        ],
    )
    with Daemon(config, tmp_path / "v.db", extra_collectors=(_Catalog(),)) as running:
        running.once()
        stop = threading.Event()
        thread = threading.Thread(target=running.run, args=(stop,))
        thread.start()
        yield running
        stop.set()
        thread.join(10)


def _scrape(daemon: Daemon) -> dict[str, list[tuple[dict[str, str], float]]]:
    assert daemon.server is not None
    response = requests.get(daemon.server.url + "/metrics", timeout=5)
    assert response.status_code == 200
    samples: dict[str, list[tuple[dict[str, str], float]]] = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            samples.setdefault(sample.name, []).append((sample.labels, sample.value))
    return samples


def test_metrics_are_bound_to_loopback_and_parse(daemon: Daemon) -> None:
    assert daemon.server is not None
    assert daemon.server.server_address[0] == "127.0.0.1"
    metrics = _scrape(daemon)
    assert ({"component": "web", "probe": "web-http", "kind": "http"}, 1.0) in metrics["vigie_probe_success"]
    assert ({"component": "api"}, 0.99) in metrics["vigie_sla_objective_ratio"]
    assert ({"component": "api", "probe": "api-rate"}, 30.0) in metrics["vigie_throughput_per_second"]
    assert ({"component": "api"}, 0.5) in metrics["vigie_capacity_utilisation_ratio"]
    assert ({"component": "web"}, 1.0) in metrics["vigie_component_up"]
    assert ({"component": "web", "state": "up"}, 1.0) in metrics["vigie_component_state"]
    assert {labels["probe"] for labels, _ in metrics["vigie_last_result_timestamp_seconds"]} >= {"web-http"}
    assert metrics["vigie_probe_duration_seconds"]
    assert metrics["vigie_homologations_expired"] == [({}, 3.0)]


def test_heartbeat_push(daemon: Daemon) -> None:
    assert daemon.server is not None
    base = daemon.server.url
    assert requests.post(base + "/push/wrong-token", timeout=5).status_code == 404
    answer = requests.post(base + "/push/beat-token-123", data=b"ok", timeout=5)
    assert answer.status_code == 200 and answer.json() == {"probe": "batch-hb", "ok": True}
    assert daemon.heartbeats.last("batch-hb") is not None
    assert requests.get(base + "/nothing", timeout=5).status_code == 404


def test_a_second_daemon_on_the_same_store_refuses(daemon: Daemon, tmp_path: Path) -> None:
    with pytest.raises(AlreadyRunning, match=r"another vigie run \(pid \d+\) is already writing"):
        StoreLock(tmp_path / "v.db")
