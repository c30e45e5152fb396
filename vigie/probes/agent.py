"""A probe agent (`vigie run --agent NAME`): one site's share of the probes, its own store,
and /metrics with an ``agent`` label for Prometheus (or VictoriaMetrics) to scrape.

The agent is the daemon (:class:`~vigie.probes.daemon.Daemon`) on a narrowed configuration:
the probes assigned to it (a probe's ``agents``, else its component's, else every agent),
its own SQLite store as a buffer (nothing is lost while the engine is away: `vigie export
openmetrics` backfills it), its own listening address, and no alert webhook (alerts come
from the engine's rules, once for all sites, not from each site). Its HTTP probes send
``X-Vigie-Agent: NAME``, so a target's logs tell the sites apart.

What it serves, from its probes' last results still covering now (a result covers two
intervals at most, as in the accounting; an older one is not served, so the engine sees a
gap, not a stale value):

- ``vigie_probe_success{component, probe, agent}``: 1 when up or degraded, else 0;
- ``vigie_probe_duration_seconds{component, probe, agent}``;
- ``vigie_probe_state{component, probe, agent, state}``: 1, for the last result's state
  only (the engine counts windows per state; absent states cost no series);
- ``vigie_agent_info{agent, version}``: 1.
"""

from __future__ import annotations

import contextlib
import dataclasses
import socket
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector, CollectorRegistry

from vigie import __version__
from vigie.accounting.results import ProbeResult, Status
from vigie.probes.config import AgentConfig, HttpOptions, ProbeConfig, ProbesConfig, StoreConfig
from vigie.probes.daemon import CannotListen, Daemon
from vigie.probes.scheduler import Measured
from vigie.probes.secrets import Secret
from vigie.probes.server import ProbeServer

AGENT_HEADER = "X-Vigie-Agent"
_UP = (Status.UP, Status.DEGRADED)


def runs_on(config: ProbesConfig, probe: ProbeConfig) -> tuple[str, ...]:
    """The agents that run ``probe``: its own ``agents``, else its component's, else all of them."""
    if probe.agents:
        return probe.agents
    component = next((c for c in config.components if c.id == probe.component), None)
    if component is not None and component.agents:
        return component.agents
    return tuple(a.name for a in config.agents)


def find_agent(config: ProbesConfig, name: str) -> AgentConfig:
    """The ``[[agents]]`` entry named ``name`` (KeyError when none)."""
    for agent in config.agents:
        if agent.name == name:
            return agent
    raise KeyError(name)


def agent_config(config: ProbesConfig, name: str) -> ProbesConfig:
    """The configuration agent ``name`` runs (KeyError for an unknown agent)."""
    agent = find_agent(config, name)
    probes = []
    for probe in config.probes:
        if name not in runs_on(config, probe):
            continue
        if isinstance(probe.options, HttpOptions):
            headers = (*probe.options.headers, (AGENT_HEADER, Secret(name)))
            probe = dataclasses.replace(probe, options=dataclasses.replace(probe.options, headers=headers))
        probes.append(probe)
    return dataclasses.replace(
        config,
        probes=tuple(probes),
        store=StoreConfig(agent.store_file, agent.retention, config.store.busy_timeout),
        exporter=dataclasses.replace(config.exporter, host=agent.host, port=agent.port, enabled=False),
        alerts=dataclasses.replace(config.alerts, webhook=None),
    )


