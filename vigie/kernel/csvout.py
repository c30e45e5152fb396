"""Writing CSV files: the one writer every CSV Vigie produces goes through (reports, catalog
exports, the demo's history), so no cell can be run as a spreadsheet formula.

A text cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return (OWASP's
rule for CSV injection) is written with a leading ``'``, which spreadsheets show as text;
a plain number such as ``-3600`` or ``-1.5e3`` stays a number. :func:`unescape` reverses
it and the kernel's CSV reader applies it, so a file Vigie writes reads back as it was
(a cell that already starts with quotes before such a character gets one more).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from typing import Any, TextIO

# A cell starting with one of these may need escaping (the quote: a cell escaped already).
_FIRST = frozenset("=+-@\t\r'")
_ESCAPED = re.compile(r"'*[=+\-@\t\r]")
_QUOTED = re.compile(r"'+[=+\-@\t\r]")
_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")


def escape(value: Any) -> Any:
    """A cell as written: a text that a spreadsheet would take for a formula gets a leading ``'``."""
    if (
        value.__class__ is str
        and value[:1] in _FIRST
        and _ESCAPED.match(value)
        and not _NUMBER.fullmatch(value)
    ):
        return "'" + value
    return value


def unescape(text: str) -> str:
    """A cell as read: the ``'`` :func:`escape` added is taken off."""
    if text[:1] == "'" and _QUOTED.match(text) and not _NUMBER.fullmatch(text[1:]):
        return text[1:]
    return text


class Writer:
    """:func:`csv.writer` with every cell escaped (see the module's docstring)."""

    def __init__(self, out: TextIO, **options: Any) -> None:
        self._writer = csv.writer(out, lineterminator="\n", **options)

    def writerow(self, row: Iterable[Any]) -> None:
        """Write one row."""
        self._writer.writerow([escape(cell) for cell in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        """Write rows."""
        for row in rows:
            self.writerow(row)


def writer(out: TextIO, **options: Any) -> Writer:
    """A CSV writer on ``out`` (``\\n`` line ends; ``options`` as for :func:`csv.writer`)."""
    return Writer(out, **options)
