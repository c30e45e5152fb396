"""Where an ingest's writes go: the store's own connection (:class:`vigie.probes.flows.store.Here`),
or a writing process of its own (:class:`Apart`).

A large file is resolved to its flows and folded in the ingesting process (a reading
process checks it: :mod:`~vigie.probes.flows.reading`) while a writing process
(``python -m vigie.probes.flows.sink STORE``) holds the write transaction, runs the SQL it
is sent: the two cores work at once. All or
nothing holds across the processes:

- the writing process begins its transaction before anything else and commits only when
  told to, after the whole file was read and checked;
- a problem on either side rolls it back: a bad line (the ingesting process stops sending
  and closes the pipe: end of input without ``commit`` is a rollback), a failed statement
  (the writing process rolls back and says so at the next question or the commit), either
  process killed (the writing one never commits; the ingesting one finds the pipe closed
  and raises :class:`WriterLost`).

Requests and answers are pickled tuples on the child's standard input and output.
"""

from __future__ import annotations

import contextlib
import pickle
import queue
import signal
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import IO, Any, BinaryIO, Protocol

import msgspec


class WriterLost(Exception):
    """The writing process ended before the ingest did: nothing of the file is stored."""


Rows = list[tuple[Any, ...]]
"""Flows to write: each its ``flows`` row (every column, in the table's order)."""

# Rows cross in MessagePack: a seventh of pickling's time to encode (pickle keeps a memo of
# every string and tuple), less to decode.
_ROWS_ENCODER = msgspec.msgpack.Encoder()
_ROWS = msgspec.msgpack.Decoder(tuple[Rows, Rows])
_PARAMETERS = msgspec.msgpack.Decoder(Rows)


