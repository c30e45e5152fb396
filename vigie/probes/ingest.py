"""Import measurement history from CSV (`vigie ingest samples`), streaming: checked whole,
then written in short pieces.

Format (DESIGN.md §7): a header naming the columns ``component,timestamp,status`` and
optionally ``latency_ms``, ``detail``, ``probe``, ``value`` and ``interval_s``, in any order; ``timestamp``
is ISO 8601 with an offset or ``Z``; ``status`` is ``up``, ``degraded``, ``down`` or
``maintenance``. ``probe`` names a configured probe of the row's component; rows without
it (or with it empty) are stored under the probe id ``ingest``
(:data:`~vigie.probes.config.INGEST_PROBE`). ``value`` is a number >= 0: for a
throughput-role probe, the rate per second the reports compare to the component's
capacity. A row covers the time until the next row of the same probe, at most twice the
row's step, stored with it: its ``interval_s`` cell (seconds), else the step given for the
whole file (``--step``), else the median spacing of that probe's rows in the first chunk
of the file that holds two of them (said in the summary). History exported by another
tool every 5 minutes thus keeps its time beside 30-second probes.
Results of throughput-role probes never count in availability (the SLA accounting leaves
them out), so importing throughput history leaves the SLA figures unchanged.

Every row is checked (known component, probe of that component, time with an offset,
after 1970 and at most a day ahead of now, strictly increasing per component and probe,
known status, a latency from 0 to a day in milliseconds, a value >= 0, no truncated last line); the first problem stops the import with
``file:line: field: message`` and nothing of the file is written. Rows already stored are
skipped, so importing a file twice is harmless.

The file is read as every user's file is (:mod:`vigie.kernel.textfile`: UTF-8, a BOM
accepted, a bad byte located) and checked row by row with the kernel's typed row reader
(:mod:`vigie.kernel.table`), so its messages are those of the other importers; a faster
column-by-column path handles the chunks where nothing is in doubt.
"""

from __future__ import annotations

import csv
import dataclasses
import itertools
import marshal
import math
import statistics
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from operator import itemgetter, lt, ne, sub
from pathlib import Path
from typing import Any, BinaryIO, TypeVar

from vigie.accounting.results import STORED_STATUSES
from vigie.kernel.gcpause import gc_paused
from vigie.kernel.problems import LARGEST, ConfigError, Problem
from vigie.kernel.table import Codes, CsvFile, parse_instant
from vigie.kernel.textfile import BLOCK, TextLines, open_binary
from vigie.probes.config import INGEST_PROBE, ProbesConfig
from vigie.probes.results import Batch, Row
from vigie.probes.store import Store
from vigie.probes.storelock import holder

REQUIRED = ("component", "timestamp", "status")
OPTIONAL = ("latency_ms", "detail", "probe", "value", "interval_s")
CHUNK = 200_000
PIECE = 4_096
PIECE_SECONDS = 0.25
"""How long one write transaction of an import lasts at most (plus one piece of rows)."""
PIECE_ROWS = 20_000
"""Rows written at a time inside a write transaction (a few tens of milliseconds)."""
LET_IN_SECONDS = 0.11
"""The pause after each write transaction while a daemon writes to the same store."""
AHEAD = 86_400.0
"""How far ahead of now a row's time may be (a clock a little ahead, not a typo for 2107)."""
MAX_LATENCY_MS = 86_400_000.0
"""The longest latency a row may bring: a day (beyond it a value is a unit mistake or garbage)."""
MAX_STEP = 86_400.0
"""The longest step a row may bring (a row then covers at most two days)."""
INFER_ROWS = 1_000
"""A probe's step, when the file does not give it, is the median of its first rows' spacings."""

STATUSES = Codes.words([str(s) for s in STORED_STATUSES])
_CANONICAL = {str(s): str(s) for s in STORED_STATUSES}

K = TypeVar("K", bound=Hashable)


class IngestError(ConfigError):
    """A bad file, header or row: one problem, ``file:line: field: message``."""

    def __init__(self, problem: Problem) -> None:
        super().__init__([problem])


@dataclass(frozen=True)
class Step:
    """The step of one probe's rows and where it comes from: ``column`` (``interval_s``),
    ``option`` (``--step``), ``median`` (inferred from the file) or ``configured`` (a lone
    row: the probe's configured interval)."""

    component: str
    probe: str
    seconds: float | None
    source: str


