"""HTTP(S) check on asyncio: status, body regex or JSON-path assertion, capped body,
TLS verification and certificate expiry, connect / TLS / total times measured apart.

Why not requests: the daemon must check thousands of endpoints on a small machine, and a
plain HTTP/1.1 exchange on asyncio costs about half the CPU of requests per check (see
``bench/probes.py``). One new connection per check (``Connection: close``), so the
connect and TLS times are what a new client pays. ``Accept-Encoding: identity`` keeps
bodies readable without decompression. Answers are parsed by llhttp (Node.js's HTTP
parser, through httptools), not by hand: an answer it refuses (a ``Content-Length: -5``,
a malformed status line, two different lengths) is ``down`` with its reason. h11 was
measured first and cost 28 % more CPU per check in ``bench/probes.py``; llhttp's part
of a check is a few microseconds.

Redirects are followed as browsers do: the credential headers (``Authorization``,
``Cookie`` and every header whose value holds a ``${...}`` secret) are dropped as soon as
the scheme, host or port changes, and an https probe refuses a redirect to http unless
``allow_insecure_redirects`` says so.
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
from urllib.parse import SplitResult, urljoin, urlsplit

import httptools

from vigie import __version__
from vigie.accounting.results import Status
from vigie.probes import jsonpath
from vigie.probes.checks.base import Outcome, short
from vigie.probes.config import HttpOptions
from vigie.probes.secrets import SecretError, is_credential

MAX_HEAD = 64 * 1024
_HEAD_BREAK = re.compile(r"[\r\n\0]")
_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
REDIRECTS = (301, 302, 303, 307, 308)
_DEFAULT_PORTS = {"http": 80, "https": 443}

# A header as the check holds it: name, value, and whether it is a credential.
Header = tuple[str, str, bool]


class BadResponse(Exception):
    """The peer's bytes are not a valid HTTP/1.x response (the parser's reason)."""


class BadRequest(Exception):
    """The request cannot be written (a header that is not Latin-1, or would split the head)."""


class ClosedEarly(Exception):
    """The peer closed the connection before the end of the answer's head."""


class ClosedMidBody(Exception):
    """The peer closed the connection before the end of the body."""


class RedirectRefused(Exception):
    """A redirect the probe must not follow (https to http)."""


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
        headers = [(name, value.reveal(), is_credential(name, value)) for name, value in options.headers]
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
    except (OSError, BadResponse, BadRequest, ClosedEarly, ClosedMidBody, RedirectRefused, ValueError) as exc:
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


async def _follow(options: HttpOptions, headers: list[Header], phases: dict[str, float]) -> Response | None:
    """Exchange, following redirects up to the limit; None when the limit is passed."""
    url, method = options.url, options.method
    for _ in range(options.max_redirects + 1):
        response = await exchange(url, method, headers, options, phases)
        location = response.headers.get("location")
        if response.status not in REDIRECTS or response.status in options.expect_status or not location:
            return response
        target = urljoin(url, location)
        headers = redirected_headers(url, target, headers, options.allow_insecure_redirects)
        url = target
        if response.status == 303:
            method = "GET"
    return None


def redirected_headers(url: str, target: str, headers: list[Header], allow_insecure: bool) -> list[Header]:
    """The headers to send on to a redirect's ``target``: the credentials are left out when
    the origin (scheme, host, port) changes; https to http raises RedirectRefused unless
    ``allow_insecure``."""
    here, there = urlsplit(url), urlsplit(target)
    if here.scheme == "https" and there.scheme == "http" and not allow_insecure:
        raise RedirectRefused(f"redirect from https to http refused ({shown_url(target)})")
    if _origin(here) == _origin(there):
        return headers
    return [header for header in headers if not header[2]]


def _origin(parts: SplitResult) -> tuple[str, str, int | None]:
    try:
        port = parts.port or _DEFAULT_PORTS.get(parts.scheme)
    except ValueError:  # a port out of range: it matches no origin
        port = -1
    return parts.scheme, (parts.hostname or "").lower(), port


