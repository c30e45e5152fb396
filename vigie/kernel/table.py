"""Reading the tables users hand Vigie (CSV files with a header, or lists of JSON objects):
typed readers that collect located problems, the row counterpart of :mod:`.tomlfile`.

A :class:`Table` is to a table what a :class:`~vigie.kernel.tomlfile.Document` is to a TOML
file: it keeps the problems (and remembers parsed cells, which big files repeat). A
:class:`Record` is one row, read the way a :class:`~vigie.kernel.tomlfile.Section` is read:
``record.integer("monthly_volume", minimum=0)`` gives the value, or records
``file:line: monthly_volume: 'beaucoup' is not an integer`` and gives the default, so a
reader goes on and reports every problem at once. :class:`CsvFile` reads CSV text into
records: the header names the columns (compared lower-case, unknown and missing ones
reported with a did-you-mean), cells are stripped and the escaping of formula-like cells
undone (:mod:`.csvout`), blank rows skipped, and a malformed row (such as a file ending
inside an unclosed quote) is a located problem, never a row.

Messages are those of :mod:`.problems`, shared with the TOML readers.
"""

from __future__ import annotations

import csv
import io
import itertools
import re
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from datetime import date, datetime
from enum import StrEnum
from operator import itemgetter
from pathlib import Path
from typing import Any, Generic, TypeVar

from vigie.kernel.csvout import unescape
from vigie.kernel.problems import (
    LARGEST,
    ConfigError,
    Problem,
    not_one_of,
    range_problem,
    suggestion,
    type_name,
    unknown,
)
from vigie.kernel.textfile import read_text

T = TypeVar("T")
E = TypeVar("E", bound=StrEnum)

#: Delimiters a CSV file may use; the header line says which (the most frequent, ``,`` on a tie).
DELIMITERS = (",", ";", "\t")
#: Spreadsheet spellings of booleans.
TRUE = frozenset({"true", "yes", "oui", "1", "x"})
FALSE = frozenset({"false", "no", "non", "0"})
#: Parsed cells remembered per table, at most this many of each kind.
REMEMBERED = 100_000

_BOOLEANS = {**dict.fromkeys(TRUE, True), **dict.fromkeys(FALSE, False)}


def boolean_of(text: str) -> bool | None:
    """A spreadsheet's boolean (see :data:`TRUE`, :data:`FALSE`, any case), or None."""
    known = _BOOLEANS.get(text)
    return _BOOLEANS.get(text.lower()) if known is None else known


# Thousands separators French spreadsheets write (space, no-break and narrow no-break spaces).
_SEPARATORS = str.maketrans("", "", " \u00a0\u202f")
_MISSING_END = "unexpected end of data"  # the csv module's words for EOF inside quotes (strict mode)


class Codes(Generic[T]):
    """The codes a column accepts, each read as a value; codes are matched regardless of
    case (as written first, so ``API`` and ``api`` may differ).

    ``what`` names them in messages (``'x' is not a GLPI ticket status``); by default the
    message lists them (``'x' is not one of: a, b, c``).
    """

    def __init__(self, codes: Mapping[str, T], *, what: str | None = None) -> None:
        self.listed = list(codes)
        self.what = what
        self.index: dict[str, T] = {**{k.lower(): v for k, v in codes.items()}, **codes}

    @classmethod
    def of(cls, kind: type[E]) -> Codes[E]:
        """The members of a string enum, by value."""
        return Codes({member.value: member for member in kind})

    @classmethod
    def words(cls, words: Iterable[str]) -> Codes[str]:
        """Plain codes, each read as itself (as written in ``words``)."""
        return Codes({w: w for w in words})

    def get(self, text: str) -> T | None:
        """The value of a code, or None."""
        found = self.index.get(text)
        return self.index.get(text.lower()) if found is None else found

    def refusal(self, text: str) -> str:
        """The message for a text that is none of the codes."""
        if self.what is None:
            return not_one_of(text, self.listed)
        return f"'{text}' is not {self.what}{suggestion(text, self.listed)}"


