"""HTTP(S) check: status, body regex or JSON-path assertion, capped body, TLS, phase timings.

A new connection per check (a fresh session), so the connect and TLS times measured are
what a new client pays. The connect and TLS phases are timed inside urllib3's connection
(``_new_conn`` is the TCP connect, the rest of ``connect`` is the TLS handshake).
"""

from __future__ import annotations

import json
import re
import ssl
import threading
import time
from typing import Any

import requests
import urllib3
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from vigie.configfile import SecretError
from vigie.probes import jsonpath
from vigie.probes.checks.base import Outcome, short
from vigie.probes.config import HttpOptions
from vigie.probes.results import Status

CHUNK = 64 * 1024

# verify_tls = false is the operator's explicit choice for that probe: no warning per check.
urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)

# Per-thread recorder: each check runs on one worker thread from start to finish.
_phases = threading.local()


def _record(name: str, started: float) -> None:
    record: dict[str, Any] | None = getattr(_phases, "record", None)
    if record is not None:
        record.setdefault(name, (time.perf_counter() - started) * 1000)


class _TimedHTTPConnection(HTTPConnection):
    def _new_conn(self) -> Any:
        started = time.perf_counter()
        sock = super()._new_conn()
        _record("connect", started)
        return sock


class _TimedHTTPSConnection(HTTPSConnection):
    def _new_conn(self) -> Any:
        started = time.perf_counter()
        sock = super()._new_conn()
        _record("connect", started)
        self._tls_started = time.perf_counter()
        return sock

    def connect(self) -> None:
        super().connect()
        _record("tls", self._tls_started)
        record: dict[str, Any] | None = getattr(_phases, "record", None)
        if record is not None and isinstance(self.sock, ssl.SSLSocket):
            # Only a verified peer certificate is decoded by the ssl module.
            not_after = (self.sock.getpeercert() or {}).get("notAfter")
            if isinstance(not_after, str):
                record.setdefault("cert_expiry", ssl.cert_time_to_seconds(not_after))


class _TimedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _TimedHTTPConnection


class _TimedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _TimedHTTPSConnection


class _TimedAdapter(HTTPAdapter):
    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _TimedHTTPPool, "https": _TimedHTTPSPool}


def check_http(options: HttpOptions, timeout: float) -> Outcome:
    """Run one HTTP(S) check; every failure is a ``down`` outcome with a short reason."""
    try:
        headers = {name: value.reveal() for name, value in options.headers}
    except SecretError as exc:
        return Outcome(Status.DOWN, str(exc))
    _phases.record = {}
    started = time.perf_counter()
    deadline = started + timeout
    session = requests.Session()
    session.mount("http://", _TimedAdapter())
    session.mount("https://", _TimedAdapter())
    session.max_redirects = options.max_redirects
    try:
        response = session.request(
            options.method,
            options.url,
            headers=headers,
            timeout=(timeout, timeout),
            verify=options.ca_file or options.verify_tls,
            stream=True,
            allow_redirects=True,
        )
        try:
            body, capped = _read_capped(response, options.max_body_bytes, deadline)
        finally:
            response.close()
    except requests.RequestException as exc:
        return Outcome(Status.DOWN, _reason(exc, options, timeout), timings=_timings(started))
    except TimeoutError:
        return Outcome(Status.DOWN, f"body not read within {timeout:g}s", timings=_timings(started))
    finally:
        session.close()
    timings = _timings(started)
    record: dict[str, Any] = _phases.record
    outcome = _judge(options, response.status_code, response.reason, body, capped)
    outcome.latency_ms = timings["total"]
    outcome.timings = timings
    outcome.cert_expiry = record.get("cert_expiry")
    if outcome.cert_expiry is not None and outcome.status is Status.UP:
        days = (outcome.cert_expiry - time.time()) / 86400
        if days < options.cert_warning_days:
            outcome.status = Status.DEGRADED
            outcome.detail += f"; certificate expires in {days:.0f} days"
    return outcome


def _timings(started: float) -> dict[str, float]:
    record: dict[str, Any] = getattr(_phases, "record", {})
    timings = {k: float(v) for k, v in record.items() if k in ("connect", "tls")}
    timings["total"] = (time.perf_counter() - started) * 1000
    return timings


def _read_capped(response: requests.Response, cap: int, deadline: float) -> tuple[bytes, bool]:
    """Read at most ``cap`` bytes of the body before the deadline; True when more was left."""
    if response.request.method == "HEAD":
        return b"", False
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_content(CHUNK):
        chunks.append(chunk)
        size += len(chunk)
        if size > cap:
            return b"".join(chunks)[:cap], True
        if time.perf_counter() > deadline:
            raise TimeoutError
    return b"".join(chunks), False


def _judge(options: HttpOptions, status: int, reason: str | None, body: bytes, capped: bool) -> Outcome:
    head = f"HTTP {status}"
    if status not in options.expect_status:
        expected = ", ".join(str(s) for s in options.expect_status)
        return Outcome(Status.DOWN, f"{head} {reason or ''}".strip() + f" (expected {expected})")
    text = body.decode("utf-8", errors="replace")
    if options.body_regex is not None and not re.search(options.body_regex, text):
        return Outcome(Status.DOWN, f"{head} but body does not match /{options.body_regex}/")
    if options.json_path is not None:
        try:
            value = jsonpath.extract(json.loads(text), options.json_path)
        except ValueError:
            cut = " (cut at the body cap)" if capped else ""
            return Outcome(Status.DOWN, f"{head} but body is not JSON{cut}")
        except KeyError as exc:
            return Outcome(Status.DOWN, f"{head} but {exc.args[0]}")
        if options.json_equals is not None and value != options.json_equals:
            return Outcome(
                Status.DOWN, f"{head} but {options.json_path} is {value!r}, expected {options.json_equals!r}"
            )
    if capped:
        return Outcome(Status.DEGRADED, f"{head}; body over {options.max_body_bytes} bytes, read stopped")
    return Outcome(Status.UP, f"{head} {reason or ''}".strip())


def _reason(exc: requests.RequestException, options: HttpOptions, timeout: float) -> str:
    """A short, stable reason an operator can read in a table."""
    text = " ".join(str(exc).split())
    if isinstance(exc, requests.exceptions.TooManyRedirects):
        return f"more than {options.max_redirects} redirects"
    if isinstance(exc, requests.exceptions.SSLError):
        match = re.search(r"certificate verify failed: ([^(]+)", text)
        return f"TLS error: {match.group(1).strip()}" if match else f"TLS error: {short(exc)}"
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return f"connect timeout after {timeout:g}s"
    if isinstance(exc, requests.exceptions.ReadTimeout):
        return f"no answer within {timeout:g}s"
    lowered = text.lower()
    for needle, reason in (
        ("connection refused", "connection refused"),
        ("connection reset", "connection reset by peer"),
        ("remotedisconnected", "connection closed without an answer"),
        ("badstatusline", "invalid HTTP response"),
        ("read timed out", f"no answer within {timeout:g}s"),
        ("name or service not known", "host name does not resolve"),
        ("incompleteread", "connection closed mid-body"),
    ):
        if needle in lowered:
            return reason
    return f"{type(exc).__name__}: {short(exc)}"
