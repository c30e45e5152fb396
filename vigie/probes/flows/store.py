"""The flow store: business events of flows, their correlation ids, their state, their
integration reports; the one owner of these tables (owner name ``flows``).

It is its own SQLite file (``[flow_tracking] path``, ``flows.db`` by default), not the
measurement store's: a month of the SI Chorus is millions of events (hundreds of
megabytes), and a bulk import holds the write lock for seconds, which the probe daemon's
writes to the measurement store must never wait for.

Tables:

- ``flows``: one row per flow, its state after its events (the life cycle's
  :class:`~vigie.probes.flows.lifecycle.Progress`), so that ``stuck`` and ``search`` read
  one row per flow; its events (``log``, packed in time order: a trace is one row read)
  and the keys and references it is known by (``names``). An event stored twice (same
  flow, time, hop, kind and status) is kept once, so importing a file again changes
  nothing;
- ``flow_keys``: every key a flow is known by (its own, the keys other hops gave it) -> the
  flow; ``flow_refs``: correlation ids several flows may share (file name, EDI control
  number, AS2 Message-ID, traceparent, the batch that carried them) -> flows;
- ``flow_tally`` and ``flow_hops``: what the monthly report counts, by UTC day of the
  flows' first events, kept as flows change (flows by type, partner, stage, flags and
  reason; durations of each step of a route), so that a month reads its whole days'
  tallies (summed in SQL) and only the flows of the two days its ends cut;
- ``flow_reports``: attached integration reports (comptes rendus d'intégration).

Payloads are never stored: events carry references and ids only.
"""

from __future__ import annotations

import hashlib
import math
import sqlite3
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import islice
from operator import itemgetter
from pathlib import Path
from typing import Any, TypeVar

import msgspec
import orjson
import sqlite_utils

from vigie.kernel.gcpause import gc_paused
from vigie.probes.db import connect, migrate, read_snapshot, write_transaction
from vigie.probes.flows.events import Block, Incoming
from vigie.probes.flows.lifecycle import (
    KINDS,
    STAGES,
    Entry,
    Event,
    Kind,
    Progress,
    Route,
    Stage,
    State,
    fold,
    folded,
    state_of,
)
from vigie.probes.flows.sink import Apart, Rows, Sink

REFERENCES = ("file", "edi_control", "as2_message_id", "traceparent")
"""Correlation ids many flows may share (a file carries many invoices): looked up, never
taken as the flow's identity. Any other correlation name is another key of the same flow."""
BATCH = "batch"
"""The name under which a flow's carrying file is kept among its references."""
KEY = "key"
"""The name of a key an event gave as its ``key`` (the flow's own, or one a later hop used)."""

T = TypeVar("T")

CHUNK = 20_000
_IN = 500  # parameters per IN (...) list
_CACHE_KIB = 262_144


def _v1(db: sqlite_utils.Database) -> None:
    db.execute(
        """
        CREATE TABLE flows (
            id            INTEGER PRIMARY KEY,
            key           TEXT NOT NULL,
            type          TEXT,
            partner       TEXT,
            first_at      REAL NOT NULL,
            first_hop     TEXT NOT NULL,
            last_at       REAL NOT NULL,
            last_hop      TEXT NOT NULL,
            last_kind     INTEGER NOT NULL,
            last_status   TEXT NOT NULL,
            stage         INTEGER NOT NULL,
            pos           INTEGER NOT NULL,
            arrivals      TEXT NOT NULL,
            received      INTEGER NOT NULL,
            flags         INTEGER NOT NULL,
            settled_at    REAL,
            sent          INTEGER NOT NULL,
            acknowledged  INTEGER NOT NULL,
            reason        TEXT NOT NULL,
            status_seq    INTEGER NOT NULL,
            events        INTEGER NOT NULL
        )
        """
    )
    # The month's flows (reports, search by period); the open ones first (stuck: NULLs sort first).
    db.execute("CREATE INDEX flows_first ON flows (first_at)")
    db.execute("CREATE INDEX flows_settled ON flows (settled_at)")
    db.execute(
        """
        CREATE TABLE flow_events (
            flow    INTEGER NOT NULL,
            at      REAL NOT NULL,
            hop     TEXT NOT NULL,
            kind    INTEGER NOT NULL,
            status  TEXT NOT NULL,
            seq     INTEGER NOT NULL,
            reason  TEXT,
            report  TEXT,
            alias   TEXT,
            PRIMARY KEY (flow, at, hop, kind, status)
        ) WITHOUT ROWID
        """
    )
    db.execute(
        "CREATE TABLE flow_keys (value TEXT PRIMARY KEY, name TEXT NOT NULL, flow INTEGER NOT NULL) WITHOUT ROWID"
    )
    db.execute("CREATE INDEX flow_keys_flow ON flow_keys (flow)")
    db.execute(
        """
        CREATE TABLE flow_refs (
            value TEXT NOT NULL,
            name  TEXT NOT NULL,
            flow  INTEGER NOT NULL,
            PRIMARY KEY (value, name, flow)
        ) WITHOUT ROWID
        """
    )
    db.execute("CREATE INDEX flow_refs_flow ON flow_refs (flow)")
    db.execute(
        """
        CREATE TABLE flow_reports (
            name        TEXT PRIMARY KEY,
            flow        INTEGER,
            attached_at REAL NOT NULL,
            size        INTEGER NOT NULL,
            sha256      TEXT NOT NULL,
            content     BLOB NOT NULL
        )
        """
    )
    db.execute("CREATE INDEX flow_reports_flow ON flow_reports (flow)")
    db.execute("CREATE TABLE flow_meta (name TEXT PRIMARY KEY, value REAL NOT NULL)")


