"""A DataTable that filters, sorts and repaints only the cells that changed.

Tabs hand it complete rows on every refresh; it compares them with what is on screen
and touches only the differences, so an unchanged refresh repaints nothing.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual.widgets import DataTable
from textual.widgets.data_table import RowDoesNotExist

Cell = str | Text


@dataclass(frozen=True)
class Row:
    """One table row: its key, its cells, the raw values it sorts by, and its search text."""

    key: str
    cells: tuple[Cell, ...]
    sort_values: tuple[Any, ...]
    search: str = ""


def _sort_key(value: Any) -> tuple[int, Any]:
    # Unknown values (None) go last whatever the direction of the sort.
    return (1, 0) if value is None else (0, value)


class ConsoleTable(DataTable[Cell]):
    """A keyed, filterable, sortable table. The default order is the one rows are given in."""

    def __init__(self, columns: Sequence[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)
        self._column_specs = list(columns)
        self._rows: list[Row] = []
        self._shown: list[Row] = []
        self.filter_text = ""
        self.sort_column: int | None = None
        self.sort_reverse = False
        for key, label in self._column_specs:
            self.add_column(label, key=key)

    @property
    def column_labels(self) -> list[str]:
        """The column titles, in order."""
        return [label for _, label in self._column_specs]

    @property
    def shown_keys(self) -> list[str]:
        """Keys of the rows on screen, top to bottom."""
        return [row.key for row in self._shown]

    @property
    def selected_key(self) -> str | None:
        """Key of the row under the cursor."""
        if not self._shown or not 0 <= self.cursor_row < len(self._shown):
            return None
        return self._shown[self.cursor_row].key

    def set_rows(self, rows: Sequence[Row]) -> None:
        """Replace the data; the screen gets only the differences."""
        self._rows = list(rows)
        self._show()

    def set_filter(self, text: str) -> None:
        """Keep only rows whose text contains ``text`` (case-insensitive)."""
        self.filter_text = text
        self._show()

    def cycle_sort(self) -> None:
        """Sort by the next column; after the last one, back to the default order."""
        if self.sort_column is None:
            self.sort_column = 0
        elif self.sort_column + 1 < len(self._column_specs):
            self.sort_column += 1
        else:
            self.sort_column = None
        self._show()

    def toggle_reverse(self) -> None:
        """Reverse the current order."""
        self.sort_reverse = not self.sort_reverse
        self._show()

    def _ordered(self) -> list[Row]:
        needle = self.filter_text.casefold()
        rows = [r for r in self._rows if not needle or needle in self._haystack(r)]
        if self.sort_column is not None:
            index = self.sort_column
            rows.sort(key=lambda r: _sort_key(r.sort_values[index] if index < len(r.sort_values) else None))
        if self.sort_reverse:
            rows.reverse()
        return rows

    @staticmethod
    def _haystack(row: Row) -> str:
        cells = " ".join(c.plain if isinstance(c, Text) else c for c in row.cells)
        return f"{row.key} {row.search} {cells}".casefold()

    def _show(self) -> None:
        wanted = self._ordered()
        columns = [key for key, _ in self._column_specs]
        changes = []
        if [r.key for r in wanted] == self.shown_keys:
            for old, new in zip(self._shown, wanted, strict=True):
                for column, before, after in zip(columns, old.cells, new.cells, strict=True):
                    if before != after:
                        changes.append((new.key, column, after))
        # A cell that gets narrower makes DataTable measure its whole column again: past a
        # row's worth of changed cells, one rebuild (each cell measured once) is cheaper.
        if [r.key for r in wanted] == self.shown_keys and len(changes) <= len(columns):
            for key, column, value in changes:
                self.update_cell(key, column, value, update_width=True)
        else:
            selected = self.selected_key
            self.clear()
            for row in wanted:
                self.add_row(*row.cells, key=row.key)
            if selected is not None:
                with contextlib.suppress(RowDoesNotExist):
                    self.move_cursor(row=self.get_row_index(selected))
        self._shown = wanted
