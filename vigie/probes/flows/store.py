"""The flow store: business events of flows, their correlation ids, their state, their
integration reports; the one owner of these tables (owner name ``flows``).

It is its own SQLite file (``[flow_tracking] path``, ``flows.db`` by default), not the
measurement store's: a month of the SI Chorus is millions of events (hundreds of
megabytes), and a bulk import holds the write lock for seconds, which the probe daemon's
writes to the measurement store must never wait for.

Tables:

- ``flows``: one row per flow, its state after its events (the life cycle's
  :class:`~vigie.probes.flows.lifecycle.Progress`), so that ``stuck``, ``search`` and the
  monthly report read one row per flow, never its events;
- ``flow_events``: the events, clustered by flow and time (a trace is one range read);
  an event stored twice (same flow, time, hop, kind and status) is kept once, so importing a
  file again changes nothing;
- ``flow_keys``: every key a flow is known by (its own, the keys other hops gave it) -> the
  flow; ``flow_refs``: correlation ids several flows may share (file name, EDI control
  number, AS2 Message-ID, traceparent, the batch that carried them) -> flows;
- ``flow_reports``: attached integration reports (comptes rendus d'intégration).

Payloads are never stored: events carry references and ids only.
"""

from __future__ import annotations

import hashlib
import sqlite3
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

import orjson
import sqlite_utils

from vigie.probes.db import connect, migrate, read_snapshot, write_transaction
from vigie.probes.flows.lifecycle import (
    KINDS,
    STAGES,
    Event,
    Kind,
    Progress,
    Route,
    Stage,
    fold,
    start,
    step,
)

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


MIGRATIONS = [_v1]

