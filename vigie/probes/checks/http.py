"""HTTP(S) check on asyncio: status, body regex or JSON-path assertion, capped body,
TLS verification and certificate expiry, connect / TLS / total times measured apart.

Why not requests: the daemon must check thousands of endpoints on a small machine, and a
plain HTTP/1.1 exchange on asyncio costs about half the CPU of requests per check (see
``bench/probes.py``). One new connection per check (``Connection: close``), so the
connect and TLS times are what a new client pays. ``Accept-Encoding: identity`` keeps
bodies readable without decompression.
"""

from __future__ import annotations

import asyncio
import functools
import json
import re
import socket
import ssl
import time
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from vigie import __version__
from vigie.accounting.results import Status
from vigie.probes import jsonpath
from vigie.probes.checks.base import Outcome, short
from vigie.probes.config import HttpOptions
from vigie.probes.secrets import SecretError

MAX_HEAD = 64 * 1024
REDIRECTS = (301, 302, 303, 307, 308)


class BadResponse(Exception):
    """The peer's bytes are not an HTTP/1.x response."""


class ClosedEarly(Exception):
    """The peer closed the connection before the end of the answer's head."""


@dataclass
class Response:
    """What one exchange returned (the body cut at the cap)."""

    status: int
    reason: str
    headers: dict[str, str]
    body: bytes
    capped: bool


@functools.lru_cache(maxsize=32)
def tls_context(verify: bool, ca_file: str | None) -> ssl.SSLContext:
    """A client TLS context, built once per setting (loading CA bundles is costly)."""
    if ca_file is not None:
        return ssl.create_default_context(cafile=ca_file)
    if verify:
        return ssl.create_default_context()
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


async def check_http_async(options: HttpOptions, timeout: float) -> Outcome:
    """Run one HTTP(S) check; every failure is a ``down`` outcome with a short reason."""
    try:
        headers = [(name, value.reveal()) for name, value in options.headers]
    except SecretError as exc:
        return Outcome(Status.DOWN, str(exc))
    started = time.perf_counter()
    phases: dict[str, float] = {}
    try:
        async with asyncio.timeout(timeout):
            response = await _follow(options, headers, phases)
    except TimeoutError:
        if "connect" not in phases:
            detail = f"connect timeout after {timeout:g}s"
        elif options.url.startswith("https:") and "tls" not in phases:
            detail = f"TLS handshake timeout after {timeout:g}s"
        else:
            detail = f"no answer within {timeout:g}s"
        return Outcome(Status.DOWN, detail, timings=_timings(phases, started))
    except (OSError, BadResponse, ClosedEarly, ClosedMidBody, ValueError) as exc:
        return Outcome(Status.DOWN, _reason(exc, phases), timings=_timings(phases, started))
    if response is None:
        return Outcome(
            Status.DOWN, f"more than {options.max_redirects} redirects", timings=_timings(phases, started)
        )
    timings = _timings(phases, started)
    outcome = _judge(options, response)
    outcome.latency_ms = timings["total"]
    outcome.timings = timings
    outcome.cert_expiry = phases.get("cert_expiry")
    if outcome.cert_expiry is not None and outcome.status is Status.UP:
        days = (outcome.cert_expiry - time.time()) / 86400
        if days < options.cert_warning_days:
            outcome.status = Status.DEGRADED
            outcome.detail += f"; certificate expires in {days:.0f} days"
    return outcome


async def _follow(
    options: HttpOptions, headers: list[tuple[str, str]], phases: dict[str, float]
) -> Response | None:
    """Exchange, following redirects up to the limit; None when the limit is passed."""
    url, method = options.url, options.method
    for _ in range(options.max_redirects + 1):
        response = await exchange(url, method, headers, options, phases)
        location = response.headers.get("location")
        if response.status not in REDIRECTS or response.status in options.expect_status or not location:
            return response
        url = urljoin(url, location)
        if response.status == 303:
            method = "GET"
    return None


