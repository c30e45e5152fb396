"""TCP, DNS, host, file-flow, counter and heartbeat checks, on loopback and tmp directories."""

from __future__ import annotations

import os
import socket
import time
from pathlib import Path

import psutil
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.probes.conftest import check_tcp, probe
from tests.probes.testbed import TestBed, counter, feed_files
from vigie.accounting.results import Status
from vigie.probes.checks.counter import CounterCheck
from vigie.probes.checks.dns import check_dns
from vigie.probes.checks.fileflow import FileflowFacts, check_fileflow, read_detail
from vigie.probes.checks.heartbeat import Heartbeats, check_heartbeat
from vigie.probes.checks.host import check_host
from vigie.probes.config import (
    CounterOptions,
    DnsOptions,
    FileflowOptions,
    HeartbeatOptions,
    HostOptions,
    TcpOptions,
)
from vigie.probes.secrets import Secret


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_tcp_up_and_refused(bed: TestBed) -> None:
    up = check_tcp(TcpOptions("127.0.0.1", bed.port), 1.0)
    assert up.status is Status.UP and "connect" in up.timings
    refused = check_tcp(TcpOptions("127.0.0.1", _free_port()), 1.0)
    assert (refused.status, refused.detail) == (Status.DOWN, "connection refused")


def test_dns_localhost_resolves() -> None:
    outcome = check_dns(DnsOptions("localhost", "ipv4", ("127.0.0.1",)), 2.0)
    assert outcome.status is Status.UP, outcome.detail
    assert "127.0.0.1" in outcome.detail


def test_dns_unexpected_address_is_down() -> None:
    outcome = check_dns(DnsOptions("localhost", "ipv4", ("192.0.2.1",)), 2.0)
    assert outcome.status is Status.DOWN
    assert "expected 192.0.2.1" in outcome.detail


def test_dns_name_that_does_not_resolve() -> None:
    """A name the resolver rejects before asking any server, so no packet leaves loopback."""
    outcome = check_dns(DnsOptions("no..such.host", "any"), 2.0)
    assert outcome.status is Status.DOWN
    assert "does not resolve" in outcome.detail


def test_host_process_and_thresholds() -> None:
    me = psutil.Process().name()
    assert check_host(HostOptions(process=me), 1.0).status is Status.UP
    missing = check_host(HostOptions(process="no-such-process-vigie"), 1.0)
    assert (missing.status, missing.detail) == (Status.DOWN, "process no-such-process-vigie is not running")
    over = check_host(HostOptions(disk_path=str(Path.cwd()), disk_max=0.0, memory_max=100.0), 1.0)
    assert over.status is Status.DEGRADED and "disk" in over.detail


def test_fileflow_throughput_and_backlog(tmp_path: Path) -> None:
    drop = tmp_path / "edi"
    feed_files(drop, 6)
    fresh = check_fileflow(FileflowOptions(str(drop), "*.xml", 600, 3600), 60)
    assert fresh.status is Status.UP
    assert fresh.value == pytest.approx(6 / 60)
    assert "6 files in 1m" in fresh.detail
    feed_files(drop, 1, age=1200)
    late = check_fileflow(FileflowOptions(str(drop), "*.xml", 600, 3600), 60)
    assert late.status is Status.DEGRADED and "backlog over 10m" in late.detail
    feed_files(drop, 1, age=7200)
    stuck = check_fileflow(FileflowOptions(str(drop), "*.xml", 600, 3600), 60)
    assert stuck.status is Status.DOWN and "oldest 2h" in stuck.detail
    for path in drop.iterdir():
        os.remove(path)
    empty = check_fileflow(FileflowOptions(str(drop)), 60)
    assert (empty.status, empty.value) == (Status.UP, 0.0)
    assert check_fileflow(FileflowOptions(str(tmp_path / "absent")), 60).status is Status.DOWN


def test_counter_from_a_json_endpoint_becomes_a_rate(bed: TestBed) -> None:
    bed.set("/stats", "json", payload=lambda: {"flux": {"total": next_total()}})
    totals = iter([1000.0, 1600.0, 2200.0, 100.0])

    def next_total() -> float:
        return next(totals)

    check = CounterCheck(CounterOptions("json", bed.url("/stats"), json_path="$.flux.total"))
    # The first check reads twice, half its timeout apart: a rate at once (issue 16, item 13).
    started = time.perf_counter()
    first = check(1.0)
    assert first.status is Status.UP and first.value is not None and 600 / 0.9 < first.value < 600 / 0.5
    assert 0.5 <= time.perf_counter() - started < 1.0
    time.sleep(0.2)
    second = check(1.0)
    assert second.status is Status.UP and second.value is not None and second.value > 0
    reset = check(1.0)
    assert reset.value is None and "counter reset" in reset.detail


