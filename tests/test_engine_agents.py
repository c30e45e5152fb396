"""Two agents, a real Prometheus and a real VictoriaMetrics scraping them every second, and the
same accounting on top: `vigie sla --source prometheus` equals `--source sqlite` (the agents'
own stores) within one scrape per transition, the quorum hides a failure seen from one site
only, and a gap in an agent's data is unknown time in both.

The scene, played once for the module (about 40 s): a loopback target; agents ``paris`` and
``lyon`` probe ``svc`` every second, ``paris`` alone probes ``solo``; Lyon loses the target
for a while (it alone sees it down), then the target goes down for everyone, then Paris
stops (its data has a gap) and comes back.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import requests
from textual.widgets import Static

from tests.engines import Engine, free_port, has, start_prometheus, start_victoriametrics
from vigie.console.cli import main
from vigie.console.deploy import grafana, prometheus, pyrra, rules, sloth
from vigie.console.settings import load_settings
from vigie.console.tui.app import VigieApp
from vigie.console.tui.table import ConsoleTable
from vigie.probes.agent import AGENT_HEADER, Agent

PARIS_TZ = ZoneInfo("Europe/Paris")
SCRAPE = 1.0
# One scrape interval per transition, and a window's rounding on each side.
TOLERANCE = 2 * SCRAPE + 0.5


class Target(ThreadingHTTPServer):
    """Answers 200, or 503 while ``down``, or to the agents in ``cut``."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _TargetHandler)
        self.down = False
        self.cut: set[str] = set()