@dataclass(frozen=True)
class IngestStats:
    """What an import did."""

    rows: int
    added: int
    components: int
    first_ts: float | None
    last_ts: float | None
    seconds: float
    steps: tuple[Step, ...] = ()

    @property
    def rate(self) -> float:
        """Rows read per second."""
        return self.rows / self.seconds if self.seconds > 0 else 0.0


def ingest_samples(
    store: Store,
    path: str | Path,
    config: ProbesConfig,
    progress: Callable[[int], None] | None = None,
    step: float | None = None,
) -> IngestStats:
    """Import one CSV file into ``store``; raises IngestError on a bad row, and then nothing
    of the file is written.

    The file is checked whole first, its rows set aside in a temporary file; they are then
    written in transactions of about :data:`PIECE_SECONDS`, so the daemon's batches never
    wait long for the write lock (and, while a daemon writes to the store, the import leaves
    the lock free a moment after each one). An import stopped while writing (killed, disk
    full) keeps the pieces committed; importing the file again completes it, rows already
    stored being skipped. ``progress`` is called with a count of bytes out of twice the
    file's size: the check, then the writing. ``step`` is the step of the rows without an
    ``interval_s`` cell (None: inferred per probe from the file's median spacing). The store
    should know the probe intervals (:meth:`Store.of_config`) for the rows that end up
    without a step.
    """
    started = time.perf_counter()
    try:
        handle = open_binary(path)
    except ConfigError as exc:
        raise IngestError(exc.problems[0]) from None
    with handle, tempfile.TemporaryFile() as aside, gc_paused():
        checker, rows, size = _check(handle, str(path), config, store.horizon(), aside, progress, step)
        aside.seek(0)
        added = _write(store, aside, size, progress)
    return IngestStats(
        rows,
        added,
        len({component for component, _ in checker.last}),
        min(checker.firsts.values(), default=None),
        max(checker.last.values(), default=None),
        time.perf_counter() - started,
        tuple(Step(c, p, *checker.steps[(c, p)]) for c, p in sorted(checker.steps)),
    )


def _check(
    handle: BinaryIO,
    name: str,
    config: ProbesConfig,
    horizon: float | None,
    aside: BinaryIO,
    progress: Callable[[int], None] | None,
    step: float | None = None,
) -> tuple[_Checker, int, int]:
    """Check every row, setting each chunk's batches aside (marshal: a C-level copy); the
    checker, the rows and the file's size. Raises IngestError at the first problem."""
    rows = 0
    lines = TextLines(handle, name, BLOCK)
    sheet = CsvFile(name, lines)
    if sheet.header:
        sheet.use_columns((*REQUIRED, *OPTIONAL), REQUIRED)
    if sheet.problems:
        raise IngestError(sheet.problems[0])
    checker = _Checker(sheet, config, horizon, step)
    reader = sheet.reader
    while True:
        first_line = reader.line_num
        # On a reading failure the rows before it are checked first: they come first.
        chunk, batches, failure = checker.read_chunk(reader)
        end = first_line
        if chunk:
            if batches is None:
                batches, end = checker.rows(chunk, first_line, last_in_file=not lines.complete)
            _set_aside(aside, lines.bytes, batches)
            rows += sum(map(len, batches))
            if progress is not None:
                progress(lines.bytes)
        if isinstance(failure, csv.Error):
            raise IngestError(sheet.malformed(failure, end + 1))
        if failure is not None:
            raise IngestError(failure.problems[0])
        if len(chunk) < CHUNK:
            break
    if not lines.complete:
        raise IngestError(_truncated(sheet.file, reader.line_num))
    # Rows held back until their probe's step was known (inferred from the whole file).
    rest = checker.finish()
    _set_aside(aside, lines.bytes, rest)
    rows += sum(map(len, rest))
    return checker, rows, lines.bytes


def _set_aside(aside: BinaryIO, done: int, batches: list[Batch]) -> None:
    """Write checked batches to the temporary file (marshal: a C-level copy), with the bytes
    of the file read so far."""
    blob = marshal.dumps((done, [_fields(batch) for batch in batches]))
    # Length first: marshal.load on a file reads item by item, ten times slower than loads.
    aside.write(len(blob).to_bytes(8, "little") + blob)


