"""The measurement store: the one owner of the probe-results schema (SQLite, WAL).

One writer (the probe daemon, or an import) appends batches; any number of readers
(console, reports, other processes) read by component and time range at the same time.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import sqlite_utils

from vigie.probes.db import connect, migrate
from vigie.probes.results import ProbeResult, Status


def _v1_results(db: sqlite_utils.Database) -> None:
    db.execute(
        """
        CREATE TABLE results (
            component  TEXT NOT NULL,
            probe      TEXT NOT NULL,
            ts         REAL NOT NULL,
            status     TEXT NOT NULL
                       CHECK (status IN ('up', 'degraded', 'down', 'maintenance')),
            latency_ms REAL,
            detail     TEXT NOT NULL DEFAULT '',
            value      REAL,
            PRIMARY KEY (component, probe, ts)
        ) WITHOUT ROWID
        """
    )
    db.execute("CREATE INDEX results_ts ON results (ts)")


MIGRATIONS = [_v1_results]

_COLUMNS = "component, probe, ts, status, latency_ms, detail, value"


class Store:
    """Append and read probe results. Re-appending an identical key is a no-op (idempotent)."""

    def __init__(self, path: str | Path, busy_timeout: float = 10.0) -> None:
        self.path = Path(path)
        self.db = connect(self.path, busy_timeout)
        migrate(self.db, "results", MIGRATIONS)

    def close(self) -> None:
        """Close the connection."""
        self.db.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """An immediate write transaction: all or nothing."""
        conn = self.db.conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    @contextmanager
    def snapshot(self) -> Iterator[None]:
        """A read transaction: every read inside sees the same state of the file."""
        conn = self.db.conn
        conn.execute("BEGIN DEFERRED")
        try:
            yield
        finally:
            conn.execute("COMMIT")

    def append(self, results: Iterable[ProbeResult]) -> int:
        """Store a batch in one transaction; returns how many rows were new."""
        with self.transaction():
            return self.append_in_transaction(results)

    def append_in_transaction(self, results: Iterable[ProbeResult]) -> int:
        """Store results inside a transaction the caller holds (for all-or-nothing imports)."""
        # executemany rather than sqlite-utils' insert_all: insert_all commits on its own,
        # which would break the caller's all-or-nothing transaction.
        cursor = self.db.conn.executemany(
            f"INSERT OR IGNORE INTO results ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)",
            ((r.component, r.probe, r.ts, str(r.status), r.latency_ms, r.detail, r.value) for r in results),
        )
        return cursor.rowcount

    def results(
        self,
        component: str | None = None,
        start: float | None = None,
        end: float | None = None,
        probe: str | None = None,
    ) -> Iterator[ProbeResult]:
        """Results in ``[start, end)`` (epoch seconds), oldest first, optionally filtered."""
        where, params = _filters(component, start, end, probe)
        sql = f"SELECT {_COLUMNS} FROM results{where} ORDER BY ts, component, probe"
        for row in self.db.conn.execute(sql, params):
            yield ProbeResult(row[0], row[1], row[2], Status(row[3]), row[4], row[5], row[6])

    def count(
        self, component: str | None = None, start: float | None = None, end: float | None = None
    ) -> int:
        """How many results match."""
        where, params = _filters(component, start, end, None)
        return int(self.db.conn.execute(f"SELECT count(*) FROM results{where}", params).fetchone()[0])

    def components(self) -> list[str]:
        """Components that have at least one result."""
        return [r[0] for r in self.db.conn.execute("SELECT DISTINCT component FROM results ORDER BY 1")]

    def latest(self) -> dict[str, ProbeResult]:
        """The most recent result of every probe, keyed by probe id."""
        sql = (
            f"SELECT {_COLUMNS} FROM results r WHERE ts = "
            "(SELECT max(ts) FROM results WHERE probe = r.probe AND component = r.component)"
        )
        return {
            row[1]: ProbeResult(row[0], row[1], row[2], Status(row[3]), row[4], row[5], row[6])
            for row in self.db.conn.execute(sql)
        }

    def latest_of(self, keys: Iterable[tuple[str, str]]) -> dict[str, ProbeResult]:
        """The most recent result of each ``(component, probe)``, keyed by probe id.

        One primary-key lookup per probe, so the cost follows the number of probes, not
        the rows kept (the exporter calls this on every scrape).
        """
        sql = f"SELECT {_COLUMNS} FROM results WHERE component = ? AND probe = ? ORDER BY ts DESC LIMIT 1"
        out: dict[str, ProbeResult] = {}
        for key in keys:
            row = self.db.conn.execute(sql, key).fetchone()
            if row is not None:
                out[row[1]] = ProbeResult(row[0], row[1], row[2], Status(row[3]), row[4], row[5], row[6])
        return out

    def delete_before(self, ts: float) -> int:
        """Delete raw results older than ``ts`` (retention); returns rows deleted."""
        with self.transaction():
            return self.db.conn.execute("DELETE FROM results WHERE ts < ?", (ts,)).rowcount


def _filters(
    component: str | None, start: float | None, end: float | None, probe: str | None
) -> tuple[str, Sequence[object]]:
    clauses: list[str] = []
    params: list[object] = []
    for clause, value in (
        ("component = ?", component),
        ("ts >= ?", start),
        ("ts < ?", end),
        ("probe = ?", probe),
    ):
        if value is not None:
            clauses.append(clause)
            params.append(value)
    return (" WHERE " + " AND ".join(clauses) if clauses else ""), params
