"""A DataTable that filters, sorts, fits its width and repaints only the cells that changed.

Tabs hand it complete rows on every refresh; it compares them with what is on screen
and touches only the differences, so an unchanged refresh repaints nothing.

Columns declare how much they matter (:class:`Column`'s ``priority``). When the table is
narrower than its columns (a 120- or 80-column terminal, two tables side by side), the
least important columns are left out, lowest priority first and, among equals, the
rightmost first, until the rest fit; columns at :data:`ALWAYS` (a row's state, its name,
its verdict) never are. A column is never cut in the middle: it is shown whole or not at
all, and comes back when the room does. A tab that gives plain ``(key, label)`` pairs gets
its first column at :data:`ALWAYS` and the others at :data:`MAIN`.

Until the user moves the cursor, it stays on the top row (the worst first, where the
table is sorted so): rows reordered by a refresh do not drag it along.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from rich.cells import cell_len
from rich.text import Text
from textual import events
from textual.coordinate import Coordinate
from textual.widgets import DataTable
from textual.widgets.data_table import RowDoesNotExist

Cell = str | Text

ALWAYS = 100
"""Never left out: what a row is (its name), its state, its verdict."""
MAIN = 60
"""The figures a row is read for."""
SECONDARY = 30
"""Figures that complete a row; they go before the main ones."""
DRAWING = 10
"""Sparklines and bars that repeat a figure: the first to go."""


@dataclass(frozen=True)
class Column:
    """A column: its key, its title, how much it matters (see the module's docstring) and,
    for long names, the widest its cells may be (longer ones end with "…")."""

    key: str
    label: str
    priority: int = MAIN
    max_width: int | None = None


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


def _width(cell: Cell) -> int:
    text = cell.plain if isinstance(cell, Text) else cell
    return max((cell_len(line) for line in text.split("\n")), default=0)


def _clipped(cell: Cell, max_width: int | None) -> Cell:
    """The cell cut to ``max_width`` cells with an ellipsis (as it is when it fits)."""
    if max_width is None or _width(cell) <= max_width:
        return cell
    text = cell.copy() if isinstance(cell, Text) else Text(cell)
    text.truncate(max_width, overflow="ellipsis")
    return text


def fitting(widths: Sequence[int], priorities: Sequence[int], room: int) -> list[int]:
    """The indexes of the columns to show in ``room`` cells: all of them, less the least
    important ones (lowest priority, then rightmost) until the rest fit; never one at
    :data:`ALWAYS`."""
    shown = set(range(len(widths)))
    total = sum(widths)
    order = sorted((i for i, p in enumerate(priorities) if p < ALWAYS), key=lambda i: (priorities[i], -i))
    for index in order:
        if total <= room:
            break
        shown.discard(index)
        total -= widths[index]
    return sorted(shown)


def columns_of(columns: Sequence[Column | tuple[str, str]]) -> list[Column]:
    """Columns from :class:`Column` objects or ``(key, label)`` pairs (first one kept always)."""
    out = []
    for index, column in enumerate(columns):
        if isinstance(column, Column):
            out.append(column)
        else:
            key, label = column
            out.append(Column(key, label, ALWAYS if index == 0 else MAIN))
    return out


class ConsoleTable(DataTable[Cell]):
    """A keyed, filterable, sortable table that fits its width. The default order is the one
    rows are given in."""

    def __init__(self, columns: Sequence[Column | tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)
        self._column_specs = columns_of(columns)
        self._rows: list[Row] = []
        self._shown: list[Row] = []
        self._visible = list(range(len(self._column_specs)))
        self.filter_text = ""
        self.sort_column: int | None = None
        self.sort_reverse = False
        # Whether the user moved the cursor (until then it stays on the top row).
        self.cursor_moved = False
        self._placing = False
        for column in self._column_specs:
            self.add_column(column.label, key=column.key)

    @property
    def column_labels(self) -> list[str]:
        """The column titles, in order (shown or not)."""
        return [column.label for column in self._column_specs]

    @property
    def visible_columns(self) -> list[str]:
        """The keys of the columns on screen, left to right."""
        return [self._column_specs[i].key for i in self._visible]

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

    def relabel(self, key: str, label: str) -> None:
        """Give a column a new title (e.g. a month marked frozen)."""
        specs = self._column_specs
        index = next((i for i, c in enumerate(specs) if c.key == key), None)
        if index is None or specs[index].label == label:
            return
        specs[index] = Column(key, label, specs[index].priority)
        if index in self._visible:
            self.columns[self.columns_key(key)].label = Text(label)
            self._require_update_dimensions = True
            self.refresh()

    def columns_key(self, key: str) -> Any:
        """The DataTable's key object of a column shown (by its key)."""
        return next(k for k in self.columns if k.value == key)

    def set_rows(self, rows: Sequence[Row]) -> None:
        """Replace the data; the screen gets only the differences."""
        self._rows = list(rows)
        self._show()

    def set_filter(self, text: str) -> None:
        """Keep only rows whose text contains ``text`` (case-insensitive)."""
        self.filter_text = text
        self._show()

    def cycle_sort(self) -> None:
        """Sort by the next column shown; after the last one, back to the default order."""
        later = [i for i in self._visible if self.sort_column is None or i > self.sort_column]
        self.sort_column = later[0] if later else None
        self._show()

    def toggle_reverse(self) -> None:
        """Reverse the current order."""
        self.sort_reverse = not self.sort_reverse
        self._show()

    def watch_cursor_coordinate(self, old: Coordinate, new: Coordinate) -> None:
        """Note that the user moved the cursor (the table's own placing does not count)."""
        super().watch_cursor_coordinate(old, new)
        if not self._placing and old != new:
            self.cursor_moved = True

    def on_resize(self, event: events.Resize) -> None:
        """Fit the columns to the new width."""
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

    def _fit(self, rows: Sequence[Row]) -> list[int]:
        """The columns that fit the table's width with these rows."""
        width = self.size.width
        if width <= 0:
            return list(range(len(self._column_specs)))
        pad = 2 * self.cell_padding
        specs = self._column_specs
        widths = [cell_len(c.label) + pad for c in specs]
        for row in rows:
            for index, cell in enumerate(row.cells):
                cap = specs[index].max_width
                size = _width(cell) if cap is None else min(cap, _width(cell))
                widths[index] = max(widths[index], size + pad)
        # Room for the vertical scrollbar when the rows overflow the height.
        if len(rows) + 1 > self.size.height:
            width -= self.styles.scrollbar_size_vertical
        return fitting(widths, [c.priority for c in self._column_specs], width)

    def _show(self) -> None:
        wanted = self._ordered()
        visible = self._fit(self._rows)
        specs = self._column_specs
        changes = []
        same_rows = [r.key for r in wanted] == self.shown_keys and visible == self._visible
        if same_rows:
            for old, new in zip(self._shown, wanted, strict=True):
                for index in visible:
                    if old.cells[index] != new.cells[index]:
                        changes.append((new.key, specs[index].key, new.cells[index]))
        # A cell that gets narrower makes DataTable measure its whole column again: past a
        # row's worth of changed cells, one rebuild (each cell measured once) is cheaper.
        if same_rows and len(changes) <= len(visible):
            for key, column, value in changes:
                cap = next(c.max_width for c in specs if c.key == column)
                self.update_cell(key, column, _clipped(value, cap), update_width=True)
        else:
            self._rebuild(wanted, visible)
        self._shown = wanted

    def _rebuild(self, wanted: list[Row], visible: list[int]) -> None:
        selected = self.selected_key
        self._placing = True
        try:
            if visible != self._visible:
                self.clear(columns=True)
                for index in visible:
                    self.add_column(self._column_specs[index].label, key=self._column_specs[index].key)
                self._visible = visible
            else:
                self.clear()
            specs = self._column_specs
            for row in wanted:
                self.add_row(*(_clipped(row.cells[i], specs[i].max_width) for i in visible), key=row.key)
            if self.cursor_moved and selected is not None:
                with contextlib.suppress(RowDoesNotExist):
                    self.move_cursor(row=self.get_row_index(selected))
            else:
                self.move_cursor(row=0)
        finally:
            self._placing = False