def shown_url(url: str) -> str:
    """A URL as details show it: no user info and no query string (either may hold a token)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.rsplit('@', 1)[-1]}{parts.path}"


class _Answer(asyncio.Protocol):
    """Collects one HTTP/1.x answer straight from the transport, parsed by llhttp
    (httptools), the body cut at the cap.

    A protocol rather than asyncio streams: one future per exchange instead of a waiter
    per read, which is most of the event loop's cost per check. The parser calls the
    ``on_*`` methods as it reads.
    """

    def __init__(self, done: asyncio.Future[Response], cap: int, head_only: bool) -> None:
        self.done = done
        self.cap = cap
        self.head_only = head_only
        self.parser = httptools.HttpResponseParser(self)
        self.status = 0
        self.reason = ""
        self.headers: dict[str, str] = {}
        self.body = bytearray()
        self.received = 0
        self.head_done = False

    def data_received(self, data: bytes) -> None:
        if self.done.done():
            return
        self.received += len(data)
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError as exc:
            self._fail(BadResponse(short(exc, 80)))
            return
        if not self.head_done and self.received > MAX_HEAD and not self.done.done():
            self._fail(BadResponse("head too long"))

    def eof_received(self) -> bool:
        self._closed()
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        if exc is not None and not self.done.done():
            self._fail(exc)
        else:
            self._closed()

    def _closed(self) -> None:
        """The peer closed: the end of a body read until the close, else an early close."""
        if self.done.done():
            return
        if not self.head_done:
            self._fail(ClosedEarly("truncated answer" if self.received else "without an answer"))
        elif "content-length" in self.headers or "transfer-encoding" in self.headers:
            self._fail(ClosedMidBody())
        else:
            self._answer(capped=False)

    # The parser's callbacks.

    def on_status(self, reason: bytes) -> None:
        self.reason = reason.decode("latin-1")

    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers[name.decode("latin-1").lower()] = value.decode("latin-1")

    def on_headers_complete(self) -> None:
        self.status = self.parser.get_status_code()
        if self.status >= 200:
            self.head_done = True
            if self.head_only:
                self._answer(capped=False)

    def on_body(self, body: bytes) -> None:
        if not self.done.done():
            self.body += body
            if len(self.body) > self.cap:
                self._answer(capped=True)

    def on_message_complete(self) -> None:
        if self.status < 200:  # an interim answer (100 Continue): the real one follows
            self.headers, self.reason = {}, ""
        elif not self.done.done():
            self._answer(capped=False)

    def _answer(self, capped: bool) -> None:
        body = bytes(self.body[: self.cap]) if capped else bytes(self.body)
        self.done.set_result(Response(self.status, self.reason, self.headers, body, capped))

    def _fail(self, exc: BaseException) -> None:
        self.done.set_exception(exc)
        # Marked as seen: the check may already have given up (connect timeout, shutdown),
        # and an unread error would be logged as "Future exception was never retrieved".
        self.done.exception()


def _request(method: str, target: str, headers: list[tuple[str, str]]) -> bytes:
    """The request's bytes; a name or value that would split the head is refused."""
    lines = [f"{method} {target} HTTP/1.1"]
    for name, value in headers:
        if _HEAD_BREAK.search(name) or _HEAD_BREAK.search(value) or not _TOKEN.fullmatch(name):
            raise BadRequest(f"header {name!r} holds a line break or an invalid character")
        lines.append(f"{name}: {value}")
    try:
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
    except UnicodeEncodeError:
        raise BadRequest("a header is not Latin-1 text") from None


async def exchange(
    url: str, method: str, headers: list[Header], options: HttpOptions, phases: dict[str, float]
) -> Response:
    """One request on a new connection, the answer's body read up to ``max_body_bytes``."""
    parts = urlsplit(url)
    secure = parts.scheme == "https"
    host = parts.hostname
    if host is None or parts.scheme not in ("http", "https"):
        raise ValueError(f"cannot follow to {shown_url(url)}")
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
        fields = [
            ("Host", parts.netloc.rsplit("@", 1)[-1]),
            ("User-Agent", f"vigie/{__version__}"),
            ("Accept", "*/*"),
            ("Accept-Encoding", "identity"),
            ("Connection", "close"),
        ]
        if method == "POST":
            fields.append(("Content-Length", "0"))
        fields += [(name, value) for name, value, _ in headers]
        transport.write(_request(method, target, fields))
        return await done
    finally:
        transport.close()
        if not done.done():
            done.cancel()  # nobody is listening any more: later events are ignored


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
        return f"invalid HTTP response: {short(exc, 80)}"
    if isinstance(exc, BadRequest):
        return f"invalid request: {short(exc, 80)}"
    if isinstance(exc, RedirectRefused):
        return short(exc)
    if isinstance(exc, ClosedEarly):
        return f"connection closed {exc}"
    if isinstance(exc, ClosedMidBody):
        return "connection closed mid-body"
    if isinstance(exc, ValueError):  # a redirect to something that is not an http(s) URL
        return short(exc)
    where = "cannot connect" if "connect" not in phases else "connection error"
    return f"{where}: {short(exc)}"
