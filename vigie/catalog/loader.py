"""Loading, validating and writing the catalog files (a folder of CSV files, or one JSON file).

CSV: one file per table (``ministries.csv``, ``domains.csv``, ``applications.csv``,
``interfaces.csv``, ``homologations.csv``, ``reserves.csv``, ``progress_contracts.csv``), UTF-8 with or without BOM,
``,`` or ``;`` as spreadsheets export them, multi-valued cells separated by ``|``. JSON: one
object holding the same tables as lists of objects with the same keys (native types), so
CSV -> JSON -> model is lossless. Loading collects every problem, located as
``file:line: column: message`` (JSON: ``file:line: table[n].column: message``), and raises one
:class:`~vigie.kernel.problems.ConfigError` holding them all. Files are read, and cells and
values typed, by the kernel's readers (:mod:`vigie.kernel.table`), as every importer's are.
"""

from __future__ import annotations

import itertools
import json
import operator
import re
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from itertools import repeat
from pathlib import Path
from typing import Any

from vigie.catalog.model import (
    Application,
    Catalog,
    Category,
    Criticality,
    Decision,
    Direction,
    Domain,
    DossierProgress,
    Homologation,
    Interface,
    Lifecycle,
    Ministry,
    Phase,
    ProgressContract,
    Protocol,
    Reserve,
    SecurityNeeds,
    Zone,
)
from vigie.kernel import csvout
from vigie.kernel.gcpause import gc_paused
from vigie.kernel.problems import ConfigError, Problem, did_you_mean, suggestion
from vigie.kernel.table import Codes, CsvFile, Record, Table, boolean_of
from vigie.kernel.textfile import read_text

SEPARATOR = "|"
FORMAT = "vigie-catalog"
VERSION = 1

_LIFECYCLE = ("phase", "phase_in_on", "active_on", "phase_out_on", "decommission_on", "replaced_by")
_DATES = _LIFECYCLE[1:5]
_NEEDS = ("need_availability", "need_integrity", "need_confidentiality", "need_traceability")

#: Columns of each table, in the order they are written; the first ones listed in
#: ``REQUIRED`` must be present in the header.
COLUMNS: dict[str, tuple[str, ...]] = {
    "ministries": ("id", "name", "parent"),
    "domains": ("name", "zone"),
    "applications": (
        "id",
        "name",
        "description",
        "ministry",
        "user_ministries",
        "domain",
        "zone",
        "category",
        "criticality",
        *_NEEDS,
        "rto_hours",
        "rpo_hours",
        "personal_data",
        *_LIFECYCLE,
        "core",
        "placeholder",
    ),
    "interfaces": (
        "id",
        "source",
        "target",
        "protocol",
        "direction",
        "frequency",
        "monthly_volume",
        "personal_data",
        *_LIFECYCLE,
        "description",
        "flows",
    ),
    "homologations": (
        "id",
        "applications",
        "authority",
        "progress",
        "commission_on",
        "decision",
        "validity_months",
        "until",
        "expires_on",
        "documents",
    ),
    "reserves": ("homologation", "text", "owner", "due_on", "closed"),
    "progress_contracts": (
        "id",
        "ministry",
        "applications",
        "signed_on",
        "target_on",
        "reference",
        "earlier_switched_off",
    ),
}
REQUIRED: dict[str, tuple[str, ...]] = {
    "ministries": ("id", "name"),
    "domains": ("name", "zone"),
    "applications": ("id", "name", "ministry", "domain", "zone", "category", "criticality", "phase"),
    "interfaces": ("id", "source", "target", "protocol"),
    "homologations": ("id", "applications", "authority", "progress"),
    "reserves": ("homologation", "text", "owner"),
    "progress_contracts": ("id", "ministry", "applications"),
}
#: Tables a catalog folder must hold; the others are optional.
REQUIRED_TABLES = ("ministries", "applications")
VALIDITY_MONTHS = (6, 12, 24, 36)
#: How many names did-you-mean hints may compare in one load (see :class:`_Hints`).
SUGGESTION_BUDGET = 5_000_000

_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]*")
_ID_WHAT = "an id (letters, digits, '.', '_', ':', '-')"
ZONES = Codes.of(Zone)
CATEGORIES = Codes.of(Category)
CRITICALITIES = Codes.of(Criticality)
PHASES = Codes.of(Phase)
PROTOCOLS = Codes.of(Protocol)
DIRECTIONS = Codes.of(Direction)
DECISIONS = Codes.of(Decision)
PROGRESS = Codes.of(DossierProgress)


# --- reading the files --------------------------------------------------------------------


def _ident(row: Record, column: str, required: bool = False) -> str | None:
    """An id: letters, digits, '.', '_', ':', '-'."""
    return row.string(column, required=required, pattern=_ID, what=_ID_WHAT)


@dataclass
class _Hints:
    """Did-you-mean hints for references, within a budget of compared names.

    Each hint scans every candidate; a broken catalog of 100,000 applications with thousands
    of dangling references would otherwise spend hours on hints alone.
    """

    compared: int = 0
    #: References not checked because the table they point into could not be read, by what they name.
    unchecked: dict[str, int] = field(default_factory=dict)

    def __call__(self, value: str, known: Collection[str]) -> str:
        if self.compared > SUGGESTION_BUDGET:
            return ""
        self.compared += len(known)
        return suggestion(value, known)