def _v2(db: sqlite_utils.Database) -> None:
    """One row per flow holding its events, and the monthly report's tallies kept at ingest.

    Each event was a row of ``flow_events`` under a primary key of five columns, and each
    flow's keys and references were indexed by flow: at a million invoices a month, most
    of an import's time went to those B-tree inserts. A flow's events are now packed in its
    row (``log``, with its keys and references in ``names``), and what the monthly report
    counts is kept by day as flows change (``flow_tally``, ``flow_hops``).
    """
    conn = db.conn
    conn.execute("ALTER TABLE flows ADD COLUMN log BLOB NOT NULL DEFAULT x''")
    conn.execute("ALTER TABLE flows ADD COLUMN names BLOB NOT NULL DEFAULT x''")
    conn.execute(
        """
        CREATE TABLE flow_tally (
            day           INTEGER NOT NULL,
            type          TEXT NOT NULL,
            partner       TEXT NOT NULL,
            stage         INTEGER NOT NULL,
            sent          INTEGER NOT NULL,
            acknowledged  INTEGER NOT NULL,
            flags         INTEGER NOT NULL,
            open          INTEGER NOT NULL,
            reason        TEXT NOT NULL,
            count         INTEGER NOT NULL,
            PRIMARY KEY (day, type, partner, stage, sent, acknowledged, flags, open, reason)
        ) WITHOUT ROWID
        """
    )
    conn.execute(
        """
        CREATE TABLE flow_hops (
            day      INTEGER NOT NULL,
            type     TEXT NOT NULL,
            step     INTEGER NOT NULL,
            seconds  REAL NOT NULL,
            count    INTEGER NOT NULL,
            PRIMARY KEY (day, type, step, seconds)
        ) WITHOUT ROWID
        """
    )
    tally: Counter[tuple[Any, ...]] = Counter()
    hops: Counter[tuple[Any, ...]] = Counter()
    updates = []
    for row in conn.execute(f"SELECT {_FLOW_COLUMNS} FROM flows").fetchall():
        flow = _flow(row)
        log = [
            Event(r[0], r[1], KINDS[r[2]], r[3], r[4] or "", r[5], r[6] or "", r[7] or "")
            for r in conn.execute(
                "SELECT at, hop, kind, status, reason, seq, report, alias FROM flow_events WHERE flow = ? "
                "ORDER BY at, seq",
                (flow.id,),
            )
        ]
        keys = conn.execute("SELECT name, value FROM flow_keys WHERE flow = ?", (flow.id,)).fetchall()
        refs = conn.execute("SELECT name, value FROM flow_refs WHERE flow = ?", (flow.id,)).fetchall()
        updates.append(
            (_pack(log), _ENCODER.encode(([tuple(k) for k in keys], [tuple(r) for r in refs])), flow.id)
        )
        facts = _facts(flow.type, flow.partner, flow.progress)
        tally[facts[0]] += 1
        hops.update(facts[1])
    conn.executemany("UPDATE flows SET log = ?, names = ? WHERE id = ?", updates)
    _add_counts(Here(conn), tally, hops)
    conn.execute("DROP TABLE flow_events")
    conn.execute("DROP INDEX flow_keys_flow")
    conn.execute("DROP INDEX flow_refs_flow")


MIGRATIONS = [_v1, _v2]

_FLOW_COLUMNS = (
    "id, key, type, partner, first_at, first_hop, last_at, last_hop, last_kind, last_status, stage, pos, "
    "arrivals, received, flags, settled_at, sent, acknowledged, reason, status_seq, events"
)
_SAVE_FLOW = f"INSERT OR REPLACE INTO flows ({_FLOW_COLUMNS}, log, names) VALUES ({', '.join('?' * 23)})"
_NEW_FLOW = _SAVE_FLOW.replace("INSERT OR REPLACE", "INSERT")  # a tenth cheaper: no row to replace
_READ_FLOWS = f"SELECT {_FLOW_COLUMNS}, log, names FROM flows WHERE id IN "  # then an IN list
_KIND_INDEX = {kind: i for i, kind in enumerate(KINDS)}
_STAGE_INDEX = {stage: i for i, stage in enumerate(STAGES)}
_DAY = 86_400.0
_FLUSH_EVENTS = 1_000_000
"""Events an ingest keeps in memory (flows folded and written once each) before writing them."""
_ROWS = 2_000
"""Flow rows written at once (by a writing process, while the next ones are folded)."""

REASONED = (Stage.REJECTED, Stage.SUSPENDED, Stage.WITHDRAWN)
"""Stages whose reason the monthly report counts (rejects, suspensions, withdrawals by reason)."""
_REASONED_INDEXES = frozenset(_STAGE_INDEX[stage] for stage in REASONED)

_LOG = msgspec.msgpack.Decoder(list[Event])
_ENTRIES = msgspec.msgpack.Decoder(list[Entry])  # a log as an ingest gathers it: plain tuples
_ENCODER = msgspec.msgpack.Encoder()
_NAMES_DECODER = msgspec.msgpack.Decoder(tuple[list[tuple[str, str]], list[tuple[str, str]]])
_IDENTITY = itemgetter(0, 1, 2, 3)  # an event stored twice: same time, hop, kind and status
_TIME_ORDER = itemgetter(0, 5)  # an entry's time, then arrival
_TALLY_COLUMNS = "day, type, partner, stage, sent, acknowledged, flags, open, reason"
_HOP_COLUMNS = "day, type, step, seconds"


