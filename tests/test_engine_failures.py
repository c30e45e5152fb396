"""When the engine fails, a reading command exits 2 with one line naming the URL, the status and
what to check; never a silent 0 % or 100 %. Against a real Prometheus (with a tiny sample
limit, scraping a fixed exposition), a closed port, and a proxy answering 503."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.engines import Engine, binary, free_port, has, start_prometheus
from vigie.console.cli import main

EXPOSITION = (
    'vigie_probe_success{component="svc",probe="svc-http",agent="paris"} 1\n'
    'vigie_probe_state{component="svc",probe="svc-http",agent="paris",state="up"} 1\n'
)


class _Fixed(BaseHTTPRequestHandler):
    """The fixed exposition on /metrics; 503 with a proxy's page anywhere else."""

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""

    def _reply(self, status: int, body: bytes, kind: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        if self.path == "/metrics":
            self._reply(200, EXPOSITION.encode(), "text/plain; version=0.0.4")
        else:
            self._reply(503, b"<html>upstream unavailable</html>", "text/html")

    do_POST = do_GET


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Engine, str]]:
    binary("prometheus")
    root = tmp_path_factory.mktemp("failures")
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Fixed)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    exporter = f"127.0.0.1:{server.server_address[1]}"
    config = root / "prometheus.yml"
    config.write_text(
        f"global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: fixed\n"
        f"    static_configs:\n      - targets: ['{exporter}']\n",
        encoding="utf-8",
    )
    engine = start_prometheus(config, root / "prometheus")
    try:
        deadline = time.monotonic() + 30
        while not has(engine, "vigie_probe_state"):
            assert time.monotonic() < deadline, "Prometheus did not scrape the fixed exposition"
            time.sleep(0.2)
        yield root, engine, f"http://{exporter}"
    finally:
        engine.stop()
        server.shutdown()
        server.server_close()


CONFIG = """
[[agents]]
name = "paris"

[[components]]
id = "svc"
name = "Service"
target = 99.0

[[components]]
id = "ghost"
name = "Never measured"
target = 99.0

[[probes]]
id = "svc-http"
component = "svc"
kind = "http"
url = "http://127.0.0.1:1/"
interval = "1s"
timeout = "500ms"

[[probes]]
id = "ghost-http"
component = "ghost"
kind = "http"
url = "http://127.0.0.1:1/"
interval = "1s"
timeout = "500ms"

[measurements]
source = "prometheus"
url = "{url}"
"""


def _fails(root: Path, url: str, capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    config = root / "config.toml"
    config.write_text(CONFIG.format(url=url), encoding="utf-8")
    capsys.readouterr()
    assert main(["--config", str(config), *argv]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, captured.err
    assert lines[0].startswith("vigie: error: ")
    return lines[0]


def test_an_unreachable_engine(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    line = _fails(tmp_path, url, capsys, "sla", "--component", "svc")
    assert f"{url}/api/v1/query_range: unreachable" in line and "check [measurements] url" in line


def test_an_http_error(world: tuple[Path, Engine, str], capsys: pytest.CaptureFixture[str]) -> None:
    root, _, proxy = world
    line = _fails(root, proxy, capsys, "incidents", "--component", "svc")
    assert f"{proxy}/api/v1/query_range: HTTP 503 Service Unavailable" in line
    assert "check the engine's logs" in line


def test_a_wrong_base_url(world: tuple[Path, Engine, str], capsys: pytest.CaptureFixture[str]) -> None:
    root, engine, _ = world
    line = _fails(root, f"{engine.url}/api/v1", capsys, "sla", "--component", "svc")
    assert "HTTP 404" in line and "the engine's base URL" in line


def test_a_component_the_engine_never_saw(
    world: tuple[Path, Engine, str], capsys: pytest.CaptureFixture[str]
) -> None:
    root, engine, _ = world
    line = _fails(root, engine.url, capsys, "sla", "--component", "ghost", "--json")
    assert f'{engine.url}: no vigie_probe_state{{component="ghost"}} series at all' in line
    assert "scrapes the agents" in line


def test_the_engine_measures_a_known_component(
    world: tuple[Path, Engine, str], capsys: pytest.CaptureFixture[str]
) -> None:
    """The same engine answers for the component it does scrape (the failures above are not the set-up's)."""
    root, engine, _ = world
    config = root / "config.toml"
    config.write_text(CONFIG.format(url=engine.url), encoding="utf-8")
    capsys.readouterr()
    today = date.today().isoformat()
    assert main(["--config", str(config), "sla", "--component", "svc", "--json", "--from", today]) == 0
    assert '"component": "svc"' in capsys.readouterr().out


def test_a_query_over_the_engines_limits(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A Prometheus that may load one sample per query refuses the reading: exit 2, one line."""
    binary("prometheus")
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Fixed)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    config = tmp_path / "prometheus.yml"
    config.write_text(
        "global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: fixed\n"
        f"    static_configs:\n      - targets: ['127.0.0.1:{server.server_address[1]}']\n",
        encoding="utf-8",
    )
    engine = start_prometheus(config, tmp_path / "small", extra=["--query.max-samples=1"])
    try:
        deadline = time.monotonic() + 30
        while not has(engine, "vigie_probe_state"):
            assert time.monotonic() < deadline
            time.sleep(0.2)
        time.sleep(1.5)  # a second sample: more than the engine will load
        line = _fails(tmp_path, engine.url, capsys, "sla", "--component", "svc")
        assert "HTTP 422" in line and "over the engine's limits" in line
    finally:
        engine.stop()
        server.shutdown()
        server.server_close()
