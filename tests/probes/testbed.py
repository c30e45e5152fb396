"""A loopback test bed: HTTP(S) targets whose behaviour is scripted over time, TLS
certificates (valid, self-signed, expired), a Prometheus-style query endpoint, a
file-flow directory feeder and a webhook receiver for the tests (the demo has its own
simulated SI, ``vigie/console/demo/simsi.py``); binds 127.0.0.1 only.

Behaviours (``mode``): ``up`` (200, ``{"status": "ok"}``), ``error`` (500), ``hang`` (no
answer until stopped), ``slow`` (answers after ``delay`` seconds), ``reset`` (TCP RST),
``garbage`` (bytes that are not HTTP), ``flood`` (a body of ``flood_bytes``, 50 MB by
default), ``wrong_body`` (200 with a maintenance page), ``bad_json`` (200, broken JSON),
``redirect_loop`` (302 to itself), ``redirect`` (302 to the path in ``payload``),
``chunked`` (200, ``{"status": "ok"}`` in chunked transfer encoding), ``json`` (200 with ``payload``, a value or a callable),
``prometheus`` (a Prometheus ``/api/v1/query`` vector answer with ``payload`` as value).
"""

from __future__ import annotations

import json
import os
import socket
import ssl
import struct
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

MODES = (
    "up",
    "error",
    "hang",
    "slow",
    "reset",
    "garbage",
    "flood",
    "wrong_body",
    "bad_json",
    "redirect_loop",
    "redirect",
    "chunked",
    "json",
    "prometheus",
)


@dataclass
class Route:
    """What one path does: ``steps`` are ``(from_second, mode)`` since the bed started."""

    steps: list[tuple[float, str]]
    payload: Any = None
    delay: float = 0.5
    flood_bytes: int = 50 * 1024 * 1024
    hits: int = 0

    def mode(self, elapsed: float) -> str:
        """The behaviour in force ``elapsed`` seconds after the start."""
        current = self.steps[0][1]
        for at, mode in self.steps:
            if elapsed >= at:
                current = mode
        return current


