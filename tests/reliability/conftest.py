"""The reliability suite's fixtures: test secrets and the grep of every output for them, a
recording HTTP target, the store's digest, and commands run in-process or as processes."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.probes.testbed import make_certificate
from tests.reliability import ledger
from vigie.console.cli import main

SECRET = "vigie-test-secret-4c1f9e27b3a8"
"""The value of the test token (``${VIGIE_TEST_TOKEN}``): it must appear in no output."""
GLPI_SECRET = "glpi-app-token-9d2e7a61f0c5"


@pytest.fixture
def secret_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[str]:
    """``VIGIE_TEST_TOKEN`` set; at the end, every file the test left under its folder (logs,
    reports, databases, /metrics bodies) is grepped for the test secrets: none may hold one."""
    monkeypatch.setenv("VIGIE_TEST_TOKEN", SECRET)
    yield SECRET
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    found = [p for p in files if SECRET.encode() in p.read_bytes() or GLPI_SECRET.encode() in p.read_bytes()]
    ledger.record(grepped=len(files), secrets_found=len(found))
    assert not found, f"secrets in {found}"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, list[str]]:
    """``vigie ARGV`` in this process: exit status, stdout, stderr lines. An exception (a
    traceback) is counted and fails the test."""
    try:
        code = main(list(argv))
    except BaseException:
        ledger.record(tracebacks=1)
        raise
    captured = capsys.readouterr()
    return code, captured.out, captured.err.strip().splitlines()


def vigie(*argv: str, **options: Any) -> subprocess.CompletedProcess[str]:
    """``vigie ARGV`` as a process (its own interpreter), output captured."""
    return subprocess.run(
        [sys.executable, "-m", "vigie", *argv], capture_output=True, text=True, timeout=120, **options
    )


def digest(store: Path) -> str:
    """What a store holds (every table's rows but the schema versions), to tell it unchanged;
    a store not created yet holds nothing, like one created empty."""
    sha = hashlib.sha256()
    if not store.exists():
        return sha.hexdigest()
    conn = sqlite3.connect(store)
    try:
        names = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY 1")
        for table in [r[0] for r in names if r[0] != "vigie_schema"]:
            for row in conn.execute(f"SELECT * FROM {table} ORDER BY 1, 2"):
                sha.update(repr(row).encode())
        return sha.hexdigest()
    finally:
        conn.close()


def write_history(path: Path, rows: int, detail: str = "") -> Path:
    """A history CSV of ``rows`` results of the component ``web``, every 30 s from 2017
    (a few ``down``), each with ``detail``."""
    start = datetime(2017, 1, 1, tzinfo=UTC)
    with path.open("w") as out:
        out.write("component,timestamp,status,latency_ms,detail\n")
        for i in range(rows):
            stamp = (start + timedelta(seconds=30 * i)).strftime("%Y-%m-%dT%H:%M:%SZ")
            out.write(f"web,{stamp},{'down' if i % 997 == 0 else 'up'},{i % 50},{detail}\n")
    return path


def intact(store: Path) -> bool:
    """SQLite's own integrity check of the store."""
    conn = sqlite3.connect(store, timeout=10)
    try:
        return conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        conn.close()


@dataclass
class Recorder:
    """A loopback HTTP target that records each request's headers; ``routes`` maps a path to
    what it does: ``("ok",)``, ``("redirect", location)``, ``("echo",)`` (answers
    ``{"status": <the request's Authorization>}``, as a hostile target would),
    ``("raw", bytes)`` (those bytes, then close) or ``("slowloris",)`` (a head one byte at
    a time, never finished)."""

    routes: dict[str, tuple[Any, ...]] = field(default_factory=dict)
    seen: list[tuple[str, dict[str, str]]] = field(default_factory=list)

    def __post_init__(self) -> None:
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                """Silent."""

            def do_GET(self) -> None:
                path = self.path.split("?", 1)[0]
                recorder.seen.append((path, {k.lower(): v for k, v in self.headers.items()}))
                route = recorder.routes.get(path, ("ok",))
                if route[0] == "raw":
                    self.wfile.write(route[1])
                    self.close_connection = True
                elif route[0] == "slowloris":
                    for byte in b"HTTP/1.1 200 OK\r\nX-Slow: " + b"a" * 100:
                        if recorder.stopping.wait(0.2):
                            break
                        self.wfile.write(bytes([byte]))
                        self.wfile.flush()
                    self.close_connection = True
                else:
                    status, extra, body = 200, {}, b'{"status": "ok"}'
                    if route[0] == "redirect":
                        status, extra, body = 302, {"Location": route[1]}, b""
                    elif route[0] == "echo":
                        echoed = self.headers.get("Authorization", "")
                        body = f'{{"status": "{echoed}"}}'.encode()
                    self.send_response(status)
                    for name, value in extra.items():
                        self.send_header(name, value)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)

        self.stopping = threading.Event()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def url(self, path: str) -> str:
        """The URL of a path here."""
        return f"http://127.0.0.1:{self.server.server_address[1]}{path}"

    def headers_of(self, path: str) -> list[dict[str, str]]:
        """The headers of every request made to ``path``."""
        return [headers for seen, headers in self.seen if seen == path]

    def stop(self) -> None:
        """Stop serving."""
        self.stopping.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="session")
def certificates(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, Path]]:
    """Self-signed certificates: valid for a year, and expired."""
    folder = tmp_path_factory.mktemp("certs")
    return {"valid": make_certificate(folder), "expired": make_certificate(folder, expired=True)}


@pytest.fixture
def recorder() -> Iterator[Recorder]:
    """A recording HTTP target on 127.0.0.1."""
    target = Recorder()
    yield target
    target.stop()


@pytest.fixture
def other() -> Iterator[Recorder]:
    """A second recording target, on another port (another origin)."""
    target = Recorder()
    yield target
    target.stop()


def wait_for(predicate: Any, timeout: float = 20.0) -> None:
    """Poll until ``predicate()`` holds."""
    end = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > end:
            raise TimeoutError("condition not met")
        time.sleep(0.05)


def free_port() -> int:
    """A TCP port nobody listens on now."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


ENV = {k: v for k, v in os.environ.items() if not k.startswith("VIGIE_CONFIG")}
