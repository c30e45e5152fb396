"""The scheduler: every probe on its own interval, bounded concurrency, batched writes.

- One event loop dispatches every probe from a single heap. Each probe first fires at a random offset
  within its interval (so probes sharing an interval spread out), then every interval
  after its own previous due time.
- HTTP and TCP checks are coroutines on the loop, at most ``concurrency`` in flight; the
  blocking kinds run on ``workers`` threads. A probe still running when it falls due
  again is skipped, never started twice, so a hanging target holds one slot at most and
  never delays the other probes' schedule.
- A check that raises, or overruns its timeout, is a ``down`` result naming why.
- Results inside a maintenance window become ``maintenance`` (the detail keeps what the
  probe saw). Results are written in one transaction per ``flush_interval`` on a writer
  thread, so killing the daemon loses at most the batch being gathered.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import json
import logging
import math
import random
import signal
import socket
import sqlite3
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import Protocol

from vigie.accounting.results import ProbeResult, Status
from vigie.accounting.schedules import active_window
from vigie.probes.checks.base import AsyncCheck, Check, Outcome, over_latency, run_safely
from vigie.probes.config import ProbeConfig, ProbesConfig
from vigie.probes.store import Store

log = logging.getLogger("vigie.scheduler")

# Results kept in memory while the database refuses writes, before they are dropped.
MAX_PENDING = 100_000

TICK = 1.0
"""Seconds between two instants probes may start at (their first run's offset is a multiple),
at most a tenth of the probe's interval: probes of a short interval still spread out, and a
target serving several probes does not get them all at the same instant."""

BURST = 32
"""About how many probes start at one instant at most: at high rates the grid is finer (the
checks share wake-ups anyway), so the last of a burst does not start late (p99 lag)."""

POLL = 0.1
"""Seconds between two looks at the stop flag when no signal can wake the loop (not the main thread)."""


@dataclass(frozen=True)
class Measured:
    """A stored result with what did not fit in the store: phase timings, certificate, lag."""

    result: ProbeResult
    outcome: Outcome
    lag: float


Listener = Callable[[list[Measured]], None]


class StopFlag(Protocol):
    """What tells :meth:`Scheduler.run` to return (a :class:`threading.Event`, or several)."""

    def is_set(self) -> bool: ...


class Scheduler:
    """Runs probes on their intervals and writes their results to the store in batches
    (``store`` None: it only measures, :meth:`measure_all`)."""

    def __init__(
        self,
        config: ProbesConfig,
        store: Store | None,
        checks: dict[str, Check | AsyncCheck],
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
        self._workers = ThreadPoolExecutor(
            max_workers=config.scheduler.workers, thread_name_prefix="vigie-probe"
        )
        # One writer thread: the store's connection is only ever used by one thread at a time.
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="vigie-writer")

    async def measure(self, probe: ProbeConfig, due: float) -> Measured:
        """Run one probe now; never raises."""
        started = time.time()
        result, outcome = await run_safely(probe, self.checks[probe.id], self._workers)
        status = over_latency(probe, self._thresholds.get(probe.component), outcome).status
        window = active_window(self.config.maintenance, probe.component, result.ts, self.config.timezone)
        if window is not None:
            reason = window.reason or window.id
            result = replace(
                result, status=Status.MAINTENANCE, detail=f"maintenance ({reason}): {outcome.detail}"
            )
        elif status is not result.status:
            result = replace(result, status=status, detail=outcome.detail)
        return Measured(result, outcome, max(0.0, started - due))

    def run_once(self, notify: bool = True) -> list[Measured]:
        """Run every probe once, concurrently; store and return the results.

        ``notify`` False stores without calling the listeners (no state, no alerts).
        """
        measured = self.measure_all()
        self._flush(measured, notify)
        return measured

    def measure_all(self) -> list[Measured]:
        """Run every probe once, concurrently; the results, stored nowhere (a dry run)."""

        async def everything() -> list[Measured]:
            limit = asyncio.Semaphore(self.config.scheduler.concurrency)

            async def one(probe: ProbeConfig) -> Measured:
                async with limit:
                    return await self.measure(probe, time.time())

            return list(await asyncio.gather(*(one(p) for p in self.config.probes)))

        return asyncio.run(everything())

    def run(self, stop: StopFlag, until: float | None = None) -> None:
        """Run until ``stop`` is set (or the wall clock passes ``until``); flush on the way out."""
        asyncio.run(self._main(stop, until))

    async def _main(self, stop: StopFlag, until: float | None) -> None:
        # One timer drives everything: the probes due, the flushes, the stop. At low rates a
        # wake-up of the process costs more than the check it starts (bench/probes.py), so
        # the loop sleeps until the next thing to do, and signals wake it (no polling).
        loop = asyncio.get_running_loop()
        pending: list[Measured] = []
        running: set[str] = set()
        in_flight: set[asyncio.Task[None]] = set()
        limit = asyncio.Semaphore(self.config.scheduler.concurrency)
        flusher: asyncio.Task[None] | None = None
        sleeping: list[asyncio.Future[None]] = []

        async def work(probe: ProbeConfig, due: float) -> None:
            try:
                async with limit:
                    pending.append(await self.measure(probe, due))
            finally:
                running.discard(probe.id)

        async def flush(batch: list[Measured]) -> None:
            if not await loop.run_in_executor(self._writer, self._flush, batch):
                pending[:0] = batch

        def wake() -> None:
            for waiter in sleeping:
                if not waiter.done():
                    waiter.set_result(None)

        undo = _wake_on_signals(loop, wake)
        # Off the main thread no signal can wake the loop: a flag set by another thread is
        # looked at this often.
        poll = POLL if undo is None else math.inf
        # One heap of (due, index) rather than a timer per probe: at 10,000 probes the
        # event loop's own timer heap (Python-level comparisons) costs more than the checks.
        start = time.time()
        rate = sum(1 / p.interval for p in self.config.probes)
        grid = min(TICK, BURST / rate) if rate else TICK
        heap = [(start + self._offset(p.interval, grid), i) for i, p in enumerate(self.config.probes)]
        heapq.heapify(heap)
        flush_every = self.config.scheduler.flush_interval
        next_flush = start + flush_every
        end = math.inf if until is None else until
        try:
            while not stop.is_set():
                now = time.time()
                if now >= end:
                    break
                while heap and heap[0][0] <= now:
                    due, index = heap[0]
                    probe = self.config.probes[index]
                    if probe.id in running:
                        self.skipped += 1
                    else:
                        running.add(probe.id)
                        task = asyncio.create_task(work(probe, due))
                        in_flight.add(task)
                        task.add_done_callback(in_flight.discard)
                    # Fell behind (machine asleep, loop starved): skip rounds, do not burst.
                    heapq.heapreplace(heap, (_after(due, probe.interval, now), index))
                if now >= next_flush:
                    if pending and (flusher is None or flusher.done()):
                        batch, pending[:] = list(pending), []
                        flusher = asyncio.create_task(flush(batch))
                    next_flush = _after(next_flush, flush_every, now)
                wake_at = min(heap[0][0] if heap else math.inf, next_flush, end)
                waiter: asyncio.Future[None] = loop.create_future()
                timer = loop.call_later(min(poll, max(0.0, wake_at - time.time())), wake)
                sleeping[:] = [waiter]
                try:
                    await waiter
                finally:
                    timer.cancel()
        finally:
            if undo is not None:
                undo()
            for task in in_flight:
                task.cancel()
            await asyncio.gather(*in_flight, return_exceptions=True)
            if flusher is not None:
                await flusher
            await loop.run_in_executor(self._writer, self._flush, list(pending))

    def _offset(self, interval: float, grid: float) -> float:
        """A probe's first run after the start: random within its interval, on a grid of
        ``grid`` seconds so that the probes due at the same instant share one wake-up."""
        tick = min(grid, interval / 10)
        return math.floor(self.rng.uniform(0, interval) / tick) * tick

    def _flush(self, batch: list[Measured], notify: bool = True) -> bool:
        """Write a batch; False (batch kept for the next try) when the database refuses it."""
        if not batch:
            return True
        assert self.store is not None, "a scheduler without a store only measures"
        try:
            self.store.append(m.result for m in batch)
        except sqlite3.OperationalError as exc:  # locked too long, disk full: try again later
            log.error(json.dumps({"event": "store_failed", "rows": len(batch), "reason": str(exc)}))
            return len(batch) > MAX_PENDING
        self.stored += len(batch)
        # ``skipped``: runs not started because the probe's previous run was still going.
        if log.isEnabledFor(logging.DEBUG):  # the line is built only when -v asks for it
            log.debug(
                json.dumps(
                    {"event": "batch", "rows": len(batch), "total": self.stored, "skipped": self.skipped}
                )
            )
        for listener in self.listeners if notify else ():
            try:
                listener(batch)
            except Exception:  # a listener's bug must not stop measurements being stored
                log.exception("listener failed")
        return True

    def close(self) -> None:
        """Stop the worker threads without waiting for blocking checks still running."""
        self._workers.shutdown(wait=False, cancel_futures=True)
        self._writer.shutdown(wait=True)


def _after(due: float, interval: float, now: float) -> float:
    """The first of ``due + k * interval`` (k >= 1) later than ``now``: the grid kept."""
    following = due + interval
    if following > now:
        return following
    return following + (math.floor((now - following) / interval) + 1) * interval


def _wake_on_signals(loop: asyncio.AbstractEventLoop, wake: Callable[[], None]) -> Callable[[], None] | None:
    """Call ``wake`` on the loop whenever a signal arrives (after its Python handler, which
    sets the stop or reload flag, has run); the function undoing it. None off the main
    thread, where Python delivers no signal."""
    if threading.current_thread() is not threading.main_thread():
        return None
    reader, writer = socket.socketpair()
    reader.setblocking(False)
    writer.setblocking(False)
    previous = signal.set_wakeup_fd(writer.fileno(), warn_on_full_buffer=False)

    def readable() -> None:
        with contextlib.suppress(OSError):
            reader.recv(512)
        wake()

    loop.add_reader(reader.fileno(), readable)

    def undo() -> None:
        loop.remove_reader(reader.fileno())
        signal.set_wakeup_fd(previous)
        reader.close()
        writer.close()

    return undo
