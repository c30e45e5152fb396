"""Reading TOML files with line numbers: typed readers that collect every located problem.

Each package turns its own section of `config.toml` into dataclasses with a :class:`Section`;
this module only knows TOML, lines and basic types, so every package can use it without
importing another. A problem is reported as ``file:line: key: message``, in the words the
row readers of :mod:`.table` use too (:mod:`.problems`); the file is opened as every
user's file is (:mod:`.textfile`: UTF-8, a BOM accepted).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from vigie.kernel.durations import format_duration, parse_clock, parse_duration
from vigie.kernel.problems import ConfigError, Problem, did_you_mean, not_one_of, range_problem, type_name
from vigie.kernel.textfile import read_text

KeyPath = tuple[str | int, ...]

DEEPEST = 100
"""Nesting deeper than this is reported at the line where it is reached (the parser itself
gives up, with a RecursionError, some hundreds of levels deeper)."""


def key_name(path: KeyPath) -> str:
    """Render a key path the way an operator reads it: ``components[2].target``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part + 1}]"
        else:
            out += ("." if out else "") + part
    return out


_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
_KEYLINE = re.compile(
    r"""^\s*((?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*')(?:\s*\.\s*(?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*'))*)\s*="""
)


def _split_dotted(text: str) -> list[str]:
    parts = re.findall(r"""[A-Za-z0-9_-]+|"[^"]*"|'[^']*'""", text)
    return [p[1:-1] if p[:1] in "\"'" else p for p in parts]


def _too_deep(text: str) -> int | None:
    """The line where brackets and braces first nest more than :data:`DEEPEST` deep (strings
    are not told apart: this only locates a file the parser could not read)."""
    depth = 0
    for number, line in enumerate(text.splitlines(), start=1):
        for char in line:
            if char in "[{":
                depth += 1
                if depth > DEEPEST:
                    return number
            elif char in "]}":
                depth -= 1
    return None


def locate_lines(text: str) -> dict[KeyPath, int]:
    """Map each table header and key of a TOML document to its 1-based line number.

    tomllib keeps no positions, so this scans the text: enough for error messages
    (headers, ``key =`` lines, arrays of tables); keys inside inline tables or multi-line
    values fall back to the nearest enclosing key when looked up.
    """
    lines: dict[KeyPath, int] = {}
    array_counts: dict[tuple[str, ...], int] = {}
    current: KeyPath = ()
    in_multiline: str | None = None
    for number, raw in enumerate(text.splitlines(), start=1):
        if in_multiline:
            if raw.count(in_multiline) % 2 == 1:
                in_multiline = None
            continue
        header = _HEADER.match(raw)
        if header and not raw.lstrip().startswith("#"):
            names = _split_dotted(header.group(2))
            is_array = header.group(1) == "[["
            path = _resolve_header(names, array_counts)
            if is_array:
                key = tuple(names)
                array_counts[key] = array_counts.get(key, 0) + 1
                path = (*path, array_counts[key] - 1)
            current = path
            lines.setdefault(current, number)
            continue
        keyline = _KEYLINE.match(raw)
        if keyline:
            full = (*current, *_split_dotted(keyline.group(1)))
            lines.setdefault(full, number)
            rest = raw[keyline.end() :]
            for quote in ('"""', "'''"):
                if rest.count(quote) == 1:
                    in_multiline = quote
    return lines


def _resolve_header(names: list[str], array_counts: dict[tuple[str, ...], int]) -> KeyPath:
    """Turn ``[components.policy]`` into ``("components", 3, "policy")`` after ``[[components]]``."""
    path: list[str | int] = []
    for i, name in enumerate(names):
        path.append(name)
        prefix = tuple(names[: i + 1])
        if prefix in array_counts and i < len(names) - 1:
            path.append(array_counts[prefix] - 1)
    return tuple(path)


