"""A file's events read and checked in a process of their own (``python -m vigie.probes.flows.reading``).

Reading and checking a large file is a third of an ingest's work and needs nothing of the
store: a reading process does it while the ingesting one resolves the events it already
got to their flows (and a writing process stores them, :mod:`~vigie.probes.flows.sink`).
It reads the file as :func:`~vigie.probes.flows.ingest.read_events` does, the same
checks and the same located problems, and sends, in order, the format, the checked events
by blocks of columns (:class:`~vigie.probes.flows.events.Block` in MessagePack: no tuple
per event made on either side, cheaper both ways than pickling) and how far into
the file it is, then either the end or the first problem; the ingesting process raises
that problem when it comes to it, so nothing of the file is stored (its writing process
never got a commit). Pickled tuples on the reading process's standard output.
"""

from __future__ import annotations

import gc
import os
import pickle
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any, BinaryIO

import msgspec

from vigie.kernel.problems import ConfigError
from vigie.kernel.textfile import open_binary
from vigie.probes.flows.events import Block
from vigie.probes.flows.ingest import EventReader, read_events
from vigie.probes.flows.sink import WriterLost

_EVENTS = msgspec.msgpack.Decoder(Block)


class ReadApart:
    """A reading process for one file: :meth:`blocks` (raises the file's first problem as a
    ConfigError where it comes), then :attr:`format`. It starts at once: the ingesting
    process meanwhile starts its writing process."""

    def __init__(self, path: str | Path, reader: EventReader, progress: BinaryIO | None = None) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", __name__], stdin=subprocess.PIPE, stdout=subprocess.PIPE
        )
        assert self.process.stdin is not None and self.process.stdout is not None
        self._in: IO[bytes] = self.process.stdout
        self._progress = progress
        self.format = ""
        """``jsonl`` or ``csv``, once the first block was asked for."""
        with self.process.stdin as request:
            hops = None if reader.hops is None else sorted(reader.hops)
            pickle.dump((str(path), sorted(reader.types), hops), request, pickle.HIGHEST_PROTOCOL)

    def _next(self) -> tuple[str, Any]:
        try:
            message: tuple[str, Any] = pickle.load(self._in)
        except (EOFError, pickle.UnpicklingError):
            code = self.process.wait()
            how = f"killed by signal {-code}" if code < 0 else f"exit status {code}"
            raise WriterLost(
                f"the flow file's reading process ended ({how}): nothing of this file is stored"
            ) from None
        if message[0] == "problem":
            raise ConfigError(message[1])
        return message

    def blocks(self) -> Iterator[Block]:
        """The file's checked events, in order, by blocks (of columns)."""
        self.format = str(self._next()[1])
        while True:
            kind, value = self._next()
            if kind == "end":
                return
            block, position = value
            if self._progress is not None:
                self._progress.seek(position)
            yield _EVENTS.decode(block)

    def close(self) -> None:
        """Stop the reading process (it may be mid-file when the ingest stopped first)."""
        self._in.close()
        self.process.wait()


def _serve(requests: BinaryIO, out: BinaryIO) -> None:
    """Read the file named on standard input; send its format, events and end (or problem)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the ingesting process ends this one
    path, types, hops = pickle.load(requests)
    encoder = msgspec.msgpack.Encoder()
    try:
        try:
            with open_binary(path) as handle:
                kind, blocks = read_events(path, EventReader(types, hops), handle)
                pickle.dump(("format", kind), out, pickle.HIGHEST_PROTOCOL)
                for block in blocks:
                    message = ("events", (encoder.encode(block), handle.tell()))
                    pickle.dump(message, out, pickle.HIGHEST_PROTOCOL)
            pickle.dump(("end", None), out, pickle.HIGHEST_PROTOCOL)
        except ConfigError as exc:
            pickle.dump(("problem", exc.problems[:1]), out, pickle.HIGHEST_PROTOCOL)
        out.flush()
    except BrokenPipeError:
        os._exit(0)  # the ingest stopped first: nobody to tell, nothing to flush


if __name__ == "__main__":
    # Millions of short-lived tuples and no cycle: the cyclic collector would only slow it.
    gc.disable()
    _serve(sys.stdin.buffer, sys.stdout.buffer)
