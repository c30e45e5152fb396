"""Printing for the CLI: human tables (rich) by default, JSON for scripts."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Sequence
from typing import Any

from rich import box
from rich.console import Console
from rich.table import Table


def console() -> Console:
    """A rich console on stdout (plain text when not a terminal)."""
    # Piped output keeps full rows (no wrapping at 80 columns) for grep and mail.
    wide = None if sys.stdout.isatty() else 200
    return Console(highlight=False, soft_wrap=False, width=wide)


def print_json(data: Any) -> None:
    """Print data as indented JSON (UTF-8, French letters kept as they are)."""
    json.dump(data, sys.stdout, ensure_ascii=False, indent=2, default=str)
    sys.stdout.write("\n")


def print_table(
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    title: str | None = None,
    right: Sequence[int] = (),
    no_wrap: Sequence[int] = (),
) -> None:
    """Print a table; ``right`` lists the column indexes to right-align (numbers), ``no_wrap``
    those a narrow terminal must not fold or cut (dates, ids), so the text columns wrap instead.

    A table of more than :data:`PLAIN_ROWS` rows is written line by line in the same layout,
    unwrapped (see :func:`_plain_table`)."""
    cells = [["" if v is None else str(v) for v in row] for row in rows]
    if len(cells) > PLAIN_ROWS:
        _plain_table(columns, cells, title, right)
        return
    table = Table(title=title, title_justify="left", header_style="bold", box=box.SIMPLE_HEAD)
    for index, name in enumerate(columns):
        table.add_column(name, justify="right" if index in right else "left", no_wrap=index in no_wrap)
    for row in cells:
        table.add_row(*row)
    console().print(table)


PLAIN_ROWS = 1000
"""Above this many rows, rich's layout (it measures and wraps every cell: half a minute for the
70,000 applications a depth-3 impact reaches on a 100,000-application map) gives way to plain
lines, which nobody reads on a screen anyway: they are for grep and files."""


def _plain_table(
    columns: Sequence[str], cells: list[list[str]], title: str | None, right: Sequence[int]
) -> None:
    """rich's SIMPLE_HEAD layout (a blank edge, cells padded by one space, a rule under the
    header), written line by line with widths from the longest cell of each column."""
    by_column = zip(*cells, strict=True)
    widths = [max(len(name), *map(len, column)) for name, column in zip(columns, by_column, strict=True)]

    def line(row: Sequence[str]) -> str:
        parts = (
            cell.rjust(width) if index in right else cell.ljust(width)
            for index, (cell, width) in enumerate(zip(row, widths, strict=True))
        )
        return "  " + "   ".join(parts) + "  \n"

    inner = sum(widths) + 3 * len(widths) - 1
    out = sys.stdout
    if title:
        out.write(title.ljust(inner + 2) + "\n")
    out.write(" " * (inner + 2) + "\n")
    out.write(line(columns))
    out.write(" " + "─" * inner + " \n")
    out.writelines(map(line, cells))
    out.write(" " * (inner + 2) + "\n")