def _read_csv(path: Path, table: str, problems: list[Problem], extra: tuple[str, ...] = ()) -> Rows | None:
    """Rows of one CSV file (BOM and ``,``/``;`` handled); header problems are recorded.

    None when the file could not be read whole (a bad byte, a malformed row), is empty, or
    is a required table with no row: its table is then left out, so the rows of other files
    are not reported as referring to nothing (they are counted instead, see :class:`_Hints`).
    """
    sheet = CsvFile.read(path, problems=problems)
    if not sheet.header:  # empty (reported by the reader): left out like a missing table
        return None
    sheet.use_columns((*COLUMNS[table], *extra), REQUIRED[table])
    plain = _PLAIN.get(table)
    rows: Rows = _plain_rows(sheet, table, *plain) if plain else list(sheet.records())
    if not len(rows) and not sheet.broken and table in REQUIRED_TABLES:
        sheet.problem(1, "", "no row after the header (the catalog needs at least one)")
        return None
    return None if sheet.broken else rows


# --- the plain rows: a fast path for large maps ---------------------------------------------


@dataclass(slots=True)
class Plain:
    """A row read by a fast path (its item made without a record), with what it takes to
    read it again as a :class:`Record` when a problem must be reported on it."""

    item: Any
    line: int
    cells: list[str]
    sheet: CsvFile

    def record(self) -> Record:
        """The row as the readers see it."""
        record = self.sheet.row(self.line, self.cells)
        assert record is not None  # a plain row is not blank
        return record


Entry = Record | Plain


def _record(entry: Entry) -> Record:
    return entry.record() if isinstance(entry, Plain) else entry


@dataclass
class PlainRows:
    """A large table's rows, read column by column (see :func:`_plain_rows`), in file order:
    the item of each row the fast path read, the record of each of the others (iterating
    gives :data:`Entry` objects, made on demand: 500,000 of them cost a fifth of a second)."""

    sheet: CsvFile
    items: list[Any]  # None where ``records`` holds the row's record
    lines: Sequence[int]
    cells: list[list[str]]
    records: dict[int, Record]

    def __len__(self) -> int:
        return len(self.items)

    def __iter__(self) -> Iterator[Entry]:
        return map(self.entry, range(len(self.items)))

    def entry(self, index: int) -> Entry:
        """The row at ``index``."""
        record = self.records.get(index)
        if record is not None:
            return record
        return Plain(self.items[index], self.lines[index], self.cells[index], self.sheet)


Rows = list[Entry] | PlainRows

#: What a plain path's cell reader gives for a cell it leaves to the careful reader.
_CAREFUL: Any = object()


def _text_cell(required: bool) -> Callable[[str], Any]:
    def read(cell: str) -> Any:
        text = cell.strip()
        # A leading quote may be the CSV writer's formula escape: the careful reader undoes it.
        return _CAREFUL if (required and not text) or text[:1] == "'" else text

    return read


def _code_cell(codes: Mapping[str, Any], default: Any = _CAREFUL) -> Callable[[str], Any]:
    def read(cell: str) -> Any:
        text = cell.strip()
        return codes.get(text, _CAREFUL) if text else default

    return read


def _volume_cell(cell: str) -> Any:
    text = cell.strip()
    if not text:
        return None
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 15 else _CAREFUL


def _flag_cell(cell: str) -> Any:
    text = cell.strip()
    if not text:
        return False
    flag = boolean_of(text)
    return _CAREFUL if flag is None else flag


def _column(
    cells: Sequence[str], read: Callable[[str], Any] | None
) -> tuple[Sequence[Any], list[bool] | None]:
    """The values of one column's cells, and which rows the plain path may read (None: all).

    ``read`` None: an id, taken as written when it matches :data:`_ID` (so has nothing to
    strip); a cell with spaces around it goes to the careful reader. Other cells are read by
    ``read``, once per distinct text: columns of codes, flags and volumes repeat a few.
    """
    if read is None:
        if all(map(_ID.fullmatch, cells)):
            return cells, None
        return cells, list(map(bool, map(_ID.fullmatch, cells)))
    known = {text: read(text) for text in set(cells)}
    values = list(map(known.__getitem__, cells))
    if not any(value is _CAREFUL for value in known.values()):
        return values, None
    return values, [value is not _CAREFUL for value in values]


