"""The probe daemon: one writer per store, scheduler, confirmed states, alerts, HTTP server.

Only one daemon may write to a store: an exclusive ``flock`` on ``<store>.lock`` (released
by the kernel if the process dies, so a killed daemon never leaves a stale lock).
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from prometheus_client.registry import Collector

from vigie.kernel.problems import ConfigError
from vigie.probes.alerts import Alert, Alerter, Notifier
from vigie.probes.checks.heartbeat import Heartbeats
from vigie.probes.checks.kinds import make_check
from vigie.probes.config import ProbesConfig, probe_intervals
from vigie.probes.exporter import VigieCollector, build_registry
from vigie.probes.flows.receiver import FlowRecorder
from vigie.probes.reloading import Changes, Either, applicable, changes
from vigie.probes.scheduler import Measured, Scheduler
from vigie.probes.server import ProbeServer
from vigie.probes.state import StateTracker
from vigie.probes.store import Store
from vigie.probes.storelock import ACQUIRE_PAUSE, ACQUIRE_TRIES, lock_path

if TYPE_CHECKING:
    from vigie.probes.oncall.service import OnCall
    from vigie.probes.tickets.incidents import IncidentTickets

log = logging.getLogger("vigie.daemon")

PRUNE_EVERY = 3600.0
"""Seconds between two applications of ``[store] retention`` by the daemon."""


class AlreadyRunning(Exception):
    """Another daemon holds the store's lock."""


class CannotListen(Exception):
    """The exporter's address is taken or not ours."""


