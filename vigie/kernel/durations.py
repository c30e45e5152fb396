"""Durations and times of day as users write them: ``30s``, ``1h30m``, ``08:30``."""

from __future__ import annotations

import re
from datetime import time

_DURATION_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h|d|w)")


def parse_duration(text: str) -> float:
    """Parse ``30s``, ``5m``, ``1h30m``, ``500ms``, ``2d`` into seconds."""
    compact = text.strip().replace(" ", "")
    if not compact or _DURATION.sub("", compact):
        raise ValueError(f"'{text}' is not a duration (use e.g. 30s, 5m, 1h30m, 2d)")
    return sum(float(n) * _DURATION_UNITS[u] for n, u in _DURATION.findall(compact))


def format_duration(seconds: float) -> str:
    """Render seconds compactly: ``1h30m``, ``45s``, ``2d``, ``16ms`` (whole milliseconds
    from one, one figure below: ``0.4ms``)."""
    if seconds < 1:
        ms = seconds * 1000
        if ms < 1:
            return f"{ms:.1g}ms"
        if round(ms) < 1000:
            return f"{round(ms)}ms"
    out = ""
    rest = round(seconds)
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        if rest >= size:
            out += f"{rest // size}{unit}"
            rest %= size
    return out or "0s"


def parse_clock(text: str) -> time:
    """Parse ``HH:MM``; ``24:00`` means the end of the day (returned as ``time.max``)."""
    match = re.fullmatch(r"(\d{1,2}):(\d{2})", text.strip())
    if not match:
        raise ValueError(f"'{text}' is not a time of day (use HH:MM)")
    hour, minute = int(match.group(1)), int(match.group(2))
    if (hour, minute) == (24, 0):
        return time.max
    if hour > 23 or minute > 59:
        raise ValueError(f"'{text}' is not a valid time of day")
    return time(hour, minute)
