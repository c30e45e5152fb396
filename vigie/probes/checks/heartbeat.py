"""Push heartbeats: components POST to ``/push/<token>``; a silence too long is ``down``."""

from __future__ import annotations

import hmac
import threading
import time

from vigie.accounting.results import Status
from vigie.kernel.durations import format_duration
from vigie.probes.checks.base import Outcome
from vigie.probes.config import HeartbeatOptions, ProbeConfig
from vigie.probes.secrets import SecretError


class Heartbeats:
    """The beats received, by probe id; shared by the HTTP server and the checks."""

    def __init__(
        self, probes: tuple[ProbeConfig, ...] | list[ProbeConfig], started: float | None = None
    ) -> None:
        self._probes = [p for p in probes if isinstance(p.options, HeartbeatOptions)]
        self._last: dict[str, float] = {}
        self._lock = threading.Lock()
        self.started = time.time() if started is None else started

    def configure(self, probes: tuple[ProbeConfig, ...] | list[ProbeConfig]) -> None:
        """Take a reloaded configuration's heartbeat probes (beats already received are kept)."""
        known = [p for p in probes if isinstance(p.options, HeartbeatOptions)]
        with self._lock:
            self._probes = known
            ids = {p.id for p in known}
            self._last = {k: v for k, v in self._last.items() if k in ids}

    def accept(self, token: str, now: float | None = None) -> str | None:
        """Record a beat for the probe owning ``token``; returns its id, or None if unknown."""
        for probe in self._probes:
            try:
                expected = probe.options.token.reveal()
            except SecretError:
                continue
            if hmac.compare_digest(expected.encode(), token.encode()):
                with self._lock:
                    self._last[probe.id] = time.time() if now is None else now
                return probe.id
        return None

    def last(self, probe_id: str) -> float | None:
        """When the probe's component last beat (epoch seconds), or None."""
        with self._lock:
            return self._last.get(probe_id)


def check_heartbeat(probe: ProbeConfig, book: Heartbeats, now: float | None = None) -> Outcome:
    """``up`` while the last beat is recent enough, else ``down`` naming the silence."""
    options: HeartbeatOptions = probe.options
    now = time.time() if now is None else now
    limit = options.max_silence or 2 * probe.interval
    last = book.last(probe.id)
    if last is None:
        since = now - book.started
        if since <= limit:
            return Outcome(Status.UP, f"waiting for a first beat ({format_duration(since)} since start)")
        return Outcome(Status.DOWN, f"no heartbeat received in {format_duration(since)}")
    silence = max(0.0, now - last)
    if silence > limit:
        return Outcome(
            Status.DOWN, f"no heartbeat for {format_duration(silence)} (limit {format_duration(limit)})"
        )
    return Outcome(Status.UP, f"last beat {format_duration(silence)} ago")
