"""Running the demo: the simulated SI in this process, the probe daemon as a child process.

The daemon is the real `vigie run` on the demo's config (a child process, so it is the
store's one writer exactly as in production); stopping the demo stops it with SIGTERM
(it stores its last batch) and waits for it, so nothing is left behind. On Linux the
children also get SIGTERM when the demo dies without stopping them (SIGKILL, a crash):
``prctl(PR_SET_PDEATHSIG)`` set in the child before it runs `vigie run`.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import IO, Any, Self

import requests
from prometheus_client.parser import text_string_to_metric_families

from vigie.accounting.results import Status
from vigie.console.demo.simsi import SimulatedSI
from vigie.console.demo.workdir import Workdir
from vigie.console.errors import UserError
from vigie.console.measurements import open_store
from vigie.console.settings import Settings
from vigie.console.status.drafts import draft_for, open_communications, save_draft
from vigie.probes.state import stored_states
from vigie.reports import periods
from vigie.reports.sla import sla_report

READY_TIMEOUT = 120.0
STOP_TIMEOUT = 15.0
PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def stop_children(children: Sequence[subprocess.Popen[bytes]]) -> None:
    """SIGTERM to every child still running (they write their last batch), then wait for each,
    SIGKILL for one that hangs past :data:`STOP_TIMEOUT`."""
    for child in children:
        if child.poll() is None:
            child.terminate()
    for child in children:
        try:
            child.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


def die_with_parent() -> Callable[[], None] | None:
    """A ``preexec_fn`` that makes the child get SIGTERM when this process dies (Linux);
    None elsewhere, or when libc has no ``prctl`` (then stop() alone ends the children)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        prctl: Any = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    # Looked up here, in the parent: after fork the child only makes the call.
    parent = os.getpid()

    def preexec() -> None:
        prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
        if os.getppid() != parent:  # the parent died before the prctl call: too late for it
            os.kill(os.getpid(), signal.SIGTERM)

    return preexec


class Started:
    """A context manager over ``start()`` and ``stop()``: whatever a failed start left
    running is stopped too."""

    def start(self) -> object:
        """Start the parts (subclasses)."""
        raise NotImplementedError

    def stop(self) -> None:
        """Stop whatever runs (subclasses)."""
        raise NotImplementedError

    def __enter__(self) -> Self:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


class DemoRun(Started):
    """The simulated SI and the probe daemon, started and stopped together (a context manager)."""

    def __init__(self, workdir: Workdir, settings: Settings, si: SimulatedSI) -> None:
        self.workdir = workdir
        self.settings = settings
        self.si = si
        self.daemon: subprocess.Popen[bytes] | None = None
        self.status: subprocess.Popen[bytes] | None = None
        self.started = 0.0
        self._log: IO[bytes] | None = None
        self._drafter = Drafter(settings, {e.component for e in si.scenario.events if e.state == "down"})

    @property
    def metrics_url(self) -> str:
        """The daemon's /metrics on loopback."""
        exporter = self.settings.probes.exporter
        return f"http://{exporter.host}:{exporter.port}/metrics"

    @property
    def status_url(self) -> str:
        """The public status page on loopback."""
        status = self.settings.status
        return f"http://{status.host}:{status.port}/"

    def start(self) -> None:
        """Start the simulated SI, the daemon, the status page and the drafter; returns once
        /metrics and the status page answer."""
        self.started = time.time()
        self.si.start()
        self._log = self.workdir.daemon_log.open("ab")
        command = [sys.executable, "-m", "vigie", "run", "--config", str(self.workdir.config.resolve())]
        # One round first, so every component shows a state at once: the daemon then spreads
        # its probes' first checks over their interval. Exit 1 (a component down) is expected.
        once = subprocess.run(
            [*command, "--once"],
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            timeout=READY_TIMEOUT,
            check=False,
            preexec_fn=die_with_parent(),
        )
        if once.returncode not in (0, 1):
            raise UserError(f"the first round of probes failed: {self._last_log_line()}")
        self.daemon = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            preexec_fn=die_with_parent(),
        )
        exporter = self.settings.probes.exporter
        deadline = time.monotonic() + READY_TIMEOUT
        while time.monotonic() < deadline:
            if self.daemon.poll() is not None:
                raise UserError(f"the probe daemon stopped at start: {self._last_log_line()}")
            # Listening is enough: a scrape computes figures and can take seconds on a busy machine.
            with contextlib.suppress(OSError), socket.create_connection((exporter.host, exporter.port), 1):
                break
            time.sleep(0.2)
        else:
            raise UserError(
                f"the probe daemon did not answer on {self.metrics_url} (see {self.workdir.daemon_log})"
            )
        self._start_status(command[:3], deadline)
        self._drafter.start()

    def _start_status(self, vigie: list[str], deadline: float) -> None:
        """`vigie status serve` on the demo's config, as a child like the daemon."""
        config = str(self.workdir.config.resolve())
        self.status = subprocess.Popen(
            [*vigie, "status", "--config", config, "serve"],
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            preexec_fn=die_with_parent(),
        )
        status = self.settings.status
        while time.monotonic() < deadline:
            if self.status.poll() is not None:
                raise UserError(f"the status page stopped at start: {self._last_log_line()}")
            with contextlib.suppress(OSError), socket.create_connection((status.host, status.port), 1):
                return
            time.sleep(0.2)
        raise UserError(
            f"the status page did not answer on {self.status_url} (see {self.workdir.daemon_log})"
        )

    def _last_log_line(self) -> str:
        """The daemon's last words (e.g. another daemon already holds this store), with the log's path."""
        lines = self.workdir.daemon_log.read_text(encoding="utf-8", errors="replace").strip().splitlines()
        return f"{lines[-1] if lines else 'no output'} (see {self.workdir.daemon_log})"

    def stop(self) -> None:
        """Stop the drafter, the status page and the daemon (SIGTERM, then SIGKILL if one
        hangs) and the simulated SI."""
        self._drafter.stop()
        stop_children([c for c in (self.status, self.daemon) if c is not None])
        self.status = self.daemon = None
        if self._log is not None:
            self._log.close()
            self._log = None
        self.si.stop()


