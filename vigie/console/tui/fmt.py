"""Turning figures into short cell texts: percentages, ages, durations, bars, sparklines."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text

from vigie.accounting.results import Status
from vigie.console import output

SPARK_BLOCKS = "▁▂▃▄▅▆▇█"

# Symbol and colour per state: the symbol keeps the column readable without colour.
STATE_SYMBOLS = {
    Status.UP: "✔",
    Status.DEGRADED: "▲",
    Status.DOWN: "✖",
    Status.MAINTENANCE: "◆",
    Status.UNKNOWN: "?",
}
STATE_STYLES = {
    Status.UP: "bold green",
    Status.DEGRADED: "bold yellow",
    Status.DOWN: "bold white on red",
    Status.MAINTENANCE: "bold cyan",
    Status.UNKNOWN: "bold magenta",
}
# Worst first: the order of rows in the availability table.
STATE_SEVERITY = {
    Status.DOWN: 0,
    Status.UNKNOWN: 1,
    Status.DEGRADED: 2,
    Status.MAINTENANCE: 3,
    Status.UP: 4,
}


def percent(ratio: float | None, language: str = "fr", digits: int = 3) -> str:
    """A ratio as a percentage floored to ``digits`` decimals (99,988 % in French)."""
    return "—" if ratio is None else output.percent(ratio, digits, language)


def number(value: float, language: str = "fr") -> str:
    """A count with thousands separators (narrow no-break space in French)."""
    text = f"{value:,.0f}"
    return text.replace(",", "\u202f") if language == "fr" else text


def duration(seconds: float | None, language: str = "fr") -> str:
    """A duration in the largest sensible units: ``45 s``, ``12 min``, ``3 h 05``, ``2 j 4 h``
    (``2 d 4 h`` in English)."""
    if seconds is None:
        return "—"
    seconds = max(0, int(seconds))
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min"
    if seconds < 86400:
        return f"{seconds // 3600} h {seconds % 3600 // 60:02d}"
    day = "j" if language == "fr" else "d"
    return f"{seconds // 86400} {day} {seconds % 86400 // 3600} h"


def latency(ms: float | None) -> str:
    """A latency: milliseconds under a second, seconds above."""
    if ms is None:
        return "—"
    return f"{ms:.0f} ms" if ms < 1000 else f"{ms / 1000:.1f} s"


def sparkline(values: Sequence[float | None], width: int = 20) -> str:
    """A sparkline of the last ``width`` values, scaled to their own maximum (gaps as spaces)."""
    tail = list(values)[-width:]
    known = [v for v in tail if v is not None]
    if not known:
        return ""
    top = max(known) or 1.0
    last = len(SPARK_BLOCKS) - 1
    return "".join(" " if v is None else SPARK_BLOCKS[min(last, int(v / top * last + 0.5))] for v in tail)


def bar(ratio: float | None, width: int = 12) -> str:
    """A text bar for a ratio (capped at one full bar; over 100 % ends with ``!``)."""
    if ratio is None:
        return " " * width
    filled = min(width, int(max(0.0, ratio) * width + 0.5))
    text = "█" * filled + "░" * (width - filled)
    return text[:-1] + "!" if ratio > 1 else text


def state_text(status: Status, label: str) -> Text:
    """The state cell: symbol and word, coloured."""
    return Text.styled(f"{STATE_SYMBOLS[status]} {label}", STATE_STYLES[status])


def ratio_style(value: float | None, target: float | None) -> str:
    """Green at or above the target, red below, dim when unknown."""
    if value is None or target is None:
        return "dim"
    if value >= target:
        return "green"
    return "red"


def budget_style(remaining_ratio: float | None) -> str:
    """Colour of an error budget by the share left."""
    if remaining_ratio is None:
        return "dim"
    if remaining_ratio <= 0:
        return "bold red"
    if remaining_ratio < 0.25:
        return "yellow"
    return "green"
