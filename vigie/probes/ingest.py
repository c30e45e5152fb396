"""Import measurement history from CSV (`vigie ingest samples`), streaming, all or nothing.

Format (DESIGN.md §7): a header naming the columns ``component,timestamp,status`` and
optionally ``latency_ms``, ``detail``, ``probe`` and ``value``, in any order; ``timestamp``
is ISO 8601 with an offset or ``Z``; ``status`` is ``up``, ``degraded``, ``down`` or
``maintenance``. ``probe`` names a configured probe of the row's component; rows without
it (or with it empty) are stored under the probe id ``ingest``
(:data:`~vigie.probes.timeline.INGEST_PROBE`). ``value`` is a number >= 0: for a
throughput-role probe, the rate per second the reports compare to the component's
capacity. A row covers the time until the next row of the same probe, at most twice that
probe's interval (for ``ingest``: the component's shortest availability interval).
Results of throughput-role probes never count in availability (the SLA accounting leaves
them out), so importing throughput history leaves the SLA figures unchanged.

Every row is checked (known component, probe of that component, time with an offset,
strictly increasing per component and probe, known status, latency and value numbers
>= 0, no truncated last line); the first problem stops the import with
``file:line: field: message`` and nothing of the file is kept. Rows already stored are
skipped, so importing a file twice is harmless.
"""

from __future__ import annotations

import csv
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

from vigie.probes.config import ProbesConfig
from vigie.probes.results import STORED_STATUSES
from vigie.probes.rollups import Row
from vigie.probes.store import Store
from vigie.probes.timeline import INGEST_PROBE

REQUIRED = ("component", "timestamp", "status")
OPTIONAL = ("latency_ms", "detail", "probe", "value")
CHUNK = 50_000

_STATUSES = frozenset(str(s) for s in STORED_STATUSES)


class IngestError(Exception):
    """A bad row or header: the message is ``file:line: field: message``."""


@dataclass(frozen=True)
class IngestStats:
    """What an import did."""

    rows: int
    added: int
    components: int
    first_ts: float | None
    last_ts: float | None
    seconds: float

    @property
    def rate(self) -> float:
        """Rows read per second."""
        return self.rows / self.seconds if self.seconds > 0 else 0.0


class _Lines:
    """Decoded lines of a binary file, counting bytes read and noticing a missing last newline."""

    def __init__(self, handle: BinaryIO) -> None:
        self.handle = handle
        self.bytes = 0
        self.complete = True

    def __iter__(self) -> Iterator[str]:
        for raw in self.handle:
            self.bytes += len(raw)
            self.complete = raw.endswith(b"\n")
            yield raw.decode("utf-8")


