"""HTTP(S) checks against the loopback test bed: one test per failure mode."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.probes.conftest import check_http
from tests.probes.testbed import TestBed
from vigie.accounting.results import Status
from vigie.probes.config import HttpOptions
from vigie.probes.secrets import Secret


def test_up_measures_phases(bed: TestBed) -> None:
    bed.set("/health", "up")
    outcome = check_http(HttpOptions(bed.url("/health"), body_regex='"status": "ok"'), 1.0)
    assert outcome.status is Status.UP, outcome.detail
    assert outcome.detail.startswith("HTTP 200")
    assert outcome.latency_ms is not None and outcome.latency_ms > 0
    assert "connect" in outcome.timings and "total" in outcome.timings
    assert outcome.timings["connect"] <= outcome.timings["total"]


@pytest.mark.parametrize(
    ("mode", "options", "status", "reason"),
    [
        ("error", {}, Status.DOWN, "HTTP 500"),
        ("hang", {}, Status.DOWN, "no answer within 0.5s"),
        ("reset", {}, Status.DOWN, "connection reset by peer"),
        ("garbage", {}, Status.DOWN, "invalid HTTP response"),
        ("wrong_body", {"body_regex": '"status": "ok"'}, Status.DOWN, "body does not match"),
        ("bad_json", {"json_path": "$.status"}, Status.DOWN, "body is not JSON"),
        ("up", {"json_path": "$.status", "json_equals": "ko"}, Status.DOWN, "expected 'ko'"),
        ("up", {"json_path": "$.db.ok"}, Status.DOWN, "no key 'db'"),
        ("redirect_loop", {}, Status.DOWN, "more than 3 redirects"),
        ("flood", {"max_body_bytes": 100_000}, Status.DEGRADED, "read stopped"),
    ],
)
def test_failure_modes(
    bed: TestBed, mode: str, options: dict[str, object], status: Status, reason: str
) -> None:
    bed.set("/t", mode)
    started = time.monotonic()
    outcome = check_http(HttpOptions(bed.url("/t"), **options), 0.5)  # type: ignore[arg-type]
    assert outcome.status is status, outcome.detail
    assert reason in outcome.detail
    # Bounded by the timeout (x2: connect + read), never by the target.
    assert time.monotonic() - started < 5


def test_redirect_followed_chunked_body_and_head(bed: TestBed) -> None:
    bed.set("/old", "redirect", payload="/new")
    bed.set("/new", "chunked")
    options = HttpOptions(bed.url("/old"), json_path="$.status", json_equals="ok")
    outcome = check_http(options, 1.0)
    assert (outcome.status, outcome.detail) == (Status.UP, "HTTP 200 OK")
    assert bed.routes["/new"].hits == 1
    assert check_http(HttpOptions(bed.url("/new"), method="HEAD"), 1.0).status is Status.UP
    stopped = check_http(HttpOptions(bed.url("/old"), max_redirects=0), 1.0)
    assert (stopped.status, stopped.detail) == (Status.DOWN, "more than 0 redirects")
    expected = check_http(HttpOptions(bed.url("/old"), expect_status=(302,)), 1.0)
    assert expected.status is Status.UP


def test_flood_is_cut_at_the_cap(bed: TestBed) -> None:
    """A 50 MB body: the probe stops reading at its cap instead of downloading it."""
    bed.set("/big", "flood")
    outcome = check_http(HttpOptions(bed.url("/big"), max_body_bytes=200_000), 5.0)
    assert outcome.status is Status.DEGRADED
    assert "body over 200000 bytes" in outcome.detail


def test_tls_handshake_that_never_comes_is_named() -> None:
    """A listening socket that never accepts: TCP connects (the kernel's backlog), TLS waits."""
    import socket

    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        port = silent.getsockname()[1]
        outcome = check_http(HttpOptions(f"https://127.0.0.1:{port}/"), 0.5)
    assert (outcome.status, outcome.detail) == (Status.DOWN, "TLS handshake timeout after 0.5s")
    assert "connect" in outcome.timings


def test_refused(bed: TestBed) -> None:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    outcome = check_http(HttpOptions(f"http://127.0.0.1:{port}/"), 1.0)
    assert outcome.status is Status.DOWN
    assert outcome.detail == "connection refused"


def test_secret_header_is_sent_and_never_shown(bed: TestBed, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VIGIE_TEST_TOKEN", "s3cr3t-value")
    bed.set("/t", "error")
    options = HttpOptions(bed.url("/t"), headers=(("Authorization", Secret("Bearer ${VIGIE_TEST_TOKEN}")),))
    outcome = check_http(options, 1.0)
    assert "s3cr3t" not in outcome.detail
    monkeypatch.delenv("VIGIE_TEST_TOKEN")
    outcome = check_http(options, 1.0)
    assert outcome.status is Status.DOWN
    assert outcome.detail == "environment variable VIGIE_TEST_TOKEN is not set"


def _tls_bed(pair: tuple[Path, Path]) -> TestBed:
    bed = TestBed(tls=pair).start()
    bed.set("/health", "up")
    return bed


@pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")
def test_self_signed_is_down_when_verified_and_up_when_not(
    certificates: dict[str, tuple[Path, Path]],
) -> None:
    bed = _tls_bed(certificates["valid"])
    try:
        verified = check_http(HttpOptions(bed.url("/health")), 2.0)
        assert verified.status is Status.DOWN
        assert verified.detail.startswith("TLS error: self-signed certificate"), verified.detail
        unverified = check_http(HttpOptions(bed.url("/health"), verify_tls=False), 2.0)
        assert unverified.status is Status.UP, unverified.detail
        assert "tls" in unverified.timings
    finally:
        bed.stop()


def test_expired_certificate_is_down(certificates: dict[str, tuple[Path, Path]]) -> None:
    cert, _ = certificates["expired"]
    bed = _tls_bed(certificates["expired"])
    try:
        outcome = check_http(HttpOptions(bed.url("/health"), ca_file=str(cert)), 2.0)
        assert outcome.status is Status.DOWN
        assert "certificate has expired" in outcome.detail
    finally:
        bed.stop()


def test_certificate_days_left(certificates: dict[str, tuple[Path, Path]]) -> None:
    """Trusted through ca_file: the expiry is read; 10 days left is under the 21-day warning."""
    for name, expected in (("valid", Status.UP), ("short", Status.DEGRADED)):
        cert, _ = certificates[name]
        bed = _tls_bed(certificates[name])
        try:
            outcome = check_http(HttpOptions(bed.url("/health"), ca_file=str(cert)), 2.0)
        finally:
            bed.stop()
        assert outcome.status is expected, outcome.detail
        assert outcome.cert_expiry is not None and outcome.cert_expiry > time.time()
        if expected is Status.DEGRADED:
            assert "certificate expires in" in outcome.detail
