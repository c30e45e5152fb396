"""Problems in what users hand Vigie (config, catalog, history, tickets): located, collected, raised once.

A problem is printed as ``file:line: key: message``; readers record every problem they
find and raise a single :class:`ConfigError` holding all of them, which the CLI prints one
line each (exit 2).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong in an input file, located for a human."""

    file: str
    line: int | None
    key: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.key}: {self.message}" if self.key else f"{where}: {self.message}"


class ConfigError(Exception):
    """Raised once with every problem found; the CLI prints one line per problem, exit 2."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


def did_you_mean(name: str, known: Iterable[str]) -> str:
    """``unknown key (did you mean 'x'?)`` when a known name is close, else ``unknown key``."""
    close = difflib.get_close_matches(name, list(known), n=1, cutoff=0.6)
    return f"unknown key (did you mean '{close[0]}'?)" if close else "unknown key"