def _write(store: Store, aside: BinaryIO, size: int, progress: Callable[[int], None] | None) -> int:
    """Write the batches set aside in transactions of about PIECE_SECONDS; the rows added."""
    added = 0
    pieces = _pieces(aside, size, progress)
    piece = next(pieces, None)
    while piece is not None:
        began = time.perf_counter()
        with store.transaction():
            while piece is not None and time.perf_counter() - began < PIECE_SECONDS:
                added += store.append_batches_in_transaction(piece)
                piece = next(pieces, None)
        if piece is not None and holder(store.path) is not None:
            # A daemon waiting for the lock retries at least every 100 ms: let it in.
            time.sleep(LET_IN_SECONDS)
    return added


def _pieces(aside: BinaryIO, size: int, progress: Callable[[int], None] | None) -> Iterator[list[Batch]]:
    """The batches set aside, in pieces of at most PIECE_ROWS rows."""
    while True:
        length = aside.read(8)
        if not length:
            return
        done, chunk = marshal.loads(aside.read(int.from_bytes(length, "little")))
        piece: list[Batch] = []
        rows = 0
        for columns in chunk:
            batch = Batch(*columns)
            for start in range(0, len(batch), PIECE_ROWS):
                part = _slice(batch, start, start + PIECE_ROWS)
                piece.append(part)
                rows += len(part)
                if rows >= PIECE_ROWS:
                    yield piece
                    piece, rows = [], 0
        if piece:
            yield piece
        if progress is not None:
            progress(size + done)


_BATCH_FIELDS = [f.name for f in dataclasses.fields(Batch)]


def _fields(batch: Batch) -> tuple[Any, ...]:
    return tuple(getattr(batch, name) for name in _BATCH_FIELDS)


def _slice(batch: Batch, start: int, end: int) -> Batch:
    """Rows ``start`` to ``end`` of a batch (the columns cut, the other fields kept)."""
    if start == 0 and end >= len(batch):
        return batch
    cut: list[Any] = [v[start:end] if isinstance(v, list | tuple) else v for v in _fields(batch)]
    return Batch(*cut)


class _Bad(Exception):
    """A cell is in doubt: check its chunk row by row to find and name the first problem."""


class _Parsed(dict[str, float | None]):
    """Cells already parsed (files repeat instants across components, and latencies)."""

    def __init__(self, parse: Callable[[str], float | None]) -> None:
        super().__init__()
        self.parse = parse

    def __missing__(self, text: str) -> float | None:
        value = self[text] = self.parse(text)
        return value


def _stamp(text: str) -> float:
    """An ISO 8601 date-time with an offset, in epoch seconds, within the bounds (the row
    reader's instants)."""
    try:
        ts = parse_instant(text).timestamp()
    except ValueError:
        raise _Bad from None
    if not 0 <= ts <= time.time() + AHEAD:
        raise _Bad
    return ts


def _cell(text: str, largest: float = LARGEST) -> float | None:
    """A number from 0 to ``largest`` the row reader would read the same, or None for an empty cell."""
    if text == "":
        return None
    try:
        value = float(text)
    except ValueError:
        raise _Bad from None
    if not 0 <= value <= largest:  # NaN and inf included
        raise _Bad
    return value


def _latency(text: str) -> float | None:
    """A latency cell (see :func:`_cell`), at most :data:`MAX_LATENCY_MS`."""
    return _cell(text, MAX_LATENCY_MS)


def time_problem(ts: float) -> str | None:
    """What is wrong with a row's time (epoch seconds), or None: before 1970, or more than
    :data:`AHEAD` seconds ahead of now."""
    if ts < 0:
        return "before 1970 (a typo in the year?)"
    if ts > time.time() + AHEAD:
        return "more than a day in the future (a typo in the year, or a clock far ahead?)"
    return None


def _step_cell(text: str) -> float | None:
    """A step in seconds (0 < step <= MAX_STEP) the row reader would read the same, or None."""
    value = _cell(text)
    if value is not None and not 0 < value <= MAX_STEP:
        raise _Bad
    return value


def median_step(stamps: Sequence[float]) -> float | None:
    """The median spacing of increasing times (None for fewer than two)."""
    if len(stamps) < 2:
        return None
    return float(statistics.median(map(sub, stamps[1:], stamps[:-1])))