class _TargetHandler(BaseHTTPRequestHandler):
    server: Target

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""

    def do_GET(self) -> None:
        failing = self.server.down or self.headers.get(AGENT_HEADER) in self.server.cut
        body = b"unavailable\n" if failing else b"ok\n"
        self.send_response(503 if failing else 200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


CONFIG = """
[vigie]
timezone = "Europe/Paris"
language = "en"

[store]
path = "central.db"

[scheduler]
flush_interval = "100ms"

[[agents]]
name = "paris"
port = {paris}

[[agents]]
name = "lyon"
port = {lyon}

[[components]]
id = "svc"
name = "Service"
target = 99.0

[[components]]
id = "solo"
name = "Solo"
target = 99.0
agents = ["paris"]

[[probes]]
id = "svc-http"
component = "svc"
kind = "http"
url = "{target}/health"
interval = "1s"
timeout = "500ms"

[[probes]]
id = "solo-http"
component = "solo"
kind = "http"
url = "{target}/solo"
interval = "1s"
timeout = "500ms"
"""


class RunningAgent:
    """An agent on its own thread, as `vigie run --agent NAME` runs it."""

    def __init__(self, config: Path, name: str) -> None:
        settings = load_settings(config)
        self.agent = Agent(settings.probes, name, config.parent)
        self.stop_event = threading.Event()
        self.thread = threading.Thread(target=self.agent.run, args=(self.stop_event,), daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.stop_event.set()
        self.thread.join(15)
        self.agent.close()


@dataclass
class Scene:
    root: Path
    configs: dict[str, Path]  # by source: "sqlite", "prometheus", "victoriametrics"
    start: float
    end: float
    cut: tuple[float, float]
    outage: tuple[float, float]
    gap: tuple[float, float]


def _wait_for(engines: list[Engine], query: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not all(has(e, query) for e in engines):
        if time.monotonic() > deadline:
            raise AssertionError(f"no {query} in {[e.kind for e in engines]} after {timeout} s")
        time.sleep(0.2)


def _whole_second() -> float:
    """Sleep to the next whole second and return it."""
    t = float(int(time.time()) + 1)
    time.sleep(max(0.0, t - time.time()))
    return t


@pytest.fixture(scope="module")
def scene(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scene]:
    root = tmp_path_factory.mktemp("engine")
    target = Target()
    threading.Thread(target=target.serve_forever, daemon=True).start()
    base = root / "config.toml"
    base.write_text(
        CONFIG.format(
            paris=free_port(), lyon=free_port(), target=f"http://127.0.0.1:{target.server_address[1]}"
        ),
        encoding="utf-8",
    )
    settings = load_settings(base)
    # The engines run on what `vigie deploy` writes: the scrape jobs and the rules.
    deploy = root / "deploy"
    for module in (prometheus, rules):
        for relative, text in module.artefacts(settings, None).items():
            (deploy / relative).parent.mkdir(parents=True, exist_ok=True)
            (deploy / relative).write_text(text, encoding="utf-8")
    config = deploy / "prometheus" / "prometheus.yml"
    engines = [start_prometheus(config, root / "prometheus"), start_victoriametrics(config, root / "vm")]
    configs = {"sqlite": base}
    for engine in engines:
        configs[engine.kind] = root / f"config-{engine.kind}.toml"
        configs[engine.kind].write_text(
            base.read_text(encoding="utf-8") + f'\n[measurements]\nurl = "{engine.url}"\n', encoding="utf-8"
        )
    agents = {name: RunningAgent(base, name) for name in ("paris", "lyon")}
    try:
        _wait_for(engines, 'vigie_probe_state{agent="paris"}')
        _wait_for(engines, 'vigie_probe_state{agent="lyon"}')
        start = _whole_second() + 1
        time.sleep(4 + start - time.time())
        cut = (_whole_second(), 0.0)
        target.cut = {"lyon"}
        time.sleep(5)
        target.cut = set()
        cut = (cut[0], time.time())
        time.sleep(3)
        outage = (_whole_second(), 0.0)
        target.down = True
        time.sleep(5)
        target.down = False
        outage = (outage[0], time.time())
        time.sleep(3)
        gap = (_whole_second(), 0.0)
        agents["paris"].stop()
        time.sleep(5)
        agents["paris"] = RunningAgent(base, "paris")
        gap = (gap[0], time.time())
        time.sleep(4)
        end = _whole_second()
        time.sleep(2.5)  # the last scrapes, and VictoriaMetrics' latency offset
        yield Scene(root, configs, start, end, cut, outage, gap)
    finally:
        for running in agents.values():
            running.stop()
        for engine in engines:
            engine.stop()
        target.shutdown()
        target.server_close()


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, PARIS_TZ).isoformat(timespec="seconds")


def _cli(capsys: pytest.CaptureFixture[str], *argv: str) -> Any:
    capsys.readouterr()
    status = main(list(argv))
    out = capsys.readouterr().out
    assert status == 0, out
    return json.loads(out)


def _sla(capsys: pytest.CaptureFixture[str], scene: Scene, source: str) -> dict[str, dict[str, Any]]:
    config = scene.configs[source]
    kind = "sqlite" if source == "sqlite" else "prometheus"
    figures = _cli(
        capsys, "--config", str(config), "sla", "--json", "--source", kind,
        "--from", _iso(scene.start), "--to", _iso(scene.end),
    )  # fmt: skip
    return {f["component"]: f for f in figures}


@pytest.mark.parametrize("engine", ["prometheus", "victoriametrics"])
def test_sla_through_the_engine_equals_sla_from_the_agents_stores(
    scene: Scene, capsys: pytest.CaptureFixture[str], engine: str
) -> None:
    stored = _sla(capsys, scene, "sqlite")
    scraped = _sla(capsys, scene, engine)
    for component in ("svc", "solo"):
        a, b = stored[component], scraped[component]
        assert a["scheduled_s"] == b["scheduled_s"] == scene.end - scene.start
        for field in ("up_s", "down_s", "unknown_s"):
            assert abs(a[field] - b[field]) <= TOLERANCE, (component, field, a, b)
        assert a["incidents"] == b["incidents"]
    outage = scene.outage[1] - scene.outage[0]
    for figures in (stored["svc"], scraped["svc"]):
        # The quorum (two agents, majority) hides Lyon's failure: one incident, the real outage.
        assert figures["incidents"] == 1
        assert abs(figures["down_s"] - outage) <= TOLERANCE
        assert figures["unknown_s"] <= TOLERANCE
    for figures in (stored["solo"], scraped["solo"]):
        # Only Paris probes it: the outage is an incident, Paris's gap (less the 2 s its last
        # result covers) is unknown, never up.
        assert figures["incidents"] == 1
        assert abs(figures["down_s"] - outage) <= TOLERANCE
        assert figures["unknown_s"] >= scene.gap[1] - scene.gap[0] - 2 - TOLERANCE


@pytest.mark.parametrize("source", ["sqlite", "prometheus", "victoriametrics"])
def test_the_failure_seen_from_lyon_alone_is_a_site_failure(
    scene: Scene, capsys: pytest.CaptureFixture[str], source: str
) -> None:
    kind = "sqlite" if source == "sqlite" else "prometheus"
    found = _cli(
        capsys, "--config", str(scene.configs[source]), "incidents", "--json", "--source", kind,
        "--component", "svc", "--from", _iso(scene.start), "--to", _iso(scene.end),
    )  # fmt: skip
    (svc,) = found
    assert len(svc["incidents"]) == 1
    (site,) = svc["site_failures"]
    assert site["agents"] == ["lyon"]
    assert abs(site["duration_s"] - (scene.cut[1] - scene.cut[0])) <= TOLERANCE


def test_every_dashboard_and_slo_query_returns_data_from_the_engine(scene: Scene) -> None:
    """The engine runs `vigie deploy`'s rules: the Grafana panels' and the SLO specs' queries
    parse and return data (Sloth's ``{{.window}}`` taken as 5m)."""
    settings = load_settings(scene.configs["sqlite"])
    engine = load_settings(scene.configs["prometheus"]).measurements.url
    board = grafana.dashboard(settings, None)
    queries = [t["expr"] for panel in board["panels"] for t in panel.get("targets", [])]
    for component in settings.probes.components:
        queries.append(sloth.error_ratio_query(component.id).replace("{{.window}}", "5m"))
        spec = pyrra.artefacts(settings, None)[f"pyrra/{component.id}.yaml"]
        queries.append(spec.split("metric: ")[1].splitlines()[0].strip('"').replace('\\"', '"'))
    assert len(queries) >= 9
    for query in queries:
        answer = requests.get(f"{engine}/api/v1/query", params={"query": query}, timeout=10).json()
        assert answer["status"] == "success", (query, answer)
        assert answer["data"]["result"], f"no data for {query}"


async def test_the_console_reads_through_the_engine_and_says_when_it_is_away(scene: Scene) -> None:
    """States come from the engine; when it stops answering, the header says so and the last
    figures stay, marked stale."""
    settings = load_settings(scene.configs["prometheus"])
    app = VigieApp(settings, source="prometheus")
    async with app.run_test(size=(180, 40)) as pilot:
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        status = str(app.query_one("#status", Static).render())
        assert f"source {settings.measurements.url}" in status
        table = app.query_one("#availability-tab").query_one(ConsoleTable)
        assert sorted(table.shown_keys) == ["solo", "svc"]
        assert "up" in str(table.get_row("svc")[0])
        engine = app.data._results.engine
        assert engine is not None
        engine.client.url = f"http://127.0.0.1:{free_port()}"
        app.refresh_live()
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        status = str(app.query_one("#status", Static).render())
        assert "source unavailable, last figures from" in status and "(stale)" in status
        assert sorted(table.shown_keys) == ["solo", "svc"]
        assert "up" in str(table.get_row("svc")[0])
