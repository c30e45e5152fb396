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
    those a narrow terminal must not fold or cut (dates, ids), so the text columns wrap instead."""
    table = Table(title=title, title_justify="left", header_style="bold", box=box.SIMPLE_HEAD)
    for index, name in enumerate(columns):
        table.add_column(name, justify="right" if index in right else "left", no_wrap=index in no_wrap)
    for row in rows:
        table.add_row(*("" if v is None else str(v) for v in row))
    console().print(table)