_FLOW_COLUMNS = (
    "id, key, type, partner, first_at, first_hop, last_at, last_hop, last_kind, last_status, stage, pos, "
    "arrivals, received, flags, settled_at, sent, acknowledged, reason, status_seq, events"
)
_SAVE_FLOW = f"INSERT OR REPLACE INTO flows ({_FLOW_COLUMNS}) VALUES ({', '.join('?' * 21)})"
_SAVE_EVENT = (
    "INSERT OR IGNORE INTO flow_events (flow, at, hop, kind, status, seq, reason, report, alias) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_KIND_INDEX = {kind: i for i, kind in enumerate(KINDS)}
_STAGE_INDEX = {stage: i for i, stage in enumerate(STAGES)}


class Incoming(NamedTuple):
    """An event as read from a file or a request, checked, before it is stored.

    ``correlation`` holds (name, id) pairs; ``at`` is epoch seconds. A named tuple: files
    bring millions of them (a frozen dataclass takes four times as long to make).
    """

    key: str
    at: float
    hop: str
    kind: Kind
    type: str = ""
    status: str = ""
    partner: str = ""
    reason: str = ""
    batch: str = ""
    report: str = ""
    correlation: tuple[tuple[str, str], ...] = ()


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


def _row(flow_id: int, key: str, kind: str | None, partner: str | None, p: Progress) -> tuple[object, ...]:
    return (
        flow_id,
        key,
        kind,
        partner,
        p.first_at,
        p.first_hop,
        p.last_at,
        p.last_hop,
        _KIND_INDEX[p.last_kind],
        p.last_status,
        _STAGE_INDEX[p.stage],
        p.pos,
        orjson.dumps(p.arrivals).decode(),
        p.received,
        p.flags,
        p.settled_at,
        int(p.sent),
        int(p.acknowledged),
        p.reason,
        p.status_seq,
        p.events,
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


def _chunks(items: Iterable[T], size: int) -> Iterator[list[T]]:
    it = iter(items)
    while batch := list(islice(it, size)):
        yield batch


class FlowStore:
    """Read and write flows; the schema is migrated under the owner name ``flows``."""

    def __init__(self, path: str | Path, busy_timeout: float = 10.0) -> None:
        self.path = Path(path)
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

    def ingest(self, events: Iterable[Incoming], routes: Mapping[str, Route]) -> IngestResult:
        """Store events in one transaction: all of them, or none if reading them raises.

        Each flow's state is folded forward event by event; a flow that gets an event not
        later than its last one (a late arrival, a repeat) or learns its type is folded
        again from all its stored events, so the state is always that of the events in
        time order, whatever order they came in.
        """
        with write_transaction(self.conn):
            writer = _Writer(self.conn, routes)
            for chunk in _chunks(events, CHUNK):
                writer.chunk(chunk)
            writer.finish()
        return IngestResult(writer.count, writer.created, writer.touched)

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

    def events(self, flow_id: int, until: float | None = None) -> list[StoredEvent]:
        """A flow's events in time order (then arrival order), up to ``until`` included."""
        sql = "SELECT at, hop, kind, status, seq, reason, report, alias FROM flow_events WHERE flow = ?"
        params: tuple[object, ...] = (flow_id,)
        if until is not None:
            sql += " AND at <= ?"
            params += (until,)
        rows = self.conn.execute(sql + " ORDER BY at, seq", params)
        return [StoredEvent(r[0], r[1], KINDS[r[2]], r[3], r[4], r[5], r[6], r[7]) for r in rows]

    def names(self, flow_id: int) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
        """The flow's other keys and its shared references, as (name, value) pairs."""
        keys = self.conn.execute(
            "SELECT name, value FROM flow_keys WHERE flow = ? ORDER BY name, value", (flow_id,)
        ).fetchall()
        refs = self.conn.execute(
            "SELECT name, value FROM flow_refs WHERE flow = ? ORDER BY name, value", (flow_id,)
        ).fetchall()
        return [(str(n), str(v)) for n, v in keys], [(str(n), str(v)) for n, v in refs]

    def reports_of(self, flow_id: int) -> list[ReportFile]:
        """Integration reports attached to the flow or named by its events."""
        sql = (
            "SELECT name, flow, attached_at, size, sha256 FROM flow_reports WHERE flow = ? "
            "OR name IN (SELECT report FROM flow_events WHERE flow = ? AND report IS NOT NULL) ORDER BY name"
        )
        return [ReportFile(*row) for row in self.conn.execute(sql, (flow_id, flow_id))]

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
        sql = (
            f"SELECT {_FLOW_COLUMNS} FROM flows WHERE first_at <= ? "
            "AND (settled_at IS NULL OR settled_at > ?)"
        )
        for row in self.conn.execute(sql, (as_of, as_of)).fetchall():
            flow = _flow(row)
            if flow.progress.last_at <= as_of:
                yield flow
            elif worth is None or worth(flow):
                yield self._at(flow, as_of, routes)

    def _at(self, flow: Flow, as_of: float, routes: Mapping[str, Route]) -> Flow:
        """The flow in its state at ``as_of`` (its events up to then folded again)."""
        events = [
            Event(e.at, e.hop, e.kind, e.status, e.reason or "", e.seq) for e in self.events(flow.id, as_of)
        ]
        route = routes.get(flow.type) if flow.type else None
        progress = fold(events, route)
        assert progress is not None  # first_at <= as_of: one event at least
        return Flow(flow.id, flow.key, flow.type, flow.partner, progress)

    def month(self, since: float, until: float) -> Month:
        """The flows first seen in ``[since, until)``, for the monthly report to read."""
        low, high = self.conn.execute(
            "SELECT min(id), max(id) FROM flows WHERE first_at >= ? AND first_at < ?", (since, until)
        ).fetchone()
        return Month(self.conn, (low or 0, high or -1, since, until))


class Month:
    """One period's flows, read in the table's order.

    Flows are numbered as they first come, so a period's are a range of ids: read in the
    table's own order, a third of the time of the lookups through ``flows_first`` (a month of
    the SI Chorus is a million flows).
    """

    _WHERE = "FROM flows NOT INDEXED WHERE id BETWEEN ? AND ? AND first_at >= ? AND first_at < ?"

    def __init__(self, conn: sqlite3.Connection, params: tuple[float, ...]) -> None:
        self.conn = conn
        self.params = params

    def groups(self, reasoned: Sequence[Stage]) -> Counter[tuple[Any, ...]]:
        """How many flows of each (type, partner, stage index, sent, acknowledged, flags,
        unsettled, reason: for a stage of ``reasoned`` only), counted in C."""
        marks = ", ".join("?" * len(reasoned))
        sql = (
            "SELECT type, partner, stage, sent, acknowledged, flags, settled_at IS NULL, "
            f"CASE WHEN stage IN ({marks}) THEN reason END {self._WHERE}"
        )
        return Counter(self.conn.execute(sql, (*(_STAGE_INDEX[s] for s in reasoned), *self.params)))

    def arrivals(self, flow_type: str) -> list[list[float | None]]:
        """When the period's flows of one type reached each hop of their route."""
        rows = self.conn.execute(f"SELECT arrivals {self._WHERE} AND type = ?", (*self.params, flow_type))
        return list(map(orjson.loads, (row[0] for row in rows)))


class _Writer:
    """One ingest's work inside its transaction: keys resolved, states folded, rows written."""

    def __init__(self, conn: sqlite3.Connection, routes: Mapping[str, Route]) -> None:
        self.conn = conn
        self.routes = routes
        meta = dict(conn.execute("SELECT name, value FROM flow_meta").fetchall())
        self.seq = int(meta.get("seq", 0))
        self.latest = meta.get("latest_at")
        self.next_id = int(conn.execute("SELECT coalesce(max(id), 0) FROM flows").fetchone()[0]) + 1
        self.keys: dict[str, int] = {}  # key or alias -> flow (those looked up or created)
        self.count = self.created = 0
        self.touched_ids: set[int] = set()

    @property
    def touched(self) -> int:
        return len(self.touched_ids)

    def _lookup(self, values: Iterable[str]) -> None:
        missing = [v for v in set(values) if v not in self.keys]
        for batch in _chunks(missing, _IN):
            marks = ", ".join("?" * len(batch))
            for value, flow in self.conn.execute(
                f"SELECT value, flow FROM flow_keys WHERE value IN ({marks})", batch
            ):
                self.keys[value] = flow

    def chunk(self, chunk: list[Incoming]) -> None:
        """Resolve, fold and write one chunk of events (inside the ingest's transaction)."""
        names = [e.key for e in chunk] + [v for e in chunk for n, v in e.correlation if n not in REFERENCES]
        self._lookup(names)
        stored = _by_id(self.conn, {self.keys[v] for v in names if v in self.keys})
        keys = {f.id: f.key for f in stored.values()}
        types = {f.id: f.type for f in stored.values()}
        partners = {f.id: f.partner for f in stored.values()}
        progress = {f.id: f.progress for f in stored.values()}
        replay: set[int] = set()
        merges: set[tuple[int, int]] = set()
        new_keys: list[tuple[str, str, int]] = []
        refs: set[tuple[str, str, int]] = set()
        rows: list[tuple[object, ...]] = []
        known, touched, seq = self.keys, self.touched_ids, self.seq
        route_of = {
            kind: self.routes.get(kind) for kind in {*types.values(), *(e.type for e in chunk)} if kind
        }
        for e in chunk:
            seq += 1
            flow = known.get(e.key)
            waiting: list[tuple[str, str]] = []
            if e.correlation:
                for name, value in e.correlation:
                    if name in REFERENCES:
                        waiting.append((value, name))
                        continue
                    other = known.get(value)
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
                keys[flow] = e.key
                types[flow] = e.type or None
                partners[flow] = e.partner or None
            if e.key not in known:
                known[e.key] = flow
                new_keys.append((e.key, KEY, flow))
            for value, name in waiting:
                if name in REFERENCES:
                    refs.add((value, name, flow))
                elif value not in known:
                    known[value] = flow
                    new_keys.append((value, name, flow))
            if e.batch:
                refs.add((e.batch, BATCH, flow))
            if e.partner and partners[flow] is None:
                partners[flow] = e.partner
            own_key = keys[flow]
            rows.append(
                (
                    flow,
                    e.at,
                    e.hop,
                    _KIND_INDEX[e.kind],
                    e.status,
                    seq,
                    e.reason or None,
                    e.report or None,
                    None if e.key == own_key else e.key,
                )
            )
            touched.add(flow)
            if flow in replay:
                continue
            current = progress.get(flow)
            kind = types[flow]
            if kind is None and e.type:
                kind = types[flow] = e.type
                if current is not None:
                    replay.add(flow)  # its earlier events were folded without its route
                    continue
            route = route_of.get(kind) if kind else None
            event = Event(e.at, e.hop, e.kind, e.status, e.reason, seq)
            if current is None:
                current = progress[flow] = start(event, route)
            elif e.at <= current.last_at:
                replay.add(flow)  # late or repeated: folded again from the stored events
                continue
            step(current, event, route)
        self.seq = seq
        self.count += len(chunk)
        newest = max(e.at for e in chunk)
        if self.latest is None or newest > self.latest:
            self.latest = newest
        conn = self.conn
        conn.executemany(_SAVE_EVENT, rows)
        conn.executemany("INSERT OR IGNORE INTO flow_keys (value, name, flow) VALUES (?, ?, ?)", new_keys)
        conn.executemany("INSERT OR IGNORE INTO flow_refs (value, name, flow) VALUES (?, ?, ?)", refs)
        conn.executemany(
            _SAVE_FLOW,
            (
                _row(f, keys[f], types[f], partners[f], p)
                for f, p in progress.items()
                if f not in replay and f in self.touched_ids
            ),
        )
        for flow in replay:
            self._replay(flow, keys[flow], types[flow], partners[flow])
        for keep, gone in sorted(merges):
            self._merge(keep, gone)

    def _replay(self, flow: int, key: str, kind: str | None, partner: str | None) -> None:
        rows = self.conn.execute(
            "SELECT at, hop, kind, status, reason, seq FROM flow_events WHERE flow = ?", (flow,)
        ).fetchall()
        events = [Event(r[0], r[1], KINDS[r[2]], r[3], r[4] or "", r[5]) for r in rows]
        progress = fold(events, self.routes.get(kind or "") if kind else None)
        if progress is not None:
            self.conn.execute(_SAVE_FLOW, _row(flow, key, kind, partner, progress))

    def _merge(self, keep: int, gone: int) -> None:
        """Two flows turned out to be one (an event named both): the younger joins the older."""
        conn = self.conn
        rows = conn.execute(
            f"SELECT {_FLOW_COLUMNS} FROM flows WHERE id IN (?, ?) ORDER BY id", (keep, gone)
        ).fetchall()
        if len(rows) < 2:
            return
        kept, other = _flow(rows[0]), _flow(rows[1])
        conn.execute(
            "INSERT OR IGNORE INTO flow_events (flow, at, hop, kind, status, seq, reason, report, alias) "
            "SELECT ?, at, hop, kind, status, seq, reason, report, coalesce(alias, ?) FROM flow_events "
            "WHERE flow = ?",
            (keep, other.key, gone),
        )
        conn.execute("DELETE FROM flow_events WHERE flow = ?", (gone,))
        conn.execute("UPDATE flow_keys SET flow = ? WHERE flow = ?", (keep, gone))
        conn.execute("UPDATE OR IGNORE flow_refs SET flow = ? WHERE flow = ?", (keep, gone))
        conn.execute("DELETE FROM flow_refs WHERE flow = ?", (gone,))
        conn.execute("UPDATE flow_reports SET flow = ? WHERE flow = ?", (keep, gone))
        conn.execute("DELETE FROM flows WHERE id = ?", (gone,))
        for value, flow in list(self.keys.items()):
            if flow == gone:
                self.keys[value] = keep
        self.touched_ids.discard(gone)
        self._replay(keep, kept.key, kept.type or other.type, kept.partner or other.partner)

    def finish(self) -> None:
        self.conn.executemany(
            "INSERT OR REPLACE INTO flow_meta (name, value) VALUES (?, ?)",
            [("seq", self.seq), *([("latest_at", self.latest)] if self.latest is not None else [])],
        )
