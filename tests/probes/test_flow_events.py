"""Flow events into the daemon: POST /events with and without the token, a malformed batch
rejected whole (4xx with the reason), the files a file-flow probe sees recorded as
``received`` events, and stuck flows on /metrics."""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.probes.conftest import component, probe, probes_config
from vigie.probes.config import ExporterConfig, FileflowOptions
from vigie.probes.daemon import Daemon
from vigie.probes.flows.ingest import MAX_BODY, EventReader
from vigie.probes.flows.lifecycle import Route
from vigie.probes.flows.metrics import FlowCollector
from vigie.probes.flows.receiver import FlowRecorder
from vigie.probes.flows.store import FlowStore

ROUTES = {
    "facture-edi": Route("facture-edi", ("chorus-pro", "systeme-echanges", "chorus-coeur"), (60.0, 60.0))
}
TOKEN = "s3cret-token-for-tests"
EVENT = {
    "key": "CPP-1",
    "at": "2017-07-03T10:00:00+02:00",
    "hop": "chorus-pro",
    "event": "received",
    "type": "facture-edi",
}


@pytest.fixture
def daemon(tmp_path: Path) -> Iterator[Daemon]:
    (tmp_path / "edi").mkdir()
    config = probes_config(
        [component("systeme-echanges")],
        [
            probe(
                "edi",
                "fileflow",
                FileflowOptions(str(tmp_path / "edi"), "FLUX_*"),
                "systeme-echanges",
                interval=1.0,
                role="throughput",
            )
        ],
        exporter=ExporterConfig(port=0),
    )
    recorder = FlowRecorder(tmp_path / "flows.db", ROUTES, EventReader(ROUTES), TOKEN)
    collector = FlowCollector(tmp_path / "flows.db", ROUTES)
    with Daemon(config, tmp_path / "v.db", extra_collectors=(collector,), flows=recorder) as running:
        yield running
    collector.close()


def post(daemon: Daemon, body: bytes, token: str | None = TOKEN) -> requests.Response:
    assert daemon.server is not None
    headers = {"Content-Type": "application/json"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    return requests.post(daemon.server.url + "/events", data=body, headers=headers, timeout=10)


def stored(tmp_path: Path) -> tuple[int, int]:
    with FlowStore(tmp_path / "flows.db") as store:
        return store.count()


def test_post_events_needs_the_token_and_stores_a_batch_whole(daemon: Daemon, tmp_path: Path) -> None:
    assert daemon.server is not None
    daemon.server.start()
    batch = [EVENT, {**EVENT, "at": "2017-07-03T10:01:00+02:00", "hop": "systeme-echanges"}]
    body = json.dumps(batch).encode()
    for token in (None, "wrong-token"):
        answer = post(daemon, body, token)
        assert answer.status_code == 401
        assert answer.headers["WWW-Authenticate"].startswith("Bearer")
    assert stored(tmp_path) == (0, 0)
    # A malformed batch is rejected whole, with the reason.
    bad = json.dumps([*batch, {**EVENT, "at": "2017-07-03T10:02:00"}]).encode()
    answer = post(daemon, bad)
    assert answer.status_code == 400
    assert answer.json() == {
        "error": "event 3: at: '2017-07-03T10:02:00' has no offset (add Z or +01:00)",
        "stored": 0,
    }
    for broken, reason in (
        (b"[{", "not JSON"),
        (b"[1]", "event 1: must be a JSON object"),
        (b"", "no event"),
    ):
        answer = post(daemon, broken)
        assert answer.status_code == 400 and answer.json()["error"].startswith(reason)
    assert stored(tmp_path) == (0, 0)
    answer = post(daemon, body)
    assert (answer.status_code, answer.json()) == (200, {"stored": 2, "events": 2})
    # JSON Lines too; a batch already stored changes nothing.
    answer = post(daemon, b"\n".join(json.dumps(e).encode() for e in batch))
    assert answer.status_code == 200
    assert stored(tmp_path) == (1, 2)
    too_big = post(daemon, b" " * (MAX_BODY + 1))
    assert too_big.status_code == 413


def test_without_a_token_post_events_is_not_served(tmp_path: Path) -> None:
    config = probes_config([component()], [], exporter=ExporterConfig(port=0))
    recorder = FlowRecorder(tmp_path / "flows.db", ROUTES, EventReader(ROUTES))
    with Daemon(config, tmp_path / "v.db", flows=recorder) as running:
        assert running.server is not None
        running.server.start()
        answer = requests.post(running.server.url + "/events", data=b"[]", timeout=10)
        assert answer.status_code == 404


def test_files_a_file_flow_probe_sees_are_received_events(daemon: Daemon, tmp_path: Path) -> None:
    for name, age in (("FLUX_0001.xml", 120), ("FLUX_0002.xml", 60), ("other.txt", 30)):
        path = tmp_path / "edi" / name
        path.write_text("<flux/>")
        moment = time.time() - age
        os.utime(path, (moment, moment))
    stop = threading.Event()
    runner = threading.Thread(target=daemon.run, args=(stop, 2.5))
    runner.start()
    runner.join(10)
    with FlowStore(tmp_path / "flows.db") as store:
        assert store.count() == (2, 2)  # seen at every round, stored once
        flow = store.flow(store.resolve_key("FLUX_0001.xml") or 0)
        assert flow is not None
        assert (flow.progress.first_hop, flow.type) == ("systeme-echanges", None)


def test_stuck_flows_per_type_and_hop_on_metrics(daemon: Daemon, tmp_path: Path) -> None:
    assert daemon.server is not None
    daemon.server.start()
    assert (
        post(daemon, json.dumps([EVENT, {**EVENT, "key": "CPP-2", "hop": "wherever"}]).encode()).status_code
        == 200
    )
    text = requests.get(daemon.server.url + "/metrics", timeout=10).text
    lines = [line for line in text.splitlines() if line.startswith("vigie_flows_stuck{")]
    # Labels come from the configuration: the off-path hop of CPP-2 adds no series.
    assert sorted(lines) == [
        'vigie_flows_stuck{hop="chorus-pro",type="facture-edi"} 1.0',
        'vigie_flows_stuck{hop="systeme-echanges",type="facture-edi"} 0.0',
    ]
