"""Throughput against nominal capacity, judged over a window rather than on one reading.

A burst (30 files dropped at once on a 50,000-a-month flow) is no overrun: a capacity is
a rate over a period, so the rate that counts is the volume of the last window divided by
the window's length. The window fits the capacity's period (:data:`DEFAULT_WINDOWS`: an
hour for per-day and per-month capacities) unless the component's capacity says its own
``window``. Going over is declared when that rate passes the capacity, and over again
only once it has come back under ``clear`` (90 % by default) of it: hysteresis, so a rate
hovering at the line does not notify at every reading.

Each throughput reading is a rate per second standing for the probe's last interval
(``[ts - interval, ts)``): a file-flow probe's arrivals in its interval, a counter's rate
since its previous reading. Until a window has been seen whole, the time before the first
reading counts as nothing arrived, so a daemon starting mid-burst does not cry wolf.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from vigie.probes.config import Capacity

DEFAULT_WINDOWS = {"second": 60.0, "minute": 300.0, "hour": 3600.0, "day": 3600.0, "month": 3600.0}
"""The window a capacity is judged over, by the period it is stated per."""

DEFAULT_CLEAR = 0.9
"""Back within capacity once the windowed rate is at most this share of it."""


def window_of(capacity: Capacity) -> float:
    """The window (seconds) the capacity is judged over."""
    return capacity.window if capacity.window is not None else DEFAULT_WINDOWS[capacity.per]


@dataclass(frozen=True)
class Judgement:
    """A change of verdict: over capacity (``over``) or back within it, with the figures."""

    over: bool
    rate_per_s: float
    ratio: float
    window_s: float


class CapacityWindow:
    """One component's throughput readings over a sliding window, and its verdict."""

    def __init__(self, capacity: Capacity, clear: float = DEFAULT_CLEAR) -> None:
        self.capacity = capacity
        self.window = window_of(capacity)
        self.clear = clear
        self.over = False
        self._readings: deque[tuple[float, float, float]] = deque()  # (start, end, rate per second)

    def add(self, ts: float, rate_per_s: float, interval: float) -> Judgement | None:
        """Account for a reading at ``ts`` standing for ``[ts - interval, ts)``; the verdict
        when it changes (None otherwise)."""
        self._readings.append((ts - interval, ts, rate_per_s))
        rate = self.rate(ts)
        limit = self.capacity.per_second
        ratio = rate / limit
        if not self.over and rate > limit:
            self.over = True
        elif self.over and rate <= self.clear * limit:
            self.over = False
        else:
            return None
        return Judgement(self.over, rate, ratio, self.window)

    def rate(self, now: float) -> float:
        """The volume of ``[now - window, now)`` over the window's length (per second)."""
        start = now - self.window
        readings = self._readings
        while readings and readings[0][1] <= start:
            readings.popleft()
        volume = sum(rate * max(0.0, min(end, now) - max(begin, start)) for begin, end, rate in readings)
        return volume / self.window