def _plain_rows(
    sheet: CsvFile,
    table: str,
    columns: tuple[tuple[str, Callable[[str], Any] | None], ...],
    make: Callable[[list[Sequence[Any]]], list[Any]],
) -> Rows:
    """A large table's rows, read column by column: rows that say nothing unusual are made
    into items by ``make`` (given the values of ``columns``, each read by its cell reader,
    see :func:`_column`), the others are records for the careful reader, which names their
    problems. Such rows have the header's width, and empty cells in the table's other columns
    (lifecycle dates, security needs...).

    500,000 interfaces make a large map: a record and typed readers per cell took 3.5 s of
    its 6 s load, the plain reader per row still 3 s; column by column, each distinct code,
    flag or volume is read once and each check is one C-level pass over a column.
    """
    where = sheet.columns
    if not set(REQUIRED[table]) <= where.keys():
        return list(sheet.records())
    lines, rows = sheet.remaining()
    width = len(sheet.header)
    masks: list[list[bool]] = []
    fine = rows
    if any(map(width.__ne__, map(len, rows))):
        masks.append([len(cells) == width for cells in rows])
        fine = [cells for cells in rows if len(cells) == width]
    by_position = list(zip(*fine, strict=True)) if fine else [()] * width
    count = len(fine)
    read = {name for name, _ in columns}
    other = [by_position[index] for column, index in where.items() if column not in read]
    values: list[Sequence[Any]] = []
    checks: list[list[bool]] = []
    for column_cells in other:
        if "".join(column_cells).strip():
            checks.append([not cell.strip() for cell in column_cells])
    for name, reader in columns:
        index = where.get(name)
        column_values, check = _column(("",) * count if index is None else by_position[index], reader)
        values.append(column_values)
        if check is not None:
            checks.append(check)
    check = _rows_check(table, values)
    if check is not None:
        checks.append(check)
    if checks:
        plain = list(map(all, zip(*checks, strict=True)))
        values = [list(itertools.compress(column, plain)) for column in values]
        if masks:
            # Back from the rows of the header's width to every row.
            spread = iter(plain)
            masks[0] = [ok and next(spread) for ok in masks[0]]
        else:
            masks.append(plain)
    items = make(values)
    if not masks:
        return PlainRows(sheet, items, lines, rows, {})
    made = iter(items)
    kept_items: list[Any] = []
    kept_lines: list[int] = []
    kept_cells: list[list[str]] = []
    records: dict[int, Record] = {}
    for ok, line, cells in zip(masks[0], lines, rows, strict=True):
        if ok:
            kept_items.append(next(made))
        else:
            record = sheet.row(line, cells)
            if record is None:  # a blank row
                continue
            records[len(kept_items)] = record
            kept_items.append(None)
        kept_lines.append(line)
        kept_cells.append(cells)
    return PlainRows(sheet, kept_items, kept_lines, kept_cells, records)


def _rows_check(table: str, values: list[Sequence[Any]]) -> list[bool] | None:
    """Which rows the plain path may read given their values together (None: all): an
    interface from an application to itself is the careful reader's (a self-loop)."""
    if table != "interfaces":
        return None
    sources, targets = values[1], values[2]
    if any(map(operator.eq, sources, targets)):
        return list(map(operator.ne, sources, targets))
    return None


_ACTIVE = {phase: Lifecycle(phase) for phase in Phase}
_LIFECYCLES = {text: _ACTIVE[phase] for text, phase in PHASES.index.items()}
_PLAIN_INTERFACE: tuple[tuple[str, Callable[[str], Any] | None], ...] = (
    ("id", None),
    ("source", None),
    ("target", None),
    ("protocol", _code_cell(PROTOCOLS.index)),
    ("direction", _code_cell(DIRECTIONS.index, Direction.OUTBOUND)),
    ("frequency", _text_cell(False)),
    ("monthly_volume", _volume_cell),
    ("personal_data", _flag_cell),
    ("phase", _code_cell(_LIFECYCLES, _ACTIVE[Phase.ACTIVE])),
    ("description", _text_cell(False)),
)


def _interfaces(values: list[Sequence[Any]]) -> list[Any]:
    """The interfaces of the plain rows' values (in :data:`_PLAIN_INTERFACE` order)."""
    return list(map(Interface, *values))


_PLAIN_APPLICATION: tuple[tuple[str, Callable[[str], Any] | None], ...] = (
    ("id", None),
    ("name", _text_cell(True)),
    ("ministry", None),
    ("domain", _text_cell(True)),
    ("zone", _code_cell(ZONES.index)),
    ("category", _code_cell(CATEGORIES.index)),
    ("criticality", _code_cell(CRITICALITIES.index)),
    ("phase", _code_cell(_LIFECYCLES)),
    ("description", _text_cell(False)),
    ("personal_data", _flag_cell),
    ("core", _flag_cell),
    ("placeholder", _flag_cell),
)


def _applications(values: list[Sequence[Any]]) -> list[Any]:
    """The applications of the plain rows' values (in :data:`_PLAIN_APPLICATION` order): no
    user ministries, security needs nor recovery times."""
    *named, personal, core, placeholder = values
    count = len(values[0])
    nothing = [repeat(None, count) for _ in range(3)]  # security needs, RTO, RPO
    return list(map(Application, *named, repeat((), count), *nothing, personal, core, placeholder))


_PLAIN = {
    "applications": (_PLAIN_APPLICATION, _applications),
    "interfaces": (_PLAIN_INTERFACE, _interfaces),
}