class Sink(Protocol):
    """An ingest's SQL, inside its write transaction (in this process:
    :class:`vigie.probes.flows.store.Here`; in a writing process: :class:`Apart`)."""

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Rows of a read that sees this ingest's writes so far."""

    def run(self, sql: str, params: Sequence[Any] = ()) -> None:
        """One statement (its failure may only be told by a later call)."""

    def many(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        """One statement for each row (its failure may only be told by a later call)."""

    def write_rows(self, new: Rows, stored: Rows) -> None:
        """Write flows' rows (new flows' inserted, stored ones' replaced)."""


class Apart:
    """The SQL sent to a writing process of its own, which holds the write transaction.

    Statements are sent without waiting (the pipe's buffer paces the sender); a query or
    :meth:`commit` waits for the answer, which carries the first failure if any.
    """

    def __init__(self, path: str | Path, busy_timeout: float) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", __name__, str(path), repr(busy_timeout)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )
        assert self.process.stdin is not None and self.process.stdout is not None
        self._out: IO[bytes] = self.process.stdin
        self._in: IO[bytes] = self.process.stdout

    def _send(self, request: tuple[Any, ...]) -> None:
        try:
            pickle.dump(request, self._out, pickle.HIGHEST_PROTOCOL)
        except (BrokenPipeError, ValueError):  # ValueError: the pipe was closed already
            self._lost()

    def _answer(self) -> Any:
        try:
            self._out.flush()
            status, value = pickle.load(self._in)
        except (BrokenPipeError, EOFError, ValueError, pickle.UnpicklingError):
            self._lost()
        if status == "error":
            self.close()
            raise value
        return value

    def _lost(self) -> None:
        code = self.process.wait()
        how = f"killed by signal {-code}" if code < 0 else f"exit status {code}"
        raise WriterLost(f"the flow store's writing process ended ({how}): nothing of this file is stored")

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Rows of a read, once every statement sent before has run."""
        self._send(("query", sql, tuple(params)))
        rows: list[tuple[Any, ...]] = self._answer()
        return rows

    def run(self, sql: str, params: Sequence[Any] = ()) -> None:
        """Send one statement."""
        self._send(("run", sql, tuple(params)))

    def many(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        """Send one statement for each row."""
        self._send(("many", sql, _ROWS_ENCODER.encode(rows if isinstance(rows, list) else list(rows))))

    def write_rows(self, new: Rows, stored: Rows) -> None:
        """Send flows' rows."""
        self._send(("rows", _ROWS_ENCODER.encode((new, stored))))

    def commit(self) -> None:
        """Commit everything sent (raises the first failure instead, nothing committed)."""
        self._send(("commit",))
        self._answer()
        self.close()

    def close(self) -> None:
        """End the writing process; without a commit before, it rolls back."""
        for stream in (self._out, self._in):
            with contextlib.suppress(BrokenPipeError):  # the process ended already
                stream.close()
        self.process.wait()


def _serve(path: str, busy_timeout: float, requests: BinaryIO, answers: BinaryIO) -> None:
    """Run the requests in one write transaction; commit only when asked (see the module)."""
    # Imported here: the store imports this module (and the ingesting process needs no more).
    from vigie.probes.db import connect
    from vigie.probes.flows.store import Here

    # Ctrl-C reaches both processes: this one ends when the ingesting one closes the pipe.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    failure: BaseException | None = None
    found: list[tuple[Any, ...]] | None = None
    conn = connect(path, busy_timeout).conn
    here = Here(conn)
    try:
        conn.execute("PRAGMA cache_size = -262144")
        conn.execute("PRAGMA temp_store = MEMORY")
        conn.execute("BEGIN IMMEDIATE")
    except sqlite3.Error as exc:
        failure = exc
    for request in _received(requests):  # to their end without a commit: roll back
        kind = request[0]
        if failure is None:
            try:
                if kind == "many":
                    here.many(request[1], _PARAMETERS.decode(request[2]))
                elif kind == "rows":
                    here.write_rows(*_ROWS.decode(request[1]))
                elif kind == "run":
                    here.run(request[1], request[2])
                elif kind == "query":
                    found = here.query(request[1], request[2])
                else:
                    found = None
                    conn.execute("COMMIT")
            except Exception as exc:  # every failure is told to the ingest
                failure = exc
        if kind in ("query", "commit"):
            answer = ("ok", found) if failure is None else ("error", _portable(failure))
            pickle.dump(answer, answers, pickle.HIGHEST_PROTOCOL)
            answers.flush()
            if failure is not None or kind == "commit":
                break
    if conn.in_transaction:
        conn.execute("ROLLBACK")
    conn.close()


_AHEAD = 32
"""Requests read ahead at most (a block of rows is megabytes)."""


def _received(requests: BinaryIO) -> Iterator[tuple[Any, ...]]:
    """The requests as they come, read ahead by a thread of their own: the ingesting process
    never waits for this one's SQL to write the next (a pipe holds 64 KiB, a block of rows is
    megabytes: it waited 1.3 s of a file of 1.1 M events). They end with the input."""
    waiting: queue.Queue[tuple[Any, ...] | None] = queue.Queue(maxsize=_AHEAD)

    def pump() -> None:
        try:
            while True:
                waiting.put(pickle.load(requests))
        except (EOFError, OSError, ValueError, pickle.UnpicklingError):
            pass  # the end, or a request cut short: the ingesting process died
        finally:
            waiting.put(None)

    threading.Thread(target=pump, daemon=True).start()
    while (request := waiting.get()) is not None:
        yield request


def _portable(exc: BaseException) -> BaseException:
    """The exception as it can cross the pipe (its type kept when it pickles)."""
    try:
        pickle.loads(pickle.dumps(exc))
    except Exception:  # any unpicklable exception becomes a plain one
        return RuntimeError(f"{type(exc).__name__}: {exc}")
    return exc


if __name__ == "__main__":
    _serve(sys.argv[1], float(sys.argv[2]), sys.stdin.buffer, sys.stdout.buffer)
