"""The scheduler: every probe on its own interval, a bounded worker pool, batched writes.

- Each probe first fires at a random offset within its interval (so probes sharing an
  interval spread out), then every interval after its own previous due time.
- Checks run on a thread pool of ``workers``; a probe still running when it falls due
  again is skipped, never queued twice, so a hanging target holds one worker at most and
  never delays the other probes' schedule.
- A check that raises is a ``down`` result naming the exception.
- Results inside a maintenance window become ``maintenance`` (the detail keeps what the
  probe saw); results are written in one transaction per ``flush_interval``, so killing
  the daemon loses at most the batch being gathered.
"""

from __future__ import annotations

import heapq
import json
import logging
import queue
import random
import sqlite3
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace

from vigie.probes.checks.base import Check, Outcome, over_latency, run_safely
from vigie.probes.config import ProbeConfig, ProbesConfig
from vigie.probes.maintenance import active_window
from vigie.probes.results import ProbeResult, Status
from vigie.probes.store import Store

log = logging.getLogger("vigie.scheduler")

# Results kept in memory while the database refuses writes, before they are dropped.
MAX_PENDING = 100_000


@dataclass(frozen=True)
class Measured:
    """A stored result with what did not fit in the store: phase timings, certificate, lag."""

    result: ProbeResult
    outcome: Outcome
    lag: float


Listener = Callable[[list[Measured]], None]


class Scheduler:
    """Runs probes on their intervals and writes their results to the store in batches."""

    def __init__(
        self,
        config: ProbesConfig,
        store: Store,
        checks: dict[str, Check],
        *,
        listeners: list[Listener] | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.config = config
        self.store = store
        self.checks = checks
        self.listeners = listeners or []
        self.rng = rng or random.Random()
        self.stored = 0
        self.skipped = 0
        self._thresholds = {c.id: c.latency_threshold for c in config.components}
        self._done: queue.Queue[Measured] = queue.Queue()
        self._pool = ThreadPoolExecutor(
            max_workers=config.scheduler.workers, thread_name_prefix="vigie-probe"
        )

    def measure(self, probe: ProbeConfig, due: float) -> Measured:
        """Run one probe now; never raises."""
        started = time.time()
        check = self.checks[probe.id]
        result, outcome = run_safely(
            probe, lambda: over_latency(probe, self._thresholds.get(probe.component), check())
        )
        window = active_window(self.config.maintenance, probe.component, result.ts, self.config.timezone)
        if window is not None:
            reason = window.reason or window.id
            result = replace(
                result, status=Status.MAINTENANCE, detail=f"maintenance ({reason}): {result.detail}"
            )
        return Measured(result, outcome, max(0.0, started - due))

    def _submit(self, probe: ProbeConfig, due: float) -> None:
        def work() -> None:
            self._done.put(self.measure(probe, due))

        self._pool.submit(work)

    def run_once(self) -> list[Measured]:
        """Run every probe once, concurrently; store and return the results."""
        now = time.time()
        futures = [self._pool.submit(self.measure, probe, now) for probe in self.config.probes]
        measured = [f.result() for f in futures]
        self._flush(measured)
        return measured

    def run(self, stop: threading.Event, until: float | None = None) -> None:
        """Run until ``stop`` is set (or the wall clock passes ``until``); flush on the way out."""
        start = time.time()
        heap = [
            (start + self.rng.uniform(0, probe.interval), index)
            for index, probe in enumerate(self.config.probes)
        ]
        heapq.heapify(heap)
        running: set[str] = set()
        pending: list[Measured] = []
        flush_every = self.config.scheduler.flush_interval
        next_flush = start + flush_every
        try:
            while not stop.is_set() and (until is None or time.time() < until):
                now = time.time()
                while heap and heap[0][0] <= now:
                    due, index = heapq.heappop(heap)
                    probe = self.config.probes[index]
                    if probe.id in running:
                        self.skipped += 1
                    else:
                        running.add(probe.id)
                        self._submit(probe, due)
                    following = due + probe.interval
                    heapq.heappush(heap, (following if following > now else now + probe.interval, index))
                wake = min(heap[0][0] if heap else now + flush_every, next_flush)
                if until is not None:
                    wake = min(wake, until)
                self._collect(pending, running, max(0.0, min(wake - now, 0.5)))
                if time.time() >= next_flush:
                    if self._flush(pending):
                        pending = []
                    next_flush = time.time() + flush_every
        finally:
            self._collect(pending, running, 0.0)
            self._flush(pending)

    def _collect(self, pending: list[Measured], running: set[str], wait: float) -> None:
        try:
            item = self._done.get(timeout=wait) if wait > 0 else self._done.get_nowait()
        except queue.Empty:
            return
        while True:
            pending.append(item)
            running.discard(item.result.probe)
            try:
                item = self._done.get_nowait()
            except queue.Empty:
                return

    def _flush(self, batch: list[Measured]) -> bool:
        """Write a batch; False (batch kept for the next try) when the database refuses it."""
        if not batch:
            return True
        try:
            self.store.append(m.result for m in batch)
        except sqlite3.OperationalError as exc:  # locked too long, disk full: try again later
            log.error(json.dumps({"event": "store_failed", "rows": len(batch), "reason": str(exc)}))
            return len(batch) > MAX_PENDING
        self.stored += len(batch)
        log.debug(json.dumps({"event": "batch", "rows": len(batch), "total": self.stored}))
        for listener in self.listeners:
            try:
                listener(batch)
            except Exception:  # a listener's bug must not stop measurements being stored
                log.exception("listener failed")
        return True

    def close(self) -> None:
        """Stop the workers without waiting for checks still running (they have timeouts)."""
        self._pool.shutdown(wait=False, cancel_futures=True)