def test_counter_from_a_prometheus_query(bed: TestBed) -> None:
    """No real Prometheus: the bed answers /api/v1/query in the documented HTTP API format
    (``{"status": "success", "data": {"resultType": "vector", "result": [...]}}``)."""
    bed.set("/api/v1/query", "prometheus", payload=69.4)
    options = CounterOptions("prometheus", bed.url("/"), query="sum(rate(api_calls_total[5m]))", mode="rate")
    outcome = CounterCheck(options)(1.0)
    assert (outcome.status, outcome.value) == (Status.UP, 69.4)
    growing = CounterCheck(
        CounterOptions("prometheus", bed.url("/"), query="sum(api_calls_total)", mode="counter")
    )
    bed.set("/api/v1/query", "prometheus", payload=counter(step=50))
    growing(1.0)
    assert (growing(1.0).value or 0) > 0


@pytest.mark.parametrize(
    ("mode", "reason"), [("error", "HTTP 500"), ("bad_json", "not JSON"), ("json", "no key 'flux'")]
)
def test_counter_failures_are_down(bed: TestBed, mode: str, reason: str) -> None:
    bed.set("/stats", mode, payload={"other": 1})
    outcome = CounterCheck(CounterOptions("json", bed.url("/stats"), json_path="$.flux"))(1.0)
    assert outcome.status is Status.DOWN and reason in outcome.detail


def test_heartbeat_book_and_silence(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VIGIE_HB", "tok-abcdefgh")
    beat = probe("batch-hb", "heartbeat", HeartbeatOptions(Secret("${VIGIE_HB}"), max_silence=60))
    book = Heartbeats([beat], started=1000.0)
    assert check_heartbeat(beat, book, now=1030).status is Status.UP  # grace after start
    assert check_heartbeat(beat, book, now=1100).status is Status.DOWN
    assert book.accept("wrong-token") is None
    assert book.accept("tok-abcdefgh", now=1090) == "batch-hb"
    assert check_heartbeat(beat, book, now=1100).status is Status.UP
    silent = check_heartbeat(beat, book, now=1200)
    assert silent.status is Status.DOWN and "no heartbeat for 1m50s" in silent.detail


def test_fileflow_detail_wording_is_stable(tmp_path: Path) -> None:
    # Stored details are read by people and by other code (the console parses them back):
    # the wording is pinned here.
    drop = tmp_path / "edi"
    now = 1_764_000_000.0
    options = FileflowOptions(str(drop), "*.xml", 600, 3600)
    for index, age in enumerate((10, 20)):
        path = feed_files(drop, 1, prefix=f"a{index}")[0]
        os.utime(path, (now - age, now - age))
    assert check_fileflow(options, 60, now).detail == "2 files in 1m, 2 waiting, oldest 20s"
    late = feed_files(drop, 1, prefix="late")[0]
    os.utime(late, (now - 1230, now - 1230))
    assert check_fileflow(options, 60, now).detail == (
        "backlog over 10m: 2 files in 1m, 3 waiting, oldest 20m30s"
    )
    os.utime(late, (now - 7200, now - 7200))
    assert check_fileflow(options, 300, now).detail == (
        "backlog over 1h: 2 files in 5m, 3 waiting, oldest 2h"
    )
    for path in drop.iterdir():
        os.remove(path)
    assert check_fileflow(options, 60, now).detail == "0 files in 1m, 0 waiting"


ages = st.floats(min_value=0, max_value=400 * 86400, allow_nan=False)


@given(
    arrived=st.integers(0, 10**6),
    interval=st.floats(min_value=0.001, max_value=86400),
    waiting=st.integers(0, 10**6),
    oldest=st.none() | ages,
    over=st.none() | ages,
)
def test_fileflow_detail_reads_back(
    arrived: int, interval: float, waiting: int, oldest: float | None, over: float | None
) -> None:
    facts = FileflowFacts(arrived, interval, waiting, oldest, over)
    back = read_detail(facts.detail())
    assert back is not None
    assert (back.arrived, back.waiting) == (arrived, waiting)
    assert (back.oldest_s is None, back.over_s is None) == (oldest is None, over is None)
    assert back.detail() == facts.detail()  # as precise as the sentence


def test_fileflow_failures_have_no_facts(tmp_path: Path) -> None:
    absent = check_fileflow(FileflowOptions(str(tmp_path / "absent")), 60)
    assert read_detail(absent.detail) is None
    assert read_detail("3 waiting, oldest 5m") is None
