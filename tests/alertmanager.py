"""A real Alertmanager (Debian's prometheus-alertmanager) on 127.0.0.1 for tests: a random
port, clustering off, a temporary storage directory, the given configuration."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

BINARY = shutil.which("prometheus-alertmanager") or shutil.which("alertmanager")
AMTOOL = shutil.which("amtool")
needs_alertmanager = pytest.mark.skipif(
    BINARY is None or AMTOOL is None,
    reason="prometheus-alertmanager is not installed (make test installs it: TEST_DEBS in the Makefile)",
)

NULL_CONFIG = """\
route:
  receiver: "null"
  group_wait: 1s
receivers:
  - name: "null"
"""


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def running_alertmanager(folder: Path, config: str = NULL_CONFIG, port: int | None = None) -> Iterator[str]:
    """Start Alertmanager with ``config``; yields its base URL once it is ready."""
    assert BINARY is not None
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "alertmanager.yml").write_text(config, encoding="utf-8")
    port = port or free_port()
    url = f"http://127.0.0.1:{port}"
    log = (folder / "alertmanager.log").open("w")
    process = subprocess.Popen(
        [
            BINARY,
            f"--config.file={folder / 'alertmanager.yml'}",
            f"--storage.path={folder / 'data'}",
            f"--web.listen-address=127.0.0.1:{port}",
            "--cluster.listen-address=",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                with urllib.request.urlopen(f"{url}/-/ready", timeout=1) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError((folder / "alertmanager.log").read_text())
            time.sleep(0.05)
        yield url
    finally:
        process.terminate()
        process.wait(10)
        log.close()


def api(url: str, path: str, body: Any = None, method: str | None = None) -> Any:
    """One call to Alertmanager's API v2, its JSON answer."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(
        f"{url}/api/v2/{path}", data=data, method=method, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=5) as answer:
        text = answer.read()
    return json.loads(text) if text else None


def wait_for(condition: Any, timeout: float = 20.0, every: float = 0.1) -> Any:
    """Poll ``condition()`` until it returns something true; fails after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"still not true after {timeout} s: {condition}")
        time.sleep(every)