def _read_folder(folder: Path, problems: list[Problem], extra: tuple[str, ...] = ()) -> dict[str, Rows]:
    tables: dict[str, Rows] = {}
    present = {p.name.lower(): p for p in folder.iterdir() if p.is_file()}
    for table in COLUMNS:
        path = present.get(f"{table}.csv")
        if path is None:
            # A missing required table stays absent: references to it are not checked.
            if table in REQUIRED_TABLES:
                problems.append(Problem(str(folder / f"{table}.csv"), None, "", "file not found"))
            else:
                tables[table] = []
        else:
            rows = _read_csv(path, table, problems, extra)
            if rows is not None:
                tables[table] = rows
    expected = [f"{t}.csv" for t in COLUMNS]
    for name, path in sorted(present.items()):
        # A misspelt file name would otherwise be silently ignored.
        if name.endswith(".csv") and name not in expected:
            problems.append(Problem(str(path), None, "", did_you_mean(name, expected, "catalog file")))
    return tables


_JSON_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[{}\[\]:\n]')


def _record_lines(text: str) -> dict[str, list[int]]:
    """Line of each record of each top-level table of a (valid) JSON document.

    json keeps no positions; this scans strings, brackets and line breaks only, so problems
    in a JSON catalog are located by line like in CSV files.
    """
    starts: dict[str, list[int]] = {}
    depth, line = 0, 1
    last: str | None = None
    table: str | None = None
    for token in _JSON_TOKEN.finditer(text):
        mark = token.group()
        if mark == "\n":
            line += 1
        elif mark.startswith('"'):
            last = mark[1:-1]
        elif mark == ":":
            table = last if depth == 1 else table
        elif mark in "{[":
            depth += 1
            if mark == "{" and depth == 3 and table is not None:
                starts.setdefault(table, []).append(line)
        else:
            depth -= 1
    return starts


def _read_json(path: Path, problems: list[Problem], extra: tuple[str, ...] = ()) -> dict[str, list[Entry]]:
    name = str(path)
    tables: dict[str, list[Entry]] = {t: [] for t in COLUMNS}
    try:
        text = read_text(path)
        data = json.loads(text)
    except ConfigError as exc:
        problems.extend(exc.problems)
        return tables
    except json.JSONDecodeError as exc:
        problems.append(Problem(name, exc.lineno, "", f"JSON syntax error: {exc.msg}"))
        return tables
    except RecursionError:
        problems.append(Problem(name, None, "", "JSON syntax error: arrays or objects nested too deep"))
        return tables
    if not isinstance(data, dict):
        problems.append(Problem(name, None, "", "must be an object holding the tables"))
        return tables
    lines = _record_lines(text)
    for key in data:
        if key not in COLUMNS and key not in ("format", "version"):
            problems.append(Problem(name, None, key, did_you_mean(key, COLUMNS, "table")))
    reader = Table(name, problems)
    for table, columns in COLUMNS.items():
        known = (*columns, *extra)
        records = data.get(table, [])
        if table in REQUIRED_TABLES and table not in data:
            problems.append(Problem(name, None, table, "missing table"))
            del tables[table]
            continue
        if not isinstance(records, list):
            problems.append(Problem(name, None, table, "must be a list of objects"))
            continue
        starts = lines.get(table, [])
        # Lines are known per object; a list holding non-objects would shift them, so drop them.
        aligned = len(starts) == len(records)
        for index, record in enumerate(records):
            where = f"{table}[{index + 1}]"
            line = starts[index] if aligned else None
            if not isinstance(record, dict):
                problems.append(Problem(name, line, where, "must be an object"))
                continue
            for key in record:
                if key not in known:
                    problems.append(Problem(name, line, f"{where}.{key}", did_you_mean(key, known)))
            for key in REQUIRED[table]:
                if key not in record:
                    problems.append(Problem(name, line, f"{where}.{key}", "missing required key"))
            tables[table].append(reader.record(line, record, prefix=f"{where}."))
    return tables


# --- building and cross-checking the model ------------------------------------------------


class _Defined(dict[str, Any]):
    """Every id a table defines, to the row defining it: rows too broken to parse included,
    so that references to them are not reported as unknown on top of their own problems.
    A row is its :data:`Entry`, or its position among a :class:`PlainRows`' rows."""

    def __init__(self, table: PlainRows | None = None, ids: Iterable[tuple[str, Any]] = ()) -> None:
        super().__init__(ids)
        self.table = table

    def record(self, ident: str) -> Record:
        """The record of the row defining ``ident``."""
        row = self[ident]
        if isinstance(row, int):
            assert self.table is not None
            row = self.table.entry(row)
        return _record(row)


