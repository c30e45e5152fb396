"""Alerts on confirmed state changes and capacity overruns: a JSON log line and a webhook.

Kinds: ``down``, ``degraded``, ``maintenance``, ``recovery`` (back up), ``reminder``
(still down, every ``reminder_every``), ``flapping`` (too many changes in ``flap_window``:
further changes are held back), ``stable`` (flapping over: the state it settled in),
``capacity`` (throughput over nominal capacity, judged over a window with hysteresis:
:mod:`vigie.probes.capacity`) and ``capacity_ok``.
"""

from __future__ import annotations

import json
import logging
import queue
import threading
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

from vigie.accounting.results import ProbeResult, Status
from vigie.accounting.state import Transition
from vigie.kernel.durations import format_duration
from vigie.probes.capacity import CapacityWindow, Judgement
from vigie.probes.config import PERIODS, AlertsConfig, Capacity, Component
from vigie.probes.secrets import SecretError

log = logging.getLogger("vigie.alerts")


@dataclass(frozen=True)
class Alert:
    """One notice, as logged and posted (JSON)."""

    kind: str
    component: str
    state: str
    ts: float
    detail: str
    window_s: float | None = None
    rate_per_s: float | None = None

    def to_json(self) -> dict[str, Any]:
        """The JSON object posted to the webhook and written to the log (a capacity notice
        also has the window it was judged over and the rate over it)."""
        fields = asdict(self)
        for extra in ("window_s", "rate_per_s"):
            if fields[extra] is None:
                del fields[extra]
        return {"event": "alert", **fields}


class Alerter:
    """Decides which notices to send; not thread-safe (the scheduler's loop calls it)."""

    def __init__(
        self,
        config: AlertsConfig,
        components: tuple[Component, ...],
        emit: Callable[[Alert], None],
        intervals: Mapping[str, float] | None = None,
    ) -> None:
        # Each component's capacity window; throughput probes' intervals (the time a reading
        # stands for): set with the rest of the configuration by reconfigure.
        self._capacity: dict[str, CapacityWindow] = {}
        self._changes: dict[str, deque[float]] = {}
        self._flapping: set[str] = set()
        self._state: dict[str, Status] = {}
        self._detail: dict[str, str] = {}
        self._last_notice: dict[str, float] = {}
        self.reconfigure(config, components, emit, intervals)

    def reconfigure(
        self,
        config: AlertsConfig,
        components: tuple[Component, ...],
        emit: Callable[[Alert], None],
        intervals: Mapping[str, float] | None = None,
    ) -> None:
        """Take a configuration (at start, or reloaded): the states and notices so far are
        kept for the components that remain (a reload is no news); a capacity window is
        kept unless the capacity changed."""
        self.config = config
        self._components = {c.id: c for c in components}
        self._emit = emit
        self._intervals = dict(intervals or {})
        kept = self._capacity
        self._capacity = {
            c.id: kept[c.id]
            if c.id in kept
            and kept[c.id].capacity == c.capacity
            and kept[c.id].clear == config.capacity_clear
            else CapacityWindow(c.capacity, config.capacity_clear)
            for c in components
            if c.capacity is not None
        }
        for table in (self._state, self._detail, self._last_notice, self._changes):
            for cid in [k for k in table if k not in self._components]:
                del table[cid]
        for c in components:
            self._changes.setdefault(c.id, deque())
        self._flapping &= set(self._components)

    def on_transition(self, change: Transition) -> None:
        """A confirmed state change; may notify, or be held back while flapping.

        Time without data (``unknown``) is not news by itself: what counts is the state
        before and after it, so a component down, then unheard of, then up, recovers.
        """
        cid = change.component
        if change.new is Status.UNKNOWN:
            return
        before = self._state.get(cid, Status.UNKNOWN)
        self._state[cid], self._detail[cid] = change.new, change.detail
        if change.new is before or (before is Status.UNKNOWN and change.new is Status.UP):
            return  # the daemon starting, or the same state after a gap, is not news
        changes = self._changes.setdefault(cid, deque())
        changes.append(change.ts)
        while changes and changes[0] < change.ts - self.config.flap_window:
            changes.popleft()
        if cid in self._flapping:
            return
        if self.config.flap_window > 0 and len(changes) >= self.config.flap_changes:
            self._flapping.add(cid)
            self._send(
                Alert("flapping", cid, str(change.new), change.ts, f"{len(changes)} changes; {change.detail}")
            )
            return
        kind = "recovery" if change.new is Status.UP else str(change.new)
        self._send(Alert(kind, cid, str(change.new), change.ts, change.detail))

    def on_throughput(self, result: ProbeResult) -> None:
        """A throughput reading: notify when the rate over the component's window goes over
        its capacity, and once it is back under the clearing share of it."""
        window = self._capacity.get(result.component)
        if not self.config.capacity or window is None or result.value is None:
            return
        interval = self._intervals.get(result.probe, DEFAULT_READING_S)
        judged = window.add(result.ts, result.value, interval)
        if judged is None:
            return
        kind, state = ("capacity", "over") if judged.over else ("capacity_ok", "within")
        detail = _capacity_detail(judged, window.capacity)
        self._send(
            Alert(kind, result.component, state, result.ts, detail, judged.window_s, judged.rate_per_s)
        )

    def tick(self, now: float) -> None:
        """Reminders while down, and the end of flapping once a component holds still."""
        for cid in list(self._flapping):
            changes = self._changes[cid]
            if not changes or changes[-1] < now - self.config.flap_window:
                self._flapping.discard(cid)
                changes.clear()
                self._send(Alert("stable", cid, str(self._state[cid]), now, self._detail.get(cid, "")))
        if self.config.reminder_every <= 0:
            return
        for cid, state in self._state.items():
            quiet_for = now - self._last_notice.get(cid, now)
            if state is Status.DOWN and cid not in self._flapping and quiet_for >= self.config.reminder_every:
                self._send(Alert("reminder", cid, "down", now, self._detail.get(cid, "")))

    def _send(self, alert: Alert) -> None:
        self._last_notice[alert.component] = alert.ts
        self._emit(alert)


