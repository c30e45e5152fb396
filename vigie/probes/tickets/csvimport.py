"""`vigie tickets import`: a CSV file of tickets into the store, all or nothing.

Two formats are recognised from the header line:

- Vigie's plain CSV (:data:`~vigie.probes.tickets.model.CSV_HEADER`, comma-separated,
  ISO 8601 timestamps with an offset);
- GLPI's ticket export as GLPI writes it: UTF-8 with a BOM, every cell quoted, ``;``
  (or the configured delimiter) with a trailing one, column labels in the user's language,
  mapped to fields through ``[tickets.labels]``.

Rows are read as a stream and validated one by one; the first bad one stops the import
with ``file:line: field: message`` and nothing of the file is kept.
"""

from __future__ import annotations

import csv
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import chain, islice
from pathlib import Path
from typing import NoReturn, TextIO

import rich.progress
from rich.console import Console

from vigie.kernel.problems import ConfigError, Problem
from vigie.probes.tickets.config import GLPI_REQUIRED, TicketsConfig, normal_key
from vigie.probes.tickets.mapping import FieldError, GlpiMapper, plain_header, plain_row
from vigie.probes.tickets.model import CSV_HEADER, TicketRow
from vigie.probes.tickets.store import TicketStore

BATCH = 20_000


@dataclass(frozen=True)
class ImportResult:
    """What an import did: the format recognised, rows read and tickets stored after it."""

    file: str
    format: str
    rows: int
    stored: int


class _Reader:
    """Rows of one file as the store's ticket rows; remembers the line of the row being read."""

    def __init__(self, name: str, text: TextIO, config: TicketsConfig) -> None:
        self.name = name
        self.line = 1
        try:
            first = text.readline()
        except UnicodeDecodeError:
            self.fail(1, "", "not UTF-8 text")
        if not first.strip():
            self.fail(1, "", "empty file (no header line)")
        delimiter = config.delimiter or max((";", ",", "\t"), key=first.count)
        self.rows = csv.reader(chain([first], text), delimiter=delimiter, strict=True)
        header = self.next_row()
        assert header is not None
        while header and not header[-1].strip():
            header.pop()  # GLPI ends every line with a delimiter
        self.header = header
        if plain_header(header):
            self.format = "vigie"
            self.tickets = self._plain()
        else:
            self.format = "glpi"
            self.tickets = self._glpi(config)

    def fail(self, line: int, field: str, message: str) -> NoReturn:
        raise ConfigError([Problem(self.name, line, field, message)])

    def next_row(self) -> list[str] | None:
        try:
            row = next(self.rows)
        except StopIteration:
            return None
        except csv.Error as exc:
            self.fail(self.rows.line_num, "", f"malformed CSV ({exc}); truncated file?")
        except UnicodeDecodeError:
            # Text is decoded by blocks: the bad byte is at or after this line.
            self.fail(self.rows.line_num + 1, "", "not UTF-8 text (from about this line on)")
        self.line = self.rows.line_num
        return row

    def _columns(self, wanted: dict[str, str]) -> dict[str, int]:
        """Index of each header cell that maps to a field (first one wins)."""
        found: dict[str, int] = {}
        for index, cell in enumerate(self.header):
            field = wanted.get(normal_key(cell))
            if field is not None and field not in found:
                found[field] = index
        return found

    def _rows(self, width: int, names: list[str]) -> Iterator[list[str]]:
        while (row := self.next_row()) is not None:
            if not any(map(str.strip, row)):
                continue
            if len(row) < width:
                self.fail(
                    self.line,
                    names[len(row)],
                    f"missing (the row has {len(row)} fields, the header {width}); truncated row?",
                )
            yield row

    def _plain(self) -> Iterator[TicketRow]:
        lowered = [c.strip().lower() for c in self.header]
        missing = [c for c in CSV_HEADER if c not in lowered]
        if missing:
            self.fail(1, missing[0], f"missing column (the header must be: {','.join(CSV_HEADER)})")
        order = [lowered.index(c) for c in CSV_HEADER]
        in_order = order == list(range(len(CSV_HEADER)))
        for row in self._rows(len(self.header), lowered):
            try:
                yield plain_row(row[: len(CSV_HEADER)] if in_order else [row[i] for i in order])
            except FieldError as exc:
                self.fail(self.line, exc.field, exc.message)

    def _glpi(self, config: TicketsConfig) -> Iterator[TicketRow]:
        columns = self._columns(dict(config.labels))
        if not columns:
            self.fail(
                1,
                "",
                "header is neither Vigie's CSV format nor a GLPI export with known labels "
                f"(Vigie's header: {','.join(CSV_HEADER)}; GLPI labels are mapped in [tickets.labels])",
            )
        missing = [f for f in GLPI_REQUIRED if f not in columns]
        if missing:
            self.fail(1, missing[0], "missing column (no header label maps to it; see [tickets.labels])")
        label = {field: self.header[index].strip() for field, index in columns.items()}
        mapper = GlpiMapper(config)
        items = list(columns.items())
        width = max(columns.values()) + 1
        for row in self._rows(width, self.header):
            try:
                yield mapper.ticket({field: row[index] for field, index in items}).row()
            except FieldError as exc:
                self.fail(self.line, label.get(exc.field, exc.field), exc.message)


def _batches(rows: Iterator[TicketRow]) -> Iterator[list[TicketRow]]:
    while batch := list(islice(rows, BATCH)):
        yield batch


def import_csv(
    path: str | Path, store: TicketStore, config: TicketsConfig, *, progress: bool | None = None
) -> ImportResult:
    """Import one file in a single transaction; raises ConfigError (one located problem)
    and leaves the store untouched when any row is bad. ``progress`` None: a bar on
    stderr when it is a terminal."""
    name = str(path)
    show = sys.stderr.isatty() if progress is None else progress
    try:
        opened = rich.progress.open(
            path,
            "rt",
            encoding="utf-8-sig",  # drops GLPI's byte-order mark
            newline="",
            description=Path(path).name,
            console=Console(stderr=True),
            transient=True,
            disable=not show,
        )
    except OSError as exc:
        raise ConfigError([Problem(name, None, "", f"cannot read: {exc.strerror or exc}")]) from None
    with opened as text:
        reader = _Reader(name, text, config)
        rows = store.upsert_rows_all_or_nothing(_batches(reader.tickets))
    return ImportResult(name, reader.format, rows, store.count())