def _unique(rows: Rows, column: str, parse: Callable[[Record], Any]) -> tuple[dict[str, Any], _Defined]:
    """Parse rows into a dict by id, reporting duplicates (rows read by a fast path come
    parsed), and the ids defined (see :class:`_Defined`)."""
    if isinstance(rows, PlainRows) and not rows.records:
        # All read by the fast path: without a duplicate, nothing to check row by row.
        ids = list(map(operator.attrgetter("id"), rows.items))
        defined = _Defined(rows, zip(ids, range(len(ids)), strict=True))
        if len(defined) == len(ids):
            return dict(zip(ids, rows.items, strict=True)), defined
    out: dict[str, Any] = {}
    first = _Defined()
    for row in rows:
        if isinstance(row, Plain):
            item = row.item
            ident = item.id
        else:
            item = parse(row)
            ident = row.raw(column)
            if not isinstance(ident, str):
                continue
        if ident in first:
            seen = first[ident]
            at = f"line {seen.line}" if seen.line is not None else _record(seen).prefix.rstrip(".")
            _record(row).problem(column, f"duplicate id '{ident}' (first defined at {at})")
            continue
        first[ident] = row
        if item is not None:
            out[ident] = item
    return out, first


def _lifecycle(row: Record, default: Phase | None) -> Lifecycle | None:
    phase = row.choice("phase", PHASES, required=default is None) or default
    values = row.values
    if values.keys().isdisjoint(_LIFECYCLE[1:]):
        return None if phase is None else Lifecycle(phase)
    # Most rows give no dates: only cells present in the row are read (`values` holds no empty cell).
    dates = [row.date(c) if c in values else None for c in _DATES]
    replaced_by = _ident(row, "replaced_by") if "replaced_by" in values else None
    # Phase-in, active, phase-out and decommissioning dates come in that order.
    previous: tuple[str, date] | None = None
    for column, day in zip(_DATES, dates, strict=True):
        if day is None:
            continue
        if previous is not None and day < previous[1]:
            row.problem(column, f"{day} is before {previous[0]} ({previous[1]})")
        previous = (column, day)
    if phase is None:
        return None
    return Lifecycle(phase, dates[0], dates[1], dates[2], dates[3], replaced_by)


def _application(row: Record) -> Application | None:
    ident = _ident(row, "id", True)
    name = row.string("name", required=True)
    ministry = _ident(row, "ministry", True)
    domain = row.string("domain", required=True)
    zone = row.choice("zone", ZONES, required=True)
    category = row.choice("category", CATEGORIES, required=True)
    criticality = row.choice("criticality", CRITICALITIES, required=True)
    values = row.values
    needs = [row.integer(c, minimum=1, maximum=4) if c in values else None for c in _NEEDS]
    given = [c for c in _NEEDS if c in values]
    if given and len(given) < len(_NEEDS):
        missing = [c for c in _NEEDS if c not in given]
        row.problem(missing[0], "security needs come as four values (D, I, C, T); this one is empty")
    d, i, c, t = needs
    security = None if d is None or i is None or c is None or t is None else SecurityNeeds(d, i, c, t)
    lifecycle = _lifecycle(row, None)
    description = row.string("description") or ""
    user_ministries = row.items("user_ministries") if "user_ministries" in values else ()
    rto_hours = row.number("rto_hours", minimum=0) if "rto_hours" in values else None
    rpo_hours = row.number("rpo_hours", minimum=0) if "rpo_hours" in values else None
    personal_data = row.boolean("personal_data") if "personal_data" in values else False
    core = row.boolean("core") if "core" in values else False
    placeholder = row.boolean("placeholder") if "placeholder" in values else False
    if (
        ident is None
        or name is None
        or ministry is None
        or domain is None
        or zone is None
        or category is None
        or criticality is None
        or lifecycle is None
    ):
        return None
    return Application(
        ident,
        name,
        ministry,
        domain,
        zone,
        category,
        criticality,
        lifecycle,
        description,
        user_ministries,
        security,
        rto_hours,
        rpo_hours,
        personal_data,
        core,
        placeholder,
    )


def _interface(row: Record) -> Interface | None:
    ident = _ident(row, "id", True)
    source = _ident(row, "source", True)
    target = _ident(row, "target", True)
    protocol = row.choice("protocol", PROTOCOLS, required=True)
    values = row.values
    direction = (row.choice("direction", DIRECTIONS) if "direction" in values else None) or Direction.OUTBOUND
    frequency = (row.string("frequency") if "frequency" in values else None) or ""
    volume = row.integer("monthly_volume", minimum=0) if "monthly_volume" in values else None
    personal = row.boolean("personal_data") if "personal_data" in values else False
    lifecycle = _lifecycle(row, Phase.ACTIVE)
    description = (row.string("description") if "description" in values else None) or ""
    flows = row.items("flows") if "flows" in values else ()
    if ident is None or source is None or target is None or protocol is None or lifecycle is None:
        return None
    if source == target:
        row.problem("target", f"self-loop: the interface goes from '{source}' to itself")
    return Interface(
        ident, source, target, protocol, direction, frequency, volume, personal, lifecycle, description, flows
    )