def _pack(log: Sequence[Entry]) -> bytes:
    return _ENCODER.encode(log)


Facts = tuple[tuple[Any, ...], tuple[tuple[Any, ...], ...]]
"""What one flow adds to the monthly report's tallies: its ``flow_tally`` key, its
``flow_hops`` keys (one per step of its route it made)."""


def _facts(kind: str | None, partner: str | None, p: Progress) -> Facts:
    """What a flow in state ``p`` counts in the tallies."""
    return _row_facts(_row(0, "", kind, partner, state_of(p)), p.arrivals)


def _row_facts(row: Sequence[Any], arrivals: list[float | None]) -> Facts:
    """What the flow of a ``flows`` row counts in the tallies (``arrivals``: its column's list)."""
    kind, stage = row[2], row[10]
    day = int(row[4] // _DAY)
    tally = (
        day,
        kind or "",
        row[3] or "",
        stage,
        row[16],
        row[17],
        row[14],
        int(row[15] is None),
        row[18] if stage in _REASONED_INDEXES else "",
    )
    if not kind or len(arrivals) < 2:
        return tally, ()
    hops = []
    here = arrivals[0]
    for i in range(len(arrivals) - 1):
        there = arrivals[i + 1]
        if here is not None and there is not None:
            # Clocks differ between systems: a next hop "before" this one took no time.
            hops.append((day, kind, i, there - here if there > here else 0.0))
        here = there
    return tally, tuple(hops)


def _add_counts(
    sink: Sink, tally: Mapping[tuple[Any, ...], int], hops: Mapping[tuple[Any, ...], int]
) -> None:
    """Add counts to the tallies (a count may be negative: a flow that changed leaves its
    former group); rows brought to zero are removed."""
    for table, columns, counts in (("flow_tally", _TALLY_COLUMNS, tally), ("flow_hops", _HOP_COLUMNS, hops)):
        width = columns.count(",") + 1
        marks = ", ".join("?" * (width + 1))
        changed = [(*k, n) for k, n in counts.items() if n]
        sink.many(
            f"INSERT INTO {table} ({columns}, count) VALUES ({marks}) "
            f"ON CONFLICT ({columns}) DO UPDATE SET count = count + excluded.count",
            changed,
        )
        where = " AND ".join(f"{c.strip()} = ?" for c in columns.split(","))
        sink.many(f"DELETE FROM {table} WHERE {where} AND count = 0", [k for k, n in counts.items() if n < 0])


class Here:
    """An ingest's SQL run on a connection whose transaction the caller holds (this
    process's, or the writing process's: :mod:`~vigie.probes.flows.sink`)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Rows of a read."""
        return self.conn.execute(sql, params).fetchall()

    def run(self, sql: str, params: Sequence[Any] = ()) -> None:
        """One statement."""
        self.conn.execute(sql, params)

    def many(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        """One statement per row."""
        self.conn.executemany(sql, rows)

    def write_rows(self, new: Rows, stored: Rows) -> None:
        """Write flows' rows (new flows' inserted, stored ones' replaced)."""
        self.conn.executemany(_NEW_FLOW, new)
        self.conn.executemany(_SAVE_FLOW, stored)


@dataclass(frozen=True)
class IngestResult:
    """What an ingest did: events read, flows created, flows whose state changed."""

    events: int
    new_flows: int
    flows: int


@dataclass(frozen=True)
class Flow:
    """A stored flow: its key, type, partner and state (the life cycle's progress)."""

    id: int
    key: str
    type: str | None
    partner: str | None
    progress: Progress


@dataclass(frozen=True)
class StoredEvent:
    """An event as the trace shows it; ``alias`` is the key it came with when not the flow's."""

    at: float
    hop: str
    kind: Kind
    status: str
    seq: int
    reason: str | None
    report: str | None
    alias: str | None


@dataclass(frozen=True)
class ReportFile:
    """An attached integration report (``content`` only when asked for)."""

    name: str
    flow: int | None
    attached_at: float
    size: int
    sha256: str
    content: bytes | None = None


@dataclass(frozen=True)
class SearchFilter:
    """What `vigie flows search` narrows by; every field None means any."""

    key_prefix: str | None = None
    type: str | None = None
    partner: str | None = None
    hop: str | None = None
    status: str | None = None
    stage: Stage | None = None
    since: float | None = None
    until: float | None = None


def _row(flow_id: int, key: str, kind: str | None, partner: str | None, state: State) -> tuple[Any, ...]:
    """The ``flows`` columns of a flow but its log and names, from its state (the life
    cycle's :data:`~vigie.probes.flows.lifecycle.State`: its fields in the columns' order,
    the kind and stage kept as their indexes, the booleans as ints), ``arrivals`` as a list
    (JSON once written: :meth:`_Writer.flush`)."""
    return (
        flow_id,
        key,
        kind,
        partner,
        *state[:4],
        _KIND_INDEX[state[4]],
        state[5],
        _STAGE_INDEX[state[6]],
        *state[7:12],
        int(state[12]),
        int(state[13]),
        *state[14:],
    )


def _flow(row: Sequence[Any]) -> Flow:
    progress = Progress(
        first_at=row[4],
        first_hop=row[5],
        last_at=row[6],
        last_hop=row[7],
        last_kind=KINDS[row[8]],
        last_status=row[9],
        stage=STAGES[row[10]],
        pos=row[11],
        arrivals=orjson.loads(row[12]),
        received=row[13],
        flags=row[14],
        settled_at=row[15],
        sent=bool(row[16]),
        acknowledged=bool(row[17]),
        reason=row[18],
        status_seq=row[19],
        events=row[20],
    )
    return Flow(row[0], row[1], row[2], row[3], progress)


def _by_id(conn: sqlite3.Connection, ids: Iterable[int]) -> dict[int, Flow]:
    """Stored flows by id (missing ones left out)."""
    found: dict[int, Flow] = {}
    for batch in _chunks(ids, _IN):
        marks = ", ".join("?" * len(batch))
        for row in conn.execute(f"SELECT {_FLOW_COLUMNS} FROM flows WHERE id IN ({marks})", batch):
            flow = _flow(row)
            found[flow.id] = flow
    return found


def _marks(values: Sequence[Any]) -> str:
    """The parameters of an ``IN`` list of ``values``."""
    return f"({', '.join('?' * len(values))})"


def _chunks(items: Iterable[T], size: int) -> Iterator[list[T]]:
    it = iter(items)
    while batch := list(islice(it, size)):
        yield batch


class FlowStore:
    """Read and write flows; the schema is migrated under the owner name ``flows``."""

    def __init__(self, path: str | Path, busy_timeout: float = 10.0) -> None:
        self.path = Path(path)
        self.busy_timeout = busy_timeout
        self.db = connect(self.path, busy_timeout)
        migrate(self.db, "flows", MIGRATIONS)
        self.conn: sqlite3.Connection = self.db.conn
        self.conn.execute(f"PRAGMA cache_size = -{_CACHE_KIB}")
        self.conn.execute("PRAGMA temp_store = MEMORY")

    def close(self) -> None:
        """Close the connection."""
        self.conn.close()

    def __enter__(self) -> FlowStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def snapshot(self) -> Iterator[None]:
        """A read transaction: every read inside sees the same state of the file."""
        with read_snapshot(self.conn):
            yield

    # --- writing ---------------------------------------------------------------------------

    def ingest(
        self, events: Iterable[Incoming], routes: Mapping[str, Route], *, apart: bool = False
    ) -> IngestResult:
        """Store events in one transaction: all of them, or none if reading them raises.

        Each flow's events are gathered, sorted by time (then arrival) and folded, so the
        state is always that of the events in time order, whatever order they came in.
        ``apart``: the SQL runs in a writing process of its own (:mod:`~vigie.probes.flows.sink`)
        while this one reads and folds; all or nothing still (a :class:`~vigie.probes.flows.sink.WriterLost`
        when that process ends before it commits).
        """
        return self.ingest_blocks(map(Block.of, _chunks(events, CHUNK)), routes, apart=apart)

    def ingest_blocks(
        self, blocks: Iterable[Block], routes: Mapping[str, Route], *, apart: bool = False
    ) -> IngestResult:
        """:meth:`ingest` of events that come by blocks (a file's reader gives them so)."""
        # Millions of tuples, none in a cycle: the cyclic collector walked them again and
        # again (half the time of an import of a million events).
        with gc_paused(), self._writing(apart) as sink:
            writer = _Writer(sink, self.conn, routes)
            for block in blocks:
                writer.chunk(block)
            writer.finish()
        return IngestResult(writer.count, writer.created, writer.touched)

    @contextmanager
    def _writing(self, apart: bool) -> Iterator[Sink]:
        """One write transaction, here or in a writing process: committed if the block ends
        normally, rolled back otherwise."""
        if not apart:
            with write_transaction(self.conn):
                yield Here(self.conn)
            return
        sink = Apart(self.path, self.busy_timeout)
        try:
            yield sink
            sink.commit()
        finally:
            sink.close()

    def attach(self, name: str, content: bytes, key: str | None, now: float | None = None) -> ReportFile:
        """Store an integration report under ``name`` (replacing one of that name), linked
        to the flow known by ``key`` when given (KeyError when no flow is)."""
        with write_transaction(self.conn):
            flow = None
            if key is not None:
                found = self.resolve_key(key)
                if found is None:
                    raise KeyError(key)
                flow = found
            digest = hashlib.sha256(content).hexdigest()
            at = time.time() if now is None else now
            self.conn.execute(
                "INSERT OR REPLACE INTO flow_reports (name, flow, attached_at, size, sha256, content) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (name, flow, at, len(content), digest, content),
            )
        return ReportFile(name, flow, at, len(content), digest)

    # --- reading ---------------------------------------------------------------------------

    def count(self) -> tuple[int, int]:
        """How many flows and events are stored."""
        flows = self.conn.execute("SELECT count(*) FROM flows").fetchone()[0]
        events = self.conn.execute("SELECT coalesce(sum(events), 0) FROM flows").fetchone()[0]
        return int(flows), int(events)

    def latest(self) -> float | None:
        """The time of the latest event stored."""
        row = self.conn.execute("SELECT value FROM flow_meta WHERE name = 'latest_at'").fetchone()
        return None if row is None else float(row[0])

    def resolve_key(self, key: str) -> int | None:
        """The flow known by ``key`` (its own key or one a hop gave it), or None."""
        row = self.conn.execute("SELECT flow FROM flow_keys WHERE value = ?", (key,)).fetchone()
        return None if row is None else int(row[0])

    def referring(self, value: str, limit: int = 1000) -> list[tuple[str, int]]:
        """(name, flow) of the flows that carry ``value`` as a shared correlation id."""
        sql = "SELECT name, flow FROM flow_refs WHERE value = ? ORDER BY flow LIMIT ?"
        return [(str(r[0]), int(r[1])) for r in self.conn.execute(sql, (value, limit))]

    def carried(self, batch_key: str, limit: int = 1000) -> tuple[int, list[int]]:
        """How many flows a batch (a file) carried, and the first ``limit`` of them."""
        total = self.conn.execute(
            "SELECT count(*) FROM flow_refs WHERE value = ? AND name = ?", (batch_key, BATCH)
        ).fetchone()[0]
        sql = "SELECT flow FROM flow_refs WHERE value = ? AND name = ? ORDER BY flow LIMIT ?"
        return int(total), [int(r[0]) for r in self.conn.execute(sql, (batch_key, BATCH, limit))]

    def flow(self, flow_id: int) -> Flow | None:
        """One flow by id."""
        row = self.conn.execute(f"SELECT {_FLOW_COLUMNS} FROM flows WHERE id = ?", (flow_id,)).fetchone()
        return None if row is None else _flow(row)

    def flows(self, ids: Sequence[int]) -> list[Flow]:
        """Flows by id, in the order given (missing ones left out)."""
        found = _by_id(self.conn, ids)
        return [found[i] for i in ids if i in found]

    def _log(self, flow_id: int) -> list[Event]:
        row = self.conn.execute("SELECT log FROM flows WHERE id = ?", (flow_id,)).fetchone()
        return [] if row is None else _LOG.decode(row[0])

    def events(self, flow_id: int, until: float | None = None) -> list[StoredEvent]:
        """A flow's events in time order (then arrival order), up to ``until`` included."""
        return [
            StoredEvent(
                e.at, e.hop, e.kind, e.status, e.seq, e.reason or None, e.report or None, e.alias or None
            )
            for e in self._log(flow_id)
            if until is None or e.at <= until
        ]

    def names(self, flow_id: int) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
        """The flow's other keys and its shared references, as (name, value) pairs."""
        row = self.conn.execute("SELECT names FROM flows WHERE id = ?", (flow_id,)).fetchone()
        if row is None:
            return [], []
        keys, refs = _NAMES_DECODER.decode(row[0])
        return sorted(keys), sorted(refs)

    def reports_of(self, flow_id: int) -> list[ReportFile]:
        """Integration reports attached to the flow or named by its events."""
        named = sorted({e.report for e in self._log(flow_id) if e.report})
        sql = (
            "SELECT name, flow, attached_at, size, sha256 FROM flow_reports WHERE flow = ? "
            f"OR name IN ({', '.join('?' * len(named))}) ORDER BY name"
        )
        return [ReportFile(*row) for row in self.conn.execute(sql, (flow_id, *named))]

    def report(self, name: str) -> ReportFile | None:
        """An attached report with its content."""
        row = self.conn.execute(
            "SELECT name, flow, attached_at, size, sha256, content FROM flow_reports WHERE name = ?", (name,)
        ).fetchone()
        if row is None:
            return None
        return ReportFile(row[0], row[1], row[2], row[3], row[4], bytes(row[5]))

    def search(self, where: SearchFilter, limit: int = 50) -> list[Flow]:
        """Flows matching every filter, newest first (by first event)."""
        clauses: list[str] = []
        params: list[object] = []
        if where.key_prefix:
            clauses.append("id IN (SELECT flow FROM flow_keys WHERE value >= ? AND value < ?)")
            params += [where.key_prefix, where.key_prefix + "\U0010ffff"]
        for column, value in (("type", where.type), ("partner", where.partner), ("last_hop", where.hop)):
            if value is not None:
                clauses.append(f"{column} = ?")
                params.append(value)
        if where.status is not None:
            clauses.append("last_status = ?")
            params.append(where.status)
        if where.stage is not None:
            clauses.append("stage = ?")
            params.append(_STAGE_INDEX[where.stage])
        if where.since is not None:
            clauses.append("first_at >= ?")
            params.append(where.since)
        if where.until is not None:
            clauses.append("first_at < ?")
            params.append(where.until)
        sql = f"SELECT {_FLOW_COLUMNS} FROM flows"
        if clauses:
            sql += " WHERE " + " AND ".join(clauses)
        sql += " ORDER BY first_at DESC, id DESC LIMIT ?"
        return [_flow(row) for row in self.conn.execute(sql, [*params, limit])]

    def open_flows(
        self,
        routes: Mapping[str, Route],
        as_of: float | None = None,
        worth: Callable[[Flow], bool] | None = None,
    ) -> Iterator[Flow]:
        """Flows not settled at ``as_of`` (default: now, i.e. after every stored event),
        each in its state at ``as_of``: the ones that could be stuck then. A flow that moved
        on since ``as_of`` is folded again from its events up to then, unless ``worth``
        (given its current state) says it cannot matter."""
        latest = self.latest()
        if as_of is None or latest is None or as_of >= latest:
            for row in self.conn.execute(f"SELECT {_FLOW_COLUMNS} FROM flows WHERE settled_at IS NULL"):
                yield _flow(row)
            return
        # Through flows_settled, the open flows then the ones settled since: "+first_at" keeps
        # the planner off flows_first, which would read nearly every flow (4 s at 10 million
        # events where this reads a few days' worth).
        sql = (
            f"SELECT {_FLOW_COLUMNS} FROM flows WHERE settled_at IS NULL AND +first_at <= ? UNION ALL "
            f"SELECT {_FLOW_COLUMNS} FROM flows WHERE settled_at > ? AND +first_at <= ?"
        )
        for row in self.conn.execute(sql, (as_of, as_of, as_of)).fetchall():
            flow = _flow(row)
            if flow.progress.last_at <= as_of:
                yield flow
            elif worth is None or worth(flow):
                yield self._at(flow, as_of, routes)

    def _at(self, flow: Flow, as_of: float, routes: Mapping[str, Route]) -> Flow:
        """The flow in its state at ``as_of`` (its events up to then folded again)."""
        events = [e for e in self._log(flow.id) if e.at <= as_of]
        route = routes.get(flow.type) if flow.type else None
        progress = fold(events, route)
        assert progress is not None  # first_at <= as_of: one event at least
        return Flow(flow.id, flow.key, flow.type, flow.partner, progress)

    def month(self, since: float, until: float) -> Month:
        """What the monthly report counts of the flows first seen in ``[since, until)``: the
        tallies of the whole days (UTC) inside, the flows of the days cut at either end."""
        first, last = math.ceil(since / _DAY), math.floor(until / _DAY)
        month = Month()
        if first < last:
            edges = [(since, first * _DAY), (last * _DAY, until)]
            tally_sql = (
                "SELECT type, partner, stage, sent, acknowledged, flags, open, reason, sum(count) "
                "FROM flow_tally WHERE day >= ? AND day < ? GROUP BY 1, 2, 3, 4, 5, 6, 7, 8"
            )
            for *group, count in self.conn.execute(tally_sql, (first, last)):
                month.add(tuple(group), count)
            # Summed in SQL: a month's days hold the same durations many times over (600,000
            # rows at the SI Chorus's volume, 26,000 once summed).
            hops_sql = (
                "SELECT type, step, seconds, sum(count) FROM flow_hops WHERE day >= ? AND day < ? "
                "GROUP BY 1, 2, 3"
            )
            for kind, step_index, seconds, count in self.conn.execute(hops_sql, (first, last)):
                month.hops[kind][step_index][seconds] += count
        else:
            edges = [(since, until)]
        for low, high in edges:
            if low >= high:
                continue
            sql = f"SELECT {_FLOW_COLUMNS} FROM flows WHERE first_at >= ? AND first_at < ?"
            for row in self.conn.execute(sql, (low, high)):
                flow = _flow(row)
                tally, hops = _facts(flow.type, flow.partner, flow.progress)
                month.add(tally[1:], 1)
                for _, kind, step_index, seconds in hops:
                    month.hops[kind][step_index][seconds] += 1
        return month


class Month:
    """One period's tallies: how many flows in each group, how long each step took.

    ``groups`` counts flows by (type, partner, stage index, sent, acknowledged, flags,
    unsettled, reason: for a stage of :data:`REASONED` only, else None); ``hops`` maps a
    flow type and a step of its route (0: first hop to second) to its durations (seconds)
    and how many flows took each.
    """

    def __init__(self) -> None:
        self.groups: Counter[tuple[Any, ...]] = Counter()
        self.hops: defaultdict[str, defaultdict[int, Counter[float]]] = defaultdict(
            lambda: defaultdict(Counter)
        )

    def add(self, group: tuple[Any, ...], count: int) -> None:
        """Count ``count`` flows of one tally group (as the ``flow_tally`` table keeps it)."""
        kind, partner, stage, sent, acknowledged, flags, unsettled, reason = group
        reasoned = STAGES[stage] in REASONED
        key = (
            kind or None,
            partner or None,
            stage,
            sent,
            acknowledged,
            flags,
            unsettled,
            reason if reasoned else None,
        )
        self.groups[key] += count


class _Open:
    """A flow an ingest is writing: its events so far and what it is known by."""

    __slots__ = ("before", "id", "key", "keys", "log", "partner", "refs", "stored", "type")

    def __init__(self, flow_id: int, key: str, kind: str | None, partner: str | None) -> None:
        self.id = flow_id
        self.key = key
        self.type = kind
        self.partner = partner
        self.log: list[Entry] = []
        self.keys: list[tuple[str, str]] = []
        self.refs: set[tuple[str, str]] = set()
        self.stored = False  # a row of it is in the table
        self.before: tuple[Any, ...] | None = None  # its stored row (what it counts in the tallies)


class _Writer:
    """One ingest's work inside its transaction: keys resolved, each flow's events gathered
    in memory, then each flow folded once and written as one row (with its keys, references
    and tallies) when the ingest ends or holds too many events.

    Writes go to ``sink`` (this connection, or a writing process of its own). Reads of what
    was there before go to ``conn``: the transaction's writing connection, or one that sees
    the last commit, which is the state the transaction began from (it holds the write
    lock) plus nothing this ingest wrote that it does not hold itself: every key it gave
    stays in :attr:`keys`, and flows it wrote (``flushed``) are read back through ``sink``.
    """

    def __init__(self, sink: Sink, conn: sqlite3.Connection, routes: Mapping[str, Route]) -> None:
        self.sink = sink
        self.conn = conn
        self.routes = routes
        meta: dict[str, float] = dict(sink.query("SELECT name, value FROM flow_meta"))
        self.seq = int(meta.get("seq", 0))
        self.latest = meta.get("latest_at")
        self.next_id = int(sink.query("SELECT coalesce(max(id), 0) FROM flows")[0][0]) + 1
        self.flushed: set[int] = set()  # flows this ingest wrote (read back through the sink)
        # The rows the last flush wrote: a flow of it named again is taken from here, rather
        # than read back through the writing process once it has written them all.
        self.last_rows: dict[int, tuple[Any, ...]] = {}
        self.empty = self.next_id == 1  # nothing stored yet: no key to look up
        self.keys: dict[str, int] = {}  # key or alias -> flow (those looked up or created)
        self.open: dict[int, _Open] = {}
        self.held = 0  # events in self.open
        self.new_keys: list[tuple[str, str]] = []  # (value, name) to store
        self.new_refs: set[tuple[str, str, int]] = set()  # (value, name, flow) to store
        self.merged: dict[int, int] = {}  # flow -> the flow it joined
        self.count = self.created = 0
        self.touched_ids: set[int] = set()  # every flow held is touched: added at each flush

    @property
    def touched(self) -> int:
        return len(self.touched_ids)

    def _lookup(self, values: set[str]) -> set[int]:
        """The stored flows known by keys not met before in this ingest (now in :attr:`keys`)."""
        found = set()
        for batch in _chunks(values.difference(self.keys), _IN):
            marks = ", ".join("?" * len(batch))
            for value, flow in self.conn.execute(
                f"SELECT value, flow FROM flow_keys WHERE value IN ({marks})", batch
            ):
                self.keys[value] = flow
                found.add(flow)
        return found

    def _load(self, ids: Iterable[int]) -> None:
        """Bring stored flows into memory, to add events to."""
        wanted = [i for i in ids if i not in self.open]
        written = [i for i in wanted if i in self.flushed and i not in self.last_rows]
        rows: list[tuple[Any, ...]] = [self.last_rows[i] for i in wanted if i in self.last_rows]
        for batch in _chunks([i for i in wanted if i not in self.flushed], _IN):
            rows += self.conn.execute(_READ_FLOWS + _marks(batch), batch).fetchall()
        for batch in _chunks(written, _IN):
            rows += self.sink.query(_READ_FLOWS + _marks(batch), batch)
        for row in rows:
            item = _Open(row[0], row[1], row[2], row[3])
            item.log = _ENTRIES.decode(row[21])
            keys, refs = _NAMES_DECODER.decode(row[22])
            item.keys, item.refs = keys, set(refs)
            item.stored = True
            item.before = row[:21]
            self.open[row[0]] = item
            self.held += len(item.log)

    def chunk(self, block: Block) -> None:
        """Resolve one block's events to their flows and gather them (inside the transaction)."""
        if not self.empty:
            names = set(block.keys)
            names.update(
                v for pairs in filter(None, block.correlations) for n, v in pairs if n not in REFERENCES
            )
            found = self._lookup(names)
            if self.flushed:
                # Flows written out of memory may come back: any named is read again. Else
                # every flow of a key met before in this ingest is in memory already.
                known = self.keys
                found.update(known[v] for v in names if v in known)
            self._load(found)
        merges: set[tuple[int, int]] = set()
        known, opened, seq = self.keys, self.open, self.seq
        get = known.get
        new_keys, new_refs = self.new_keys, self.new_refs
        waiting: list[tuple[str, str]] = []
        # The columns walked together; most events are of a flow met before and name no
        # other id: one lookup each, then the event joins the flow's log.
        # Each key looked up by map as zip asks for the next event: after the one before
        # was resolved, in C.
        for key, at, hop, kind, kind_name, status, partner, reason, batch, report, correlation, flow in zip(
            *block, map(get, block.keys), strict=True
        ):
            seq += 1
            if flow is not None and not correlation:
                item = opened[flow]
            else:
                if correlation:
                    waiting = []
                    for name, value in correlation:
                        if name in REFERENCES:
                            waiting.append((value, name))
                            continue
                        other = get(value)
                        if other is None:
                            waiting.append((value, name))
                        elif flow is None:
                            flow = other
                        elif other != flow:
                            merges.add((min(flow, other), max(flow, other)))
                if flow is None:
                    flow = self.next_id
                    self.next_id += 1
                    self.created += 1
                    item = opened[flow] = _Open(flow, key, kind_name or None, partner or None)
                else:
                    item = opened[flow]
                if key not in known:
                    known[key] = flow
                    new_keys.append((key, KEY))
                    item.keys.append((KEY, key))
                if correlation:
                    for value, name in waiting:
                        if name in REFERENCES:
                            if (name, value) not in item.refs:
                                item.refs.add((name, value))
                                new_refs.add((value, name, flow))
                        elif value not in known:
                            known[value] = flow
                            new_keys.append((value, name))
                            item.keys.append((name, value))
            if batch or kind_name or partner:  # seldom: a flow's first events
                if batch and (BATCH, batch) not in item.refs:
                    item.refs.add((BATCH, batch))
                    new_refs.add((batch, BATCH, flow))
                if kind_name and item.type is None:
                    item.type = kind_name
                if partner and item.partner is None:
                    item.partner = partner
            item.log.append((at, hop, kind, status, reason, seq, report, "" if key == item.key else key))
        self.seq = seq
        self.count += len(block.keys)
        self.held += len(block.keys)
        if block.ats:
            newest = max(block.ats)
            if self.latest is None or newest > self.latest:
                self.latest = newest
        self._names()
        for keep, gone in sorted(merges):
            self._merge(keep, gone)
        if self.held >= _FLUSH_EVENTS:
            self.flush()

    def _root(self, flow: int) -> int:
        while flow in self.merged:
            flow = self.merged[flow]
        return flow

    def _merge(self, keep: int, gone: int) -> None:
        """Two flows turned out to be one (an event named both): the younger joins the older."""
        keep, gone = self._root(keep), self._root(gone)
        if keep == gone:
            return
        keep, gone = min(keep, gone), max(keep, gone)
        kept, other = self.open[keep], self.open.pop(gone)
        kept.log += [(*e[:7], e[7] or other.key) for e in other.log]
        kept.keys += other.keys
        kept.refs |= other.refs
        kept.type = kept.type or other.type
        kept.partner = kept.partner or other.partner
        for _, value in other.keys:
            self.keys[value] = keep
        sink = self.sink
        sink.many("UPDATE flow_keys SET flow = ? WHERE value = ?", [(keep, v) for _, v in other.keys])
        refs = [(keep, value, name, gone) for name, value in other.refs]
        sink.many("UPDATE OR IGNORE flow_refs SET flow = ? WHERE value = ? AND name = ? AND flow = ?", refs)
        sink.many("DELETE FROM flow_refs WHERE value = ? AND name = ? AND flow = ?", [r[1:] for r in refs])
        sink.run("UPDATE flow_reports SET flow = ? WHERE flow = ?", (keep, gone))
        if other.stored:
            sink.run("DELETE FROM flows WHERE id = ?", (gone,))
            assert other.before is not None
            tally, hops = _row_facts(other.before, orjson.loads(other.before[12]))
            _add_counts(sink, Counter({tally: -1}), Counter(dict.fromkeys(hops, -1)))
        self.merged[gone] = keep
        self.touched_ids.discard(gone)
        self.touched_ids.add(keep)

    def _names(self) -> None:
        """Write the keys and references met since the last time (before any merge they
        take part in: a merge moves what is written)."""
        keys = self.keys
        self.sink.many(
            "INSERT OR IGNORE INTO flow_keys (value, name, flow) VALUES (?, ?, ?)",
            [(value, name, keys[value]) for value, name in self.new_keys],
        )
        refs = self.new_refs
        if self.merged:  # a reference met before a merge goes to the flow it joined
            root = self._root
            refs = {(value, name, root(flow)) for value, name, flow in refs}
        self.sink.many("INSERT OR IGNORE INTO flow_refs (value, name, flow) VALUES (?, ?, ?)", sorted(refs))
        self.new_keys = []
        self.new_refs = set()

    def flush(self) -> None:
        """Fold every flow held, write its row (by batches: a writing process of its own
        stores one while this one folds the next) and the tallies.

        What each row changes in the tallies is counted here, and only the counts sent: the
        writing process has the rows' SQL to run meanwhile.
        """
        rows: Rows = []  # new flows'
        replaced: Rows = []  # flows stored before
        written: Rows = []
        # The tallies' keys each row counts now, and those it counted before (a stored flow
        # that changed group): counted once at the end (in C) rather than row by row.
        gained: list[tuple[Any, ...]] = []
        gained_hops: list[tuple[Any, ...]] = []
        lost: list[tuple[Any, ...]] = []
        lost_hops: list[tuple[Any, ...]] = []
        routes, sink = self.routes, self.sink
        dumps, loads = orjson.dumps, orjson.loads
        for item in self.open.values():
            route = routes.get(item.type) if item.type else None
            log = sorted(item.log, key=_TIME_ORDER)
            state, tied = folded(log, route)
            # Only when two events share a time (the fold tells: rare) can one be there twice.
            if tied and len(set(map(_IDENTITY, item.log))) < len(item.log):
                # An event stored twice (same time, hop, kind and status) is kept once: the first.
                seen: set[tuple[Any, ...]] = set()
                log = [e for e in item.log if not (_IDENTITY(e) in seen or seen.add(_IDENTITY(e)))]  # type: ignore[func-returns-value]
                log.sort(key=_TIME_ORDER)
                state = folded(log, route)[0]
            row = _row(item.id, item.key, item.type, item.partner, state)
            arrivals = row[12]
            tally, hops = _row_facts(row, arrivals)
            before = item.before
            changed = True
            if before is not None:
                old_tally, old_hops = _row_facts(before, loads(before[12]))
                changed = tally != old_tally or hops != old_hops
                if changed:
                    lost.append(old_tally)
                    lost_hops += old_hops
            if changed:
                gained.append(tally)
                gained_hops += hops
            (rows if before is None else replaced).append(
                (
                    *row[:12],
                    dumps(arrivals).decode(),
                    *row[13:],
                    _pack(log),
                    _ENCODER.encode((item.keys, sorted(item.refs))),
                )
            )
            if len(rows) + len(replaced) == _ROWS:
                sink.write_rows(rows, replaced)
                written += rows
                written += replaced
                rows, replaced = [], []
        sink.write_rows(rows, replaced)
        counts = []
        for counted, uncounted in ((gained, lost), (gained_hops, lost_hops)):
            count = Counter(counted)
            for key, n in Counter(uncounted).items():
                count[key] -= n
            counts.append(count)
        _add_counts(sink, counts[0], counts[1])
        self.last_rows = {row[0]: row for part in (written, rows, replaced) for row in part}
        self.touched_ids.update(self.open)
        self.flushed.update(self.open)
        self.open.clear()
        self.held = 0
        self.empty = False

    def finish(self) -> None:
        self.flush()
        self.sink.many(
            "INSERT OR REPLACE INTO flow_meta (name, value) VALUES (?, ?)",
            [("seq", self.seq), *([("latest_at", self.latest)] if self.latest is not None else [])],
        )