class AgentCollector(Collector):
    """The agent's metrics, from its probes' last results kept in memory. Thread-safe."""

    def __init__(
        self, agent: str, probes: Sequence[ProbeConfig], clock: Callable[[], float] = time.time
    ) -> None:
        self.agent = agent
        self.probes = {p.id: p for p in probes}
        self.clock = clock
        self._latest: dict[str, ProbeResult] = {}
        self._lock = threading.Lock()

    def remember(self, results: Mapping[str, ProbeResult]) -> None:
        """Take probes' last results (at start, from the store), keyed by probe id."""
        with self._lock:
            for pid, result in results.items():
                known = self._latest.get(pid)
                if pid in self.probes and (known is None or result.ts > known.ts):
                    self._latest[pid] = result

    def on_batch(self, batch: list[Measured]) -> None:
        """The scheduler's listener: each stored batch updates the last results."""
        self.remember({m.result.probe: m.result for m in sorted(batch, key=lambda m: m.result.ts)})

    def collect(self) -> Iterator[Metric]:
        """The metric families, from the results still covering now."""
        now = self.clock()
        with self._lock:
            latest = dict(self._latest)
        labels = ["component", "probe", "agent"]
        success = GaugeMetricFamily(
            "vigie_probe_success", "1 when the probe's last check answered (up or degraded)", labels=labels
        )
        duration = GaugeMetricFamily(
            "vigie_probe_duration_seconds", "Duration of the probe's last check", labels=labels
        )
        state = GaugeMetricFamily(
            "vigie_probe_state", "1 for the state of the probe's last check", labels=[*labels, "state"]
        )
        for pid, result in sorted(latest.items()):
            probe = self.probes[pid]
            if result.ts + 2 * probe.interval < now:
                continue  # no longer covered: a gap for the engine, never a stale value
            values = [probe.component, pid, self.agent]
            success.add_metric(values, 1.0 if result.status in _UP else 0.0)
            state.add_metric([*values, str(result.status)], 1.0)
            if result.latency_ms is not None:
                duration.add_metric(values, result.latency_ms / 1000)
        info = GaugeMetricFamily("vigie_agent_info", "A Vigie probe agent", labels=["agent", "version"])
        info.add_metric([self.agent, __version__], 1.0)
        yield from (success, duration, state, info)


class AgentServer(ProbeServer):
    """The agent's HTTP server. Stopping it also ends the connections it kept open: the
    engine keeps its scrape connection alive, and a handler left running would go on serving
    a stopped agent's last view to it."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()
        super().__init__(*args, **kwargs)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._open_lock:
            self._open.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._open_lock:
            self._open.discard(request)
        super().shutdown_request(request)

    def stop(self) -> None:
        """Stop serving, close the socket and every connection still open."""
        super().stop()
        with self._open_lock:
            for connection in self._open:
                with contextlib.suppress(OSError):
                    connection.shutdown(socket.SHUT_RDWR)
            self._open.clear()


class Agent:
    """`vigie run --agent NAME` wired: the daemon on the agent's configuration and its /metrics."""

    def __init__(self, config: ProbesConfig, name: str, base: Path) -> None:
        agent = find_agent(config, name)
        own = agent_config(config, name)
        self.daemon = Daemon(own, base / own.store.path)
        try:
            self.collector = AgentCollector(name, own.probes)
            self.collector.remember(self.daemon.store.latest_of((p.component, p.id) for p in own.probes))
            self.daemon.scheduler.listeners.append(self.collector.on_batch)
            registry = CollectorRegistry(auto_describe=False)
            registry.register(self.collector)
            try:
                self.server = AgentServer(agent.host, agent.port, registry, self.daemon.heartbeats)
            except OSError as exc:
                raise CannotListen(
                    f"cannot listen on {agent.host}:{agent.port}: {exc.strerror or exc}"
                ) from None
        except BaseException:
            self.daemon.close()
            raise

    def run(self, stop: threading.Event, duration: float | None = None) -> None:
        """Serve and probe until ``stop`` is set or ``duration`` seconds have passed."""
        self.server.start()
        self.daemon.run(stop, duration)

    def once(self) -> list[Measured]:
        """Run the agent's probes once and store their results."""
        return self.daemon.once()

    def close(self) -> None:
        """Stop serving, stop the daemon, release the store."""
        self.server.stop()
        self.daemon.close()

    def __enter__(self) -> Agent:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
