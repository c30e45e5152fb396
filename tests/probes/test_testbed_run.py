"""Every failure mode of the test bed at once under the real scheduler: each is recorded
with its reason while a healthy probe keeps its schedule."""

from __future__ import annotations

import itertools
import socket
import threading
import time
from pathlib import Path

from tests.probes.conftest import component, probe, probes_config
from tests.probes.testbed import TestBed, feed_files
from vigie.accounting.results import Status
from vigie.accounting.terms import Policy
from vigie.probes.checks.heartbeat import Heartbeats
from vigie.probes.checks.kinds import make_check
from vigie.probes.config import DnsOptions, FileflowOptions, HttpOptions, TcpOptions
from vigie.probes.scheduler import Scheduler
from vigie.probes.store import Store


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_each_failure_mode_is_recorded_with_its_reason(
    bed: TestBed, tmp_path: Path, certificates: dict[str, tuple[Path, Path]]
) -> None:
    tls = TestBed(tls=certificates["expired"]).start()
    tls.set("/health", "up")
    cert, _ = certificates["expired"]
    drop = tmp_path / "edi"
    feed_files(drop, 2, age=7200)
    expected = {
        # probe id: (path or options, status, words in the detail)
        "error": ("error", Status.DOWN, "HTTP 500"),
        "hang": ("hang", Status.DOWN, "no answer within 1s"),
        "slow": ("slow", Status.DEGRADED, "slow: "),
        "reset": ("reset", Status.DOWN, "connection reset by peer"),
        "garbage": ("garbage", Status.DOWN, "invalid HTTP response"),
        "flood": ("flood", Status.DEGRADED, "body over 1000000 bytes"),
        "wrong-body": ("wrong_body", Status.DOWN, "body does not match"),
        "bad-json": ("bad_json", Status.DOWN, "body is not JSON"),
        "loop": ("redirect_loop", Status.DOWN, "more than 3 redirects"),
    }
    probes = []
    for pid, (mode, _, _) in expected.items():
        bed.set(f"/{pid}", mode, delay=0.4)
        assertion = {"body_regex": "ok"} if pid == "wrong-body" else {}
        assertion |= {"json_path": "$.status"} if pid == "bad-json" else {}
        probes.append(probe(pid, "http", HttpOptions(bed.url(f"/{pid}"), **assertion), interval=1.0))  # type: ignore[arg-type]
    others = {
        "tls-expired": (
            probe("tls-expired", "http", HttpOptions(tls.url("/health"), ca_file=str(cert)), interval=1.0),
            Status.DOWN,
            "TLS error: certificate has expired",
        ),
        "refused": (
            probe("refused", "tcp", TcpOptions("127.0.0.1", _closed_port()), interval=1.0),
            Status.DOWN,
            "connection refused",
        ),
        "no-dns": (
            probe("no-dns", "dns", DnsOptions("no..such.host"), interval=1.0),
            Status.DOWN,
            "does not resolve",
        ),
        "backlog": (
            probe("backlog", "fileflow", FileflowOptions(str(drop), backlog_down=3600), interval=1.0),
            Status.DOWN,
            "backlog over 1h",
        ),
    }
    probes += [p for p, _, _ in others.values()]
    bed.set("/healthy", "up")
    probes.append(probe("healthy", "http", HttpOptions(bed.url("/healthy")), "steady", interval=0.2))
    config = probes_config([component(latency_threshold=0.2, policy=Policy()), component("steady")], probes)
    heartbeats = Heartbeats(probes)
    try:
        with Store(tmp_path / "v.db") as store:
            scheduler = Scheduler(config, store, {p.id: make_check(p, heartbeats) for p in probes})
            scheduler.run(threading.Event(), until=time.time() + 3.0)
            scheduler.close()
            stored = {p.id: list(store.results(probe=p.id)) for p in probes}
    finally:
        tls.stop()
    wanted = {pid: (status, words) for pid, (_, status, words) in expected.items()}
    wanted |= {pid: (status, words) for pid, (_, status, words) in others.items()}
    for pid, (status, words) in wanted.items():
        assert stored[pid], pid
        first = stored[pid][0]
        assert (first.status, words in first.detail) == (status, True), (pid, first.detail)
    # The healthy probe ran on its own 0.2 s schedule throughout, hangs and floods notwithstanding.
    healthy = stored["healthy"]
    assert all(r.status is Status.UP for r in healthy)
    gaps = [b.ts - a.ts for a, b in itertools.pairwise(healthy)]
    # Generous bounds (busy machines): a hang or a flood holding the schedule would show 3 s gaps.
    assert len(healthy) >= 5 and max(gaps) < 2.0
