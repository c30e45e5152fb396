"""`vigie demo --engine prometheus|victoriametrics`: the simulated SI probed by two agents on two
"sites", scraped by a real engine on loopback, and the console and reports reading through it.

What it starts, all on 127.0.0.1 and stopped together: the simulated SI (as in the plain
demo), the engine (Debian's ``prometheus`` or ``victoria-metrics``, on the scrape jobs and
rules `vigie deploy` writes, data in ``DIR/engine/``), and two agents, ``paris`` and ``lyon``
(`vigie run --agent NAME` child processes, each with its own store ``DIR/agent-NAME.db``),
probing every 5 s on ``DIR/engine.toml`` (the demo's config with the agents and
``[measurements] source = "prometheus"``). In the scenario, Lyon loses its network to PLACE
for half a minute: PLACE stays up by the majority of the sites, and that is reported as a
failure seen from Lyon only.
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO

import requests

from vigie.console.demo.runner import READY_TIMEOUT, Started, die_with_parent, stop_children
from vigie.console.demo.scenario import Scenario
from vigie.console.demo.simsi import SimulatedSI
from vigie.console.demo.workdir import Workdir, free_port, write_config
from vigie.console.deploy import prometheus, rules
from vigie.console.errors import UserError
from vigie.console.settings import Settings, load_settings
from vigie.probes.promql import PromClient, PromQLSource
from vigie.probes.sources import AgentStores, EngineError, MetricsSource
from vigie.probes.state import stored_states
from vigie.probes.store import Store
from vigie.reports.periods import between
from vigie.reports.sla import component_site_failures, compute_sla

ENGINES = {"prometheus": "prometheus", "victoriametrics": "victoria-metrics"}
"""Engine name -> its program (Debian packages ``prometheus`` and ``victoria-metrics``)."""

AGENTS = ("paris", "lyon")
INTERVAL = 5.0
SITE_CUT = ("lyon", "place", 15.0, 45.0)
"""Lyon cannot reach PLACE from 15 s to 45 s after the start."""


class EngineProcess:
    """An engine on loopback: its process, URL and log. Used by the demo, the bench and the tests."""

    def __init__(self, kind: str, scrape_config: Path, folder: Path, extra: tuple[str, ...] = ()) -> None:
        program = shutil.which(ENGINES[kind])
        if program is None:
            raise UserError(
                f"--engine {kind}: {ENGINES[kind]} is not installed "
                f"(apt-get install --no-install-recommends {ENGINES[kind]})"
            )
        folder.mkdir(parents=True, exist_ok=True)
        port = free_port()
        self.kind = kind
        self.url = f"http://127.0.0.1:{port}"
        self.log = folder / f"{kind}.log"
        if kind == "prometheus":
            command = [
                program,
                f"--config.file={scrape_config}",
                f"--storage.tsdb.path={folder / 'data'}",
                f"--web.listen-address=127.0.0.1:{port}",
                "--log.level=warn",
            ]
            ready = "/-/ready"
        else:
            command = [
                program,
                f"-promscrape.config={scrape_config}",
                # Prometheus's own keys (evaluation_interval, rule_files) are not VictoriaMetrics'.
                "-promscrape.config.strictParse=false",
                f"-storageDataPath={folder / 'data'}",
                f"-httpListenAddr=127.0.0.1:{port}",
                # Its queries hide the last 30 s by default: a second here, for a live console.
                "-search.latencyOffset=1s",
                "-loggerLevel=WARN",
            ]
            ready = "/health"
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(
                [*command, *extra],
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                preexec_fn=die_with_parent(),
            )
        deadline = time.monotonic() + READY_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise UserError(f"{ENGINES[kind]} stopped at start (see {self.log})")
            with contextlib.suppress(requests.RequestException):
                if requests.get(f"{self.url}{ready}", timeout=1).ok:
                    return
            time.sleep(0.05)
        self.stop()
        raise UserError(f"{ENGINES[kind]} was not ready after {READY_TIMEOUT:g} s (see {self.log})")

    def stop(self) -> None:
        """SIGTERM, then SIGKILL if it hangs; waits for it."""
        stop_children([self.process])


def engine_tables(agent_ports: dict[str, int], url: str) -> str:
    """The ``[[agents]]`` and ``[measurements]`` tables the engine demo adds to the demo's config."""
    text = "\n# --- the engine demo: two sites' agents, read through the engine ---------------------\n"
    for name, port in agent_ports.items():
        text += f'[[agents]]\nname = "{name}"\nport = {port}\n\n'
    return text + f'[measurements]\nsource = "prometheus"\nurl = "{url}"\n'


