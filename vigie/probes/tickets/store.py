"""The tickets' tables in the measurement store's SQLite file; the one owner of their schema.

Tickets are upserted on ``(source, id)`` so re-importing a file or re-pulling a range
changes nothing; the pull cursor of each source lives beside them.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import sqlite_utils

from vigie.probes.db import connect, migrate, read_snapshot, write_transaction
from vigie.probes.tickets.model import Ticket, TicketFacts, TicketRow

# Covering index for statistics: a period's figures are one range scan on it, with no
# lookup into the table per ticket (four times faster on a year of tickets).
_OPENED_INDEX = (
    "CREATE INDEX main.tickets_opened ON tickets "
    "(opened, solved, closed, application, channel, level, first_contact)"
)


def _v1_tickets(db: sqlite_utils.Database) -> None:
    db.execute(
        """
        CREATE TABLE tickets (
            source        TEXT NOT NULL,
            id            TEXT NOT NULL,
            application   TEXT NOT NULL,
            opened        REAL NOT NULL,
            solved        REAL,
            closed        REAL,
            status        TEXT NOT NULL
                          CHECK (status IN ('new', 'assigned', 'planned', 'waiting', 'solved', 'closed')),
            channel       TEXT NOT NULL
                          CHECK (channel IN ('phone', 'chat', 'web', 'chatbot', 'email', 'other')),
            category      TEXT NOT NULL DEFAULT '',
            level         INTEGER NOT NULL CHECK (level IN (1, 2)),
            first_contact INTEGER NOT NULL CHECK (first_contact IN (0, 1)),
            PRIMARY KEY (source, id)
        ) WITHOUT ROWID
        """
    )
    db.execute(_OPENED_INDEX)
    db.execute(
        """
        CREATE TABLE ticket_pulls (
            source    TEXT PRIMARY KEY,
            cursor    TEXT NOT NULL,
            pulled_at REAL NOT NULL,
            fetched   INTEGER NOT NULL
        )
        """
    )


def _v2_count_indexes(db: sqlite_utils.Database) -> None:
    # /metrics counts every ticket by (application, channel) and the open backlog by
    # application on each scrape: without these, each count sorts the whole table
    # (a quarter of a second on a year of tickets); with them, an index walk and a few rows.
    db.execute("CREATE INDEX tickets_application_channel ON tickets (application, channel)")
    db.execute(
        "CREATE INDEX tickets_backlog ON tickets (application) WHERE solved IS NULL AND closed IS NULL"
    )


MIGRATIONS = [_v1_tickets, _v2_count_indexes]

# The page cache: 64 MiB, and 256 MiB at most while an import merges its rows, so that a
# million tickets and their index are written without going back and forth to disk.
_CACHE_KIB = 65_536
_IMPORT_CACHE_KIB = 262_144

_COLUMNS = "source, id, application, opened, solved, closed, status, channel, category, level, first_contact"
_UPSERT_HEAD = f"INSERT INTO main.tickets ({_COLUMNS})"
_ON_CONFLICT = (
    "ON CONFLICT (source, id) DO UPDATE SET application = excluded.application, "
    "opened = excluded.opened, solved = excluded.solved, closed = excluded.closed, "
    "status = excluded.status, channel = excluded.channel, category = excluded.category, "
    "level = excluded.level, first_contact = excluded.first_contact"
)
_VALUES = "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
_UPSERT = f"{_UPSERT_HEAD} {_VALUES} {_ON_CONFLICT}"
_STAGE = f"INSERT INTO temp.staging ({_COLUMNS}) {_VALUES}"


_FOR_PERIOD = (
    "opened < ? AND (opened >= ? OR coalesce(solved, closed) IS NULL OR coalesce(solved, closed) >= ?)"
)


def _period_params(since: datetime, until: datetime) -> tuple[float, float, float]:
    end = until.timestamp()
    return (end, since.timestamp(), end)


def _moment(epoch: float | None) -> datetime | None:
    return None if epoch is None else datetime.fromtimestamp(epoch, UTC)


class TicketStore:
    """Upsert and read tickets; the schema is migrated under the owner name ``tickets``."""

    def __init__(self, path: str | Path, busy_timeout: float = 10.0) -> None:
        self.path = Path(path)
        self.db = connect(self.path, busy_timeout)
        migrate(self.db, "tickets", MIGRATIONS)
        # Tickets arrive in random order of opening: the default 2 MiB page cache would make
        # even a year's import disk-bound on the index.
        self.db.conn.execute(f"PRAGMA cache_size = -{_CACHE_KIB}")
        # The staging table of imports and the sorts of their merge stay in memory: through
        # temporary files they cost six times as much (measured on 200,000 rows).
        self.db.conn.execute("PRAGMA temp_store = MEMORY")

    def close(self) -> None:
        """Close the connection."""
        self.db.conn.close()

    def __enter__(self) -> TicketStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """An immediate write transaction: all or nothing."""
        with write_transaction(self.db.conn):
            yield

    @contextmanager
    def snapshot(self) -> Iterator[None]:
        """A read transaction: every read inside sees the same state of the file."""
        with read_snapshot(self.db.conn):
            yield

    def upsert(self, tickets: Iterable[Ticket]) -> int:
        """Store tickets in one transaction; returns how many rows were written."""
        with self.transaction():
            return self.upsert_in_transaction(tickets)

    def upsert_in_transaction(self, tickets: Iterable[Ticket]) -> int:
        """Store tickets inside a transaction the caller holds (all-or-nothing imports)."""
        # executemany, not sqlite-utils' upsert_all: that one commits on its own.
        return self.db.conn.executemany(_UPSERT, (t.row() for t in tickets)).rowcount

    def upsert_all_or_nothing(self, batches: Iterable[Sequence[Ticket]]) -> int:
        """Store every batch, or none if reading them raises; returns the tickets read
        (see :meth:`upsert_rows_all_or_nothing`)."""
        return self.upsert_rows_all_or_nothing([t.row() for t in batch] for batch in batches)

    def upsert_rows_all_or_nothing(self, batches: Iterable[Sequence[TicketRow]]) -> int:
        """Store every batch of rows, or none if reading them raises; returns the rows read.

        Batches go to a private temporary table first, so the store's write lock is held
        only for the final merge, not while a long file is read and checked (the probe
        daemon keeps writing meanwhile).
        """
        conn = self.db.conn
        conn.execute("CREATE TEMP TABLE IF NOT EXISTS staging AS SELECT * FROM main.tickets WHERE 0")
        conn.execute("DELETE FROM temp.staging")
        conn.execute(f"PRAGMA main.cache_size = -{_IMPORT_CACHE_KIB}")
        try:
            rows = 0
            for batch in batches:
                conn.executemany(_STAGE, batch)
                rows += len(batch)
            with self.transaction():
                # From a quarter of the stored rows on, dropping the index by opening date
                # and building it again (one sort) is cheaper than updating it row by row in
                # random order (measured: 1M new tickets, 200,000 re-imported); inside the
                # transaction, so readers never see the table without it.
                rebuild = rows * 4 > self.count()
                if rebuild:
                    conn.execute("DROP INDEX main.tickets_opened")
                # In key order, the table's B-tree is written sequentially (faster); rowid
                # last keeps "the file's last row wins". WHERE true: SQLite's parser needs
                # it between a SELECT and ON CONFLICT.
                conn.execute(
                    f"{_UPSERT_HEAD} SELECT {_COLUMNS} FROM temp.staging WHERE true "
                    f"ORDER BY source, id, rowid {_ON_CONFLICT}"
                )
                if rebuild:
                    conn.execute(_OPENED_INDEX)
        finally:
            conn.execute("DELETE FROM temp.staging")
            conn.execute(f"PRAGMA main.cache_size = -{_CACHE_KIB}")
        return rows

    def count(self, source: str | None = None) -> int:
        """How many tickets are stored (for one source, or all)."""
        if source is None:
            return int(self.db.conn.execute("SELECT count(*) FROM tickets").fetchone()[0])
        sql = "SELECT count(*) FROM tickets WHERE source = ?"
        return int(self.db.conn.execute(sql, (source,)).fetchone()[0])

    def tickets(self, start: datetime | None = None, end: datetime | None = None) -> Iterator[Ticket]:
        """Tickets opened in ``[start, end)``, oldest first."""
        clauses, params = [], []
        if start is not None:
            clauses.append("opened >= ?")
            params.append(start.timestamp())
        if end is not None:
            clauses.append("opened < ?")
            params.append(end.timestamp())
        where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
        yield from self._read(f"SELECT {_COLUMNS} FROM tickets{where} ORDER BY opened, source, id", params)

    def for_period(self, since: datetime, until: datetime) -> Iterator[Ticket]:
        """Tickets opened in ``[since, until)``, plus older ones still open at ``until``
        (they count in the backlog); :meth:`facts_for_period` reads the same, faster."""
        sql = f"SELECT {_COLUMNS} FROM tickets WHERE {_FOR_PERIOD} ORDER BY opened"
        yield from self._read(sql, _period_params(since, until))

    def facts_for_period(self, since: datetime, until: datetime) -> Iterator[TicketFacts]:
        """What period statistics need, as :data:`TicketFacts` (no datetime per ticket):
        tickets opened in ``[since, until)``, plus older ones still open at ``until``
        (they count in the backlog)."""
        sql = (
            "SELECT opened, coalesce(solved, closed), application, channel, level, first_contact "
            f"FROM tickets WHERE {_FOR_PERIOD}"
        )
        yield from self.db.conn.execute(sql, _period_params(since, until))

    def _read(self, sql: str, params: Iterable[object]) -> Iterator[Ticket]:
        for row in self.db.conn.execute(sql, tuple(params)):
            yield Ticket(
                row[0],
                row[1],
                row[2],
                datetime.fromtimestamp(row[3], UTC),
                _moment(row[4]),
                _moment(row[5]),
                row[6],
                row[7],
                row[8],
                row[9],
                bool(row[10]),
            )

    def opened_counts(self) -> dict[tuple[str, str], int]:
        """Tickets ever stored, by (application, channel)."""
        sql = "SELECT application, channel, count(*) FROM tickets GROUP BY application, channel"
        return {(row[0], row[1]): int(row[2]) for row in self.db.conn.execute(sql)}

    def open_counts(self) -> dict[str, int]:
        """Tickets not yet resolved, by application (the live backlog)."""
        sql = (
            "SELECT application, count(*) FROM tickets "
            "WHERE solved IS NULL AND closed IS NULL GROUP BY application"
        )
        return {row[0]: int(row[1]) for row in self.db.conn.execute(sql)}

    def cursor(self, source: str) -> str | None:
        """Where the last pull of ``source`` stopped (the source's own notion), or None."""
        row = self.db.conn.execute("SELECT cursor FROM ticket_pulls WHERE source = ?", (source,)).fetchone()
        return None if row is None else str(row[0])

    def set_cursor_in_transaction(self, source: str, cursor: str, fetched: int) -> None:
        """Record where a pull stopped, inside the transaction that stored its tickets."""
        self.db.conn.execute(
            "INSERT INTO ticket_pulls (source, cursor, pulled_at, fetched) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (source) DO UPDATE SET cursor = excluded.cursor, "
            "pulled_at = excluded.pulled_at, fetched = excluded.fetched",
            (source, cursor, datetime.now(UTC).timestamp(), fetched),
        )
