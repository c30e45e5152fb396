"""Probe results in their stored forms: a row, and one probe's results in columns (a batch)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from operator import itemgetter

# (component, probe, ts, status, latency_ms, detail, value): a result in stored form.
Row = tuple[str, str, float, str, float | None, str, float | None]

# A row as read back from the store, with its own step (``interval_s``, None for the probe's).
StoredRow = tuple[str, str, float, str, float | None, str, float | None, float | None]


@dataclass(frozen=True, slots=True)
class Batch:
    """One probe's results in columns, strictly increasing in time: the store's bulk unit.

    Bulk writers (history imports) hand the store whole columns, so that per-result work
    stays in C-level loops (``zip``, ``map``) instead of Python code per result.
    ``status`` holds stored statuses as text (``"up"``...). ``interval_s`` is the step of
    every result of the batch when they bring their own (imported history), stored with
    each; None: the probe's configured interval.
    """

    component: str
    probe: str
    ts: Sequence[float]
    status: Sequence[str]
    latency_ms: Sequence[float | None]
    detail: Sequence[str]
    value: Sequence[float | None]
    interval_s: float | None = None

    def __len__(self) -> int:
        return len(self.ts)

    @classmethod
    def of_rows(cls, rows: Sequence[Row], interval_s: float | None = None) -> Batch:
        """The batch of one probe's rows (already sorted, one per time)."""
        # Column by column (C-level passes): zip(*rows) over thousands of rows is slower.
        ts, status, latency, detail, value = (list(map(itemgetter(i), rows)) for i in range(2, 7))
        return cls(rows[0][0], rows[0][1], ts, status, latency, detail, value, interval_s)
