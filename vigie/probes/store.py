"""The measurement store: the one owner of the probe-results schema (SQLite, WAL).

One writer (the probe daemon, or an import) appends batches; any number of readers
(console, reports, other processes) read by component and time range at the same time.
Every append also updates the rollups (:mod:`vigie.probes.rollups`: state segments and
hourly rows) in the same transaction, so callers need nothing more than :meth:`Store.append`.
The store must know each probe's interval to cut timelines at gaps: pass
``intervals=intervals_from_config(config)`` (:mod:`vigie.probes.timeline`); probes it
does not know get the default 30 s.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from functools import partial
from operator import itemgetter, lt
from pathlib import Path

import sqlite_utils

from vigie.probes.db import connect, migrate, read_snapshot, write_transaction
from vigie.probes.results import ProbeResult, Status
from vigie.probes.rollups import HOUR, Hourly, RetentionError, Rollups, Row
from vigie.probes.timeline import Segment


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

    def __init__(
        self,
        path: str | Path,
        busy_timeout: float = 10.0,
        intervals: Mapping[tuple[str, str], float] | None = None,
    ) -> None:
        self.path = Path(path)
        self.db = connect(self.path, busy_timeout)
        migrate(self.db, "results", MIGRATIONS)
        self.rollups = Rollups(self.db, intervals)
        # Probes that received out-of-order results in the current transaction, with the
        # earliest such time: their rollups are rebuilt once, just before COMMIT.
        self._stale: dict[tuple[str, str], float] = {}
        conn = self.db.conn
        if (
            conn.execute("SELECT 1 FROM results LIMIT 1").fetchone()
            and not conn.execute("SELECT 1 FROM segments LIMIT 1").fetchone()
        ):
            # Results written before the rollups existed: derive them once.
            self.rebuild_rollups()

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
        try:
            with write_transaction(self.db.conn):
                yield
                self._rebuild_stale()
        except BaseException:
            self._stale.clear()
            raise

    @contextmanager
    def snapshot(self) -> Iterator[None]:
        """A read transaction: every read inside sees the same state of the file."""
        with read_snapshot(self.db.conn):
            yield

    def append(self, results: Iterable[ProbeResult]) -> int:
        """Store a batch in one transaction; returns how many rows were new."""
        with self.transaction():
            return self.append_in_transaction(results)

    def append_in_transaction(self, results: Iterable[ProbeResult]) -> int:
        """Store results inside :meth:`transaction` held by the caller (all-or-nothing imports).

        Results later than their probe's newest stored one (the daemon, a fresh import)
        take the fast path; earlier ones are checked for duplicates and make the probe's
        rollups be rebuilt from raw rows from that point, once, when the transaction
        commits (RetentionError when those raw rows are gone).
        """
        return self.append_rows_in_transaction(
            [(r.component, r.probe, r.ts, str(r.status), r.latency_ms, r.detail, r.value) for r in results]
        )

    def append_rows_in_transaction(self, rows: list[Row]) -> int:
        """:meth:`append_in_transaction` for rows already in stored form (bulk imports)."""
        groups: dict[tuple[str, str], list[Row]] = {}
        for row in rows:
            key = (row[0], row[1])
            group = groups.get(key)
            if group is None:
                groups[key] = [row]
            else:
                group.append(row)
        fresh: list[tuple[str, str, Segment | None, list[Row]]] = []
        late: list[tuple[str, str, list[Row]]] = []
        for (component, probe), group in groups.items():
            stamps = [row[2] for row in group]
            if not all(map(lt, stamps[:-1], stamps[1:])):
                group = _unique_ts(sorted(group, key=itemgetter(2)))
            key = (component, probe)
            open_seg = None if key in self._stale else self.rollups.open_segment(component, probe)
            if key not in self._stale and (open_seg is None or group[0][2] > open_seg.last_ts):
                fresh.append((component, probe, open_seg, group))
            else:
                late.append((component, probe, group))
        # Results newer than everything stored (the daemon, a fresh import): one INSERT of
        # the whole batch in its own order (cheaper than probe by probe), rollups extended.
        insert = f"INSERT OR IGNORE INTO results ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)"
        if not late and all(len(g) == len(groups[(c, p)]) for c, p, _, g in fresh):
            self.db.conn.executemany(insert, rows)
        else:
            for _, _, _, group in fresh:
                self.db.conn.executemany(insert, group)
        for component, probe, open_seg, group in fresh:
            self.rollups.extend(component, probe, open_seg, group)
        added = sum(len(group) for _, _, _, group in fresh)
        for component, probe, group in late:
            added += self._append_late(component, probe, group)
        return added

    def _append_late(self, component: str, probe: str, rows: list[Row]) -> int:
        # Results not after the probe's newest stored one: skip the ones already stored,
        # rebuild the probe's rollups from the earliest new one when the transaction commits.
        # executemany rather than sqlite-utils' insert_all: insert_all commits on its own,
        # which would break the caller's all-or-nothing transaction.
        conn = self.db.conn
        insert = f"INSERT OR IGNORE INTO results ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)"
        key = (component, probe)
        horizon = self.rollups.horizon()
        if horizon is not None and rows[0][2] < horizon:
            raise RetentionError(
                f"results of {component}/{probe} before the retention horizon cannot be merged "
                "(their raw neighbours were deleted)"
            )
        existing = {
            r[0]
            for r in conn.execute(
                "SELECT ts FROM results WHERE component = ? AND probe = ? AND ts >= ? AND ts <= ?",
                (component, probe, rows[0][2], rows[-1][2]),
            )
        }
        new = [row for row in rows if row[2] not in existing]
        if not new:
            return 0
        conn.executemany(insert, new)
        self._stale[key] = min(self._stale.get(key, new[0][2]), new[0][2])
        return len(new)

    def _rebuild_stale(self) -> None:
        for (component, probe), since in sorted(self._stale.items()):
            self.rollups.rebuild(component, probe, since, partial(self._raw_rows, component, probe))
        self._stale.clear()

    def _raw_rows(self, component: str, probe: str, since: float | None) -> Iterator[Row]:
        sql = f"SELECT {_COLUMNS} FROM results WHERE component = ? AND probe = ? AND ts >= ? ORDER BY ts"
        yield from self.db.conn.execute(sql, (component, probe, -1e18 if since is None else since))

    def rebuild_rollups(self) -> None:
        """Recompute every rollup from the raw results kept (older rollups are left as they are)."""
        with self.transaction():
            horizon = self.rollups.horizon()
            if horizon is None:
                self.rollups.clear()
            pairs = self.db.conn.execute(
                "SELECT DISTINCT component, probe FROM results ORDER BY 1, 2"
            ).fetchall()
            for component, probe in pairs:
                since = None
                if horizon is not None:
                    row = self.db.conn.execute(
                        "SELECT min(start) FROM segments WHERE component = ? AND probe = ? AND start >= ?",
                        (component, probe, horizon),
                    ).fetchone()
                    since = row[0] if row and row[0] is not None else horizon
                self.rollups.rebuild(component, probe, since, partial(self._raw_rows, component, probe))

    def segments(self, component: str, start: float, end: float) -> list[Segment]:
        """The component's timeline segments overlapping ``[start, end)``, by probe then time."""
        return self.rollups.segments(component, start, end)

    def hourly(self, component: str | None, start: float, end: float) -> list[Hourly]:
        """Hourly rollup rows (checks, statuses, latency) of hours in ``[start, end)``."""
        return self.rollups.hourly(component, start, end)

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

    def last_ts(self) -> float | None:
        """Time of the most recent result of any probe (None when the store is empty)."""
        row = self.db.conn.execute("SELECT max(ts) FROM results").fetchone()
        return None if row[0] is None else float(row[0])

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
        """Delete raw results older than ``ts`` cut down to a whole UTC hour (retention).

        Rollups stay; the cut is recorded as the retention horizon. Returns rows deleted.
        """
        cut = (ts // HOUR) * HOUR
        with self.transaction():
            deleted = self.db.conn.execute("DELETE FROM results WHERE ts < ?", (cut,)).rowcount
            self.rollups.set_horizon(cut)
            return int(deleted)

    def horizon(self) -> float | None:
        """Raw results before this were deleted by retention (None: none deleted yet)."""
        return self.rollups.horizon()


def _unique_ts(rows: Iterable[Row]) -> list[Row]:
    """One row per timestamp (the first, like INSERT OR IGNORE), rows sorted by time."""
    rows = list(rows)
    if len({row[2] for row in rows}) == len(rows):
        return rows
    out: list[Row] = []
    for row in rows:
        if not out or row[2] != out[-1][2]:
            out.append(row)
    return out


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
