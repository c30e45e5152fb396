"""`vigie tickets import`: a CSV file of tickets into the store, all or nothing.

Two formats are recognised from the header line:

- Vigie's plain CSV (:data:`~vigie.probes.tickets.model.CSV_HEADER`, comma-separated,
  ISO 8601 timestamps with an offset);
- GLPI's ticket export as GLPI writes it: UTF-8 with a BOM, every cell quoted, ``;``
  (or the configured delimiter) with a trailing one, column labels in the user's language,
  mapped to fields through ``[tickets.labels]``.

The file is read as a stream, as every user's file is (:mod:`vigie.kernel.textfile`:
UTF-8, a BOM accepted, a bad byte located), and its rows with the kernel's row reader
(:mod:`vigie.kernel.table`); the first problem stops the import with
``file:line: field: message`` and nothing of the file is kept.
"""

from __future__ import annotations

import difflib
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from itertools import islice
from operator import itemgetter
from pathlib import Path

from vigie.kernel.problems import ConfigError
from vigie.kernel.table import CsvFile, column_key
from vigie.kernel.textfile import TextLines
from vigie.probes.progress import reading
from vigie.probes.tickets.config import GLPI_REQUIRED, TicketsConfig
from vigie.probes.tickets.mapping import GlpiMapper, plain_header, plain_record, plain_row
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
    warnings: tuple[str, ...] = ()


class _Reader:
    """The tickets of one file, in the format its header says; the first problem raises."""

    def __init__(self, sheet: CsvFile, config: TicketsConfig) -> None:
        self.sheet = sheet
        self.warnings: list[str] = []
        self._stop()
        if plain_header(sheet.header):
            self.format = "vigie"
            sheet.use_columns(
                CSV_HEADER, CSV_HEADER, missing=f" (the header must be: {','.join(CSV_HEADER)})"
            )
            self.tickets = self._plain()
        else:
            self.format = "glpi"
            labels = {column_key(label): field for label, field in config.labels.items()}
            if not any(column_key(label) in labels for label in sheet.header):
                sheet.problem(
                    1,
                    "",
                    "header is neither Vigie's CSV format nor a GLPI export with known labels "
                    f"(Vigie's header: {','.join(CSV_HEADER)}; GLPI labels are mapped in [tickets.labels])",
                )
            sheet.use_columns(
                labels,
                GLPI_REQUIRED,
                others=True,
                missing=" (no header label maps to it; see [tickets.labels])",
            )
            self.warnings = look_alikes(sheet, labels)
            self.tickets = self._glpi(config)
        self._stop()

    def _stop(self) -> None:
        """Raise the first problem recorded, if any: one line, the import stops."""
        if self.sheet.problems:
            raise ConfigError(self.sheet.problems[:1])

    def _plain(self) -> Iterator[TicketRow]:
        sheet = self.sheet
        order = [sheet.columns[c] for c in CSV_HEADER]
        width = len(sheet.header)
        in_order = order == list(range(len(CSV_HEADER)))
        cells_of = itemgetter(slice(len(CSV_HEADER))) if in_order else itemgetter(*order)
        for line, cells in sheet.rows():
            if len(cells) == width:
                try:
                    fast = plain_row(cells_of(cells))
                except ValueError:
                    pass  # in doubt: the record reader says what is wrong, if anything
                else:
                    yield fast
                    continue
            record = sheet.row(line, cells, complete=True)
            row = None if record is None else plain_record(record)
            self._stop()
            if row is not None:
                yield row
        self._stop()

    def _glpi(self, config: TicketsConfig) -> Iterator[TicketRow]:
        sheet = self.sheet
        mapper = GlpiMapper(config)
        for record in sheet.records(complete=True):
            ticket = mapper.ticket(record)
            self._stop()
            if ticket is not None:
                yield ticket.row()
        self._stop()


LOOK_ALIKE = 0.8
"""How close (difflib's ratio) an ignored label must be to a known one to be warned about."""


def look_alikes(sheet: CsvFile, labels: Mapping[str, str]) -> list[str]:
    """One line per ignored column whose label looks like a known label of a field no
    column gave (a misspelt or renamed GLPI column would otherwise be dropped silently)."""
    missing = {label: field for label, field in labels.items() if field not in sheet.columns}
    out = []
    for label in sheet.ignored:
        close = difflib.get_close_matches(column_key(label), list(missing), n=1, cutoff=LOOK_ALIKE)
        if close:
            out.append(
                f"{sheet.file}:1: {label}: column ignored; it looks like '{close[0]}' "
                f"(the {missing[close[0]]} field): name it so or map it in [tickets.labels]"
            )
    return out


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
    with reading(path, show) as wrapped:
        reader = _Reader(CsvFile(name, TextLines(wrapped, name), delimiter=config.delimiter), config)
        rows = store.upsert_rows_all_or_nothing(_batches(reader.tickets))
    return ImportResult(name, reader.format, rows, store.count(), tuple(reader.warnings))
