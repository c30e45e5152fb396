"""Cells beyond words and figures (those are the kernel's Language): state symbols and
colours, bars, sparklines, threshold styles."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text

from vigie.accounting.results import Status

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