def _homologation(row: Record) -> Homologation | None:
    ident = _ident(row, "id", True)
    applications = row.items("applications", required=True)
    authority = row.string("authority", required=True)
    progress = row.choice("progress", PROGRESS, required=True)
    commission_on = row.date("commission_on")
    decision = row.choice("decision", DECISIONS)
    validity = row.integer("validity_months", minimum=1)
    if validity is not None and validity not in VALIDITY_MONTHS:
        row.problem("validity_months", f"{validity} is not one of: 6, 12, 24, 36")
        validity = None
    until = row.date("until")
    expires_on = row.date("expires_on")
    documents = row.items("documents")
    if validity is not None and until is not None:
        row.problem("until", "give validity_months or until (valid until the end of service), not both")
    if decision is not None and progress is not DossierProgress.DECIDED:
        row.problem("progress", f"a decision is recorded, so progress must be '{DossierProgress.DECIDED}'")
    if decision is not None and commission_on is None and row.raw("commission_on") is None:
        row.problem("commission_on", "a decision needs the commission's date")
    if decision is Decision.UNFAVOURABLE:
        for column, value in (("validity_months", validity), ("until", until), ("expires_on", expires_on)):
            if value is not None:
                row.problem(column, "an unfavourable decision grants no validity (leave it empty)")
    for column, end in (("until", until), ("expires_on", expires_on)):
        if end is not None and commission_on is not None and end < commission_on:
            row.problem(column, f"{end} is before the commission date {commission_on}")
    if ident is None or not applications or authority is None or progress is None:
        return None
    return Homologation(
        ident,
        applications,
        authority,
        progress,
        commission_on,
        decision,
        validity,
        until,
        expires_on,
        (),
        documents,
    )


def _contract(row: Record) -> ProgressContract | None:
    ident = _ident(row, "id", True)
    ministry = _ident(row, "ministry", True)
    applications = row.items("applications", required=True)
    signed_on = row.date("signed_on")
    target_on = row.date("target_on")
    reference = row.string("reference") or ""
    earlier = row.integer("earlier_switched_off", minimum=0) or 0
    if ident is None or ministry is None or not applications:
        return None
    return ProgressContract(ident, ministry, applications, signed_on, target_on, reference, earlier)


def _domain(row: Record) -> Domain | None:
    name = row.string("name", required=True)
    zone = row.choice("zone", ZONES, required=True)
    return None if name is None or zone is None else Domain(name, zone)


def _ministry(row: Record) -> Ministry | None:
    ident = _ident(row, "id", True)
    name = row.string("name", required=True)
    parent = _ident(row, "parent")
    return None if ident is None or name is None else Ministry(ident, name, parent)


def _reference(
    hints: _Hints, row: Record, column: str, value: str | None, known: dict[str, Any] | None, what: str
) -> None:
    """Report ``value`` unless it is among ``known`` (None: that table is missing, count it)."""
    if value is None:
        return
    if known is None:
        hints.unchecked[what] = hints.unchecked.get(what, 0) + 1
    elif value not in known:
        row.problem(column, f"unknown {what} '{value}'{hints(value, known)}")


def _build(found: Mapping[str, Rows], hints: _Hints) -> Catalog:
    """The catalog of the rows read; problems go to the rows' tables."""
    tables: dict[str, Rows] = {t: found.get(t, []) for t in COLUMNS}
    ministries: dict[str, Ministry]
    apps: dict[str, Application]
    links: dict[str, Interface]
    homs: dict[str, Homologation]
    ministries, ministry_rows = _unique(tables["ministries"], "id", _ministry)
    domains, domain_rows = _unique(tables["domains"], "name", _domain)
    apps, app_rows = _unique(tables["applications"], "id", _application)
    links, link_rows = _unique(tables["interfaces"], "id", _interface)
    homs, hom_rows = _unique(tables["homologations"], "id", _homologation)
    known_ministries = ministry_rows if "ministries" in found else None
    known_apps = app_rows if "applications" in found else None
    known_homs = hom_rows if "homologations" in found else None

    for ident, ministry in ministries.items():
        row = ministry_rows.record(ident)
        if ministry.parent == ident:
            row.problem("parent", "a ministry cannot be its own parent")
        else:
            _reference(hints, row, "parent", ministry.parent, known_ministries, "ministry")
    _check_ministry_cycles(ministry_rows, ministries)

    for ident, app in apps.items():
        replaced = app.lifecycle.replaced_by
        if (
            known_ministries is not None
            and app.ministry in known_ministries
            and not app.user_ministries
            and (not domain_rows or app.domain in domain_rows)
            and replaced is None
        ):
            continue  # the usual application: nothing to report (and no record to make)
        row = app_rows.record(ident)
        _reference(hints, row, "ministry", app.ministry, known_ministries, "ministry")
        for other in app.user_ministries:
            _reference(hints, row, "user_ministries", other, known_ministries, "ministry")
        if domain_rows:
            _reference(hints, row, "domain", app.domain, domain_rows, "domain")
        if replaced == app.id:
            row.problem("replaced_by", "an application cannot replace itself")
        else:
            _reference(hints, row, "replaced_by", replaced, known_apps, "application")

    decommissioned = {a for a, app in apps.items() if app.lifecycle.phase is Phase.DECOMMISSIONED}
    every_app = known_apps if known_apps is not None else {}
    for ident in _suspects(links, every_app, link_rows, decommissioned):
        link = links[ident]
        ends = (link.source, link.target)
        replaced_link = link.lifecycle.replaced_by
        if (
            ends[0] in every_app
            and ends[1] in every_app
            and not decommissioned.intersection(ends)
            and (replaced_link is None or replaced_link in link_rows)
        ):
            # The usual interface, between two known applications in service: nothing to report.
            continue
        row = link_rows.record(ident)
        live = link.lifecycle.phase in (Phase.ACTIVE, Phase.PHASE_IN)
        for column, end in zip(("source", "target"), ends, strict=True):
            _reference(hints, row, column, end, known_apps, "application")
            if end in decommissioned and live:
                row.problem(
                    column,
                    f"application '{end}' is decommissioned but this interface is still "
                    f"'{link.lifecycle.phase}' (decommission the interface too)",
                )
        _reference(hints, row, "replaced_by", link.lifecycle.replaced_by, link_rows, "interface")

    for ident, hom in homs.items():
        for app_id in hom.applications:
            _reference(hints, hom_rows.record(ident), "applications", app_id, known_apps, "application")

    reserves: dict[str, list[Reserve]] = {}
    for entry in tables["reserves"]:
        row = _record(entry)
        hom_id = _ident(row, "homologation", True)
        text = row.string("text", required=True)
        owner = row.string("owner", required=True)
        due_on = row.date("due_on")
        closed = row.boolean("closed")
        _reference(hints, row, "homologation", hom_id, known_homs, "homologation")
        if hom_id in homs and text is not None and owner is not None:
            reserves.setdefault(hom_id, []).append(Reserve(text, owner, due_on, closed))
    for hom_id, items in reserves.items():
        homs[hom_id] = replace(homs[hom_id], reserves=tuple(items))

    contracts: dict[str, ProgressContract]
    contracts, contract_rows = _unique(tables["progress_contracts"], "id", _contract)
    for ident, contract in contracts.items():
        row = contract_rows.record(ident)
        _reference(hints, row, "ministry", contract.ministry, known_ministries, "ministry")
        for app_id in contract.applications:
            _reference(hints, row, "applications", app_id, known_apps, "application")

    return Catalog(ministries, apps, links, homs, domains, contracts)