class _Answer(asyncio.Protocol):
    """Collects one HTTP/1.x answer, body cut at the cap, straight from the transport.

    A protocol rather than asyncio streams: one future per exchange instead of a waiter
    per read, which is most of the event loop's cost per check.
    """

    def __init__(self, done: asyncio.Future[Response], cap: int, head_only: bool) -> None:
        self.done = done
        self.cap = cap
        self.head_only = head_only
        self.buffer = bytearray()
        self.head: tuple[int, str, dict[str, str]] | None = None
        self.body_start = 0

    def data_received(self, data: bytes) -> None:
        if not self.done.done():
            self.buffer += data
            self._progress(eof=False)

    def eof_received(self) -> bool:
        if not self.done.done():
            self._progress(eof=True)
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        if self.done.done():
            return
        if exc is not None:
            self._fail(exc)
        else:
            self._progress(eof=True)

    def _progress(self, eof: bool) -> None:
        try:
            answer = self._parse(eof)
        except (BadResponse, ClosedEarly, ClosedMidBody, ValueError) as exc:
            self._fail(exc)
            return
        if answer is not None:
            self.done.set_result(answer)

    def _fail(self, exc: BaseException) -> None:
        self.done.set_exception(exc)
        # Marked as seen: the check may already have given up (connect timeout, shutdown),
        # and an unread error would be logged as "Future exception was never retrieved".
        self.done.exception()

    def _parse(self, eof: bool) -> Response | None:
        if self.head is None:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                if len(self.buffer) > MAX_HEAD:
                    raise BadResponse("head too long")
                if eof:
                    raise ClosedEarly("truncated answer" if self.buffer else "without an answer")
                return None
            self.head = _parse_head(bytes(self.buffer[: end + 4]))
            self.body_start = end + 4
        status, reason, headers = self.head
        if self.head_only or status in (204, 304) or status < 200:
            return Response(status, reason, headers, b"", False)
        body = bytes(self.buffer[self.body_start :])
        complete = eof
        if "chunked" in headers.get("transfer-encoding", "").lower():
            body, complete = _dechunk(body)
        elif "content-length" in headers:
            length = int(headers["content-length"])
            complete = len(body) >= length
            body = body[:length]
        if len(body) > self.cap:
            return Response(status, reason, headers, body[: self.cap], True)
        if complete:
            return Response(status, reason, headers, body, False)
        if eof:
            raise ClosedMidBody
        return None


class ClosedMidBody(Exception):
    """The peer closed the connection before the end of the body."""


def _dechunk(raw: bytes) -> tuple[bytes, bool]:
    """Decode as much of a chunked body as has arrived; True once the last chunk is in."""
    out = bytearray()
    pos = 0
    while True:
        line_end = raw.find(b"\r\n", pos)
        if line_end < 0:
            return bytes(out), False
        size = int(raw[pos:line_end].split(b";", 1)[0].strip() or b"0", 16)
        if size == 0:
            return bytes(out), True
        start = line_end + 2
        out += raw[start : start + size]
        if len(raw) < start + size + 2:
            return bytes(out), False
        pos = start + size + 2


async def exchange(
    url: str, method: str, headers: list[tuple[str, str]], options: HttpOptions, phases: dict[str, float]
) -> Response:
    """One request on a new connection, the answer's body read up to ``max_body_bytes``."""
    parts = urlsplit(url)
    secure = parts.scheme == "https"
    host = parts.hostname
    if host is None or parts.scheme not in ("http", "https"):
        raise ValueError(f"cannot follow to {url}")
    port = parts.port or (443 if secure else 80)
    loop = asyncio.get_running_loop()
    done: asyncio.Future[Response] = loop.create_future()
    started = time.perf_counter()
    transport, protocol = await loop.create_connection(
        lambda: _Answer(done, options.max_body_bytes, method == "HEAD"), host, port
    )
    phases.setdefault("connect", (time.perf_counter() - started) * 1000)
    try:
        if secure:
            tls_started = time.perf_counter()
            context = tls_context(options.verify_tls, options.ca_file)
            tls = await loop.start_tls(transport, protocol, context, server_hostname=host)
            if tls is None:
                raise ClosedEarly("during the TLS handshake")
            transport = tls
            phases.setdefault("tls", (time.perf_counter() - tls_started) * 1000)
            peer = transport.get_extra_info("ssl_object")
            # Only a verified certificate is decoded by the ssl module.
            not_after = (peer.getpeercert() or {}).get("notAfter") if peer is not None else None
            if isinstance(not_after, str):
                phases.setdefault("cert_expiry", float(ssl.cert_time_to_seconds(not_after)))
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        netloc = parts.netloc.rsplit("@", 1)[-1]
        lines = [
            f"{method} {target} HTTP/1.1",
            f"Host: {netloc}",
            f"User-Agent: vigie/{__version__}",
            "Accept: */*",
            "Accept-Encoding: identity",
            "Connection: close",
        ]
        if method == "POST":
            lines.append("Content-Length: 0")
        lines += [f"{name}: {value}" for name, value in headers]
        transport.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
        return await done
    finally:
        transport.close()
        if not done.done():
            done.cancel()  # nobody is listening any more: later events are ignored