class Drafter:
    """Drafts an incident when one of the scenario's scripted outages is measured, as an
    operator would start one, so the console has something to publish (`i`, then `p`).

    It watches the store every few seconds (a reader, like the console) and writes one
    draft per outage, dated from the measured start; nothing is public until published.
    """

    EVERY = 5.0

    def __init__(self, settings: Settings, components: set[str]) -> None:
        self.settings = settings
        self.components = components & {c.id for c in settings.status.components}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Watch in a daemon thread."""
        if self.components:
            self._thread = threading.Thread(target=self._loop, daemon=True, name="demo-drafter")
            self._thread.start()

    def stop(self) -> None:
        """Stop watching."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(STOP_TIMEOUT)

    def _loop(self) -> None:
        while not self._stop.wait(self.EVERY):
            with contextlib.suppress(Exception):  # a busy store: the next round tries again
                self.draft_outages(time.time())

    def draft_outages(self, now: float) -> list[int]:
        """Draft an incident for each watched component down now and not yet communicated."""
        with open_store(self.settings) as store:
            states = stored_states(store, self.settings.probes, now)
        down = {
            c: s.since or now for c, s in states.items() if c in self.components and s.state is Status.DOWN
        }
        if not down:
            return []
        drafted = []
        with open_communications(self.settings) as comms:
            notices = comms.notices()
        for component, since in down.items():
            told = any(
                component in n.components and (n.resolved_at is None or n.resolved_at > since)
                for n in notices
            )
            if not told:
                drafted.append(save_draft(self.settings, draft_for(self.settings, component, since), now).id)
        return drafted


@dataclass
class ComponentLive:
    """One component during the run: results stored, last state, what /metrics says."""

    id: str
    name: str
    results: int
    status: str | None
    latency_ms: float | None
    metrics_up: float | None
    history_availability: float | None = None
    history_coverage: float | None = None


@dataclass
class Summary:
    """What a headless run saw."""

    seconds: float
    components: list[ComponentLive]
    metrics_ok: bool
    metrics_families: int
    flows_received: int
    flows_consumed: int
    flows_waiting: int
    api_calls: int
    history: dict[str, object] = field(default_factory=dict)

    @property
    def healthy(self) -> bool:
        """Every component has results and /metrics answered."""
        return self.metrics_ok and all(c.results > 0 for c in self.components)


def summarize(run: DemoRun, history: dict[str, object], year: int) -> Summary:
    """Read back what the run produced: the store (live results, and the history's SLA for
    ``year`` through the real accounting), the daemon's /metrics, the simulated SI."""
    now = time.time()
    settings = run.settings
    availability = {p.id: p.component for p in settings.probes.probes if p.role == "availability"}
    up: dict[str, float] = {}
    families = 0
    try:
        text = requests.get(run.metrics_url, timeout=60).text
        for family in text_string_to_metric_families(text):
            families += 1
            if family.name == "vigie_component_up":
                up.update({s.labels["component"]: s.value for s in family.samples})
        metrics_ok = families > 0
    except requests.RequestException:
        metrics_ok = False
    with open_store(settings) as store:
        yearly = {
            s.figures.component: s.figures
            for s in sla_report(store, settings.probes, periods.year(year, settings.timezone))
        }
        latest = {r.component: r for pid, r in store.latest().items() if pid in availability}
        components = [
            ComponentLive(
                id=c.id,
                name=c.name,
                results=sum(
                    1
                    for pid, comp in availability.items()
                    if comp == c.id
                    for _ in store.results(c.id, start=run.started, probe=pid)
                ),
                status=str(latest[c.id].status) if c.id in latest else None,
                latency_ms=latest[c.id].latency_ms if c.id in latest else None,
                metrics_up=up.get(c.id),
                history_availability=yearly[c.id].availability,
                history_coverage=yearly[c.id].coverage,
            )
            for c in settings.probes.components
        ]
    return Summary(
        seconds=now - run.started,
        components=components,
        metrics_ok=metrics_ok,
        metrics_families=families,
        flows_received=run.si.flows_received,
        flows_consumed=run.si.flows_consumed,
        flows_waiting=run.si.backlog(),
        api_calls=run.si.calls_total(now),
        history=history,
    )