def _suspects(
    links: dict[str, Interface], apps: Mapping[str, Any], defined: Mapping[str, Any], decommissioned: set[str]
) -> Iterable[str]:
    """The interfaces that may have something to report: all of them, unless every end is a
    known application and every replacement a known interface; then only those with a
    decommissioned end (checked a column at a time: 500,000 interfaces took half a second
    one by one)."""
    values = links.values()
    ends = set(map(operator.attrgetter("source"), values))
    ends.update(map(operator.attrgetter("target"), values))
    replacements = set(map(operator.attrgetter("lifecycle.replaced_by"), values))
    replacements.discard(None)
    if not (ends <= apps.keys() and replacements <= defined.keys()):
        return links
    if ends.isdisjoint(decommissioned):
        return ()
    return [
        ident
        for ident, link in links.items()
        if link.source in decommissioned or link.target in decommissioned
    ]


def _check_ministry_cycles(rows: _Defined, ministries: dict[str, Ministry]) -> None:
    reported: set[str] = set()
    for start in ministries:
        seen: list[str] = []
        current: str | None = start
        while current is not None and current in ministries and current not in seen:
            seen.append(current)
            current = ministries[current].parent
        if current is not None and current in seen and current == start and start not in reported:
            cycle = seen[seen.index(current) :]
            reported.update(cycle)
            if len(cycle) > 1:
                rows.record(start).problem("parent", f"parent cycle: {' -> '.join([*cycle, start])}")


def _order(problems: list[Problem]) -> list[Problem]:
    files = list(dict.fromkeys(p.file for p in problems))
    return sorted(problems, key=lambda p: (files.index(p.file), p.line or 0))


def load_catalog(path: str | Path) -> Catalog:
    """Load and validate a catalog folder (CSV files) or ``.json`` file.

    Raises :class:`ConfigError` with every problem found, each located by file, line and column.
    """
    with gc_paused():  # a third of the time at 500,000 interfaces was the collector's
        return _load(Path(path))


def read_tables(path: Path, problems: list[Problem], extra: tuple[str, ...] = ()) -> Mapping[str, Rows]:
    """The rows of a catalog folder or ``.json`` file, table by table, read but not checked
    (:func:`build_catalog` checks them); ``extra`` names columns accepted besides the
    catalog's (an import's ``status``). Reading problems are recorded on ``problems``; a path
    that is no catalog raises :class:`ConfigError`."""
    if path.is_dir():
        return _read_folder(path, problems, extra)
    if path.suffix.lower() == ".json" and path.is_file():
        return _read_json(path, problems, extra)
    if path.exists():
        raise ConfigError(
            [Problem(str(path), None, "", "a catalog is a folder of CSV files or a .json file")]
        )
    raise ConfigError([Problem(str(path), None, "", "catalog not found")])


def build_catalog(tables: Mapping[str, Sequence[Record]]) -> Catalog:
    """The catalog of rows read by any reader (a folder, a JSON file, a workbook's sheets),
    checked as :func:`load_catalog` checks a catalog: problems are recorded on the rows'
    tables, nothing is raised."""
    found: dict[str, list[Entry]] = {table: list(rows) for table, rows in tables.items()}
    return _build(found, _Hints())