def _parse_head(head: bytes) -> tuple[int, str, dict[str, str]]:
    lines = head.decode("latin-1").split("\r\n")
    match = re.fullmatch(r"HTTP/1\.[01] (\d{3})(?: (.*))?", lines[0])
    if not match:
        raise BadResponse(lines[0][:60])
    answer: dict[str, str] = {}
    for line in lines[1:]:
        if not line:
            continue
        name, sep, value = line.partition(":")
        if not sep:
            raise BadResponse(line[:60])
        answer[name.strip().lower()] = value.strip()
    return int(match.group(1)), match.group(2) or "", answer


def _timings(phases: dict[str, float], started: float) -> dict[str, float]:
    timings = {k: v for k, v in phases.items() if k in ("connect", "tls")}
    timings["total"] = (time.perf_counter() - started) * 1000
    return timings


def _judge(options: HttpOptions, response: Response) -> Outcome:
    head = f"HTTP {response.status}"
    if response.status not in options.expect_status:
        expected = ", ".join(str(s) for s in options.expect_status)
        return Outcome(Status.DOWN, f"{head} {response.reason}".strip() + f" (expected {expected})")
    text = response.body.decode("utf-8", errors="replace")
    if options.body_regex is not None and not re.search(options.body_regex, text):
        return Outcome(Status.DOWN, f"{head} but body does not match /{options.body_regex}/")
    if options.json_path is not None:
        try:
            value = jsonpath.extract(json.loads(text), options.json_path)
        except ValueError:
            cut = " (cut at the body cap)" if response.capped else ""
            return Outcome(Status.DOWN, f"{head} but body is not JSON{cut}")
        except KeyError as exc:
            return Outcome(Status.DOWN, f"{head} but {exc.args[0]}")
        if options.json_equals is not None and value != options.json_equals:
            return Outcome(
                Status.DOWN, f"{head} but {options.json_path} is {value!r}, expected {options.json_equals!r}"
            )
    if response.capped:
        return Outcome(Status.DEGRADED, f"{head}; body over {options.max_body_bytes} bytes, read stopped")
    return Outcome(Status.UP, f"{head} {response.reason}".strip())


def _reason(exc: BaseException, phases: dict[str, float]) -> str:
    """A short, stable reason an operator can read in a table."""
    if isinstance(exc, ssl.SSLCertVerificationError):
        return f"TLS error: {exc.verify_message}"
    if isinstance(exc, ssl.SSLError):
        return f"TLS error: {exc.reason or short(exc)}"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, ConnectionResetError):
        return "connection reset by peer"
    if isinstance(exc, socket.gaierror):
        return "host name does not resolve"
    if isinstance(exc, BadResponse):
        return "invalid HTTP response"
    if isinstance(exc, ClosedEarly):
        return f"connection closed {exc}"
    if isinstance(exc, ClosedMidBody):
        return "connection closed mid-body"
    if isinstance(exc, ValueError):
        return f"invalid HTTP response: {short(exc)}"
    where = "cannot connect" if "connect" not in phases else "connection error"
    return f"{where}: {short(exc)}"
