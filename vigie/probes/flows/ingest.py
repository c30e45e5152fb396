"""Events in: JSON Lines or CSV files (`vigie flows ingest`) and request bodies (POST /events).

The event format (JSON Lines; CSV with the same column names):

- ``key`` the business key, ``at`` ISO 8601 with an offset, ``hop`` a catalog application,
  ``event`` one of ``received``, ``transformed``, ``sent``, ``acknowledged``, ``status``,
  ``error``: required;
- ``type`` (a ``[[flows]]`` type), ``status`` (the source's code; required for a status
  event), ``partner``, ``reason``, ``batch`` (the key of the file that carried it),
  ``report`` (the name of an attached integration report), ``correlation`` (named ids: an
  object in JSON, ``file=F.xml|edi_control=000123`` in a CSV cell): optional. Other
  fields are welcome and ignored: nothing of a payload is stored.

Files are read as every user's file is (:mod:`vigie.kernel.textfile`: UTF-8, a BOM
accepted, a bad byte located), rows with the kernel's row readers (:mod:`vigie.kernel.table`);
the first problem stops the reading with ``file:line: field: message`` and nothing of the
file is stored. A fast path takes the usual well-formed event without the row reader;
anything it is not sure of goes through the row reader, which says what is wrong, if
anything.
"""

from __future__ import annotations

import codecs
import io
import itertools
import os
import re
from collections.abc import Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from itertools import compress, repeat
from operator import attrgetter, is_
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

import msgspec
import orjson

from vigie.kernel.problems import ConfigError, Problem
from vigie.kernel.table import Codes, CsvFile, Record, Table, parse_instant
from vigie.kernel.textfile import TextLines
from vigie.probes.flows.events import Block, Incoming
from vigie.probes.flows.lifecycle import KINDS, Kind, Route

if TYPE_CHECKING:  # the reading process imports this module, and needs neither
    from vigie.probes.flows.store import FlowStore, IngestResult

FIELDS = (
    "key",
    "at",
    "hop",
    "event",
    "type",
    "status",
    "partner",
    "reason",
    "batch",
    "correlation",
    "report",
)
REQUIRED = ("key", "at", "hop", "event")
OPTIONAL_TEXT = ("partner", "reason", "batch", "report")
APART_BYTES = 4 * 1024 * 1024
"""Files this large (about 30,000 events) are stored by a writing process of their own:
starting it costs about a tenth of a second, which a smaller file would not win back."""
MAX_BODY = 16 * 1024 * 1024
"""The largest POST /events body accepted (bytes)."""
BODY = "POST /events"
"""How problems of a request body name their "file"."""

_KINDS: Mapping[str, Kind] = {kind.value: kind for kind in KINDS}
_KIND_CODES = Codes(dict(_KINDS))
_HOP = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]*")
_HOP_WHAT = "an application id (letters, digits, '.', '_', ':', '-')"
_BLOCK_LINES = 10_000
_BLOCK_BYTES = 1 << 20
_INSTANTS = 100_000  # instants kept parsed by the line reader (events often share their second)
_TZINFO = attrgetter("tzinfo")
_ASCII_SPACES = tuple(c for c in map(chr, range(128)) if c.isspace())


class _Wire(msgspec.Struct, gc=False):
    """An event as JSON carries it, decoded in C; :meth:`EventReader.block` checks the rest."""

    key: str
    at: str
    hop: str
    event: Kind
    type: str = ""
    status: str = ""
    partner: str = ""
    reason: str = ""
    batch: str = ""
    report: str = ""
    correlation: dict[str, str] | None = None


_WIRE = msgspec.json.Decoder(_Wire)


def _trimmed(values: list[str]) -> bool:
    """Whether no value starts or ends with white space (one pass in C when none holds any)."""
    joined = "\x00".join(values)
    if joined.isascii() and not any(space in joined for space in _ASCII_SPACES):
        return True
    return all(value.strip() == value for value in values)


@dataclass(frozen=True)
class FileResult:
    """One file ingested: its name, its format, what the store did."""

    file: str
    format: str
    result: IngestResult