DEFAULT_READING_S = 30.0
"""The time a throughput reading stands for when its probe's interval is not known."""


def _capacity_detail(judged: Judgement, capacity: Capacity) -> str:
    """``104.0% of nominal capacity over the last 1h: 52000 flux/month (capacity 50000 flux/month)``."""
    per = PERIODS[capacity.per]
    return (
        f"{judged.ratio:.1%} of nominal capacity over the last {format_duration(judged.window_s)}: "
        f"{judged.rate_per_s * per:.6g} {capacity.unit}/{capacity.per} "
        f"(capacity {capacity.value:g} {capacity.unit}/{capacity.per})"
    )


class Notifier:
    """Writes each alert as one JSON log line and posts it to the webhook, off the caller's thread.

    The webhook is retried ``retries`` times with exponential backoff; a failing webhook
    never blocks probing (alerts queue up, bounded, oldest dropped first). ``muted`` names
    the silence that mutes an alert, if any (the built-in notifier's): its log line says so
    and the webhook is not called.
    """

    def __init__(
        self,
        config: AlertsConfig,
        post: Callable[..., Any] | None = None,
        muted: Callable[[Alert], str | None] | None = None,
    ) -> None:
        self.config = config
        if post is None:
            # Imported by the notifier, not with the module: the console reads alerts
            # through this module and starts without requests (a tenth of a second).
            import requests

            post = requests.post
        self._post = post
        self._muted = muted
        self._queue: queue.Queue[dict[str, Any] | None] = queue.Queue(maxsize=1000)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        if config.webhook is not None:
            self._thread = threading.Thread(target=self._run, name="vigie-webhook", daemon=True)
            self._thread.start()

    def __call__(self, alert: Alert) -> None:
        """Log and queue one alert."""
        payload = alert.to_json()
        silence = self._muted(alert) if self._muted is not None else None
        log.warning(
            json.dumps({**payload, "silenced_by": silence} if silence else payload, ensure_ascii=False)
        )
        if self._thread is None or silence:
            return
        try:
            self._queue.put_nowait(payload)
        except queue.Full:
            self._queue.get_nowait()
            self._queue.put_nowait(payload)

    def close(self, wait: float = 5.0) -> None:
        """Stop after the queued alerts are sent (or ``wait`` seconds have passed)."""
        if self._thread is None:
            return
        self._queue.put(None)
        self._thread.join(wait)
        self._stop.set()
        self._thread.join(1.0)

    def _run(self) -> None:
        while True:
            payload = self._queue.get()
            if payload is None:
                return
            self._deliver(payload)

    def _deliver(self, payload: dict[str, Any]) -> bool:
        import requests

        assert self.config.webhook is not None
        attempts = self.config.retries + 1
        for attempt in range(1, attempts + 1):
            try:
                response = self._post(self.config.webhook.reveal(), json=payload, timeout=self.config.timeout)
                if 200 <= response.status_code < 300:
                    return True
                reason = f"HTTP {response.status_code}"
            except SecretError as exc:
                log.error(json.dumps({"event": "webhook_failed", "reason": str(exc)}))
                return False
            except requests.RequestException as exc:
                # The exception's text may hold the URL, which may hold a secret token.
                reason = type(exc).__name__
            log.error(
                json.dumps({"event": "webhook_failed", "attempt": attempt, "of": attempts, "reason": reason})
            )
            if attempt < attempts and self._stop.wait(self.config.backoff * 2 ** (attempt - 1)):
                return False
        return False