@dataclass
class Document:
    """A parsed TOML file with the means to locate keys and collect problems."""

    file: str
    data: dict[str, Any]
    lines: dict[KeyPath, int]
    problems: list[Problem] = field(default_factory=list)

    @classmethod
    def load(cls, path: str | Path) -> Document:
        """Read and parse a TOML file; an unreadable file or bad syntax is a ConfigError."""
        return cls.parse(read_text(path), str(path))

    @classmethod
    def parse(cls, text: str, name: str) -> Document:
        """Parse TOML text; syntax errors become a single located problem."""
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            msg = str(exc)
            match = re.search(r"\(at line (\d+), column \d+\)", msg)
            line = int(match.group(1)) if match else None
            if "(at end of document)" in msg:  # a truncated file: the parser stopped at its last line
                line, msg = (
                    max(1, len(text.splitlines())),
                    msg.replace("(at end of document)", "(the file ends here)"),
                )
            msg = re.sub(r"\s*\(at line \d+, column \d+\)", "", msg)
            raise ConfigError([Problem(name, line, "", f"TOML syntax error: {msg}")]) from None
        except RecursionError:
            line = _too_deep(text)
            raise ConfigError(
                [
                    Problem(
                        name, line, "", f"TOML syntax error: arrays or tables nested more than {DEEPEST} deep"
                    )
                ]
            ) from None
        return cls(name, data, locate_lines(text))

    def line_of(self, path: KeyPath) -> int | None:
        """The line of a key, or of its nearest enclosing key or table."""
        for end in range(len(path), 0, -1):
            if path[:end] in self.lines:
                return self.lines[path[:end]]
        return None

    def problem(self, path: KeyPath, message: str) -> None:
        """Record a problem at a key path."""
        self.problems.append(Problem(self.file, self.line_of(path), key_name(path), message))

    def section(self, name: str) -> Section:
        """A reader over a top-level table (an absent table reads as empty)."""
        value = self.data.get(name, {})
        if not isinstance(value, dict):
            self.problem((name,), f"must be a table, not {type_name(value)}")
            value = {}
        return Section(self, (name,), value)

    def array(self, name: str) -> list[Section]:
        """Readers over an array of tables such as ``[[components]]``."""
        value = self.data.get(name, [])
        if not isinstance(value, list):
            self.problem((name,), f"must be an array of tables ([[{name}]]), not {type_name(value)}")
            return []
        sections = []
        for i, item in enumerate(value):
            if isinstance(item, dict):
                sections.append(Section(self, (name, i), item))
            else:
                self.problem((name, i), f"must be a table, not {type_name(item)}")
        return sections

    def check_top_level(self, known: list[str]) -> None:
        """Report unknown top-level tables."""
        for key in self.data:
            if key not in known:
                self.problem((key,), did_you_mean(key, known))

    def raise_if_problems(self) -> None:
        """Raise a ConfigError holding every problem recorded so far, sorted by line."""
        if self.problems:
            ordered = sorted(self.problems, key=lambda p: (p.line or 0, p.key))
            raise ConfigError(ordered)


_MISSING = object()