class EventReader:
    """Checks events against what the configuration and the catalog know.

    ``hops`` are the catalog's application ids (None when no catalog: any id-like name);
    ``types`` the ``[[flows]]`` types.
    """

    def __init__(self, types: Collection[str], hops: Collection[str] | None = None) -> None:
        self.types = frozenset(types)
        self.hops = None if hops is None else frozenset(hops)
        self._good_hops: set[str] = set()
        self._instants: dict[str, float] = {}

    # --- the fast path ---------------------------------------------------------------------

    def fast(self, obj: Mapping[str, Any]) -> Incoming | None:
        """The event when it is plainly well formed, else None (the row reader decides)."""
        key, at, hop, event = obj.get("key"), obj.get("at"), obj.get("hop"), obj.get("event")
        if (
            key.__class__ is not str
            or at.__class__ is not str
            or hop.__class__ is not str
            or event.__class__ is not str
        ):
            return None
        kind = _KINDS.get(event)
        if kind is None or not key or key.strip() != key:
            return None
        moment = self._instants.get(at)
        if moment is None:
            try:
                moment = parse_instant(at).timestamp()
            except ValueError:
                return None
            if len(self._instants) > _INSTANTS:
                self._instants.clear()
            self._instants[at] = moment
        if hop not in self._good_hops:
            if not (_HOP.fullmatch(hop) if self.hops is None else hop in self.hops):
                return None
            self._good_hops.add(hop)
        get = obj.get
        texts = (
            get("type", ""),
            get("status", ""),
            get("partner", ""),
            get("reason", ""),
            get("batch", ""),
            get("report", ""),
        )
        for value in texts:
            if value.__class__ is not str or value.strip() != value:
                return None
        kind_name, status, partner, reason, batch, report = texts
        if (kind_name and kind_name not in self.types) or (kind is Kind.STATUS and not status):
            return None
        pairs = obj.get("correlation")
        correlation: tuple[tuple[str, str], ...] = ()
        if pairs is not None:
            if pairs.__class__ is not dict:
                return None
            for name, value in pairs.items():
                if (
                    value.__class__ is not str
                    or not value
                    or value.strip() != value
                    or not name
                    or name.strip() != name
                ):
                    return None
            correlation = tuple(pairs.items())
        return Incoming(
            key, moment, hop, kind, kind_name, status, partner, reason, batch, report, correlation
        )

    # --- the row reader: every problem located and told ------------------------------------

    def checked(self, record: Record, required_present: bool = True) -> Incoming | None:
        """The event of one row or object, or None with its problems recorded.

        ``required_present`` False checks that the required fields are there at all (a
        JSON object's keys; a CSV file's columns were checked with its header).
        """
        if not required_present:
            for name in REQUIRED:
                if name not in record.columns:
                    record.problem(name, "missing required field")
        key = record.string("key", required=True)
        instant = record.datetime("at", required=True)
        if self.hops is None:
            hop = record.string("hop", required=True, pattern=_HOP, what=_HOP_WHAT)
        else:
            hop = record.reference("hop", self.hops, "application", required=True)
        kind = record.choice("event", _KIND_CODES, required=True)
        flow_type = record.reference("type", self.types, "flow type") if "type" in record.values else None
        status = record.string("status")
        if kind is Kind.STATUS and status is None and "status" not in record.values:
            record.problem("status", "required for a status event (the source's status code)")
        partner, reason, batch, report = (record.string(name) or "" for name in OPTIONAL_TEXT)
        correlation = _correlation(record)
        if key is None or instant is None or hop is None or kind is None or record.table.problems:
            return None
        return Incoming(
            key,
            instant.timestamp(),
            hop,
            kind,
            flow_type or "",
            status or "",
            partner,
            reason,
            batch,
            report,
            correlation,
        )

    # --- JSON objects --------------------------------------------------------------------

    def from_object(self, table: Table, line: int, obj: object) -> Incoming:
        """One JSON value as an event; a ConfigError with its first problem otherwise."""
        if not isinstance(obj, dict):
            raise ConfigError([Problem(table.file, line, "", "must be a JSON object (one event per line)")])
        event = self.fast(obj)
        if event is not None:
            return event
        found = self.checked(table.record(line, obj), required_present=False)
        if table.problems or found is None:
            raise ConfigError(table.problems[:1])
        return found

    def json_lines(self, name: str, lines: Iterable[str], first: int = 1) -> Iterator[Incoming]:
        """The events of JSON Lines text, line numbers from ``first``.

        Lines are taken by blocks, each decoded and checked whole in C (:meth:`block`); a
        block holding anything that check is not sure of is read line by line, which says
        what is wrong, if anything.
        """
        it = iter(lines)
        while block := list(itertools.islice(it, _BLOCK_LINES)):
            events = self.block(block)
            if events is None:
                events = list(self._lines(name, block, first))
            yield from events
            first += len(block)

    def json_blocks(self, name: str, handle: BinaryIO) -> Iterator[Block]:
        """The events of a JSON Lines file, by blocks of its bytes.

        Each block (whole lines, about :data:`_BLOCK_BYTES`) is decoded from its bytes and
        checked whole in C (:meth:`wired`); a block holding anything that check is not sure
        of (a bad byte too) is read as text line by line, which says what is wrong.
        """
        rest = handle.read(len(codecs.BOM_UTF8))
        if rest == codecs.BOM_UTF8:
            rest = b""
        first = 1
        while True:
            more = handle.read(_BLOCK_BYTES)
            data = rest + more
            cut = data.rfind(b"\n") + 1 if more else len(data)
            whole, rest = data[:cut], data[cut:]
            if not whole:
                if not more:
                    return
                continue  # one line longer than a block: read on
            lines = whole.count(b"\n") + (not whole.endswith(b"\n"))
            try:
                events = self.wired(_WIRE.decode_lines(whole), lines)
            except (msgspec.DecodeError, UnicodeDecodeError):
                events = None
            if events is None:
                events = Block.of(list(self._lines(name, _text_lines(name, whole, first), first)))
            if events.keys:  # none in a block of blank lines
                yield events
            first += lines

    def block(self, lines: list[str]) -> list[Incoming] | None:
        """The events of a block of JSON lines when every one is plainly well formed, else None."""
        try:
            wires = _WIRE.decode_lines("".join(lines))
        except msgspec.DecodeError:
            return None
        found = self.wired(wires, len(lines))
        return None if found is None else list(map(Incoming._make, zip(*found, strict=True)))

    def wired(self, wires: list[_Wire], lines: int) -> Block | None:
        """The events of ``lines`` JSON lines decoded, by columns, when every one is plainly
        well formed (each check runs over a whole column in C)."""
        if len(wires) != lines:
            return None  # a blank line, or two values on one: the line reader decides
        keys = [w.key for w in wires]
        statuses = [w.status for w in wires]
        partners = [w.partner for w in wires]
        reasons = [w.reason for w in wires]
        batches = [w.batch for w in wires]
        reports = [w.report for w in wires]
        if not all(keys) or not all(map(_trimmed, (keys, statuses, partners, reasons, batches, reports))):
            return None
        types = [w.type for w in wires]
        if not set(types) - {""} <= self.types:
            return None
        kinds = [w.event for w in wires]
        if "" in compress(statuses, map(is_, kinds, repeat(Kind.STATUS))):
            return None
        hops = [w.hop for w in wires]
        unknown = set(hops).difference(self._good_hops)
        for hop in unknown:
            if not (_HOP.fullmatch(hop) if self.hops is None else hop in self.hops):
                return None
            self._good_hops.add(hop)
        # Parsed one by one in C: events seldom share their second within a block, and a
        # cache cost more than it saved.
        try:
            moments = list(map(datetime.fromisoformat, [w.at for w in wires]))
        except ValueError:
            return None
        if None in map(_TZINFO, moments):
            return None
        # Every correlation's names, then its ids, checked at once.
        pairs = [w.correlation for w in wires]
        present = list(filter(None, pairs))
        names = [name for p in present for name in p]
        ids = [value for p in present for value in p.values()]
        if not (all(names) and all(ids) and _trimmed(names) and _trimmed(ids)):
            return None
        return Block(
            keys,
            list(map(datetime.timestamp, moments)),
            hops,
            kinds,
            types,
            statuses,
            partners,
            reasons,
            batches,
            reports,
            [tuple(p.items()) if p else () for p in pairs],
        )

    def _lines(self, name: str, lines: Iterable[str], first: int) -> Iterator[Incoming]:
        table = Table(name)
        for number, line in enumerate(lines, first):
            if not line.strip():
                continue
            try:
                obj = orjson.loads(line)
            except orjson.JSONDecodeError as exc:
                reason = str(exc).split(":")[0]
                raise ConfigError([Problem(name, number, "", f"not JSON ({reason})")]) from None
            yield self.from_object(table, number, obj)

    def csv(self, sheet: CsvFile) -> Iterator[Incoming]:
        """The events of a CSV file (the same column names as the JSON fields)."""
        sheet.use_columns(FIELDS, REQUIRED, others=True)
        if sheet.problems:
            raise ConfigError(sheet.problems[:1])
        for record in sheet.records(complete=True):
            event = self.checked(record)
            if sheet.problems or event is None:
                raise ConfigError(sheet.problems[:1])
            yield event
        if sheet.problems:
            raise ConfigError(sheet.problems[:1])

    def body(self, data: bytes) -> list[Incoming]:
        """The events of a request body: a JSON array of events, or JSON Lines."""
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ConfigError([Problem(BODY, None, "", f"not UTF-8 (byte {exc.start})")]) from None
        if text.lstrip().startswith("["):
            try:
                items = orjson.loads(text)
            except orjson.JSONDecodeError as exc:
                raise ConfigError([Problem(BODY, None, "", f"not JSON ({str(exc).split(':')[0]})")]) from None
            table = Table(BODY)
            return [self.from_object(table, n, item) for n, item in enumerate(items, 1)]
        return list(self.json_lines(BODY, text.splitlines(keepends=True)))