@dataclass
class TestBed:
    """A threaded HTTP(S) server on 127.0.0.1 with an ephemeral port. Use as a context manager."""

    __test__ = False  # not a pytest test class

    tls: tuple[Path, Path] | None = None
    routes: dict[str, Route] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.stopping = threading.Event()
        self.started = time.monotonic()
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.bed = self
        if self.tls is not None:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(str(self.tls[0]), str(self.tls[1]))
            self._server.socket = context.wrap_socket(self._server.socket, server_side=True)
        self._thread = threading.Thread(target=self._server.serve_forever, name="testbed", daemon=True)

    @property
    def port(self) -> int:
        """The port bound."""
        return int(self._server.server_address[1])

    def url(self, path: str) -> str:
        """Full URL of a path on this bed."""
        scheme = "https" if self.tls else "http"
        return f"{scheme}://127.0.0.1:{self.port}{path}"

    def set(self, path: str, mode: str, **options: Any) -> Route:
        """Make ``path`` behave one way from now on."""
        return self.script(path, [(0.0, mode)], **options)

    def script(self, path: str, steps: list[tuple[float, str]], **options: Any) -> Route:
        """Make ``path`` change behaviour over time (seconds since the bed started)."""
        for _, mode in steps:
            if mode not in MODES:
                raise ValueError(f"unknown mode {mode!r}")
        route = Route(steps, **options)
        self.routes[path] = route
        return route

    def start(self) -> TestBed:
        """Serve on a background thread."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Release hanging handlers and stop serving."""
        self.stopping.set()
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> TestBed:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    bed: TestBed

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Clients hanging up mid-answer are part of the scenarios, not errors."""


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        """Silent."""

    def do_HEAD(self) -> None:
        self.do_GET()

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.do_GET()

    def do_GET(self) -> None:
        bed = self.server.bed
        path = self.path.split("?", 1)[0]
        route = bed.routes.get(path)
        if route is None:
            self._send(404, b"not found\n")
            return
        route.hits += 1
        mode = route.mode(time.monotonic() - bed.started)
        if mode == "hang":
            bed.stopping.wait()
            self.close_connection = True
        elif mode == "slow":
            if not bed.stopping.wait(route.delay):
                self._send(200, b'{"status": "ok"}', "application/json")
        elif mode == "reset":
            # SO_LINGER with a zero timeout makes close() send RST instead of FIN.
            # Closed here, before socketserver's own shutdown(SHUT_WR) could send a FIN first.
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
            self.close_connection = True
        elif mode == "garbage":
            self.wfile.write(b"\x00\xff\xfeNOT HTTP AT ALL\r\n\r\n")
            self.close_connection = True
        elif mode == "flood":
            self._flood(route.flood_bytes)
        else:
            self._simple(mode, route, path)

    def _simple(self, mode: str, route: Route, path: str) -> None:
        if mode == "up":
            self._send(200, b'{"status": "ok"}', "application/json")
        elif mode == "error":
            self._send(500, b"internal error\n")
        elif mode == "wrong_body":
            self._send(200, b"<html><body>Site en maintenance</body></html>", "text/html")
        elif mode == "bad_json":
            self._send(200, b'{"status": "ok", ', "application/json")
        elif mode == "redirect_loop":
            self.send_response(302)
            self.send_header("Location", path)
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif mode == "redirect":
            self.send_response(302)
            self.send_header("Location", str(route.payload))
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif mode == "chunked":
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for piece in (b'{"status":', b' "ok"}'):
                self.wfile.write(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
            self.wfile.write(b"0\r\n\r\n")
        elif mode == "json":
            value = route.payload() if callable(route.payload) else route.payload
            self._send(200, json.dumps(value).encode(), "application/json")
        elif mode == "prometheus":
            value = route.payload() if callable(route.payload) else route.payload
            answer = {
                "status": "success",
                "data": {
                    "resultType": "vector",
                    "result": [{"metric": {}, "value": [time.time(), str(value)]}],
                },
            }
            self._send(200, json.dumps(answer).encode(), "application/json")

    def _flood(self, size: int) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(size))
        self.end_headers()
        chunk = b"x" * 65536
        sent = 0
        try:
            while sent < size and not self.server.bed.stopping.is_set():
                self.wfile.write(chunk[: size - sent])
                sent += len(chunk)
        except OSError:
            pass  # the client stopped reading: what a capped probe does
        self.close_connection = True

    def _send(self, status: int, body: bytes, content_type: str = "text/plain") -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


def make_certificate(folder: Path, *, days: int = 365, expired: bool = False) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1/localhost made with the openssl CLI.

    Returns ``(cert, key)``. ``expired`` gives one that ended last year.
    """
    folder.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(dir=folder))
    key, csr, cert = work / "key.pem", work / "req.csr", work / "cert.pem"
    (work / "index.txt").write_text("")
    (work / "serial").write_text("01\n")
    (work / "ca.cnf").write_text(
        "[ca]\ndefault_ca = bed\n[bed]\ndatabase = index.txt\nnew_certs_dir = .\nserial = serial\n"
        "default_md = sha256\npolicy = any\ncopy_extensions = copy\nx509_extensions = ext\n"
        "[any]\ncommonName = supplied\n[ext]\nsubjectAltName = IP:127.0.0.1,DNS:localhost\n"
        "basicConstraints = critical,CA:TRUE\n"
    )
    now = datetime.now(UTC)
    start, end = (
        (now - timedelta(days=400), now - timedelta(days=35))
        if expired
        else (now - timedelta(days=1), now + timedelta(days=days))
    )
    stamp = "%Y%m%d%H%M%SZ"
    _openssl(
        work,
        "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
        "-keyout", str(key), "-out", str(csr), "-subj", "/CN=localhost",
    )  # fmt: skip
    _openssl(
        work,
        "ca", "-batch", "-config", "ca.cnf", "-selfsign", "-keyfile", str(key), "-in", str(csr),
        "-out", str(cert), "-startdate", start.strftime(stamp), "-enddate", end.strftime(stamp),
    )  # fmt: skip
    os.chmod(key, 0o600)
    return cert, key


def _openssl(cwd: Path, *args: str) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


def feed_files(folder: Path, count: int, *, age: float = 0.0, prefix: str = "flux") -> list[Path]:
    """Drop ``count`` files into a flow directory, backdated by ``age`` seconds."""
    folder.mkdir(parents=True, exist_ok=True)
    stamp = time.time() - age
    made = []
    for index in range(count):
        path = folder / f"{prefix}-{time.time_ns()}-{index}.xml"
        path.write_text("<flux/>\n")
        os.utime(path, (stamp, stamp))
        made.append(path)
    return made


def counter(start: float = 0.0, step: float = 10.0) -> Callable[[], float]:
    """A growing total: each call returns ``step`` more than the last (for counter probes)."""
    state = {"value": start - step}

    def next_value() -> float:
        state["value"] += step
        return state["value"]

    return next_value


@contextmanager
def webhook_receiver() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """A loopback webhook receiver: its URL and the JSON bodies it received, in order."""
    received: list[dict[str, Any]] = []

    class Hook(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            """Silent."""

        def do_POST(self) -> None:
            received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

    server = ThreadingHTTPServer(("127.0.0.1", 0), Hook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/", received
    finally:
        server.shutdown()
        server.server_close()
