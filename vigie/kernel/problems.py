"""Problems in what users hand Vigie (config, catalog, history, tickets): located, collected, raised once.

A problem is printed as ``file:line: key: message``; readers record every problem they
find and raise a single :class:`ConfigError` holding all of them, which the CLI prints one
line each (exit 2). The messages every reader shares (unknown names with a did-you-mean, a
value not among its choices, a number out of range) are built here, so a TOML key and a
CSV cell that are wrong the same way are told the same way.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

#: The largest magnitude a number read from a user's file may have unless its reader says
#: otherwise: beyond it a value is a typo or an overflow (floats stop counting units exactly
#: a little above, at 2**53), and it still fits SQLite's 64-bit integers.
LARGEST = 1e15

#: Characters that end a line for ``str.splitlines`` or move the cursor: a value quoted in a
#: problem is shown with these escaped, so a damaged file's problem stays one line.
_LINE_BREAKING = re.compile("[\x00-\x1f\x7f\x85\u2028\u2029]")


def _escaped(match: re.Match[str]) -> str:
    return repr(match.group())[1:-1]


@dataclass(frozen=True)
class Problem:
    """One thing wrong in an input file, located for a human."""

    file: str
    line: int | None
    key: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        text = f"{where}: {self.key}: {self.message}" if self.key else f"{where}: {self.message}"
        return _LINE_BREAKING.sub(_escaped, text)


class ConfigError(Exception):
    """Raised once with every problem found; the CLI prints one line per problem, exit 2."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


def suggestion(name: str, known: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` for the known name closest to ``name`` (case aside), or ``""``."""
    lowered = {k.lower(): k for k in known}
    close = difflib.get_close_matches(name.lower(), list(lowered), n=1, cutoff=0.6)
    return f" (did you mean '{lowered[close[0]]}'?)" if close else ""


def did_you_mean(name: str, known: Iterable[str], what: str = "key") -> str:
    """``unknown key (did you mean 'x'?)`` when a known name is close, else ``unknown key``."""
    return f"unknown {what}{suggestion(name, known)}"


def unknown(what: str, value: str, known: Iterable[str]) -> str:
    """``unknown component 'x' (did you mean 'y'?)``: a reference to something not defined."""
    return f"unknown {what} '{value}'{suggestion(value, known)}"


def not_one_of(value: str, choices: Sequence[str]) -> str:
    """``'x' is not one of: a, b, c``, with a did-you-mean."""
    return f"'{value}' is not one of: {', '.join(choices)}{suggestion(value, choices)}"


def type_name(value: object) -> str:
    """How a parsed value's type is named in messages: ``a string``, ``an integer``..."""
    return {
        str: "a string",
        int: "an integer",
        float: "a number",
        bool: "a boolean",
        list: "an array",
        dict: "a table",
    }.get(type(value), type(value).__name__)


def show(value: float) -> str:
    """A number as messages write it: ``12``, ``0.5``, ``1e+20``."""
    return f"{value:.15g}"


def range_problem(
    value: float,
    minimum: float | None = None,
    maximum: float | None = None,
    *,
    exclusive_minimum: bool = False,
) -> str | None:
    """What is wrong with a number against its bounds, or None.

    Every number must be finite and within ±:data:`LARGEST`; ``minimum`` and ``maximum``
    narrow that. The message names the bounds given (and the default one that was crossed).
    """
    if not math.isfinite(value):
        return f"{show(value)} is not a finite number"
    low = -LARGEST if minimum is None else minimum
    high = LARGEST if maximum is None else maximum
    if (value > low if exclusive_minimum else value >= low) and value <= high:
        return None
    bounds = []
    if minimum is not None or value < low:
        bounds.append(f"> {show(low)}" if exclusive_minimum else f">= {show(low)}")
    if maximum is not None or value > high:
        bounds.append(f"<= {show(high)}")
    return f"{show(value)} is out of range (must be {' and '.join(bounds)})"
