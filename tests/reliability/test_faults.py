"""The fault matrix: every hostile or broken target at once through the scheduler, each a
``down`` (or capped ``degraded``) result with its reason within the probe's timeout, the
scheduler never stopped, every result stored; item 13's invalid answer among them."""

from __future__ import annotations

import socket
import time
from pathlib import Path

from tests.probes.conftest import component, probe, probes_config
from tests.probes.testbed import TestBed
from tests.reliability import ledger
from tests.reliability.conftest import SECRET, Recorder, free_port
from vigie.accounting.results import Status
from vigie.probes.checks.heartbeat import Heartbeats
from vigie.probes.checks.kinds import make_check
from vigie.probes.config import HttpOptions, TcpOptions
from vigie.probes.scheduler import Scheduler
from vigie.probes.secrets import Secret
from vigie.probes.store import Store

TOKEN = (("Authorization", Secret("Bearer ${VIGIE_TEST_TOKEN}")),)


def test_fault_matrix(
    tmp_path: Path,
    secret_env: str,
    recorder: Recorder,
    other: Recorder,
    certificates: dict[str, tuple[Path, Path]],
) -> None:
    plain = TestBed().start()
    signed = TestBed(tls=certificates["valid"]).start()
    expired = TestBed(tls=certificates["expired"]).start()
    try:
        for path, mode in (
            ("/hang", "hang"),
            ("/reset", "reset"),
            ("/500", "error"),
            ("/garbage", "garbage"),
        ):
            plain.set(path, mode)
        plain.set("/50mb", "flood")
        plain.set("/loop", "redirect_loop")
        signed.set("/", "up")
        expired.set("/", "up")
        recorder.routes["/length"] = ("raw", b"HTTP/1.1 200 OK\r\nContent-Length: -5\r\n\r\nabc")
        recorder.routes["/slowloris"] = ("slowloris",)
        recorder.routes["/away"] = ("redirect", other.url("/landing"))
        # fault: (options, expected status, words of the reason)
        faults = {
            "hang": (HttpOptions(plain.url("/hang")), Status.DOWN, "no answer within 1s"),
            "reset": (HttpOptions(plain.url("/reset")), Status.DOWN, "connection reset by peer"),
            "500": (HttpOptions(plain.url("/500")), Status.DOWN, "HTTP 500"),
            "garbage": (HttpOptions(plain.url("/garbage")), Status.DOWN, "invalid HTTP response"),
            "50 MB body": (HttpOptions(plain.url("/50mb")), Status.DEGRADED, "read stopped"),
            "slowloris": (HttpOptions(recorder.url("/slowloris")), Status.DOWN, "no answer within 1s"),
            "redirect loop": (HttpOptions(plain.url("/loop")), Status.DOWN, "more than 3 redirects"),
            "cross-origin redirect": (
                HttpOptions(recorder.url("/away"), headers=TOKEN),
                Status.UP,
                "HTTP 200",
            ),
            "self-signed TLS": (
                HttpOptions(signed.url("/")),
                Status.DOWN,
                "TLS error: self-signed certificate",
            ),
            "expired TLS": (
                HttpOptions(expired.url("/"), ca_file=str(certificates["expired"][0])),
                Status.DOWN,
                "certificate has expired",
            ),
            "unresolvable name": (HttpOptions("http://vigie-nowhere.invalid/"), Status.DOWN, ""),
            "closed port": (
                HttpOptions(f"http://127.0.0.1:{free_port()}/"),
                Status.DOWN,
                "connection refused",
            ),
            "invalid HTTP (Content-Length: -5)": (
                HttpOptions(recorder.url("/length")),
                Status.DOWN,
                "invalid HTTP response: Invalid character in Content-Length",
            ),
        }
        probes = [probe(f"p{i}", "http", options) for i, (options, _, _) in enumerate(faults.values())]
        closed = free_port()
        probes.append(probe("tcp-closed", "tcp", TcpOptions("127.0.0.1", closed)))
        config = probes_config([component()], probes)
        with Store.of_config(config, tmp_path / "vigie.db") as store:
            heartbeats = Heartbeats(config.probes)
            scheduler = Scheduler(config, store, {p.id: make_check(p, heartbeats) for p in config.probes})
            started = time.monotonic()
            measured = {m.result.probe: m.result for m in scheduler.run_once()}
            elapsed = time.monotonic() - started
            scheduler.close()
            stored = store.count()
        held = 0
        for index, (name, (_, status, words)) in enumerate(faults.items()):
            result = measured[f"p{index}"]
            ok = result.status is status and words in result.detail and SECRET not in result.detail
            held += ok
            assert ok, (name, result.status, result.detail)
        assert measured["tcp-closed"].status is Status.DOWN
        ledger.record(faults=len(faults) + 1, faults_held=held + 1)
        assert stored == len(probes)
        # Every check bounded by its 1 s timeout (plus the scheduler's grace), all at once.
        assert elapsed < 5, elapsed
        (landing,) = other.headers_of("/landing")
        assert "authorization" not in landing
    finally:
        for bed in (plain, signed, expired):
            bed.stop()


def test_unresolvable_name_is_named() -> None:
    """Where the resolver answers, the reason says so (else the fault above is a timeout)."""
    try:
        socket.getaddrinfo("vigie-nowhere.invalid", 80)
    except socket.gaierror:
        pass
    else:  # pragma: no cover - a resolver that invents addresses
        return
    from tests.probes.conftest import check_http

    outcome = check_http(HttpOptions("http://vigie-nowhere.invalid/"), 2.0)
    assert (outcome.status, outcome.detail) == (Status.DOWN, "host name does not resolve")