def ingest_samples(
    store: Store,
    path: str | Path,
    config: ProbesConfig,
    progress: Callable[[int], None] | None = None,
) -> IngestStats:
    """Import one CSV file into ``store`` in one transaction; raises IngestError on a bad row.

    ``progress`` is called with the bytes read so far after each chunk of rows. The store
    should know the probe intervals (``Store(path, intervals=intervals_from_config(config))``)
    so that imported rows cover twice the component's interval.
    """
    path = Path(path)
    name = str(path)
    started = time.perf_counter()
    # The probe ids each component's rows may name ("ingest" included).
    probes_of = {
        c.id: frozenset([INGEST_PROBE, *(p.id for p in config.probes if p.component == c.id)])
        for c in config.components
    }
    owner = {p.id: p.component for p in config.probes}
    horizon = store.horizon()
    firsts: dict[tuple[str, str], float] = {}
    last: dict[tuple[str, str], float] = {}
    rows = added = 0
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise IngestError(f"{name}: cannot read: {exc.strerror}") from None
    with handle, store.transaction():
        lines = _Lines(handle)
        reader = csv.reader(lines)
        try:
            header = next(reader)
        except StopIteration:
            raise IngestError(f"{name}:1: header: empty file (expected {','.join(REQUIRED)})") from None
        except (csv.Error, UnicodeDecodeError) as exc:
            raise IngestError(f"{name}:1: header: {exc}") from None
        columns = _columns(name, [h.strip() for h in header])
        i_comp, i_ts, i_status = (columns[c] for c in REQUIRED)
        i_lat, i_detail = columns.get("latency_ms"), columns.get("detail")
        i_probe, i_value = columns.get("probe"), columns.get("value")
        width = len(header)
        batch: list[Row] = []
        stamps: dict[str, float] = {}
        try:
            for fields in reader:
                line = reader.line_num
                if len(fields) != width:
                    if not fields:
                        continue
                    raise IngestError(f"{name}:{line}: row: expected {width} fields, found {len(fields)}")
                component = fields[i_comp]
                allowed = probes_of.get(component)
                if allowed is None:
                    raise IngestError(f"{name}:{line}: component: unknown component '{component}'")
                stamp = fields[i_ts]
                ts = stamps.get(stamp)
                if ts is None:
                    ts = _timestamp(name, line, stamp)
                    if len(stamps) > 64:
                        # Files list components at the same instants: a tiny cache parses each once.
                        stamps.clear()
                    stamps[stamp] = ts
                status = fields[i_status]
                if status not in _STATUSES:
                    raise IngestError(
                        f"{name}:{line}: status: '{fields[i_status]}' is not one of up, degraded, down, maintenance"
                    )
                probe = (fields[i_probe] or INGEST_PROBE) if i_probe is not None else INGEST_PROBE
                if probe not in allowed:
                    raise IngestError(_foreign(name, line, probe, component, owner.get(probe)))
                key = (component, probe)
                previous = last.get(key)
                if previous is None:
                    firsts[key] = ts
                elif ts <= previous:
                    raise IngestError(
                        f"{name}:{line}: timestamp: not after the previous row of '{component}' "
                        f"(probe '{probe}'; rows of a component's probe must be in strictly increasing time)"
                    )
                if horizon is not None and ts < horizon:
                    raise IngestError(
                        f"{name}:{line}: timestamp: older than the raw data the store keeps "
                        "(retention already pruned that time)"
                    )
                last[key] = ts
                latency = _number(name, line, "latency_ms", fields[i_lat]) if i_lat is not None else None
                value = _number(name, line, "value", fields[i_value]) if i_value is not None else None
                detail = fields[i_detail] if i_detail is not None else ""
                batch.append((component, probe, ts, status, latency, detail, value))
                if len(batch) >= CHUNK:
                    added += store.append_rows_in_transaction(batch)
                    rows += len(batch)
                    batch = []
                    if progress is not None:
                        progress(lines.bytes)
        except IngestError:
            if not lines.complete:
                raise IngestError(_truncated(name, reader.line_num)) from None
            raise
        except csv.Error as exc:
            raise IngestError(f"{name}:{reader.line_num}: row: {exc}") from None
        except UnicodeDecodeError as exc:
            raise IngestError(f"{name}:{reader.line_num + 1}: row: not UTF-8 ({exc.reason})") from None
        if not lines.complete:
            raise IngestError(
                f"{name}:{reader.line_num}: row: the last line has no line end (truncated file?)"
            )
        added += store.append_rows_in_transaction(batch)
        rows += len(batch)
        if progress is not None:
            progress(lines.bytes)
    return IngestStats(
        rows,
        added,
        len({component for component, _ in last}),
        min(firsts.values(), default=None),
        max(last.values(), default=None),
        time.perf_counter() - started,
    )


def _truncated(name: str, line: int) -> str:
    return f"{name}:{line}: row: the last line has no line end (truncated file?)"


def _columns(name: str, header: list[str]) -> dict[str, int]:
    known = (*REQUIRED, *OPTIONAL)
    for column in header:
        if column not in known:
            raise IngestError(f"{name}:1: header: unknown column '{column}' (columns: {', '.join(known)})")
    if len(set(header)) != len(header):
        raise IngestError(f"{name}:1: header: a column appears twice")
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise IngestError(
            f"{name}:1: header: missing column {', '.join(missing)} (needs {','.join(REQUIRED)})"
        )
    return {column: index for index, column in enumerate(header)}


def _timestamp(name: str, line: int, text: str) -> float:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise IngestError(f"{name}:{line}: timestamp: '{text}' is not an ISO 8601 date-time") from None
    if moment.tzinfo is None:
        raise IngestError(f"{name}:{line}: timestamp: '{text}' has no offset (add Z or +01:00)")
    return moment.timestamp()


def _foreign(name: str, line: int, probe: str, component: str, owner: str | None) -> str:
    """The message for a probe id the row's component does not have."""
    if owner is None:
        return f"{name}:{line}: probe: unknown probe '{probe}' (not in the configuration)"
    return f"{name}:{line}: probe: '{probe}' is a probe of '{owner}', not of '{component}'"


_MEANING = {"latency_ms": "a number of milliseconds", "value": "a number (a rate per second for throughput)"}


def _number(name: str, line: int, field: str, text: str) -> float | None:
    """A cell holding a finite number >= 0, or empty (None)."""
    if text == "":
        return None
    try:
        value = float(text)
    except ValueError:
        raise IngestError(f"{name}:{line}: {field}: '{text}' is not a number") from None
    if not value >= 0 or value == float("inf"):
        raise IngestError(f"{name}:{line}: {field}: must be {_MEANING[field]} >= 0")
    return value
