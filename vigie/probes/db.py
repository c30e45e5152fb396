"""Opening the SQLite file safely for one writer and many readers, and versioned schemas.

Every connection gets WAL mode (readers never block the writer), a busy timeout
(writers queue instead of failing with `database is locked`) and `synchronous=NORMAL`
(in WAL mode a killed process loses at most the last transaction, never the file).
A module that owns tables keeps its own list of migrations under its own name.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Generic, Protocol, Self, TypeVar

import sqlite_utils

Migration = Callable[[sqlite_utils.Database], None]


class SchemaError(Exception):
    """The database was written by a newer Vigie, or is not a Vigie database."""


# SQLite's words for a file it cannot open or write (as opposed to a bug in a statement).
_STORAGE_FAILURES = ("disk is full", "unable to open", "readonly", "disk i/o error", "database is locked")


def storage_failure(exc: sqlite3.OperationalError) -> bool:
    """Whether SQLite refused because of the file or the disk (full, unwritable, locked too
    long), which the user can act on, rather than because of a statement."""
    return any(words in str(exc).lower() for words in _STORAGE_FAILURES)


def connect(path: str | Path, busy_timeout: float = 10.0) -> sqlite_utils.Database:
    """Open (creating with mode 0600 if needed) a SQLite database in WAL mode."""
    path = Path(path)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        # Created here, not by sqlite, so that measurements are never world-readable;
        # SQLite gives the -wal and -shm files the same mode.
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
    conn = sqlite3.connect(path, timeout=busy_timeout, isolation_level=None, check_same_thread=False)
    conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
    try:
        conn.execute("PRAGMA journal_mode = WAL")
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise SchemaError(f"{path}: not a SQLite database ({exc})") from None
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("PRAGMA foreign_keys = ON")
    # No sqlite-utils plugins: looking for them scans every installed package's entry
    # points, 12 ms of each process's first connection (a cold `vigie sla` is ~50 ms).
    return sqlite_utils.Database(conn, execute_plugins=False)


@contextmanager
def write_transaction(conn: sqlite3.Connection) -> Iterator[None]:
    """An immediate write transaction: all or nothing, the write lock taken at once."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        # SQLite has already rolled back after some errors (a full disk): say the first error.
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


@contextmanager
def read_snapshot(conn: sqlite3.Connection) -> Iterator[None]:
    """A read transaction: every read inside sees the same state of the file."""
    conn.execute("BEGIN DEFERRED")
    try:
        yield
    finally:
        conn.execute("COMMIT")


@contextmanager
def consistent_read(conn: sqlite3.Connection) -> Iterator[None]:
    """:func:`read_snapshot`, unless a transaction is open already (its reads already see one state)."""
    if conn.in_transaction:
        yield
    else:
        with read_snapshot(conn):
            yield


class Snapshotted(Protocol):
    """A store that reads in snapshots and closes (the measurement and ticket stores)."""

    def snapshot(self) -> AbstractContextManager[None]: ...

    def close(self) -> None: ...


S = TypeVar("S", bound=Snapshotted)


class KeptReader(Generic[S]):
    """One reading connection kept across calls, opened on first use, one thread at a time.

    Metric collectors use it: opening a store checks its schema under a write lock, which
    every scrape would otherwise contend for with the daemon's writes.
    """

    def __init__(self, open_store: Callable[[], S]) -> None:
        self._open = open_store
        self._lock = threading.Lock()
        self._store: S | None = None

    @contextmanager
    def snapshot(self) -> Iterator[S]:
        """The store, inside one read transaction."""
        with self._lock:
            if self._store is None:
                self._store = self._open()
            with self._store.snapshot():
                yield self._store

    def close(self) -> None:
        """Close the connection (a later :meth:`snapshot` opens it again)."""
        with self._lock:
            if self._store is not None:
                self._store.close()
                self._store = None


def migrate(db: sqlite_utils.Database, owner: str, migrations: Sequence[Migration]) -> int:
    """Bring ``owner``'s tables up to ``len(migrations)``; returns the version reached.

    Runs under an immediate transaction so two processes starting together migrate once.
    """
    conn = db.conn
    with write_transaction(conn):
        conn.execute(
            "CREATE TABLE IF NOT EXISTS vigie_schema (owner TEXT PRIMARY KEY, version INTEGER NOT NULL)"
        )
        row = conn.execute("SELECT version FROM vigie_schema WHERE owner = ?", (owner,)).fetchone()
        version = row[0] if row else 0
        if version > len(migrations):
            raise SchemaError(
                f"the '{owner}' tables are at schema version {version}, newer than this Vigie "
                f"knows ({len(migrations)}): upgrade Vigie"
            )
        for step in migrations[version:]:
            step(db)
        conn.execute(
            "INSERT INTO vigie_schema (owner, version) VALUES (?, ?) "
            "ON CONFLICT(owner) DO UPDATE SET version = excluded.version",
            (owner, len(migrations)),
        )
    return len(migrations)


class OwnedTables:
    """A connection to the tables one module owns, brought up to date on opening; use as a
    context manager. Subclasses set ``OWNER`` and ``MIGRATIONS`` and add their reads and writes."""

    OWNER: str
    MIGRATIONS: Sequence[Migration]

    def __init__(self, path: str | Path, busy_timeout: float = 10.0) -> None:
        self.path = Path(path)
        self.db = connect(self.path, busy_timeout)
        migrate(self.db, self.OWNER, self.MIGRATIONS)

    def close(self) -> None:
        """Close the connection."""
        self.db.conn.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def snapshot(self) -> Iterator[None]:
        """A read transaction: every read inside sees the same state of the file."""
        with read_snapshot(self.db.conn):
            yield