class Table:
    """Where a table's records come from, and the problems found in them.

    ``problems`` may be shared by several tables (a catalog's files are reported together).
    ``labels`` gives the header's own spelling of a column, used in messages.
    """

    def __init__(self, file: str, problems: list[Problem] | None = None) -> None:
        self.file = file
        self.problems: list[Problem] = [] if problems is None else problems
        self.labels: dict[str, str] = {}
        # Cells already parsed, by text: big files repeat dates, numbers and instants.
        self.days: dict[str, date] = {}
        self.integers: dict[str, int] = {}
        self.numbers: dict[str, float] = {}
        self.instants: dict[str, datetime] = {}

    def problem(self, line: int | None, key: str, message: str) -> None:
        """Record a problem at a line (key: a column, or empty for the whole row or file)."""
        self.problems.append(Problem(self.file, line, key, message))

    def record(self, line: int | None, values: Mapping[str, Any], prefix: str = "") -> Record:
        """A record of native values (a JSON object's, say): empty ones (None, ``""``, ``[]``)
        are left out and strings stripped, as :class:`CsvFile` does with cells; the keys of
        ``values`` are its columns. ``prefix`` starts each key in messages (``applications[3].``).
        """
        kept = {}
        for column, value in values.items():
            if isinstance(value, str):
                value = value.strip()
            if value is None or value == "" or value == []:
                continue
            kept[column] = value
        return Record(self, line, kept, frozenset(values), prefix)