class _Checker:
    """Checks chunks of rows and turns them into one store batch per probe.

    :meth:`read_chunk` works column by column in C-level loops and gives up (None) at the
    first doubt, accepting only cells the row reader reads the same; :meth:`rows` then walks
    the chunk row by row with the kernel's row reader (a :class:`~vigie.kernel.table.Record`
    per row) and raises the first problem in file order. Both keep, per probe, the last
    time seen.
    """

    def __init__(self, sheet: CsvFile, config: ProbesConfig, horizon: float | None, step: float | None):
        self.sheet = sheet
        self.step = step
        # Per probe: the step of its rows without an interval_s cell, and where it comes from;
        # the batches of a probe whose step is still to be inferred.
        self.steps: dict[tuple[str, str], tuple[float | None, str]] = {}
        self.waiting: dict[tuple[str, str], list[tuple[Batch, Sequence[float | None] | None]]] = {}
        columns = sheet.columns
        self.width = len(sheet.header)
        self.i_comp, self.i_ts, self.i_status = (columns[c] for c in REQUIRED)
        self.i_lat, self.i_detail = columns.get("latency_ms"), columns.get("detail")
        self.i_probe, self.i_value = columns.get("probe"), columns.get("value")
        self.i_step = columns.get("interval_s")
        # The probe ids each component's rows may name ("ingest" included).
        self.probes_of = {
            c.id: frozenset([INGEST_PROBE, *(p.id for p in config.probes if p.component == c.id)])
            for c in config.components
        }
        self.owner = {p.id: p.component for p in config.probes}
        self.component_ids = {c.id: c.id for c in config.components}
        self.probe_ids = {INGEST_PROBE: INGEST_PROBE, "": INGEST_PROBE, **{p.id: p.id for p in config.probes}}
        self.floor = -math.inf if horizon is None else horizon
        self.firsts: dict[tuple[str, str], float] = {}
        self.last: dict[tuple[str, str], float] = {}
        self.stamps = _Parsed(_stamp)
        self.numbers = _Parsed(_cell)
        self.latencies = _Parsed(_latency)
        self.step_cells = _Parsed(_step_cell)

    def read_chunk(
        self, reader: Iterator[list[str]]
    ) -> tuple[list[list[str]], list[Batch] | None, csv.Error | ConfigError | None]:
        """Read up to CHUNK rows: the rows, their batches (None: check them row by row), a reading failure.

        The cells are taken out column by column a piece at a time, while the piece's rows
        are still in the CPU cache: going over 200,000 freshly parsed rows again later
        measured three to four times slower.
        """
        rows: list[list[str]] = []
        columns: tuple[list[Any], ...] = ([], [], [], [], [], [], [], [])
        clean = True
        failure = None
        while len(rows) < CHUNK:
            piece: list[list[str]] = []
            try:
                piece.extend(itertools.islice(reader, PIECE))
            except (csv.Error, ConfigError) as exc:  # a malformed row, a bad byte
                failure = exc
            rows += piece
            clean = clean and self._cells(piece, columns)
            if failure is not None or len(piece) < PIECE:
                break
        if not clean or failure is not None or not rows:
            return rows, None, failure
        return rows, self._batches(*columns), None

    def _cells(self, piece: list[list[str]], columns: tuple[list[Any], ...]) -> bool:
        """Append a piece's parsed cells to ``columns``; False when a row needs a closer look."""
        if not piece:
            return True
        n = len(piece)
        if set(map(len, piece)) != {self.width}:
            return False  # blank lines or another number of cells

        def cells(index: int | None, empty: str | None) -> Iterable[Any]:
            return (empty,) * n if index is None else map(itemgetter(index), piece)

        components, stamps, statuses, latencies, values, details, probes, steps = columns
        try:
            # Known values map to one shared object each: later comparisons are identity checks.
            components += map(self.component_ids.__getitem__, cells(self.i_comp, None))
            statuses += map(_CANONICAL.__getitem__, cells(self.i_status, None))
            probes += map(self.probe_ids.__getitem__, cells(self.i_probe, ""))
            stamps += map(self.stamps.__getitem__, cells(self.i_ts, None))
            latencies += map(self.latencies.__getitem__, cells(self.i_lat, ""))
            values += map(self.numbers.__getitem__, cells(self.i_value, ""))
            if self.i_step is not None:
                steps += map(self.step_cells.__getitem__, cells(self.i_step, None))
        except (KeyError, _Bad):
            return False
        # Stripped, as the row reader reads every cell; one it unescapes is left to it.
        stripped = list(map(str.strip, cells(self.i_detail, "")))
        if "'" in map(itemgetter(slice(1)), stripped):
            return False
        details += stripped
        return True

    def _batches(
        self,
        components: list[str],
        stamps: list[float],
        statuses: list[str],
        latencies: list[float | None],
        values: list[float | None],
        details: list[str],
        probes: list[str],
        steps: list[float | None],
    ) -> list[Batch] | None:
        """The chunk's batches, one per probe and step, or None when a row breaks an order or a rule."""
        for cache in (self.stamps, self.numbers, self.latencies, self.step_cells):
            if len(cache) > 100_000:
                cache.clear()
        keys: Sequence[str | tuple[str, str]] = components
        if self.i_probe is not None:
            keys = list(zip(components, probes, strict=True))
        checked = []
        last = {}
        for key, pick in _pickers(keys):
            component, probe = (key, INGEST_PROBE) if isinstance(key, str) else key
            if probe not in self.probes_of[component]:
                return None
            times = pick(stamps)
            previous = self.last.get((component, probe), -math.inf)
            if not (times[0] > previous and times[0] >= self.floor and all(map(lt, times, times[1:]))):
                return None
            last[(component, probe)] = times
            batch = Batch(
                component, probe, times, pick(statuses), pick(latencies), pick(details), pick(values)
            )
            checked.append((batch, pick(steps) if steps else None))
        for key, times in last.items():
            self.firsts.setdefault(key, times[0])
            self.last[key] = times[-1]
        batches = []
        for batch, batch_steps in checked:
            batches += self._stepped(batch, batch_steps)
        return batches

    def rows(self, chunk: list[list[str]], first_line: int, last_in_file: bool) -> tuple[list[Batch], int]:
        """The chunk's batches, checked row by row, and the line its last row ends on; raises
        IngestError at the first problem.

        ``first_line`` is the reader's line number before the chunk; ``last_in_file`` says
        the chunk ends with a line that has no line end.
        """
        groups: dict[tuple[str, str], tuple[list[Row], list[float | None]]] = {}
        line = first_line
        end = len(chunk) - 1
        for index, fields in enumerate(chunk):
            start = line + 1
            # A quoted cell may hold line ends: the row ends on a later line.
            line += 1 + sum(cell.count("\n") for cell in fields)
            try:
                checked = self._row(fields, start)
            except IngestError:
                if last_in_file and index == end:
                    raise IngestError(_truncated(self.sheet.file, line)) from None
                raise
            if checked is not None:
                row, step = checked
                group = groups.setdefault((row[0], row[1]), ([], []))
                group[0].append(row)
                group[1].append(step)
        batches = []
        for rows, steps in groups.values():
            batches += self._stepped(Batch.of_rows(rows), steps if self.i_step is not None else None)
        return batches, line

    def _stepped(self, batch: Batch, steps: Sequence[float | None] | None) -> list[Batch]:
        """The probe's batches ready to store, each of one step: its rows' ``interval_s`` cells
        (``steps``), else the file's step, else the median spacing of the probe's first
        :data:`INFER_ROWS` rows (the batches wait until that many are read, or the file ends,
        so the step does not depend on how the file is cut into chunks)."""
        key = (batch.component, batch.probe)
        waiting = self.waiting.get(key)
        if waiting is None and self.step is not None and key not in self.steps:
            self.steps[key] = (self.step, "option")
        if waiting is None and (key in self.steps or (steps is not None and None not in steps)):
            return self._cut(batch, steps)
        if waiting is None:
            waiting = self.waiting[key] = []
        waiting.append((batch, steps))
        if sum(len(b) for b, _ in waiting) <= INFER_ROWS:
            return []
        return self._release(key)

    def finish(self) -> list[Batch]:
        """The batches still waiting for their step at the end of the file."""
        return [batch for key in list(self.waiting) for batch in self._release(key)]

    def _release(self, key: tuple[str, str]) -> list[Batch]:
        """A probe's waiting batches, once its step is inferred from them."""
        waiting = self.waiting.pop(key)
        stamps = [ts for batch, _ in waiting for ts in batch.ts][: INFER_ROWS + 1]
        median = median_step(stamps)
        self.steps.setdefault(key, (median, "configured" if median is None else "median"))
        return [out for batch, steps in waiting for out in self._cut(batch, steps)]

    def _cut(self, batch: Batch, steps: Sequence[float | None] | None) -> list[Batch]:
        """The batch in runs of one step, rows without a step of their own taking the probe's."""
        key = (batch.component, batch.probe)
        if steps is None or None in steps:
            fill = self.steps[key][0]
            steps = [fill] * len(batch) if steps is None else [fill if s is None else s for s in steps]
        else:
            self.steps.setdefault(key, (steps[0], "column"))
        if steps.count(steps[0]) == len(steps):
            return [replace(batch, interval_s=steps[0])]
        out, i = [], 0
        for step, run in itertools.groupby(steps):
            j = i + len(list(run))
            out.append(
                Batch(
                    batch.component,
                    batch.probe,
                    batch.ts[i:j],
                    batch.status[i:j],
                    batch.latency_ms[i:j],
                    batch.detail[i:j],
                    batch.value[i:j],
                    step,
                )
            )
            i = j
        return out

    def _row(self, fields: list[str], line: int) -> tuple[Row, float | None] | None:
        """One row checked in the order of the messages, with its own step (None for a blank line)."""
        sheet = self.sheet
        record = sheet.row(line, fields, complete=True)
        if record is None:
            self._stop()
            return None
        component = record.reference("component", self.probes_of, "component", required=True)
        moment = record.datetime("timestamp", required=True)
        status = record.choice("status", STATUSES, required=True)
        probe = record.string("probe") or INGEST_PROBE
        ts = math.nan if moment is None else moment.timestamp()
        wrong_time = None if moment is None else time_problem(ts)
        if wrong_time is not None:
            record.problem("timestamp", f"{record.values['timestamp']}: {wrong_time}")
        elif component is not None and probe not in self.probes_of[component]:
            record.problem("probe", _foreign(probe, component, self.owner.get(probe)))
        elif component is not None and moment is not None:
            key = (component, probe)
            previous = self.last.get(key)
            if previous is not None and ts <= previous:
                record.problem(
                    "timestamp",
                    f"not after the previous row of '{component}' (probe '{probe}'; rows of a "
                    "component's probe must be in strictly increasing time)",
                )
            elif ts < self.floor:
                record.problem(
                    "timestamp",
                    "older than the raw data the store keeps (retention already pruned that time)",
                )
        latency = record.number("latency_ms", minimum=0, maximum=MAX_LATENCY_MS)
        value = record.number("value", minimum=0)
        step = record.number("interval_s", minimum=0, maximum=MAX_STEP, exclusive_minimum=True)
        detail = record.string("detail") or ""
        self._stop()
        assert component is not None and status is not None
        self.firsts.setdefault((component, probe), ts)
        self.last[(component, probe)] = ts
        return (component, probe, ts, status, latency, detail, value), step

    def _stop(self) -> None:
        """Raise the first problem recorded, if any."""
        if self.sheet.problems:
            raise IngestError(self.sheet.problems[0])


