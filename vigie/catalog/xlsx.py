"""The catalog as a workbook (xlsx): the form architects edit, written and read back losslessly.

Writing (openpyxl, write-only): one sheet per table in the language's words (Ministères,
Domaines, Applications, Interfaces, Homologations, Réserves, Contrats), the columns' labels on
row 1 and their CSV names on row 2, both frozen with the id column; ids and codes formatted as
text (``0012`` and ``1.10`` stay as typed), dates as real dates, booleans as booleans; every
code column a drop-down list (a data validation naming a list of the hidden ``_listes``
sheet); a ``status`` column last, where a row is marked for deletion; a ``_meta`` sheet with
the schema version, the export time and the catalog's hash. A text starting with ``=``, ``+``,
``-`` or ``@`` is written as a text cell with Excel's quote prefix, never as a formula.

Reading (python-calamine, a Rust reader: 0.4 s of CPU for 60,000 rows where openpyxl's
read-only mode takes 6.7 s; formulas, which it does not show, are found in the XML): each
sheet's rows become the kernel's :class:`~vigie.kernel.table.Record` objects holding the
cells as the CSV form writes them, so the catalog's own checks run on them unchanged. What
only a workbook can get wrong is reported too: an unknown sheet, an unknown, repeated or
moved column, merged cells, a formula, a number where an id was expected. Problems are
located ``Sheet!Cell: column: message`` (:meth:`Workbook.locate`).
"""

from __future__ import annotations

import hashlib
import json
import re
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path, PurePosixPath
from typing import IO, Any

import python_calamine
from defusedxml import ElementTree
from openpyxl import Workbook as OpenpyxlWorkbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation

from vigie import __version__
from vigie.catalog.changes import STATUS, key_columns, row_key
from vigie.catalog.loader import COLUMNS, FORMAT, REQUIRED, VERSION, catalog_records
from vigie.catalog.model import (
    Catalog,
    Category,
    Criticality,
    Decision,
    Direction,
    DossierProgress,
    Phase,
    Protocol,
    Zone,
)
from vigie.kernel.problems import Problem, suggestion
from vigie.kernel.table import Record, Table
from vigie.kernel.text.language import Language
from vigie.kernel.text.messages import LANGUAGES

LISTS_SHEET = "_listes"
META_SHEET = "_meta"
#: Excel's last row: a sheet holds this many rows, header rows included.
MAX_ROWS = 1_048_576
#: Rows above the data: the labels, then the CSV names of the columns.
HEADER_ROWS = 2
#: A workbook unpacking to more is refused unread (a zip bomb, or not a catalog).
MAX_UNPACKED = 1 << 30

DATES = frozenset(
    {
        "phase_in_on",
        "active_on",
        "phase_out_on",
        "decommission_on",
        "commission_on",
        "until",
        "expires_on",
        "due_on",
        "signed_on",
        "target_on",
    }
)
NUMBERS = frozenset(
    {
        "need_availability",
        "need_integrity",
        "need_confidentiality",
        "need_traceability",
        "rto_hours",
        "rpo_hours",
        "monthly_volume",
        "validity_months",
        "earlier_switched_off",
    }
)
BOOLEANS = frozenset({"personal_data", "core", "placeholder", "closed"})
#: Columns holding ids: each cell is formatted as text, and a number read there lost what
#: was typed (``1.10`` read as 1.1).
IDS = frozenset(
    {
        "id",
        "ministry",
        "user_ministries",
        "parent",
        "source",
        "target",
        "replaced_by",
        "homologation",
        "applications",
    }
)
_AT_LINE = re.compile(r"\bat line (\d+)")
_DATE_FORMAT = {"fr": "dd/mm/yyyy", "en": "yyyy-mm-dd"}
_TEXT_FORMAT = "@"
# Texts a spreadsheet would take for a formula when typed (OWASP's CSV injection rule).
_FORMULA_LIKE = ("=", "+", "-", "@")
_HEADER_FONT = Font(bold=True, color="FFFFFF")
_HEADER_FILL = PatternFill("solid", fgColor="1F4E79")
_CODE_FONT = Font(italic=True, color="595959", size=9)
_CODE_FILL = PatternFill("solid", fgColor="DDEBF7")
_WRAP = Alignment(vertical="top")
_SAMPLE = 200  # rows looked at to size a column