class Section:
    """Typed access to one table; every bad value is recorded, never raised.

    Readers return the given default (or None) when the value is bad, so loading goes
    on and reports every problem at once. :meth:`done` reports keys nobody read.
    """

    def __init__(self, doc: Document, path: KeyPath, data: Mapping[str, Any]) -> None:
        self.doc = doc
        self.path = path
        self.data = data
        self._read: set[str] = set()

    def __contains__(self, key: str) -> bool:
        return key in self.data

    def problem(self, key: str | None, message: str) -> None:
        """Record a problem at a key of this table (or at the table itself)."""
        self.doc.problem((*self.path, key) if key else self.path, message)

    def _get(self, key: str, required: bool) -> Any:
        self._read.add(key)
        if key not in self.data:
            if required:
                self.problem(None, f"missing required key '{key}'")
            return _MISSING
        return self.data[key]

    def raw(self, key: str, default: Any = None) -> Any:
        """The value as parsed, unchecked."""
        value = self._get(key, False)
        return default if value is _MISSING else value

    def string(
        self,
        key: str,
        default: str | None = None,
        *,
        required: bool = False,
        choices: tuple[str, ...] | None = None,
        pattern: str | None = None,
        what: str | None = None,
    ) -> str | None:
        """A string, optionally one of ``choices`` or matching ``pattern`` (``what`` names what
        it must be in the message)."""
        value = self._get(key, required)
        if value is _MISSING:
            return default
        if not isinstance(value, str):
            self.problem(key, f"must be a string, not {type_name(value)}")
            return default
        if choices is not None and value not in choices:
            self.problem(key, not_one_of(value, choices))
            return default
        if pattern is not None and not re.fullmatch(pattern, value):
            self.problem(key, f"'{value}' is not {what}" if what else f"'{value}' does not match {pattern}")
            return default
        return value

    def number(
        self,
        key: str,
        default: float | None = None,
        *,
        required: bool = False,
        minimum: float | None = None,
        maximum: float | None = None,
        exclusive_minimum: bool = False,
        integer: bool = False,
    ) -> float | None:
        """A finite number (an integer when ``integer``) within the given bounds, and within
        ±:data:`~vigie.kernel.problems.LARGEST`."""
        value = self._get(key, required)
        if value is _MISSING:
            return default
        kind = "an integer" if integer else "a number"
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.problem(key, f"must be {kind}, not {type_name(value)}")
            return default
        if integer and not isinstance(value, int):
            self.problem(key, f"must be an integer, not {value}")
            return default
        problem = range_problem(value, minimum, maximum, exclusive_minimum=exclusive_minimum)
        if problem is not None:
            self.problem(key, problem)
            return default
        return value

    def integer(self, key: str, default: int | None = None, **kw: Any) -> int | None:
        """An integer within the given bounds."""
        value = self.number(key, default, integer=True, **kw)
        return None if value is None else int(value)

    def boolean(self, key: str, default: bool | None = None, *, required: bool = False) -> bool | None:
        """A boolean."""
        value = self._get(key, required)
        if value is _MISSING:
            return default
        if not isinstance(value, bool):
            self.problem(key, f"must be true or false, not {type_name(value)}")
            return default
        return value

    def duration(
        self,
        key: str,
        default: float | None = None,
        *,
        required: bool = False,
        minimum: float = 0.0,
        maximum: float | None = None,
    ) -> float | None:
        """A duration such as ``30s``, ``5m``, ``1h30m``, ``2d``; returned in seconds."""
        value = self._get(key, required)
        if value is _MISSING:
            return default
        if not isinstance(value, str):
            self.problem(key, f'must be a duration string like "30s", not {type_name(value)}')
            return default
        try:
            seconds = parse_duration(value)
        except ValueError as exc:
            self.problem(key, str(exc))
            return default
        if seconds < minimum or (maximum is not None and seconds > maximum):
            bound = f"at least {format_duration(minimum)}"
            if maximum is not None:
                bound += f" and at most {format_duration(maximum)}"
            self.problem(key, f"'{value}' is out of range (must be {bound})")
            return default
        return seconds

    def timezone(self, key: str, default: str | None = None) -> ZoneInfo | None:
        """An IANA time-zone name such as ``Europe/Paris``."""
        name = self.string(key, default)
        if name is None:
            return None
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            self.problem(key, f"unknown time zone '{name}'")
            return None

    def clock(self, key: str, default: str | None = None, *, required: bool = False) -> time | None:
        """A wall-clock time ``HH:MM`` (``24:00`` allowed as the end of a day)."""
        value = self.string(key, default, required=required)
        if value is None:
            return None
        try:
            return parse_clock(value)
        except ValueError as exc:
            self.problem(key, str(exc))
            return None

    def datetime(self, key: str, *, required: bool = False) -> datetime | None:
        """A TOML date-time (local or with offset); a string is accepted if ISO 8601."""
        value = self._get(key, required)
        if value is _MISSING:
            return None
        if isinstance(value, str):
            try:
                value = datetime.fromisoformat(value)
            except ValueError:
                self.problem(key, f"'{value}' is not an ISO 8601 date-time")
                return None
        if not isinstance(value, datetime):
            self.problem(key, f"must be a date-time like 2017-07-14T22:00:00, not {type_name(value)}")
            return None
        return value

    def table(self, key: str) -> Section | None:
        """A sub-table, or None when absent or not a table (recorded)."""
        value = self._get(key, False)
        if value is _MISSING:
            return None
        if not isinstance(value, dict):
            self.problem(key, f"must be a table, not {type_name(value)}")
            return None
        return Section(self.doc, (*self.path, key), value)

    def string_list(self, key: str, default: list[str] | None = None) -> list[str] | None:
        """An array of strings (a single string is accepted as a one-item list)."""
        value = self._get(key, False)
        if value is _MISSING:
            return default
        if isinstance(value, str):
            return [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.problem(key, "must be an array of strings")
            return default
        return list(value)

    def done(self, known: list[str] | None = None) -> None:
        """Report keys that were never read as unknown, with a did-you-mean."""
        names = known if known is not None else sorted(self._read)
        for key in self.data:
            if key not in self._read and (known is None or key not in known):
                self.problem(key, did_you_mean(key, names))
