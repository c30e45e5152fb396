"""Throughput against nominal capacity, per day or per month (pure functions).

Throughput probes store a rate per second in the results' ``value`` column. A bucket's
figure is the mean of the rates measured in it, expressed in the capacity's own unit
and period ("flux par mois", "appels par jour") so bars and capacity share one scale;
utilisation is that mean over the nominal capacity.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from vigie.probes.config import PERIODS, Capacity
from vigie.reports.content import ThroughputBucket, ThroughputRow


@dataclass(frozen=True)
class Bucket:
    """A labelled time range ``[start, end)`` (aware date-times)."""

    label: str
    start: datetime
    end: datetime


def throughput_row(
    component: str,
    name: str,
    capacity: Capacity,
    buckets: Sequence[Bucket],
    samples: Iterable[tuple[float, float]],
) -> ThroughputRow:
    """Mean rate per bucket against ``capacity``; ``samples`` are ``(ts, rate per second)``."""
    starts = [b.start.timestamp() for b in buckets]
    ends = [b.end.timestamp() for b in buckets]
    sums = [0.0] * len(buckets)
    counts = [0] * len(buckets)
    for ts, rate in samples:
        i = bisect.bisect_right(starts, ts) - 1
        if 0 <= i < len(buckets) and ts < ends[i]:
            sums[i] += rate
            counts[i] += 1
    scale = PERIODS[capacity.per]
    rows = []
    for i, b in enumerate(buckets):
        volume = sums[i] / counts[i] * scale if counts[i] else None
        rows.append(
            ThroughputBucket(
                label=b.label,
                start=b.start,
                volume=volume,
                utilisation=None if volume is None else volume / capacity.value,
            )
        )
    total_count = sum(counts)
    mean = sum(sums) / total_count * scale if total_count else None
    return ThroughputRow(
        component=component,
        name=name,
        unit=capacity.unit,
        per=capacity.per,
        capacity=capacity.value,
        mean=mean,
        utilisation=None if mean is None else mean / capacity.value,
        buckets=tuple(rows),
    )