def columns_of(table: str) -> tuple[str, ...]:
    """The columns of a table's sheet, in order: the CSV columns, then ``status``."""
    return (*COLUMNS[table], STATUS)


def catalog_hash(catalog: Catalog) -> str:
    """The SHA-256 of the catalog's JSON form (keys sorted): equal catalogs, equal hashes."""
    text = json.dumps(catalog_records(catalog), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# --- writing ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _List:
    """A drop-down list: its values on ``_listes``, and whether other values are refused
    (codes) or only warned about (references to rows the user may be adding)."""

    values: tuple[Any, ...]
    strict: bool


def _lists(catalog: Catalog, lang: Language) -> dict[str, _List]:
    """The drop-down lists, by the name of the columns they serve."""
    lists = {
        "zone": _List(tuple(z.value for z in Zone), True),
        "category": _List(tuple(c.value for c in Category), True),
        "criticality": _List(tuple(c.value for c in Criticality), True),
        "phase": _List(tuple(p.value for p in Phase), True),
        "protocol": _List(tuple(p.value for p in Protocol), True),
        "direction": _List(tuple(d.value for d in Direction), True),
        "decision": _List(tuple(d.value for d in Decision), True),
        "progress": _List(tuple(p.value for p in DossierProgress), True),
        "validity_months": _List((6, 12, 24, 36), True),
        STATUS: _List((lang.t("catalog.xlsx.delete"),), True),
        "ministry": _List(tuple(catalog.ministries), False),
        "domain": _List(tuple(catalog.domains), False),
        "homologation": _List(tuple(catalog.homologations), False),
    }
    return {name: found for name, found in lists.items() if found.values}


def _list_of(table: str, column: str) -> str | None:
    """The list a column's cells are chosen from (a ministry's parent is a ministry)."""
    if column == "parent":
        return "ministry"
    if table == "domains" and column == "name":
        return None
    return column


def write_xlsx(catalog: Catalog, path: str | Path, lang: Language, exported_at: datetime) -> Path:
    """Write the catalog as a workbook (see the module's docstring).

    Raises ValueError when a table has more rows than a sheet holds.
    """
    records = catalog_records(catalog)
    for table, rows in records.items():
        if len(rows) > MAX_ROWS - HEADER_ROWS:
            raise ValueError(
                f"{len(rows)} rows in {table}: a sheet holds {MAX_ROWS - HEADER_ROWS} "
                "(export the catalog as CSV or JSON)"
            )
        _refuse_control_characters(table, rows)
    book = OpenpyxlWorkbook(write_only=True)
    lists = _lists(catalog, lang)
    _write_lists(book, lists)
    for table, rows in records.items():
        _write_table(book, table, rows, lists, lang)
    _write_meta(book, catalog, lang, exported_at, {table: len(rows) for table, rows in records.items()})
    # The catalog's sheets first, as users see them; the lists stay hidden behind.
    book.move_sheet(LISTS_SHEET, len(book.sheetnames) - 1)
    path = Path(path)
    book.save(path)
    return path


def _write_lists(book: OpenpyxlWorkbook, lists: dict[str, _List]) -> None:
    sheet = book.create_sheet(LISTS_SHEET)
    sheet.sheet_state = "hidden"
    names = list(lists)
    depth = max((len(found.values) for found in lists.values()), default=0)
    sheet.append(names)
    for index in range(depth):
        sheet.append([found.values[index] if index < len(found.values) else None for found in lists.values()])
    for number, name in enumerate(names, 1):
        letter = get_column_letter(number)
        end = len(lists[name].values) + 1
        book.defined_names[_list_name(name)] = DefinedName(
            _list_name(name), attr_text=f"{LISTS_SHEET}!${letter}$2:${letter}${end}"
        )


def _list_name(column: str) -> str:
    return f"liste_{column}"


def _sheet_name(table: str, lang: Language) -> str:
    return lang.t(f"catalog.sheet.{table}")


def _write_table(
    book: OpenpyxlWorkbook, table: str, rows: list[dict[str, Any]], lists: dict[str, _List], lang: Language
) -> None:
    # A write-only sheet: openpyxl gives it column dimensions, validations and a filter at
    # run time, which its type stubs do not know.
    sheet: Any = book.create_sheet(_sheet_name(table, lang))
    columns = columns_of(table)
    last = get_column_letter(len(columns))
    date_format = _DATE_FORMAT[lang.code]
    for number, column in enumerate(columns, 1):
        letter = get_column_letter(number)
        dimension = sheet.column_dimensions[letter]
        dimension.width = _width(lang.t(f"catalog.column.{column}"), column, rows)
        if column in DATES:
            dimension.number_format = date_format
        elif column not in NUMBERS and column not in BOOLEANS:
            # New rows typed in later keep ids and codes as text too.
            dimension.number_format = _TEXT_FORMAT
        chosen = _list_of(table, column)
        found = lists.get(chosen) if chosen else None
        if found is not None:
            sheet.data_validations.append(
                _validation(chosen or "", found, f"{letter}3:{letter}{MAX_ROWS}", lang)
            )
    sheet.freeze_panes = "B3"
    sheet.auto_filter.ref = f"A2:{last}{len(rows) + HEADER_ROWS}"
    sheet.append([_header(sheet, lang.t(f"catalog.column.{c}"), _HEADER_FONT, _HEADER_FILL) for c in columns])
    sheet.append([_header(sheet, c, _CODE_FONT, _CODE_FILL) for c in columns])
    kinds = [_kind(column) for column in COLUMNS[table]]
    for row in rows:
        sheet.append(
            [
                _cell(sheet, kind, row[column], date_format)
                for column, kind in zip(COLUMNS[table], kinds, strict=True)
            ]
        )


def _refuse_control_characters(table: str, rows: list[dict[str, Any]]) -> None:
    """ValueError naming the first cell holding a character a workbook cannot hold.

    Checked before anything is written: openpyxl refusing a cell halfway leaves a workbook
    that cannot be closed cleanly. One search over the table's texts joined keeps it cheap.
    """
    texts = [column for column in COLUMNS[table] if _kind(column) in ("text", "id")]
    joined = "\n".join(_shown(row[column]) for row in rows for column in texts)
    if not ILLEGAL_CHARACTERS_RE.search(joined):
        return
    for row in rows:
        for column in texts:
            if ILLEGAL_CHARACTERS_RE.search(_shown(row[column])):
                raise ValueError(
                    f"{table} '{row_key(table, row)}': {column}: a control character, which a "
                    "workbook cannot hold (remove it, or export as CSV or JSON)"
                )


def _header(sheet: Any, text: str, font: Font, fill: PatternFill) -> Cell:
    cell = WriteOnlyCell(sheet, text)
    cell.font, cell.fill, cell.alignment = font, fill, _WRAP
    return cell


def _width(label: str, column: str, rows: list[dict[str, Any]]) -> float:
    """A column wide enough for its label and most of its first cells."""
    longest = max((len(_shown(row.get(column))) for row in rows[:_SAMPLE]), default=0)
    return float(min(max(len(label), len(column), longest, 6) + 2, 60))


def _shown(value: Any) -> str:
    if value is None:
        return ""
    return "|".join(value) if isinstance(value, list) else str(value)


def _kind(column: str) -> str:
    if column in DATES:
        return "date"
    if column in NUMBERS or column in BOOLEANS:
        return "native"
    return "id" if column in IDS else "text"


def _cell(sheet: Any, kind: str, value: Any, date_format: str) -> Any:
    """A value as the sheet holds it: a date, a number or boolean as such, a text as text."""
    if value is None or value == "" or value == []:
        return None
    if kind == "native":
        return value
    if kind == "date":
        cell = WriteOnlyCell(sheet, datetime.combine(date.fromisoformat(value), time()))
        cell.number_format = date_format
        return cell
    text = "|".join(value) if value.__class__ is list else value
    formula_like = text.startswith(_FORMULA_LIKE)
    if kind == "text" and not formula_like:
        # A text cell as it is: styling every cell would double the export's time; the
        # column's text format keeps what is typed in later as text.
        return text
    cell = WriteOnlyCell(sheet, text)
    cell.number_format = _TEXT_FORMAT  # an id retyped in place stays text (0012, 1.10)
    if formula_like:
        # A text cell, never a formula (openpyxl takes '=...' for one); Excel's quote prefix
        # keeps it a text when the cell is edited.
        cell.data_type = "s"
        cell.quotePrefix = True
    return cell


def _validation(name: str, found: _List, cells: str, lang: Language) -> DataValidation:
    check = DataValidation(
        type="list",
        formula1=_list_name(name),
        allow_blank=True,
        showErrorMessage=True,
        errorStyle="stop" if found.strict else "warning",
        errorTitle=lang.t("catalog.xlsx.list_title"),
        error=lang.t("catalog.xlsx.list_strict" if found.strict else "catalog.xlsx.list_loose"),
    )
    check.add(cells)
    return check


def _write_meta(
    book: OpenpyxlWorkbook, catalog: Catalog, lang: Language, exported_at: datetime, counts: dict[str, int]
) -> None:
    sheet = book.create_sheet(META_SHEET)
    sheet.column_dimensions["A"].width = 24
    sheet.column_dimensions["B"].width = 68
    rows: list[tuple[str, Any]] = [
        ("format", f"{FORMAT}-xlsx"),
        ("version", VERSION),
        ("exported_at", exported_at.isoformat(timespec="seconds")),
        ("catalog_sha256", catalog_hash(catalog)),
        ("language", lang.code),
        ("vigie", __version__),
        *((f"rows.{table}", count) for table, count in counts.items()),
    ]
    for row in rows:
        sheet.append(list(row))


# --- reading ---------------------------------------------------------------------------------


@dataclass
class Sheet:
    """Where a table was read from: the sheet's name, its header row, its columns' places."""

    name: str
    table: str
    header: int
    columns: dict[str, int] = field(default_factory=dict)  # column name: 0-based index
    order: int = 0  # the sheet's place in the workbook


@dataclass
class Workbook:
    """A workbook read: each table's rows as records (``None``: no sheet for the table),
    its ``_meta`` values, and where each problem lies."""

    path: Path
    tables: dict[str, list[Record] | None]
    sheets: dict[str, Sheet]
    meta: dict[str, str]

    def locate(self, problem: Problem) -> Problem:
        """The problem at its cell (``Applications!D5``) when it names a sheet's row."""
        sheet = self.sheets.get(problem.file)
        if sheet is None or problem.line is None:
            return problem
        letter = get_column_letter(sheet.columns.get(problem.key, 0) + 1)
        # Another row named by its line (a duplicate's first) is named by its key's cell.
        key = get_column_letter(sheet.columns.get(key_columns(sheet.table)[0], 0) + 1)
        message = _AT_LINE.sub(lambda found: f"at {key}{found[1]}", problem.message)
        return Problem(f"{sheet.name}!{letter}{problem.line}", None, problem.key, message)

    def order(self, problem: Problem) -> tuple[int, int, int]:
        """A sort key: the sheet's place, the row, the column (problems not in a sheet last)."""
        sheet = self.sheets.get(problem.file)
        if sheet is not None:
            return (sheet.order, problem.line or 0, sheet.columns.get(problem.key, 0))
        name, _, cell = problem.file.rpartition("!")
        located = _CELL.fullmatch(cell)
        if name in self.sheets and located:  # located already (a repeated column's second cell)
            return (self.sheets[name].order, int(located[2]), _column_index(located[1]))
        return (len(self.sheets) + 1, 0, 0)


def sheet_aliases() -> dict[str, str]:
    """The names a table's sheet may have (either language, or the CSV file's), lower-case."""
    aliases: dict[str, str] = {}
    for table in COLUMNS:
        aliases[table] = table
        for code in LANGUAGES:
            aliases[_sheet_name(table, Language(code)).lower()] = table
    return aliases


def column_aliases(table: str) -> dict[str, str]:
    """The names a column's header may have: its CSV name or its label in either language."""
    aliases: dict[str, str] = {}
    for column in columns_of(table):
        aliases[column] = column
        for code in LANGUAGES:
            aliases.setdefault(Language(code).t(f"catalog.column.{column}").lower(), column)
    return aliases


def read_xlsx(path: str | Path, problems: list[Problem]) -> Workbook:
    """Read a workbook's sheets into records; problems are recorded on ``problems`` with the
    sheet's name as their file and the row as their line (see :meth:`Workbook.locate`)."""
    path = Path(path)
    book = Workbook(path, {}, {}, {})
    formulas = _formula_cells(path, problems)
    if formulas is None:
        return book
    try:
        source = python_calamine.CalamineWorkbook.from_path(str(path))
    except (python_calamine.CalamineError, OSError) as exc:
        problems.append(Problem(str(path), None, "", f"not a readable xlsx workbook ({exc})"))
        return book
    aliases = sheet_aliases()
    with source:
        for order, name in enumerate(source.sheet_names):
            if name in (LISTS_SHEET, META_SHEET):
                if name == META_SHEET:
                    book.meta = _meta(source.get_sheet_by_name(name), problems)
                continue
            table = aliases.get(name.strip().lower())
            if table is None:
                known = [_sheet_name(t, Language()) for t in COLUMNS]
                hint = suggestion(name, [*known, *(_sheet_name(t, Language("en")) for t in COLUMNS)])
                listed = ", ".join(known)
                problems.append(Problem(name, None, "", f"unknown sheet{hint or f' (the sheets: {listed})'}"))
                continue
            if book.tables.get(table) is not None:
                first = next(s.name for s in book.sheets.values() if s.table == table)
                problems.append(Problem(name, None, "", f"a second sheet for {table} (the first: '{first}')"))
                continue
            sheet = Sheet(name, table, HEADER_ROWS, order=order)
            book.sheets[name] = sheet
            book.tables[table] = _read_sheet(
                source.get_sheet_by_name(name), sheet, Table(name, problems), formulas.get(name, {})
            )
    if not book.tables and not problems:
        problems.append(Problem(str(path), None, "", "no sheet of the catalog in this workbook"))
    return book


def _meta(sheet: python_calamine.CalamineSheet, problems: list[Problem]) -> dict[str, str]:
    """The ``_meta`` sheet's values; a workbook of a later schema is refused."""
    meta = {}
    for row in sheet.iter_rows():
        if len(row) >= 2 and isinstance(row[0], str) and row[0]:
            meta[row[0]] = text_of(row[1]) or ""
    version = meta.get("version", "")
    if version.isdigit() and int(version) > VERSION:
        problems.append(
            Problem(
                META_SHEET,
                None,
                "version",
                f"schema {version}: written by a later Vigie (this one reads {VERSION})",
            )
        )
    return meta


def text_of(value: Any) -> str | None:
    """A cell as the CSV form writes it (None when empty): integers without ``.0``, booleans
    ``true``/``false``, dates ISO; a date-time keeps its time (not a date, then)."""
    kind = value.__class__
    if kind is str:
        return value.strip() or None
    if kind is float:
        return str(int(value)) if value.is_integer() else repr(value)
    if kind is bool:
        return "true" if value else "false"
    if kind is int:
        return str(value)
    if kind is datetime:
        return value.date().isoformat() if value.time() == time() else value.isoformat(sep=" ")
    if kind is date:
        return value.isoformat()
    return None if value is None else str(value)


def _read_sheet(
    source: python_calamine.CalamineSheet, sheet: Sheet, table: Table, formulas: dict[tuple[int, int], str]
) -> list[Record]:
    """The records of one sheet (rows numbered as the spreadsheet numbers them)."""
    start = source.start
    if start is None:
        return []
    offset = start[1]  # iter_rows starts at row 1 but at the first column holding something
    rows = source.iter_rows()
    head = [_padded(next(rows, []), offset) for _ in range(HEADER_ROWS)]
    sheet.header = _header_row(head, sheet.table)
    _columns(sheet, head[sheet.header - 1], table)
    for (top, left), (bottom, right) in source.merged_cell_ranges or ():
        span = f"{get_column_letter(left + 1)}{top + 1}:{get_column_letter(right + 1)}{bottom + 1}"
        table.problem(
            top + 1, _name_at(sheet, left), f"merged cells {span}: unmerge them (one value per cell)"
        )
    for (line, index), formula in sorted(formulas.items()):
        if line > sheet.header:
            table.problem(line, _name_at(sheet, index), f"a formula ({formula}): type the value itself")
    positions = [(column, index - offset) for column, index in sheet.columns.items() if index >= offset]
    present = frozenset(sheet.columns)
    records = []
    pending = head[sheet.header :] if sheet.header < HEADER_ROWS else []
    first = sheet.header + 1
    for line, cells in enumerate(_chain(pending, rows, offset), first):
        values: dict[str, str] = {}
        for column, index in positions:
            if index < len(cells):
                value = cells[index]
                if value != "" and value is not None:
                    text = text_of(value)
                    if text is not None:
                        values[column] = text
                    if column in IDS and value.__class__ is float and not value.is_integer():
                        table.problem(
                            line,
                            column,
                            f"the number {text} where an id is expected: format the cell as text "
                            "and type the id again (a spreadsheet turns 1.10 into 1.1)",
                        )
        if values:
            records.append(Record(table, line, values, present))
    return records


def _padded(cells: Sequence[Any], offset: int) -> list[Any]:
    return [""] * offset + list(cells)


def _chain(pending: list[list[Any]], rows: Iterator[list[Any]], offset: int) -> Iterator[list[Any]]:
    """The data rows, with cells counted from the first column held (``offset`` removed)."""
    for cells in pending:
        yield cells[offset:]
    yield from rows


def _header_row(head: list[list[Any]], table: str) -> int:
    """The row naming the columns: row 2 (under the labels) as exported, or row 1 of a
    sheet made by hand with one header row."""
    aliases = column_aliases(table)
    names = [str(cell).strip().lower() for cell in head[1] if str(cell).strip()]
    known = sum(name in aliases for name in names)
    return HEADER_ROWS if names and known * 2 >= len(names) else 1


def _columns(sheet: Sheet, header: list[Any], table: Table) -> None:
    """Where each column is; unknown, repeated, missing and moved ones recorded."""
    aliases = column_aliases(sheet.table)
    line = sheet.header
    for index, cell in enumerate(header):
        label = str(cell).strip()
        if not label:
            continue
        column = aliases.get(label.lower())
        where = get_column_letter(index + 1)
        if column is None:
            hint = suggestion(label, columns_of(sheet.table))
            listed = ", ".join(columns_of(sheet.table))
            sheet.columns.setdefault(label, index)
            table.problem(line, label, f"unknown column{hint or f' (columns: {listed})'}")
        elif column in sheet.columns:
            first = get_column_letter(sheet.columns[column] + 1)
            table.problems.append(
                Problem(
                    f"{sheet.name}!{where}{line}", None, column, f"column repeated (first in column {first})"
                )
            )
        else:
            sheet.columns[column] = index
    known = [column for column in sheet.columns if column in columns_of(sheet.table)]
    for column in REQUIRED[sheet.table]:
        if column not in sheet.columns:
            table.problem(line, "", f"{column}: missing required column")
    for column in _moved(known, columns_of(sheet.table)):
        expected = columns_of(sheet.table)
        before = [c for c in known if expected.index(c) < expected.index(column) and c != column]
        after = [c for c in known if expected.index(c) > expected.index(column) and c != column]
        place = (
            f"after '{before[-1]}'"
            if before
            else f"before '{after[0]}'"
            if after
            else "in its exported place"
        )
        table.problem(line, column, f"column moved: it belongs {place}, in the order of the export")
    # Problems on unknown columns are located by their label: the label is their key.


def _moved(found: list[str], expected: tuple[str, ...]) -> list[str]:
    """The columns out of the export's order: those off a longest run kept in order."""
    ranks = [expected.index(column) for column in found]
    best: list[list[int]] = []  # for each column, the longest ordered run ending on it (indexes)
    for i, rank in enumerate(ranks):
        runs = [best[j] for j in range(i) if ranks[j] < rank]
        best.append([*max(runs, key=len, default=[]), i])
    kept: set[int] = set()
    for run in best:
        if len(run) > len(kept):
            kept = set(run)
    return [column for i, column in enumerate(found) if i not in kept]


def _name_at(sheet: Sheet, index: int) -> str:
    """The column at a 0-based index (empty when none is there)."""
    return next((column for column, at in sheet.columns.items() if at == index), "")


# --- formulas, from the sheets' XML ------------------------------------------------------------

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_RELATIONSHIP = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
_FORMULA = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?f[\s>/]")
_CELL = re.compile(r"([A-Z]+)(\d+)")
_BLOCK = 1 << 20
# LibreOffice saves a boolean cell as the formula TRUE() or FALSE(): a value, not a formula.
_CONSTANTS = frozenset({"TRUE()", "FALSE()", "TRUE", "FALSE"})


def _formula_cells(path: Path, problems: list[Problem]) -> dict[str, dict[tuple[int, int], str]] | None:
    """The formula cells of each sheet, by (row, 0-based column): their formula text.

    calamine gives a formula's last computed value, not the formula; the sheets' XML says
    which cells hold one. A quick scan of the bytes finds the sheets with any (most have
    none), and only those are parsed. None when the file is not a workbook (recorded).
    """
    name = str(path)
    try:
        archive = zipfile.ZipFile(path)
    except FileNotFoundError:
        problems.append(Problem(name, None, "", "file not found"))
        return None
    except (zipfile.BadZipFile, OSError) as exc:
        problems.append(Problem(name, None, "", f"not an xlsx workbook ({exc})"))
        return None
    with archive:
        unpacked = sum(info.file_size for info in archive.infolist())
        if unpacked > MAX_UNPACKED:
            problems.append(
                Problem(name, None, "", f"unpacks to {unpacked} bytes, more than {MAX_UNPACKED}: not read")
            )
            return None
        try:
            parts = _sheet_parts(archive)
            found: dict[str, dict[tuple[int, int], str]] = {}
            for sheet, part in parts.items():
                with archive.open(part) as stream:
                    holds = _holds_formula(stream)
                if holds:
                    with archive.open(part) as stream:
                        found[sheet] = _formulas(stream)
        except (KeyError, ElementTree.ParseError, ValueError) as exc:
            problems.append(Problem(name, None, "", f"not a readable xlsx workbook ({exc})"))
            return None
    return found


def _sheet_parts(archive: zipfile.ZipFile) -> dict[str, str]:
    """Each sheet's name and the path of its XML in the archive."""
    book = ElementTree.fromstring(archive.read("xl/workbook.xml"))
    links = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    targets = {link.get("Id"): link.get("Target", "") for link in links}
    parts = {}
    for sheet in book.iter(f"{_MAIN}sheet"):
        target = targets.get(sheet.get(_RELATIONSHIP), "")
        relative = target.lstrip("/") if target.startswith("/") else str(PurePosixPath("xl") / target)
        parts[sheet.get("name", "")] = relative
    return parts


def _holds_formula(stream: IO[bytes]) -> bool:
    tail = b""
    while block := stream.read(_BLOCK):
        if _FORMULA.search(tail + block):
            return True
        tail = block[-32:]
    return False


def _formulas(stream: IO[bytes]) -> dict[tuple[int, int], str]:
    found: dict[tuple[int, int], str] = {}
    for _, element in ElementTree.iterparse(stream, events=("end",)):
        if element.tag == f"{_MAIN}c":
            formula = element.find(f"{_MAIN}f")
            match = _CELL.fullmatch(element.get("r", ""))
            if formula is not None and match and (formula.text or "").upper() not in _CONSTANTS:
                found[int(match[2]), _column_index(match[1])] = "=" + (formula.text or "…")
        elif element.tag == f"{_MAIN}row":
            element.clear()
    return found


def _column_index(letters: str) -> int:
    """The 0-based index of a column named by its letters (``A`` is 0, ``AA`` is 26)."""
    index = 0
    for letter in letters:
        index = index * 26 + ord(letter) - 64
    return index - 1
