"""Real engines for the tests: Debian's Prometheus and VictoriaMetrics on 127.0.0.1, each with a
random free port and its own temporary folder, started by a fixture and stopped after.

`make test` installs them (TEST_DEBS in the Makefile); a test skips with the reason only
where a binary is truly absent.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

READY_TIMEOUT = 30.0


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def binary(name: str) -> str:
    """The program's path, or skip the test saying which Debian package provides it."""
    path = shutil.which(name)
    if path is None:
        package = "victoria-metrics" if name == "victoria-metrics" else "prometheus"
        pytest.skip(f"{name} is not installed (Debian package {package}; `make test` installs it)")
    return path


@dataclass
class Engine:
    """A running engine: its kind, base URL, process and log."""

    kind: str
    url: str
    process: subprocess.Popen[bytes]
    log: Path

    def stop(self) -> None:
        """Stop it (SIGTERM, then SIGKILL) and wait."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def has(self, query: str) -> bool:
        """True when an instant query returns at least one series."""
        try:
            answer = requests.get(f"{self.url}/api/v1/query", params={"query": query}, timeout=5).json()
        except (requests.RequestException, ValueError):
            return False
        return bool(answer.get("data", {}).get("result"))


def _start(kind: str, command: list[str], url: str, ready: str, log: Path) -> Engine:
    with log.open("wb") as out:
        process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT)
    engine = Engine(kind, url, process, log)
    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{kind} stopped at start: {log.read_text(errors='replace')[-2000:]}")
        try:
            if requests.get(f"{url}{ready}", timeout=1).ok:
                return engine
        except requests.RequestException:
            pass
        time.sleep(0.05)
    engine.stop()
    raise RuntimeError(f"{kind} not ready after {READY_TIMEOUT} s (see {log})")


def start_prometheus(config: Path, folder: Path, extra: list[str] | None = None) -> Engine:
    """Prometheus on ``config`` (its rule files relative to it), data in ``folder``; ``extra``
    flags (e.g. a query limit)."""
    port = free_port()
    folder.mkdir(parents=True, exist_ok=True)
    command = [
        binary("prometheus"),
        f"--config.file={config}",
        f"--storage.tsdb.path={folder / 'data'}",
        f"--web.listen-address=127.0.0.1:{port}",
        "--log.level=warn",
        *(extra or []),
    ]
    return _start("prometheus", command, f"http://127.0.0.1:{port}", "/-/ready", folder / "prometheus.log")


def start_victoriametrics(config: Path, folder: Path, extra: list[str] | None = None) -> Engine:
    """VictoriaMetrics (single node) scraping as ``config`` says, data in ``folder``.

    Its queries hide the last 30 s by default (-search.latencyOffset): a second here, so that
    a test sees what was just scraped.
    """
    port = free_port()
    folder.mkdir(parents=True, exist_ok=True)
    command = [
        binary("victoria-metrics"),
        f"-promscrape.config={config}",
        "-promscrape.config.strictParse=false",
        f"-storageDataPath={folder / 'data'}",
        f"-httpListenAddr=127.0.0.1:{port}",
        "-search.latencyOffset=1s",
        "-loggerLevel=WARN",
        *(extra or []),
    ]
    return _start("victoriametrics", command, f"http://127.0.0.1:{port}", "/health", folder / "vm.log")