def _pickers(keys: Sequence[K]) -> list[tuple[K, itemgetter[Any]]]:
    """Each key of a chunk, with a getter of its rows' cells out of a column (first seen first).

    Exports list probes either one after another or interleaved in a fixed order (time
    by time): both come out as slices, copied in C; any other order as index lists.
    """
    seen = list(dict.fromkeys(keys))
    m = len(seen)
    if m == 1:
        return [(seen[0], itemgetter(slice(None)))]
    if keys[m:] == keys[:-m] and len(set(keys[:m])) == m:
        return [(key, itemgetter(slice(k, None, m))) for k, key in enumerate(keys[:m])]
    if sum(map(ne, keys[1:], keys[:-1])) == m - 1:
        out, start = [], 0
        for key, run in itertools.groupby(keys):
            end = start + len(list(run))
            out.append((key, itemgetter(slice(start, end))))
            start = end
        return out
    where: defaultdict[K, list[int]] = defaultdict(list)
    for i, key in enumerate(keys):
        where[key].append(i)
    return [
        (key, itemgetter(*rows) if len(rows) > 1 else itemgetter(slice(rows[0], rows[0] + 1)))
        for key, rows in where.items()
    ]


def _truncated(name: str, line: int) -> Problem:
    return Problem(name, line, "", "the last line has no line end (truncated file?)")


def _foreign(probe: str, component: str, owner: str | None) -> str:
    """The message for a probe id the row's component does not have."""
    if owner is None:
        return f"unknown probe '{probe}' (not in the configuration)"
    return f"'{probe}' is a probe of '{owner}', not of '{component}'"