def _correlation(record: Record) -> tuple[tuple[str, str], ...]:
    value = record.raw("correlation")
    if value is None:
        return ()
    pairs: list[tuple[str, str]] = []
    if isinstance(value, dict):
        for name, item in value.items():
            if isinstance(item, int) and not isinstance(item, bool):
                item = str(item)
            if not isinstance(item, str) or not item.strip() or not str(name).strip():
                record.problem("correlation", f"{name}: must be a non-empty string")
                return ()
            pairs.append((str(name).strip(), item.strip()))
        return tuple(pairs)
    if isinstance(value, str):
        for part in value.split("|"):
            name, sep, item = part.partition("=")
            if not sep or not name.strip() or not item.strip():
                record.problem("correlation", f"'{part}' is not name=id (ids separated by |)")
                return ()
            pairs.append((name.strip(), item.strip()))
        return tuple(pairs)
    record.problem("correlation", "must be an object of named ids, or name=id|name=id")
    return ()


def _text_lines(name: str, data: bytes, first: int) -> Iterator[str]:
    """The lines of a block of a file that starts at line ``first`` (a bad byte: its problem, located)."""
    # A block after the first is read behind a blank line: a byte-order mark there is a
    # character of a line (not JSON), not one the file starts with.
    lines = TextLines(io.BytesIO(b"\n" + data if first > 1 else data), name)
    shift = first - 2 if first > 1 else 0
    try:
        yield from itertools.islice(lines, 1 if first > 1 else 0, None)
    except ConfigError as exc:
        raise ConfigError([replace(p, line=p.line + shift) if p.line else p for p in exc.problems]) from None