class StoreLock:
    """An exclusive, non-blocking lock on ``<store>.lock`` holding the owner's pid (read by
    the console through :func:`vigie.probes.storelock.holder`)."""

    def __init__(self, store_path: Path) -> None:
        self.path = lock_path(store_path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        for attempt in range(ACQUIRE_TRIES):
            try:
                fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                # A console checking for a daemon holds the lock shared for an instant.
                if attempt + 1 < ACQUIRE_TRIES:
                    time.sleep(ACQUIRE_PAUSE)
                    continue
                owner = os.pread(self._fd, 32, 0).decode(errors="replace").strip() or "?"
                os.close(self._fd)
                raise AlreadyRunning(
                    f"another vigie run (pid {owner}) is already writing to {store_path}; stop it first"
                ) from None
        os.ftruncate(self._fd, 0)
        os.pwrite(self._fd, f"{os.getpid()}\n".encode(), 0)

    def release(self) -> None:
        """Release the lock (closing the file releases it)."""
        os.close(self._fd)


def dry_run(config: ProbesConfig) -> list[Measured]:
    """Run every probe once and return the results, without a store, a lock or alerts
    (`vigie run --once --dry-run`: safe next to a running daemon, on any directory)."""
    heartbeats = Heartbeats(config.probes)
    checks = {p.id: make_check(p, heartbeats) for p in config.probes}
    scheduler = Scheduler(config, None, checks)
    try:
        return scheduler.measure_all()
    finally:
        scheduler.close()


class Daemon:
    """Everything `vigie run` starts, wired together. Use as a context manager."""

    def __init__(
        self,
        config: ProbesConfig,
        store_path: Path,
        extra_collectors: tuple[Collector, ...] = (),
        oncall: OnCall | None = None,
        incident_tickets: IncidentTickets | None = None,
        flows: FlowRecorder | None = None,
    ) -> None:
        self.config = config
        # Alerts' delivery and acknowledgements, and the tickets of incidents (console-wired).
        self.oncall = oncall
        self.incident_tickets = incident_tickets
        # Flow events: POST /events (when it has a token) and the files file-flow probes see.
        self.flows = flows
        self._files: dict[str, set[tuple[str, float]]] = {}
        self.lock = StoreLock(store_path)
        try:
            # The store cuts each probe's timeline at gaps longer than twice its interval.
            self.store = Store.of_config(config, store_path)
        except BaseException:
            self.lock.release()
            raise
        self.heartbeats = Heartbeats(config.probes)
        self.tracker = StateTracker(config.components, config.probes, config.maintenance, config.timezone)
        self.notifier = Notifier(config.alerts, muted=None if oncall is None else oncall.muted_by)
        self.alerter = Alerter(
            config.alerts, config.components, self._emit, {p.id: p.interval for p in config.probes}
        )
        self.certs: dict[str, float] = {}
        # Called with each reloaded configuration (the extra collectors' owners follow it).
        self.on_reload: list[Callable[[ProbesConfig], None]] = []
        self._throughput = {p.id for p in config.probes if p.role == "throughput"}
        self._next_prune = 0.0  # retention runs with the first batch, then every hour
        checks = {p.id: make_check(p, self.heartbeats) for p in config.probes}
        self.scheduler = Scheduler(config, self.store, checks, listeners=[self._on_batch])
        self.collector = VigieCollector(config, store_path, self.tracker.states, lambda: dict(self.certs))
        self.server: ProbeServer | None = None
        if config.exporter.enabled:
            registry = build_registry(self.collector, extra_collectors)
            try:
                self.server = ProbeServer(
                    config.exporter.host,
                    config.exporter.port,
                    registry,
                    self.heartbeats,
                    flows if flows is not None and flows.token is not None else None,
                )
            except OSError as exc:
                self.close()
                raise CannotListen(
                    f"cannot listen on {config.exporter.host}:{config.exporter.port}: {exc.strerror or exc}"
                ) from None

    def _emit(self, alert: Alert) -> None:
        self.notifier(alert)
        if self.oncall is not None:
            self.oncall.notice(alert)

    def _on_batch(self, batch: list[Measured]) -> None:
        """After each batch is stored (writer thread): states, alerts, retention."""
        for item in sorted(batch, key=lambda m: m.result.ts):
            if item.outcome.cert_expiry is not None:
                self.certs[item.result.probe] = item.outcome.cert_expiry
            for change in self.tracker.update(item.result):
                self.alerter.on_transition(change)
                if self.incident_tickets is not None:
                    self.incident_tickets.on_transition(change)
            if item.result.probe in self._throughput:
                self.alerter.on_throughput(item.result)
            if self.flows is not None and item.outcome.files is not None:
                self._files_seen(item.result.probe, item.result.component, item.outcome.files)
        now = time.time()
        self.alerter.tick(now)
        if self.oncall is not None:
            self.oncall.certificates(self.certs)
        if now >= self._next_prune:
            self._next_prune = now + PRUNE_EVERY
            # The one writer applies [store] retention; rollups stay, so reports do not change.
            deleted = self.store.delete_before(now - self.config.store.retention)
            if deleted:
                log.info(json.dumps({"event": "retention", "deleted": deleted}))

    def _files_seen(self, probe: str, component: str, files: tuple[tuple[str, float], ...]) -> None:
        """``received`` events for the files a file-flow probe sees for the first time (a file
        seen again after a restart is stored once: the flow store keeps an event once)."""
        assert self.flows is not None
        now = set(files)
        new = now - self._files.get(probe, set())
        self._files[probe] = now
        comp = self.config.component(component)
        self.flows.files_seen(comp.application or comp.id, sorted(new, key=lambda f: (f[1], f[0])))

    def run(
        self,
        stop: threading.Event,
        duration: float | None = None,
        reload: threading.Event | None = None,
        load: Callable[[], ProbesConfig] | None = None,
    ) -> None:
        """Serve and probe until ``stop`` is set or ``duration`` seconds have passed; each
        time ``reload`` is set, read the configuration again with ``load`` (see
        :meth:`reload_from`)."""
        with self.store.snapshot():
            primed = self.tracker.resume(self.store, self.config, time.time())
        for change in primed:
            self.alerter.on_transition(change)
            if self.incident_tickets is not None:
                self.incident_tickets.on_transition(change)
        for worker in (self.oncall, self.incident_tickets):
            if worker is not None:
                worker.start()
        if self.server is not None:
            self.server.start()
        until = None if duration is None else time.time() + duration
        while True:
            self.scheduler.run(stop if reload is None else Either(stop, reload), until)
            if reload is None or load is None or stop.is_set() or not reload.is_set():
                return
            reload.clear()
            self.reload_from(load)

    def reload_from(self, load: Callable[[], ProbesConfig]) -> Changes | None:
        """Read the configuration again and apply it; a broken file is refused with its
        one-line error (logged) and the running configuration stays. None when refused."""
        try:
            config = load()
        except ConfigError as exc:
            problem = str(exc.problems[0]) if exc.problems else str(exc)
            log.error(json.dumps({"event": "reload_refused", "error": problem}, ensure_ascii=False))
            return None
        return self.reload(config)

    def reload(self, config: ProbesConfig) -> Changes:
        """Apply a new configuration between two rounds of the scheduler (see
        :mod:`vigie.probes.reloading`): probes, states, alerts and /metrics follow it."""
        found = changes(self.config, config)
        config = applicable(self.config, config)
        old = {p.id: p for p in self.config.probes}
        kept = self.scheduler.checks
        self.scheduler.close()
        alerts_changed = config.alerts != self.config.alerts
        self.config = config
        self.store.rollups.intervals = dict(probe_intervals(config))
        self.heartbeats.configure(config.probes)
        # Unchanged probes keep their check (and what it remembers: a counter's last reading).
        checks = {
            p.id: kept[p.id] if old.get(p.id) == p else make_check(p, self.heartbeats) for p in config.probes
        }
        self.scheduler = Scheduler(config, self.store, checks, listeners=[self._on_batch])
        self.tracker = StateTracker(config.components, config.probes, config.maintenance, config.timezone)
        with self.store.snapshot():
            primed = self.tracker.resume(self.store, config, time.time())
        if alerts_changed:
            self.notifier.close()
            self.notifier = Notifier(
                config.alerts, muted=None if self.oncall is None else self.oncall.muted_by
            )
        self.alerter.reconfigure(
            config.alerts, config.components, self._emit, {p.id: p.interval for p in config.probes}
        )
        for change in primed:
            self.alerter.on_transition(change)
        self._throughput = {p.id for p in config.probes if p.role == "throughput"}
        self.collector.config = config
        self.collector.states = self.tracker.states
        for hook in self.on_reload:
            hook(config)
        log.info(json.dumps({"event": "reloaded", **found.to_json()}, ensure_ascii=False))
        return found

    def once(self) -> list[Measured]:
        """Run every probe once and store the results (no alerts: one round is no state change)."""
        return self.scheduler.run_once(notify=False)

    def close(self) -> None:
        """Stop everything and release the store."""
        if self.server is not None:
            self.server.stop()
        self.scheduler.close()
        self.notifier.close()
        for worker in (self.oncall, self.incident_tickets):
            if worker is not None:
                worker.close()
        self.collector.close()
        if self.flows is not None:
            self.flows.close()
        self.store.close()
        self.lock.release()

    def __enter__(self) -> Daemon:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
