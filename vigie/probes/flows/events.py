"""A flow event as an ingest reads it (:class:`Incoming`), and events by columns (:class:`Block`).

Apart from the store: the reading process (:mod:`~vigie.probes.flows.reading`) makes and
sends these without the store's imports (SQLite's helpers), a tenth of a second of each
large file's ingest.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from vigie.probes.flows.lifecycle import Kind


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


class Block(NamedTuple):
    """Events by columns: each list holds one field of every event, in :class:`Incoming`'s
    order. What a file's reader gives and its reading process sends: no tuple made (or sent)
    per event, and the ingest walks the columns together."""

    keys: list[str]
    ats: list[float]
    hops: list[str]
    kinds: list[Kind]
    types: list[str]
    statuses: list[str]
    partners: list[str]
    reasons: list[str]
    batches: list[str]
    reports: list[str]
    correlations: list[tuple[tuple[str, str], ...]]

    @classmethod
    def of(cls, events: Sequence[Incoming]) -> Block:
        """The columns of events."""
        if not events:
            return cls([], [], [], [], [], [], [], [], [], [], [])
        return cls(*map(list, zip(*events, strict=True)))