def read_events(path: str | Path, reader: EventReader, handle: Any) -> tuple[str, Iterator[Block]]:
    """The format (``jsonl`` or ``csv``, from the first line) and events of an open file, by blocks."""
    name = str(path)
    lines = iter(TextLines(handle, name))
    skipped: list[str] = []
    for line in lines:
        skipped.append(line)
        if line.strip():
            break
    if skipped and skipped[-1].lstrip().startswith("{"):
        handle.seek(0)  # read again as bytes, by blocks
        return "jsonl", reader.json_blocks(name, handle)
    events = reader.csv(CsvFile(name, itertools.chain(skipped, lines)))
    rows = iter(lambda: list(itertools.islice(events, _BLOCK_LINES)), [])
    return "csv", map(Block.of, rows)


def ingest_file(
    path: str | Path,
    store: FlowStore,
    routes: Mapping[str, Route],
    reader: EventReader,
    *,
    progress: bool = False,
    apart: bool | None = None,
) -> FileResult:
    """Ingest one file whole, or nothing of it (a ConfigError names its first problem).

    ``apart``: the file is read and checked in a process of its own
    (:mod:`~vigie.probes.flows.reading`) and the store written in another
    (:meth:`FlowStore.ingest`) while this one resolves and folds the events; by default
    when the file has :data:`APART_BYTES` or more.
    """
    from vigie.probes.progress import reading  # the bar: the ingesting process's own

    with reading(path, progress) as handle:
        if apart is None:
            apart = os.stat(path).st_size >= APART_BYTES
        if not apart:
            kind, blocks = read_events(path, reader, handle)
            result = store.ingest_blocks(blocks, routes)
            return FileResult(str(path), kind, result)
        # Imported here: that module imports this one.
        from vigie.probes.flows.reading import ReadApart

        other = ReadApart(path, reader, handle)
        try:
            result = store.ingest_blocks(other.blocks(), routes, apart=True)
        finally:
            other.close()
    return FileResult(str(path), other.format, result)
