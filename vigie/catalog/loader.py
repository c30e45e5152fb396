"""Loading, validating and writing the catalog files (a folder of CSV files, or one JSON file).

CSV: one file per table (``ministries.csv``, ``domains.csv``, ``applications.csv``,
``interfaces.csv``, ``homologations.csv``, ``reserves.csv``, ``progress_contracts.csv``), UTF-8 with or without BOM,
``,`` or ``;`` as spreadsheets export them, multi-valued cells separated by ``|``. JSON: one
object holding the same tables as lists of objects with the same keys (native types), so
CSV -> JSON -> model is lossless. Loading collects every problem, located as
``file:line: column: message`` (JSON: ``file:line: table[n].column: message``), and raises one
:class:`~vigie.kernel.problems.ConfigError` holding them all.
"""

from __future__ import annotations

import csv
import difflib
import functools
import io
import itertools
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any, TypeVar

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
from vigie.kernel.gcpause import gc_paused
from vigie.kernel.problems import ConfigError, Problem

E = TypeVar("E", bound=StrEnum)

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
#: How many names did-you-mean hints may compare in one load (see :meth:`_Cells.suggest`).
SUGGESTION_BUDGET = 5_000_000

_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]*")
_ID_MATCH = _ID.fullmatch
_TRUE = {"true", "yes", "oui", "1", "x"}
_FALSE = {"false", "no", "non", "0"}
_BOOLEANS = {**dict.fromkeys(_TRUE, True), **dict.fromkeys(_FALSE, False)}


