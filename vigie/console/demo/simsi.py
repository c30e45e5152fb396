"""The simulated SI Chorus on loopback: nine HTTP services, an EDI drop directory, an API counter.

Each component is a ``ThreadingHTTPServer`` on 127.0.0.1 (an ephemeral port) answering
``/health`` with ``{"status": "ok"}`` after a realistic delay, or HTTP 503 during its
scenario outages and declared maintenance windows. Chorus Pro also serves ``/api/stats``,
the API platform's call counter. A feeder thread drops flow files into the exchange
system's directory at the month's rhythm and a consumer takes them away no faster than
the nominal capacity, so a month over capacity builds a backlog.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from zoneinfo import ZoneInfo

from vigie.accounting.schedules import active_window
from vigie.accounting.terms import MaintenanceWindow
from vigie.console.demo.scenario import (
    Scenario,
    calls_between,
    flow_rate,
    latency_for,
    live_outages,
    load_at,
)

API_COMPONENT = "chorus-pro"
PARTNERS = ("ATLAS", "PLACE", "CHORUS-PRO", "CHORUS-DT", "CARTE-ACHAT", "STOCKS", "DEPENSE")


@dataclass(frozen=True)
class Answer:
    """What a simulated component answers at one moment."""

    code: int
    status: str
    latency: float
    detail: str = ""


class SimulatedSI:
    """The scenario's components as loopback services, started and stopped together.

    ``clock`` gives epoch seconds (tests pass a fake one); offsets of scripted and random
    events count from :meth:`start` (or from ``started`` when given).
    """

    def __init__(
        self,
        scenario: Scenario,
        timezone: ZoneInfo,
        flow_dir: Path,
        *,
        maintenance: Sequence[MaintenanceWindow] = (),
        clock: Callable[[], float] = time.time,
        started: float | None = None,
    ) -> None:
        self.scenario = scenario
        # Public: the demo binds the ports first, writes its config with them, then sets
        # the windows that config declares before starting.
        self.maintenance = tuple(maintenance)
        self.timezone = timezone
        self.flow_dir = flow_dir
        self.clock = clock
        self._fixed_start = started
        self.started = clock() if started is None else started
        self.outages = {c.id: live_outages(scenario, c.id) for c in scenario.components}
        self.ports: dict[str, int] = {}
        self._draws = {c.id: scenario.rng("latency", c.id) for c in scenario.components}
        self._lock = threading.Lock()
        self._servers: list[ThreadingHTTPServer] = []
        self._threads: list[threading.Thread] = []
        self._stop = threading.Event()
        self.flows_received = 0
        self.flows_consumed = 0
        # (agent, component, from, to): offsets during which that site cannot reach it.
        self.site_cuts: list[tuple[str, str, float, float]] = []

    # --- behaviour ----------------------------------------------------------------------

    def load(self, now: float) -> float:
        """Relative load (0..1) at ``now``, from the day's curve in the SI's time zone."""
        local = datetime.fromtimestamp(now, self.timezone)
        return load_at(self.scenario, local.hour + local.minute / 60)

    def answer(self, component: str, now: float, draw: float = 0.0) -> Answer:
        """The answer of ``component`` at ``now``; ``draw`` is a standard normal for the latency."""
        if active_window(self.maintenance, component, now, self.timezone) is not None:
            return Answer(503, "maintenance", 0.005, "maintenance programmée")
        offset = now - self.started
        latency = latency_for(self.scenario, component, self.load(now), draw)
        for event in self.outages[component]:
            if event.at > offset:
                break
            if offset < event.end:
                if event.state == "down":
                    return Answer(503, "down", 0.005, "service indisponible")
                latency = event.latency or latency
        return Answer(200, "ok", latency)

    def unreachable(self, component: str, agent: str | None, now: float) -> bool:
        """True while the site ``agent`` (its probes' X-Vigie-Agent header) cannot reach ``component``."""
        offset = now - self.started
        return any(a == agent and c == component and lo <= offset < hi for a, c, lo, hi in self.site_cuts)

    def calls_total(self, now: float) -> int:
        """API calls counted by the platform since the simulated SI started."""
        start = datetime.fromtimestamp(self.started, self.timezone)
        first = start.hour + start.minute / 60 + start.second / 3600
        return int(calls_between(self.scenario, first, first + (now - self.started) / 3600))

    def flow_month(self, now: float) -> int:
        """The month whose rhythm the flows follow (the scenario's, else the calendar's)."""
        return self.scenario.flow_month or datetime.fromtimestamp(now, self.timezone).month

    def draw(self, component: str) -> float:
        """The component's next latency draw (standard normal), from its own seeded stream."""
        with self._lock:
            return self._draws[component].gauss(0.0, 1.0)

    # --- lifecycle ----------------------------------------------------------------------

    def bind(self) -> dict[str, int]:
        """Open every component's listening socket (ephemeral ports); returns the port of each."""
        if not self._servers:
            for comp in self.scenario.components:
                server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self, comp.id))
                server.daemon_threads = True
                self._servers.append(server)
                self.ports[comp.id] = server.server_address[1]
        return dict(self.ports)

    def start(self) -> dict[str, int]:
        """Serve every component and start the flow threads; returns the port of each."""
        self.bind()
        self.started = self.clock() if self._fixed_start is None else self._fixed_start
        self.flow_dir.mkdir(parents=True, exist_ok=True)
        for server, comp in zip(self._servers, self.scenario.components, strict=True):
            # A short poll interval so that stopping nine servers takes no noticeable time.
            self._spawn(functools.partial(server.serve_forever, poll_interval=0.05), f"simsi-{comp.id}")
        self._spawn(self._feed_flows, "simsi-flows-in")
        self._spawn(self._consume_flows, "simsi-flows-out")
        return dict(self.ports)

    def stop(self) -> None:
        """Stop the servers and threads and wait for them."""
        self._stop.set()
        serving = bool(self._threads)
        for server in self._servers:
            if serving:
                server.shutdown()
            server.server_close()
        for thread in self._threads:
            thread.join(timeout=5)
        self._servers.clear()
        self._threads.clear()

    def __enter__(self) -> SimulatedSI:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _spawn(self, target: Callable[[], None], name: str) -> None:
        thread = threading.Thread(target=target, name=name, daemon=True)
        thread.start()
        self._threads.append(thread)

    # --- the exchange system's flows ------------------------------------------------------

    def _feed_flows(self) -> None:
        """Drop flow files at the month's rate, modulated by the day's load (Poisson arrivals)."""
        rng = self.scenario.rng("flows")
        mean_load = sum(self.scenario.hourly_load) / 24
        tmp = self.flow_dir.parent / f".{self.flow_dir.name}.tmp"
        tmp.mkdir(parents=True, exist_ok=True)
        while not self._stop.is_set():
            now = self.clock()
            rate = flow_rate(self.scenario, self.flow_month(now)) * self.load(now) / mean_load
            if self._stop.wait(min(60.0, rng.expovariate(rate)) if rate > 0 else 1.0):
                return
            self.flows_received += 1
            name = f"FLUX_{self.flows_received:07d}_{rng.choice(PARTNERS)}.xml"
            staged = tmp / name
            staged.write_text(f'<flux numero="{self.flows_received}"/>\n', encoding="utf-8")
            # Renamed into place so the probe never counts a half-written file.
            os.replace(staged, self.flow_dir / name)

    def _consume_flows(self) -> None:
        """Consume files older than the processing delay, no faster than the nominal capacity."""
        per_second = self.scenario.flow_capacity_per_month / (30 * 86400)
        burst = max(1.0, per_second)  # at most one second's worth at once
        allowance, last = 1.0, self.clock()
        while not self._stop.wait(0.5):
            now = self.clock()
            allowance = min(burst, allowance + (now - last) * per_second)
            last = now
            for path in sorted(self.flow_dir.iterdir(), key=lambda p: p.name):
                if allowance < 1.0:
                    break
                try:
                    if now - path.stat().st_mtime < self.scenario.flow_processing:
                        break
                    path.unlink()
                except FileNotFoundError:
                    continue
                allowance -= 1.0
                self.flows_consumed += 1

    def backlog(self) -> int:
        """Flow files waiting in the drop directory."""
        return sum(1 for _ in self.flow_dir.iterdir())


def _handler(si: SimulatedSI, component: str) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = f"simsi-{component}"

        def do_GET(self) -> None:
            now = si.clock()
            if si.unreachable(component, self.headers.get("X-Vigie-Agent"), now):
                self.close_connection = True  # that site's network: no answer at all
                return
            if self.path == "/health":
                answer = si.answer(component, now, si.draw(component))
                time.sleep(answer.latency)
                body: dict[str, object] = {"status": answer.status, "component": component}
                if answer.detail:
                    body["detail"] = answer.detail
                self._send(answer.code, body)
            elif self.path == "/api/stats" and component == API_COMPONENT:
                self._send(200, {"calls_total": si.calls_total(now), "since": si.started})
            else:
                self._send(404, {"status": "not found"})

        def _send(self, code: int, body: dict[str, object]) -> None:
            data = json.dumps(body).encode()
            # A probe that timed out has gone: nothing to tell it, nothing to print.
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        def log_message(self, format: str, *args: object) -> None:
            """Quiet: the demo's console is the place to watch, not stderr."""

    return Handler