class Record:
    """One row: typed readers over its values; every bad value is recorded, never raised.

    ``values`` holds only the cells that say something (stripped strings, or native JSON
    values), keyed by column; ``columns`` the columns the header names. Readers return the
    default (None unless given) for an empty or bad value. ``required`` values that are empty
    are a problem; an absent required column was reported once, with the header.
    """

    __slots__ = ("columns", "line", "prefix", "table", "values")

    def __init__(
        self,
        table: Table,
        line: int | None,
        values: dict[str, Any],
        columns: frozenset[str],
        prefix: str = "",
    ) -> None:
        self.table = table
        self.line = line
        self.values = values
        self.columns = columns
        self.prefix = prefix

    def key(self, column: str) -> str:
        """The column as messages name it: the header's spelling, after the record's prefix."""
        return self.prefix + self.table.labels.get(column, column)

    def problem(self, column: str, message: str) -> None:
        """Record a problem at a column of this row."""
        self.table.problems.append(Problem(self.table.file, self.line, self.key(column), message))

    def _empty(self, column: str, required: bool) -> None:
        if required and column in self.columns:
            self.problem(column, "required value is empty")

    def raw(self, column: str, *, required: bool = False) -> Any:
        """The value as read, unchecked (None when empty)."""
        value = self.values.get(column)
        if value is None:
            self._empty(column, required)
        return value

    def string(
        self,
        column: str,
        default: str | None = None,
        *,
        required: bool = False,
        pattern: re.Pattern[str] | None = None,
        what: str | None = None,
    ) -> str | None:
        """A text, optionally matching ``pattern`` (``what`` names what it must be)."""
        value = self.values.get(column)
        if value.__class__ is str and (pattern is None or pattern.fullmatch(value)):
            return value
        if value is None:
            self._empty(column, required)
        elif not isinstance(value, str):
            self.problem(column, f"must be a string, not {type_name(value)}")
        else:
            assert pattern is not None
            self.problem(
                column, f"'{value}' is not {what}" if what else f"'{value}' does not match {pattern.pattern}"
            )
        return default

    def choice(
        self, column: str, codes: Codes[T], default: T | None = None, *, required: bool = False
    ) -> T | None:
        """One of ``codes`` (a did-you-mean when the text is close to one)."""
        value = self.values.get(column)
        if value.__class__ is str:
            found = codes.get(value)
            if found is not None:
                return found
        text = self.string(column, required=required)
        if text is not None:
            self.problem(column, codes.refusal(text))
        return default

    def reference(
        self, column: str, known: Collection[str], what: str, *, required: bool = False
    ) -> str | None:
        """The id of something defined elsewhere (exactly as written): ``unknown component 'x'``."""
        value = self.values.get(column)
        if value.__class__ is str and value in known:
            return value
        text = self.string(column, required=required)
        if text is not None:
            self.problem(column, unknown(what, text, known))
        return None

    def items(self, column: str, *, required: bool = False, separator: str = "|") -> tuple[str, ...]:
        """Several values: a JSON list, or a cell holding them separated by ``separator``."""
        value = self.raw(column, required=required)
        if value is None:
            return ()
        parts = value if isinstance(value, list) else str(value).split(separator)
        return tuple(text for text in (str(p).strip() for p in parts) if text)

    def integer(
        self,
        column: str,
        default: int | None = None,
        *,
        required: bool = False,
        minimum: int | None = None,
        maximum: int | None = None,
    ) -> int | None:
        """An integer within bounds (and within ±:data:`~vigie.kernel.problems.LARGEST`);
        spaces between digits, as in ``1 000``, are thousands separators."""
        value = self.values.get(column)
        known = self.table.integers.get(value) if value.__class__ is str else None
        if known is None:
            if value is None:
                self._empty(column, required)
                return default
            known = _integer(value)
            if known is None:
                self.problem(column, f"'{value}' is not an integer")
                return default
            if value.__class__ is str:
                _remember(self.table.integers, value, known)
        if (
            -LARGEST <= known <= LARGEST
            and (minimum is None or known >= minimum)
            and (maximum is None or known <= maximum)
        ):
            return known
        self.problem(column, range_problem(known, minimum, maximum) or "")
        return default

    def number(
        self,
        column: str,
        default: float | None = None,
        *,
        required: bool = False,
        minimum: float | None = None,
        maximum: float | None = None,
        exclusive_minimum: bool = False,
    ) -> float | None:
        """A finite number within bounds (and within ±:data:`~vigie.kernel.problems.LARGEST`);
        a decimal comma is read as a point, spaces between digits as thousands separators."""
        value = self.values.get(column)
        known = self.table.numbers.get(value) if value.__class__ is str else None
        if known is None:
            if value is None:
                self._empty(column, required)
                return default
            known = _number(value)
            if known is None:
                self.problem(column, f"'{value}' is not a number")
                return default
            if value.__class__ is str:
                _remember(self.table.numbers, value, known)
        problem = range_problem(known, minimum, maximum, exclusive_minimum=exclusive_minimum)
        if problem is None:
            return known
        self.problem(column, problem)
        return default

    def date(self, column: str, default: date | None = None, *, required: bool = False) -> date | None:
        """A date, ISO ``2017-12-31`` or the French spreadsheet form ``31/12/2017``."""
        value = self.values.get(column)
        known = self.table.days.get(value) if value.__class__ is str else None
        if known is not None:
            return known
        text = self.string(column, required=required)
        if text is None:
            return default
        try:
            known = parse_date(text)
        except ValueError:
            self.problem(column, f"'{text}' is not a date (use YYYY-MM-DD or DD/MM/YYYY)")
            return default
        _remember(self.table.days, text, known)
        return known

    def datetime(
        self, column: str, default: datetime | None = None, *, required: bool = False
    ) -> datetime | None:
        """An ISO 8601 date-time with an offset or ``Z`` (an instant, not a wall-clock time)."""
        value = self.values.get(column)
        known = self.table.instants.get(value) if value.__class__ is str else None
        if known is not None:
            return known
        text = self.string(column, required=required)
        if text is None:
            return default
        try:
            known = parse_instant(text)
        except ValueError as exc:
            self.problem(column, str(exc))
            return default
        _remember(self.table.instants, text, known)
        return known

    def boolean(self, column: str, default: bool = False) -> bool:
        """A boolean as spreadsheets write them: true/false, yes/no, oui/non, 1/0, x (an empty
        cell is ``default``)."""
        value = self.values.get(column)
        if value.__class__ is str:
            known = boolean_of(value)
            if known is not None:
                return known
        if value is None:
            return default
        if isinstance(value, bool):
            return value
        self.problem(column, f"'{value}' is not true or false")
        return default

    def convert(
        self, column: str, parse: Callable[[str], T], default: T | None = None, *, required: bool = False
    ) -> T | None:
        """A text through a parser that raises ValueError with the message to record."""
        text = self.string(column, required=required)
        if text is None:
            return default
        try:
            return parse(text)
        except ValueError as exc:
            self.problem(column, str(exc))
            return default


def parse_date(text: str) -> date:
    """ISO ``2017-12-31`` or the French spreadsheet form ``31/12/2017``."""
    if "/" in text:
        return datetime.strptime(text, "%d/%m/%Y").date()
    return date.fromisoformat(text)