def _load(path: Path) -> Catalog:
    problems: list[Problem] = []
    tables = read_tables(path, problems)
    hints = _Hints()
    catalog = _build(tables, hints)
    if problems:
        # One line for the references a table left out would have checked, not one each.
        where = {"ministry": "ministries", "application": "applications", "homologation": "homologations"}
        unchecked = [
            Problem(
                str(path / f"{where[what]}.csv" if path.is_dir() else path),
                None,
                "",
                f"{count} later references to {where[what]} not checked (the table could not be read)",
            )
            for what, count in hints.unchecked.items()
        ]
        raise ConfigError([*_order(problems), *unchecked])
    return catalog


# --- writing ------------------------------------------------------------------------------


def _iso(day: date | None) -> str | None:
    return None if day is None else day.isoformat()


def _lifecycle_record(life: Lifecycle) -> dict[str, Any]:
    return {
        "phase": life.phase.value,
        "phase_in_on": _iso(life.phase_in_on),
        "active_on": _iso(life.active_on),
        "phase_out_on": _iso(life.phase_out_on),
        "decommission_on": _iso(life.decommission_on),
        "replaced_by": life.replaced_by,
    }


def catalog_records(catalog: Catalog) -> dict[str, list[dict[str, Any]]]:
    """The catalog as tables of plain records (JSON types), keyed like the CSV columns."""
    apps = []
    for a in catalog.applications.values():
        needs = a.security
        apps.append(
            {
                "id": a.id,
                "name": a.name,
                "description": a.description,
                "ministry": a.ministry,
                "user_ministries": list(a.user_ministries),
                "domain": a.domain,
                "zone": a.zone.value,
                "category": a.category.value,
                "criticality": a.criticality.value,
                "need_availability": needs.availability if needs else None,
                "need_integrity": needs.integrity if needs else None,
                "need_confidentiality": needs.confidentiality if needs else None,
                "need_traceability": needs.traceability if needs else None,
                "rto_hours": a.rto_hours,
                "rpo_hours": a.rpo_hours,
                "personal_data": a.personal_data,
                **_lifecycle_record(a.lifecycle),
                "core": a.core,
                "placeholder": a.placeholder,
            }
        )
    links = [
        {
            "id": i.id,
            "source": i.source,
            "target": i.target,
            "protocol": i.protocol.value,
            "direction": i.direction.value,
            "frequency": i.frequency,
            "monthly_volume": i.monthly_volume,
            "personal_data": i.personal_data,
            **_lifecycle_record(i.lifecycle),
            "description": i.description,
            "flows": list(i.flows),
        }
        for i in catalog.interfaces.values()
    ]
    homs = [
        {
            "id": h.id,
            "applications": list(h.applications),
            "authority": h.authority,
            "progress": h.progress.value,
            "commission_on": _iso(h.commission_on),
            "decision": None if h.decision is None else h.decision.value,
            "validity_months": h.validity_months,
            "until": _iso(h.until),
            "expires_on": _iso(h.expires_on),
            "documents": list(h.documents),
        }
        for h in catalog.homologations.values()
    ]
    reserves = [
        {"homologation": h.id, "text": r.text, "owner": r.owner, "due_on": _iso(r.due_on), "closed": r.closed}
        for h in catalog.homologations.values()
        for r in h.reserves
    ]
    contracts = [
        {
            "id": c.id,
            "ministry": c.ministry,
            "applications": list(c.applications),
            "signed_on": _iso(c.signed_on),
            "target_on": _iso(c.target_on),
            "reference": c.reference,
            "earlier_switched_off": c.earlier_switched_off,
        }
        for c in catalog.progress_contracts.values()
    ]
    return {
        "ministries": [{"id": m.id, "name": m.name, "parent": m.parent} for m in catalog.ministries.values()],
        "domains": [{"name": d.name, "zone": d.zone.value} for d in catalog.domains.values()],
        "applications": apps,
        "interfaces": links,
        "homologations": homs,
        "reserves": reserves,
        "progress_contracts": contracts,
    }


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return SEPARATOR.join(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def write_csv(catalog: Catalog, folder: str | Path) -> list[Path]:
    """Write one CSV file per table (UTF-8, ``,``, ``|`` inside cells, formula-like cells
    escaped by the kernel's writer and read back as they were); returns the files written."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for table, records in catalog_records(catalog).items():
        path = folder / f"{table}.csv"
        with path.open("w", encoding="utf-8", newline="") as out:
            writer = csvout.writer(out)
            writer.writerow(COLUMNS[table])
            for record in records:
                writer.writerow([_cell(record[c]) for c in COLUMNS[table]])
        written.append(path)
    return written


def catalog_json(catalog: Catalog) -> dict[str, Any]:
    """The catalog as one JSON-ready object (the lossless file format)."""
    return {"format": FORMAT, "version": VERSION, **catalog_records(catalog)}


def write_json(catalog: Catalog, path: str | Path) -> Path:
    """Write the catalog as one JSON file."""
    path = Path(path)
    path.write_text(json.dumps(catalog_json(catalog), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return path