def did_you_mean(value: str, choices: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` for the closest choice, or an empty string."""
    options = list(choices)
    lowered = {c.lower(): c for c in options}
    close = difflib.get_close_matches(value.lower(), list(lowered), n=1, cutoff=0.6)
    return f" (did you mean '{lowered[close[0]]}'?)" if close else ""


# --- rows and cell readers ----------------------------------------------------------------


@dataclass(slots=True)
class Row:
    """One record of a table with where it came from (its line, and its index for JSON).

    ``values`` holds only the cells that say something: strings stripped, empty cells (and
    JSON nulls, empty strings and lists) left out; ``columns`` is what the header (or the JSON
    object) names, so an empty required cell is told apart from an absent column.
    """

    file: str
    table: str
    line: int | None
    index: int
    values: dict[str, Any]
    columns: frozenset[str]
    json: bool = False

    def key(self, column: str) -> str:
        """The located column name: the bare column for CSV, ``table[n].column`` for JSON."""
        return f"{self.table}[{self.index + 1}].{column}" if self.json else column


def _meaningful(values: dict[str, Any]) -> dict[str, Any]:
    """``values`` without empty cells, strings stripped (what :class:`Row` holds)."""
    out = {}
    for column, value in values.items():
        if isinstance(value, str):
            value = value.strip()
        if value is None or value == "" or value == []:
            continue
        out[column] = value
    return out


@dataclass
class _Cells:
    """Typed readers over rows; every bad value is recorded as a located problem.

    Large catalogs repeat the same dates and integers over and over, so valid parses are
    remembered by their text (integers are still checked against each column's range) (bad values are not: each one is reported where it occurs).
    """

    problems: list[Problem] = field(default_factory=list)
    _days: dict[str, date] = field(default_factory=dict)
    _integers: dict[str, int] = field(default_factory=dict)
    _suggestions: int = 0

    def problem(self, row: Row, column: str, message: str) -> None:
        self.problems.append(Problem(row.file, row.line, row.key(column), message))

    def _empty(self, row: Row, column: str, required: bool) -> None:
        # An absent column or key is reported once, with the header or the record.
        if required and column in row.columns:
            self.problem(row, column, "required value is empty")

    def suggest(self, value: str, choices: dict[str, Any]) -> str:
        """:func:`did_you_mean` over ``choices``, within a budget of compared names.

        Each suggestion scans every choice; a broken catalog of 100,000 applications with
        thousands of dangling references would otherwise spend hours on hints alone.
        """
        if self._suggestions > SUGGESTION_BUDGET:
            return ""
        self._suggestions += len(choices)
        return did_you_mean(value, choices)

    def raw(self, row: Row, column: str, required: bool = False) -> Any:
        value = row.values.get(column)
        if value is None:
            self._empty(row, column, required)
        return value

    def text(self, row: Row, column: str, required: bool = False) -> str | None:
        value = row.values.get(column)
        if value is None:
            self._empty(row, column, required)
            return None
        if value.__class__ is not str:
            self.problem(row, column, f"must be text, not {value!r}")
            return None
        return value

    def ident(self, row: Row, column: str, required: bool = False) -> str | None:
        value = row.values.get(column)
        if value.__class__ is str and _ID_MATCH(value):
            return value
        value = self.text(row, column, required)
        if value is not None:
            self.problem(row, column, f"'{value}' is not an id (letters, digits, '.', '_', ':', '-')")
        return None

    def items(self, row: Row, column: str, required: bool = False) -> tuple[str, ...]:
        value = self.raw(row, column, required)
        if value is None:
            return ()
        parts = value if isinstance(value, list) else str(value).split(SEPARATOR)
        return tuple(str(p).strip() for p in parts if str(p).strip())

    def enum(self, row: Row, column: str, kind: type[E], required: bool = False) -> E | None:
        value = row.values.get(column)
        if value.__class__ is str:
            index = _enum_index(kind)
            member = index.get(value) or index.get(value.lower())
            if member is not None:
                return member
        value = self.text(row, column, required)
        if value is None:
            return None
        choices = [m.value for m in kind]
        self.problem(
            row, column, f"'{value}' is not one of: {', '.join(choices)}{did_you_mean(value, choices)}"
        )
        return None

    def day(self, row: Row, column: str) -> date | None:
        value = row.values.get(column)
        known = self._days.get(value) if value.__class__ is str else None
        if known is not None:
            return known
        value = self.text(row, column)
        if value is None:
            return None
        try:
            parsed = self._days[value] = _parse_date(value)
        except ValueError:
            self.problem(row, column, f"'{value}' is not a date (use YYYY-MM-DD or DD/MM/YYYY)")
            return None
        return parsed

    def number(
        self,
        row: Row,
        column: str,
        *,
        integer: bool = False,
        minimum: float = 0,
        maximum: float | None = None,
    ) -> float | None:
        value = self.raw(row, column)
        if value is None:
            return None
        kind = "an integer" if integer else "a number"
        parsed: float | None = None
        if isinstance(value, bool):
            parsed = None
        elif isinstance(value, int | float):
            parsed = value
        elif isinstance(value, str):
            try:
                parsed = int(value.replace(" ", "")) if integer else float(value.replace(",", "."))
            except ValueError:
                parsed = None
        if parsed is None or (integer and not float(parsed).is_integer()):
            self.problem(row, column, f"'{value}' is not {kind}")
            return None
        if parsed < minimum or (maximum is not None and parsed > maximum):
            bound = f">= {minimum:g}" + ("" if maximum is None else f" and <= {maximum:g}")
            self.problem(row, column, f"{parsed:g} is out of range (must be {bound})")
            return None
        return parsed

    def integer(self, row: Row, column: str, *, minimum: int = 0, maximum: int | None = None) -> int | None:
        text = row.values.get(column)
        known = self._integers.get(text) if text.__class__ is str else None
        if known is not None and known >= minimum and (maximum is None or known <= maximum):
            return known
        value = self.number(row, column, integer=True, minimum=minimum, maximum=maximum)
        if value is None:
            return None
        if text.__class__ is str:
            self._integers[text] = int(value)
        return int(value)

    def boolean(self, row: Row, column: str) -> bool:
        value = self.raw(row, column)
        known = _BOOLEANS.get(value) if value.__class__ is str else None
        if known is not None:
            return known
        if value is None:
            return False
        if isinstance(value, bool):
            return value
        text = str(value).lower()
        if text in _TRUE or text in _FALSE:
            return text in _TRUE
        self.problem(row, column, f"'{value}' is not true or false")
        return False


@functools.cache
def _enum_index(kind: type[E]) -> dict[str, E]:
    """Members by value and lower-cased value (enum codes are matched regardless of case)."""
    return {**{member.value.lower(): member for member in kind}, **{member.value: member for member in kind}}


def _parse_date(text: str) -> date:
    """ISO ``2017-12-31`` or the French spreadsheet form ``31/12/2017``."""
    if "/" in text:
        return datetime.strptime(text, "%d/%m/%Y").date()
    return date.fromisoformat(text)


# --- reading the files --------------------------------------------------------------------


def _read_csv(path: Path, table: str, problems: list[Problem]) -> list[Row]:
    """Rows of one CSV file (BOM and ``;``/``,`` handled); header problems are recorded."""
    name = str(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        problems.append(Problem(name, None, "", f"not UTF-8 text ({exc.reason} at byte {exc.start})"))
        return []
    except OSError as exc:
        problems.append(Problem(name, None, "", f"cannot read: {exc.strerror or exc}"))
        return []
    first = text.split("\n", 1)[0]
    # Column names hold neither separator, so the header says which one the file uses.
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = [h.strip().lower() for h in next(reader)]
    except StopIteration:
        problems.append(Problem(name, None, "", "empty file (a header line is needed)"))
        return []
    known = frozenset(COLUMNS[table])
    for column in header:
        if column and column not in known:
            problems.append(Problem(name, 1, column, f"unknown column{did_you_mean(column, COLUMNS[table])}"))
    for column in REQUIRED[table]:
        if column not in header:
            problems.append(Problem(name, 1, column, "missing required column"))
    rows: list[Row] = []
    width = len(header)
    columns = frozenset(header) & known
    # Known columns by position, None for the others and for all but the last of a repeated
    # column (its last cell counts, empty or not): rows are then built by C-level calls only.
    positions = [h if h in known and h not in header[i + 1 :] else None for i, h in enumerate(header)]
    line = reader.line_num
    try:
        for cells in reader:
            start, line = line + 1, reader.line_num
            stripped = list(map(str.strip, cells))
            if not any(stripped):
                continue
            if len(cells) > width and any(stripped[width:]):
                problems.append(
                    Problem(name, start, "", f"{len(cells)} cells for {width} columns (a stray separator?)")
                )
            values: dict[str | None, Any] = dict(
                itertools.compress(zip(positions, stripped, strict=False), stripped)
            )
            values.pop(None, None)
            rows.append(Row(name, table, start, len(rows), values, columns))  # type: ignore[arg-type]
    except csv.Error as exc:
        problems.append(Problem(name, reader.line_num, "", f"CSV syntax error: {exc}"))
    return rows


def _read_folder(folder: Path, problems: list[Problem]) -> dict[str, list[Row]]:
    tables: dict[str, list[Row]] = {}
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
            tables[table] = _read_csv(path, table, problems)
    expected = [f"{t}.csv" for t in COLUMNS]
    for name, path in sorted(present.items()):
        # A misspelt file name would otherwise be silently ignored.
        if name.endswith(".csv") and name not in expected:
            problems.append(
                Problem(str(path), None, "", f"unknown catalog file{did_you_mean(name, expected)}")
            )
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


def _read_json(path: Path, problems: list[Problem]) -> dict[str, list[Row]]:
    name = str(path)
    tables: dict[str, list[Row]] = {t: [] for t in COLUMNS}
    try:
        text = path.read_text(encoding="utf-8-sig")
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        problems.append(Problem(name, exc.lineno, "", f"JSON syntax error: {exc.msg}"))
        return tables
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(Problem(name, None, "", f"cannot read: {exc}"))
        return tables
    if not isinstance(data, dict):
        problems.append(Problem(name, None, "", "must be an object holding the tables"))
        return tables
    lines = _record_lines(text)
    for key in data:
        if key not in COLUMNS and key not in ("format", "version"):
            problems.append(Problem(name, None, key, f"unknown table{did_you_mean(key, COLUMNS)}"))
    for table, known in COLUMNS.items():
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
                    problems.append(
                        Problem(name, line, f"{where}.{key}", f"unknown key{did_you_mean(key, known)}")
                    )
            for key in REQUIRED[table]:
                if key not in record:
                    problems.append(Problem(name, line, f"{where}.{key}", "missing required key"))
            values = _meaningful(record)
            tables[table].append(Row(name, table, line, index, values, frozenset(record), json=True))
    return tables


# --- building and cross-checking the model ------------------------------------------------


def _unique(
    cells: _Cells, rows: list[Row], column: str, parse: Callable[[Row], Any]
) -> tuple[dict[str, Any], dict[str, Row]]:
    """Parse rows into a dict by id, reporting duplicates.

    The second dict maps every id defined to its row, including rows too broken to parse,
    so that references to them are not reported as unknown on top of their own problems.
    """
    out: dict[str, Any] = {}
    first: dict[str, Row] = {}
    for row in rows:
        item = parse(row)
        ident = cells.raw(row, column)
        if not isinstance(ident, str):
            continue
        if ident in first:
            seen = first[ident]
            at = f"line {seen.line}" if seen.line is not None else f"{seen.table}[{seen.index + 1}]"
            cells.problem(row, column, f"duplicate id '{ident}' (first defined at {at})")
            continue
        first[ident] = row
        if item is not None:
            out[ident] = item
    return out, first


def _lifecycle(cells: _Cells, row: Row, default: Phase | None) -> Lifecycle | None:
    phase = cells.enum(row, "phase", Phase, required=default is None) or default
    values = row.values
    if values.keys().isdisjoint(_LIFECYCLE[1:]):
        return None if phase is None else Lifecycle(phase)
    # Most rows give no dates: only cells present in the row are read (`values` holds no empty cell).
    dates = [cells.day(row, c) if c in values else None for c in _DATES]
    replaced_by = cells.ident(row, "replaced_by") if "replaced_by" in values else None
    # Phase-in, active, phase-out and decommissioning dates come in that order.
    previous: tuple[str, date] | None = None
    for column, day in zip(_DATES, dates, strict=True):
        if day is None:
            continue
        if previous is not None and day < previous[1]:
            cells.problem(row, column, f"{day} is before {previous[0]} ({previous[1]})")
        previous = (column, day)
    if phase is None:
        return None
    return Lifecycle(phase, dates[0], dates[1], dates[2], dates[3], replaced_by)


def _application(cells: _Cells, row: Row) -> Application | None:
    ident = cells.ident(row, "id", True)
    name = cells.text(row, "name", True)
    ministry = cells.ident(row, "ministry", True)
    domain = cells.text(row, "domain", True)
    zone = cells.enum(row, "zone", Zone, True)
    category = cells.enum(row, "category", Category, True)
    criticality = cells.enum(row, "criticality", Criticality, True)
    values = row.values
    needs = [cells.integer(row, c, minimum=1, maximum=4) if c in values else None for c in _NEEDS]
    given = [c for c in _NEEDS if c in values]
    if given and len(given) < len(_NEEDS):
        missing = [c for c in _NEEDS if c not in given]
        cells.problem(row, missing[0], "security needs come as four values (D, I, C, T); this one is empty")
    d, i, c, t = needs
    security = None if d is None or i is None or c is None or t is None else SecurityNeeds(d, i, c, t)
    lifecycle = _lifecycle(cells, row, None)
    description = cells.text(row, "description") or ""
    user_ministries = cells.items(row, "user_ministries") if "user_ministries" in values else ()
    rto_hours = cells.number(row, "rto_hours") if "rto_hours" in values else None
    rpo_hours = cells.number(row, "rpo_hours") if "rpo_hours" in values else None
    personal_data = cells.boolean(row, "personal_data") if "personal_data" in values else False
    core = cells.boolean(row, "core") if "core" in values else False
    placeholder = cells.boolean(row, "placeholder") if "placeholder" in values else False
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


def _interface(cells: _Cells, row: Row) -> Interface | None:
    ident = cells.ident(row, "id", True)
    source = cells.ident(row, "source", True)
    target = cells.ident(row, "target", True)
    protocol = cells.enum(row, "protocol", Protocol, True)
    values = row.values
    direction = (
        cells.enum(row, "direction", Direction) if "direction" in values else None
    ) or Direction.OUTBOUND
    frequency = (cells.text(row, "frequency") if "frequency" in values else None) or ""
    volume = cells.integer(row, "monthly_volume") if "monthly_volume" in values else None
    personal = cells.boolean(row, "personal_data") if "personal_data" in values else False
    lifecycle = _lifecycle(cells, row, Phase.ACTIVE)
    description = (cells.text(row, "description") if "description" in values else None) or ""
    if ident is None or source is None or target is None or protocol is None or lifecycle is None:
        return None
    if source == target:
        cells.problem(row, "target", f"self-loop: the interface goes from '{source}' to itself")
    return Interface(
        ident, source, target, protocol, direction, frequency, volume, personal, lifecycle, description
    )


def _homologation(cells: _Cells, row: Row) -> Homologation | None:
    ident = cells.ident(row, "id", True)
    applications = cells.items(row, "applications", True)
    authority = cells.text(row, "authority", True)
    progress = cells.enum(row, "progress", DossierProgress, True)
    commission_on = cells.day(row, "commission_on")
    decision = cells.enum(row, "decision", Decision)
    validity = cells.integer(row, "validity_months", minimum=1)
    if validity is not None and validity not in VALIDITY_MONTHS:
        cells.problem(row, "validity_months", f"{validity} is not one of: 6, 12, 24, 36")
        validity = None
    until = cells.day(row, "until")
    expires_on = cells.day(row, "expires_on")
    documents = cells.items(row, "documents")
    if validity is not None and until is not None:
        cells.problem(
            row, "until", "give validity_months or until (valid until the end of service), not both"
        )
    if decision is not None and progress is not DossierProgress.DECIDED:
        cells.problem(
            row, "progress", f"a decision is recorded, so progress must be '{DossierProgress.DECIDED}'"
        )
    if decision is not None and commission_on is None and cells.raw(row, "commission_on") is None:
        cells.problem(row, "commission_on", "a decision needs the commission's date")
    if decision is Decision.UNFAVOURABLE:
        for column, value in (("validity_months", validity), ("until", until), ("expires_on", expires_on)):
            if value is not None:
                cells.problem(row, column, "an unfavourable decision grants no validity (leave it empty)")
    for column, end in (("until", until), ("expires_on", expires_on)):
        if end is not None and commission_on is not None and end < commission_on:
            cells.problem(row, column, f"{end} is before the commission date {commission_on}")
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


def _contract(cells: _Cells, row: Row) -> ProgressContract | None:
    ident = cells.ident(row, "id", True)
    ministry = cells.ident(row, "ministry", True)
    applications = cells.items(row, "applications", True)
    signed_on = cells.day(row, "signed_on")
    target_on = cells.day(row, "target_on")
    reference = cells.text(row, "reference") or ""
    earlier = cells.integer(row, "earlier_switched_off") or 0
    if ident is None or ministry is None or not applications:
        return None
    return ProgressContract(ident, ministry, applications, signed_on, target_on, reference, earlier)


def _domain(cells: _Cells, row: Row) -> Domain | None:
    name = cells.text(row, "name", True)
    zone = cells.enum(row, "zone", Zone, True)
    return None if name is None or zone is None else Domain(name, zone)


def _ministry(cells: _Cells, row: Row) -> Ministry | None:
    ident = cells.ident(row, "id", True)
    name = cells.text(row, "name", True)
    parent = cells.ident(row, "parent")
    return None if ident is None or name is None else Ministry(ident, name, parent)


def _reference(
    cells: _Cells, row: Row, column: str, value: str | None, known: dict[str, Any] | None, what: str
) -> None:
    """Report ``value`` unless it is among ``known`` (None: that table is missing, skip)."""
    if value is not None and known is not None and value not in known:
        cells.problem(row, column, f"unknown {what} '{value}'{cells.suggest(value, known)}")


def _build(found: dict[str, list[Row]]) -> tuple[Catalog, list[Problem]]:
    cells = _Cells()
    tables = {t: found.get(t, []) for t in COLUMNS}
    ministries: dict[str, Ministry]
    apps: dict[str, Application]
    links: dict[str, Interface]
    homs: dict[str, Homologation]
    ministries, ministry_rows = _unique(cells, tables["ministries"], "id", lambda r: _ministry(cells, r))
    domains, domain_rows = _unique(cells, tables["domains"], "name", lambda r: _domain(cells, r))
    apps, app_rows = _unique(cells, tables["applications"], "id", lambda r: _application(cells, r))
    links, link_rows = _unique(cells, tables["interfaces"], "id", lambda r: _interface(cells, r))
    homs, hom_rows = _unique(cells, tables["homologations"], "id", lambda r: _homologation(cells, r))
    known_ministries = ministry_rows if "ministries" in found else None
    known_apps = app_rows if "applications" in found else None

    for ident, ministry in ministries.items():
        row = ministry_rows[ident]
        if ministry.parent == ident:
            cells.problem(row, "parent", "a ministry cannot be its own parent")
        else:
            _reference(cells, row, "parent", ministry.parent, known_ministries, "ministry")
    _check_ministry_cycles(cells, ministry_rows, ministries)

    for ident, app in apps.items():
        row = app_rows[ident]
        _reference(cells, row, "ministry", app.ministry, known_ministries, "ministry")
        for other in app.user_ministries:
            _reference(cells, row, "user_ministries", other, known_ministries, "ministry")
        if domain_rows:
            _reference(cells, row, "domain", app.domain, domain_rows, "domain")
        replaced = app.lifecycle.replaced_by
        if replaced == app.id:
            cells.problem(row, "replaced_by", "an application cannot replace itself")
        else:
            _reference(cells, row, "replaced_by", replaced, known_apps, "application")

    decommissioned = {a for a, app in apps.items() if app.lifecycle.phase is Phase.DECOMMISSIONED}
    every_app = known_apps if known_apps is not None else {}
    for ident, link in links.items():
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
        row = link_rows[ident]
        live = link.lifecycle.phase in (Phase.ACTIVE, Phase.PHASE_IN)
        for column, end in zip(("source", "target"), ends, strict=True):
            _reference(cells, row, column, end, known_apps, "application")
            if end in decommissioned and live:
                cells.problem(
                    row,
                    column,
                    f"application '{end}' is decommissioned but this interface is still "
                    f"'{link.lifecycle.phase}' (decommission the interface too)",
                )
        _reference(cells, row, "replaced_by", link.lifecycle.replaced_by, link_rows, "interface")

    for ident, hom in homs.items():
        for app_id in hom.applications:
            _reference(cells, hom_rows[ident], "applications", app_id, known_apps, "application")

    reserves: dict[str, list[Reserve]] = {}
    for row in tables["reserves"]:
        hom_id = cells.ident(row, "homologation", True)
        text = cells.text(row, "text", True)
        owner = cells.text(row, "owner", True)
        due_on = cells.day(row, "due_on")
        closed = cells.boolean(row, "closed")
        _reference(cells, row, "homologation", hom_id, hom_rows, "homologation")
        if hom_id in homs and text is not None and owner is not None:
            reserves.setdefault(hom_id, []).append(Reserve(text, owner, due_on, closed))
    for hom_id, items in reserves.items():
        homs[hom_id] = replace(homs[hom_id], reserves=tuple(items))

    contracts: dict[str, ProgressContract]
    contracts, contract_rows = _unique(
        cells, tables["progress_contracts"], "id", lambda r: _contract(cells, r)
    )
    for ident, contract in contracts.items():
        row = contract_rows[ident]
        _reference(cells, row, "ministry", contract.ministry, ministry_rows, "ministry")
        for app_id in contract.applications:
            _reference(cells, row, "applications", app_id, app_rows, "application")

    catalog = Catalog(ministries, apps, links, homs, domains, contracts)
    return catalog, cells.problems


def _check_ministry_cycles(cells: _Cells, rows: dict[str, Row], ministries: dict[str, Ministry]) -> None:
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
                cells.problem(rows[start], "parent", f"parent cycle: {' -> '.join([*cycle, start])}")


def _order(problems: list[Problem]) -> list[Problem]:
    files = list(dict.fromkeys(p.file for p in problems))
    return sorted(problems, key=lambda p: (files.index(p.file), p.line or 0))


def load_catalog(path: str | Path) -> Catalog:
    """Load and validate a catalog folder (CSV files) or ``.json`` file.

    Raises :class:`ConfigError` with every problem found, each located by file, line and column.
    """
    with gc_paused():  # a third of the time at 500,000 interfaces was the collector's
        return _load(Path(path))


def _load(path: Path) -> Catalog:
    problems: list[Problem] = []
    if path.is_dir():
        tables = _read_folder(path, problems)
    elif path.suffix.lower() == ".json" and path.is_file():
        tables = _read_json(path, problems)
    elif path.exists():
        raise ConfigError(
            [Problem(str(path), None, "", "a catalog is a folder of CSV files or a .json file")]
        )
    else:
        raise ConfigError([Problem(str(path), None, "", "catalog not found")])
    catalog, found = _build(tables)
    problems.extend(found)
    if problems:
        raise ConfigError(_order(problems))
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
    """Write one CSV file per table (UTF-8, ``,``, ``|`` inside cells); returns the files written."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for table, records in catalog_records(catalog).items():
        path = folder / f"{table}.csv"
        with path.open("w", encoding="utf-8", newline="") as out:
            writer = csv.writer(out, lineterminator="\n")
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