def parse_instant(text: str) -> datetime:
    """An ISO 8601 date-time with an offset or ``Z``; ValueError says what is wrong."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"'{text}' is not an ISO 8601 date-time") from None
    if moment.tzinfo is None:
        raise ValueError(f"'{text}' has no offset (add Z or +01:00)")
    return moment


def _integer(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    try:
        return int(str(value).translate(_SEPARATORS))
    except ValueError:
        return None


def _number(value: object) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    try:
        return float(str(value).translate(_SEPARATORS).replace(",", "."))
    except ValueError:
        return None


def _remember(cache: dict[str, T], text: str, value: T) -> None:
    if len(cache) >= REMEMBERED:
        cache.clear()
    cache[text] = value


_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "\u00b4": "'", "`": "'"})


def column_key(label: str) -> str:
    """How a header label is matched: lower-case, spaces (no-break ones too) as one,
    typographic apostrophes as straight ones (``Date d’ouverture`` is ``date d'ouverture``)."""
    return " ".join(label.translate(_APOSTROPHES).lower().split())


class CsvFile(Table):
    """A CSV file with a header line: its columns, then its rows as :class:`Record` objects.

    The delimiter is ``,``, ``;`` or a tab, whichever the header line holds most (unless
    given). Reading problems (a malformed row, a bad byte reported by the text lines) are
    recorded and end the reading, and ``broken`` says so; nothing here raises.
    """

    def __init__(
        self,
        file: str,
        lines: Iterable[str],
        *,
        delimiter: str | None = None,
        problems: list[Problem] | None = None,
    ) -> None:
        super().__init__(file, problems)
        self.header: list[str] = []
        self.columns: dict[str, int] = {}
        self.ignored: list[str] = []  # labels use_columns let pass (``others``)
        self._layout: tuple[list[str | None], int, frozenset[str]] | None = None
        self._end = 0  # the line the last row read ends on
        self._text: str | None = None  # the whole text, when read from a file (see remaining)
        self.broken = False
        stream = iter(lines)
        try:
            first = next(stream, "")
        except ConfigError as exc:
            self.problems.extend(exc.problems)
            self.broken, first = True, ""
        self.delimiter = delimiter or max(DELIMITERS, key=first.count)
        self.reader = csv.reader(itertools.chain([first], stream), delimiter=self.delimiter, strict=True)
        for _, cells in self.rows():
            self.header = [cell.strip() for cell in cells]
            break
        while self.header and not self.header[-1]:
            self.header.pop()  # a trailing delimiter (GLPI ends every line with one)
        if not self.header and not self.problems:
            self.problem(1, "", "empty file (the first line must name the columns)")

    @classmethod
    def read(
        cls, path: str | Path, *, delimiter: str | None = None, problems: list[Problem] | None = None
    ) -> CsvFile:
        """A whole CSV file (see :func:`~vigie.kernel.textfile.read_text`); problems recorded."""
        lines: Iterable[str]
        text = None
        try:
            text = read_text(path)
            lines = io.StringIO(text, newline="")
        except ConfigError as exc:
            lines = _failing(exc)
        sheet = cls(str(path), lines, delimiter=delimiter, problems=problems)
        sheet._text = text
        return sheet

    def use_columns(
        self,
        known: Iterable[str] | Mapping[str, str],
        required: Iterable[str] = (),
        *,
        others: bool = False,
        missing: str = "",
    ) -> dict[str, int]:
        """Where each column is, by name, from the header; unknown and missing ones recorded.

        Header labels are compared as :func:`column_key` writes them (lower-case, one space,
        straight apostrophes) with ``known`` names, or with the keys of ``known`` when it maps
        labels to column names (aliases: of two labels of one column, the first present
        counts). A label repeated as such counts by its last cell. An unknown label is
        reported with a did-you-mean, or with the list of columns when none is close;
        ``others`` lets unknown labels pass (exports with columns nobody reads), listed in
        :attr:`ignored`. ``missing`` is added to the message of a missing required column.
        """
        given = known if isinstance(known, Mapping) else {name: name for name in known}
        aliases = {column_key(label): column for label, column in given.items()}
        found: dict[str, int] = {}
        via: dict[str, str] = {}
        self.ignored = []
        for index, label in enumerate(self.header):
            name = column_key(label)
            column = aliases.get(name)
            if column is None:
                if label and others:
                    self.ignored.append(label)
                if label and not others:
                    hint = suggestion(label, aliases)
                    listed = ", ".join(dict.fromkeys(aliases.values()))
                    self.problem(1, label, f"unknown column{hint or f' (columns: {listed})'}")
                continue
            if via.get(column, name) != name:
                continue
            found[column], via[column] = index, name
            self.labels[column] = label
        for column in required:
            if column not in found:
                self.problem(1, column, f"missing required column{missing}")
        self.columns, self._layout = found, None
        return found

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        """Each row's first line and cells, as read (the header is the first row)."""
        reader = self.reader
        try:
            for cells in reader:
                start, self._end = self._end + 1, reader.line_num
                yield start, cells
        except csv.Error as exc:
            self.problems.append(self.malformed(exc, self._end + 1))
            self.broken = True
        except ConfigError as exc:
            self.problems.extend(exc.problems)
            self.broken = True

    def remaining(self) -> tuple[Sequence[int], list[list[str]]]:
        """The rows not read yet and the first line of each, as :meth:`rows` gives them.

        A file read whole (:meth:`read`) whose rows are one line each, the usual case, is
        parsed in one C-level pass; a row spanning lines (a quoted line break) or a malformed
        one has it read again row by row, which locates every line and records the problem.
        """
        start = self._end
        if self._text is not None and not self.broken:
            rows: list[list[str]] = []
            try:
                rows.extend(self.reader)
            except csv.Error:
                pass  # read again below, where the problem is located and recorded
            else:
                if self.reader.line_num - start == len(rows):
                    self._end = self.reader.line_num
                    return range(start + 1, self._end + 1), rows
            self.reader = csv.reader(
                io.StringIO(self._text, newline=""), delimiter=self.delimiter, strict=True
            )
            self._end = 0
            for _ in self.rows():
                break  # the header, read already
        lines: list[int] = []
        rows = []
        for line, cells in self.rows():
            lines.append(line)
            rows.append(cells)
        return lines, rows

    def malformed(self, exc: csv.Error, start: int) -> Problem:
        """The problem of a row the csv module refused; ``start`` is the row's first line."""
        if str(exc) == _MISSING_END:
            return Problem(
                self.file,
                start,
                "",
                "malformed CSV: the file ends inside a quoted cell (a quote opened on this row is never closed)",
            )
        return Problem(self.file, self.reader.line_num, "", f"malformed CSV ({exc})")

    def records(self, *, complete: bool = False) -> Iterator[Record]:
        """The rows after the header as records (see :meth:`row`), blank rows skipped."""
        for line, cells in self.rows():
            record = self.row(line, cells, complete=complete)
            if record is not None:
                yield record

    def row(self, line: int, cells: list[str], *, complete: bool = False) -> Record | None:
        """The record of one row's cells, of the columns :meth:`use_columns` found (None for a
        blank row).

        Cells beyond the header that hold something are a problem (a stray separator); a row
        too short to reach every column found is one too when ``complete``, and gives None: a
        truncated row says nothing reliable.
        """
        if self._layout is None:
            positions: list[str | None] = [None] * len(self.header)
            for column, index in self.columns.items():
                positions[index] = column
            self._layout = (positions, max(self.columns.values(), default=-1) + 1, frozenset(self.columns))
        positions, needed, present = self._layout
        stripped = list(map(str.strip, cells))
        if not any(stripped):
            return None
        if "'" in map(itemgetter(slice(1)), stripped):  # formula-like cells Vigie escaped when writing
            stripped = list(map(unescape, stripped))
        width = len(positions)
        if len(cells) > width and any(stripped[width:]):
            self.problem(line, "", f"{len(cells)} cells for {width} columns (a stray separator?)")
        if complete and len(cells) < needed:
            first = next(c for c in positions[len(cells) :] if c is not None)
            self.problem(
                line,
                self.labels.get(first, first),
                f"missing (the row has {len(cells)} fields, the header {width}); truncated row?",
            )
            return None
        # Built by C-level calls only: catalogs of 500,000 rows go through here.
        values: dict[Any, str] = dict(itertools.compress(zip(positions, stripped, strict=False), stripped))
        values.pop(None, None)
        return Record(self, line, values, present)


def _failing(exc: ConfigError) -> Iterator[str]:
    """Lines that are not: reading them raises ``exc`` (a file that could not be read)."""
    yield from ()
    raise exc