class EngineRun(Started):
    """The simulated SI, the engine and the two agents, started and stopped together."""

    def __init__(
        self, kind: str, workdir: Workdir, scenario: Scenario, si: SimulatedSI, language: str
    ) -> None:
        self.kind = kind
        self.workdir = workdir
        self.scenario = scenario
        self.si = si
        self.language = language
        self.engine: EngineProcess | None = None
        self.agents: dict[str, subprocess.Popen[bytes]] = {}
        self.settings: Settings | None = None
        self.started = 0.0
        self._logs: list[IO[bytes]] = []

    @property
    def config(self) -> Path:
        """The engine demo's config file."""
        return self.workdir.root / "engine.toml"

    def start(self) -> Settings:
        """Start everything; returns the engine demo's settings once the engine has data."""
        root = self.workdir.root
        ports = self.si.bind()
        agent_ports = {name: free_port() for name in AGENTS}
        engine_dir = root / "engine"
        # The engine's URL is only known once it runs: write the config with a placeholder
        # URL for `vigie deploy`'s scrape jobs, then again with the real one.
        write_config(
            self.workdir, self.scenario, ports, free_port(), self.language,
            interval=INTERVAL, path=self.config, extra=engine_tables(agent_ports, "http://127.0.0.1:1"),
        )  # fmt: skip
        base = load_settings(self.config)
        for module in (prometheus, rules):
            for relative, text in module.artefacts(base, None).items():
                path = engine_dir / "deploy" / relative
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(text, encoding="utf-8")
        folder = engine_dir / self.kind
        shutil.rmtree(folder / "data", ignore_errors=True)  # a fresh engine per run: its data is this run's
        self.engine = EngineProcess(self.kind, engine_dir / "deploy/prometheus/prometheus.yml", folder)
        write_config(
            self.workdir, self.scenario, ports, free_port(), self.language,
            interval=INTERVAL, path=self.config, extra=engine_tables(agent_ports, self.engine.url),
        )  # fmt: skip
        self.settings = load_settings(self.config)
        self.si.site_cuts = [SITE_CUT]
        self.started = time.time()
        self.si.start()
        for name in AGENTS:
            log = (root / f"agent-{name}.log").open("ab")
            self._logs.append(log)
            self.agents[name] = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "vigie",
                    "run",
                    "--agent",
                    name,
                    "--config",
                    str(self.config.resolve()),
                ],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                preexec_fn=die_with_parent(),
            )
        deadline = time.monotonic() + READY_TIMEOUT
        waiting = dict(agent_ports)
        while waiting and time.monotonic() < deadline:
            for name, port in list(waiting.items()):
                if self.agents[name].poll() is not None:
                    raise UserError(f"agent {name} stopped at start (see {root / f'agent-{name}.log'})")
                with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
                    del waiting[name]
            time.sleep(0.2)
        if waiting:
            raise UserError(f"agents {', '.join(waiting)} did not listen within {READY_TIMEOUT:g} s")
        return self.settings

    def stop(self) -> None:
        """Stop the agents (SIGTERM: they store their last batch), the engine and the simulated SI."""
        stop_children(list(self.agents.values()))
        self.agents.clear()
        for log in self._logs:
            log.close()
        self._logs.clear()
        if self.engine is not None:
            self.engine.stop()
            self.engine = None
        self.si.stop()


@dataclass
class SiteSeen:
    """A failure seen from some sites only: which ones, for how long."""

    agents: list[str]
    duration_s: float


@dataclass
class ComponentSeen:
    """One component as the engine saw it during the run, beside the agents' own stores."""

    id: str
    name: str
    state: str | None
    site_down: list[str]
    availability: float | None
    down_s: float
    unknown_s: float
    stores_availability: float | None
    site_failures: list[SiteSeen] = field(default_factory=list)


@dataclass
class EngineSummary:
    """What a headless engine demo saw."""

    engine: str
    url: str
    seconds: float
    agents: dict[str, bool]
    components: list[ComponentSeen]
    error: str = ""

    @property
    def healthy(self) -> bool:
        """The engine answered and saw every component."""
        return not self.error and all(c.state not in (None, "unknown") for c in self.components)


def summarize_engine(run: EngineRun) -> EngineSummary:
    """Read the run back through the engine (and, to compare, from the agents' stores)."""
    assert run.settings is not None and run.engine is not None
    settings = run.settings
    now = time.time()
    zone = settings.timezone
    period = between(datetime.fromtimestamp(run.started, zone), datetime.fromtimestamp(now, zone), zone)
    engine = PromQLSource(PromClient(settings.measurements), settings.probes)
    agents = {name: process.poll() is None for name, process in run.agents.items()}
    components: list[ComponentSeen] = []
    try:
        states = stored_states(engine, settings.probes, now, engine.delay)
        with contextlib.ExitStack() as stack:
            main = stack.enter_context(Store.of_config(settings.probes, settings.store_path()))
            stores = {
                name: stack.enter_context(
                    Store.of_config(settings.probes, settings.file.parent / f"agent-{name}.db")
                )
                for name in AGENTS
            }
            local: MetricsSource = AgentStores(main, stores)
            for comp in settings.probes.components:
                seen = compute_sla(engine, settings.probes, comp, period, now).figures
                stored = compute_sla(local, settings.probes, comp, period, now).figures
                failures = component_site_failures(engine, settings.probes, comp, period.start_ts, now)
                state = states[comp.id]
                components.append(
                    ComponentSeen(
                        comp.id,
                        comp.name,
                        str(state.state),
                        list(state.site_down),
                        seen.availability,
                        seen.down_s,
                        seen.unknown_s,
                        stored.availability,
                        [SiteSeen(list(f.agents), f.duration) for f in failures],
                    )
                )
    except EngineError as exc:
        return EngineSummary(run.kind, run.engine.url, now - run.started, agents, components, str(exc))
    finally:
        engine.close()
    return EngineSummary(run.kind, run.engine.url, now - run.started, agents, components)
