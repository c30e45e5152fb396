"""Rollups of the measurement store: state segments and hourly rows, kept as results arrive.

Two tables, owned here (owner name ``rollups``), written in the same transaction as the raw
results by :meth:`vigie.probes.store.Store.append`:

- ``segments``: each probe's timeline as run-length segments (see
  :mod:`vigie.accounting.timeline`). SLA accounting reads these, never raw rows, and they are
  kept forever, so a month stays reproducible after retention deleted its raw results.
- ``rollup_hourly``: per probe and UTC hour, check counts per status and latency
  statistics (count, sum in integer microseconds so that sums do not depend on the
  order of additions, min, max, and a log-bucket histogram for percentiles, 5 %
  wide buckets). In zones with whole-hour offsets (Europe/Paris) local days are whole
  UTC hours, so daily rows are sums of hourly ones.
- ``segment_sums``: per probe, the seconds of each status its segments cover in each UTC
  day and each 32-day block (both aligned on the epoch), for the time before the probe's
  newest segment starts ("settled" time: appends only ever touch the newest segment and
  what follows it). A year adds a few dozen of these rows and reads segments only at its
  ragged ends, instead of summing thousands of segments (bench/sla.py).

Appending later results extends the newest segment in place; results that land before a
probe's newest result (out-of-order imports) rebuild that probe's rollups from the raw
rows from that point on, which needs the raw rows there: the store refuses results older
than its retention horizon.
"""

from __future__ import annotations

import json
import math
import sqlite3
from bisect import bisect_left
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import groupby
from typing import Any, cast

import sqlite_utils

from vigie.accounting.results import STORED_STATUSES, Status
from vigie.accounting.timeline import DEFAULT_INTERVAL, Segment, TimelineBuilder
from vigie.probes.db import consistent_read, migrate
from vigie.probes.results import Batch, StoredRow

HOUR = 3600
GAMMA = 1.05
_LOG_GAMMA = math.log(GAMMA)


class RetentionError(Exception):
    """Results older than the raw data kept cannot be merged into the rollups."""


def _v1_rollups(db: sqlite_utils.Database) -> None:
    db.execute(
        """
        CREATE TABLE segments (
            component  TEXT NOT NULL,
            probe      TEXT NOT NULL,
            start      REAL NOT NULL,
            end        REAL NOT NULL,
            last_ts    REAL NOT NULL,
            status     TEXT NOT NULL,
            checks     INTEGER NOT NULL,
            detail     TEXT NOT NULL DEFAULT '',
            confirm_ts TEXT NOT NULL DEFAULT '[]',
            PRIMARY KEY (component, probe, start)
        ) WITHOUT ROWID
        """
    )
    db.execute("CREATE INDEX segments_end ON segments (component, end)")
    db.execute(
        """
        CREATE TABLE rollup_hourly (
            component   TEXT NOT NULL,
            probe       TEXT NOT NULL,
            hour        INTEGER NOT NULL,
            checks      INTEGER NOT NULL,
            up          INTEGER NOT NULL,
            degraded    INTEGER NOT NULL,
            down        INTEGER NOT NULL,
            maintenance INTEGER NOT NULL,
            lat_n       INTEGER NOT NULL,
            lat_sum_us  INTEGER NOT NULL,
            lat_min     REAL,
            lat_max     REAL,
            lat_hist    TEXT NOT NULL,
            PRIMARY KEY (component, probe, hour)
        ) WITHOUT ROWID
        """
    )
    db.execute("CREATE INDEX rollup_hourly_hour ON rollup_hourly (hour)")
    db.execute("CREATE TABLE rollup_meta (key TEXT PRIMARY KEY, value REAL NOT NULL)")


def _v2_down_index(db: sqlite_utils.Database) -> None:
    # Down segments are few: SLA queries find a month's incidents without scanning it.
    db.execute("CREATE INDEX segments_down ON segments (component, probe, end) WHERE status = 'down'")


def _v3_segment_sums(db: sqlite_utils.Database) -> None:
    # Long periods (a year) summed from whole days and 32-day blocks instead of segments.
    db.execute(
        """
        CREATE TABLE segment_sums (
            component   TEXT NOT NULL,
            probe       TEXT NOT NULL,
            width       INTEGER NOT NULL,
            bucket      INTEGER NOT NULL,
            pieces      INTEGER NOT NULL,
            up          REAL NOT NULL,
            degraded    REAL NOT NULL,
            down        REAL NOT NULL,
            maintenance REAL NOT NULL,
            PRIMARY KEY (component, probe, width, bucket)
        ) WITHOUT ROWID
        """
    )
    for component, probe in db.conn.execute("SELECT DISTINCT component, probe FROM segments").fetchall():
        resum(db.conn, component, probe, None)
    # The down segments' index now holds all their columns an SLA reads (no table lookups).
    db.execute("DROP INDEX segments_down")
    db.execute(
        "CREATE INDEX segments_down ON segments (component, probe, end, status, detail) WHERE status = 'down'"
    )


MIGRATIONS = [_v1_rollups, _v2_down_index, _v3_segment_sums]

DAY = 86400
BLOCK = 32 * DAY
"""The widths of ``segment_sums``' buckets, in seconds (a bucket starts at a multiple of its width)."""
SUMMED_FROM = 2 * DAY
"""Periods with fewer whole settled UTC days than this are summed from their segments alone."""

_SEG_COLUMNS = "component, probe, start, end, last_ts, status, checks, detail, confirm_ts"
_STATUS_INDEX = {"up": 1, "degraded": 2, "down": 3, "maintenance": 4}


def _bucket(latency_ms: float) -> int:
    """The latency histogram bucket: (GAMMA^(b-1), GAMMA^b], everything up to 1 ms in bucket 0."""
    return 0 if latency_ms <= 1 else math.ceil(math.log(latency_ms) / _LOG_GAMMA)


class _PerValue(dict[float, int]):
    """A function of each latency seen, remembered (values repeat), so bulk counting stays in C."""

    def __init__(self, function: Callable[[float], int]) -> None:
        super().__init__()
        self.function = function

    def __missing__(self, latency_ms: float) -> int:
        result = self[latency_ms] = self.function(latency_ms)
        return result


_BUCKETS = _PerValue(_bucket)
_MICROS = _PerValue(lambda latency_ms: round(latency_ms * 1000))
_STORED = ("up", "degraded", "down", "maintenance")


@dataclass
class Hourly:
    """One probe's checks in one UTC hour (``hour`` in epoch seconds)."""

    component: str
    probe: str
    hour: int
    checks: int = 0
    up: int = 0
    degraded: int = 0
    down: int = 0
    maintenance: int = 0
    lat_n: int = 0
    lat_sum_us: int = 0
    lat_min: float | None = None
    lat_max: float | None = None
    lat_hist: dict[int, int] = field(default_factory=dict)

    def add(self, status: str, latency_ms: float | None) -> None:
        """Count one result."""
        self.checks += 1
        if status == "up":
            self.up += 1
        elif status == "degraded":
            self.degraded += 1
        elif status == "down":
            self.down += 1
        else:
            self.maintenance += 1
        if latency_ms is not None:
            self.lat_n += 1
            self.lat_sum_us += round(latency_ms * 1000)
            if self.lat_min is None or latency_ms < self.lat_min:
                self.lat_min = latency_ms
            if self.lat_max is None or latency_ms > self.lat_max:
                self.lat_max = latency_ms
            bucket = _bucket(latency_ms)
            self.lat_hist[bucket] = self.lat_hist.get(bucket, 0) + 1

    def add_many(self, statuses: Sequence[str], latencies: Sequence[float | None]) -> None:
        """:meth:`add` of many results at once; ValueError for a status that cannot be stored.

        Bulk imports repeat values a lot: statuses are counted with ``count`` (one pass when
        they are all the same), latencies through per-value caches.
        """
        n = len(statuses)
        if n == 1 and statuses[0] in _STORED:  # the daemon's usual batch: one result per probe
            self.add(statuses[0], latencies[0])
            return
        first = statuses[0] if n else "up"
        if first in _STORED and statuses.count(first) == n:
            counts = {first: n}
        else:
            counts = {status: statuses.count(status) for status in _STORED}
            if sum(counts.values()) != n:
                bad = next(s for s in statuses if s not in _STORED)
                raise ValueError(f"{self.component}/{self.probe}: status {bad!r} cannot be stored")
        self.checks += n
        self.up += counts.get("up", 0)
        self.degraded += counts.get("degraded", 0)
        self.down += counts.get("down", 0)
        self.maintenance += counts.get("maintenance", 0)
        values: Sequence[float] = (
            cast(Sequence[float], latencies)
            if None not in latencies
            else [v for v in latencies if v is not None]
        )
        if not values:
            return
        self.lat_n += len(values)
        for cache in (_MICROS, _BUCKETS):
            if len(cache) > 100_000:
                cache.clear()
        self.lat_sum_us += sum(map(_MICROS.__getitem__, values))
        low, high = min(values), max(values)
        if self.lat_min is None or low < self.lat_min:
            self.lat_min = low
        if self.lat_max is None or high > self.lat_max:
            self.lat_max = high
        hist = self.lat_hist
        for bucket, count in Counter(map(_BUCKETS.__getitem__, values)).items():
            hist[bucket] = hist.get(bucket, 0) + count

    def merge(self, other: Hourly) -> None:
        """Add another row's counts (same probe and hour, disjoint results)."""
        for name in ("checks", "up", "degraded", "down", "maintenance", "lat_n", "lat_sum_us"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        mins = [v for v in (self.lat_min, other.lat_min) if v is not None]
        maxs = [v for v in (self.lat_max, other.lat_max) if v is not None]
        self.lat_min = min(mins) if mins else None
        self.lat_max = max(maxs) if maxs else None
        for bucket, count in other.lat_hist.items():
            self.lat_hist[bucket] = self.lat_hist.get(bucket, 0) + count

    def percentile(self, q: float) -> float | None:
        """Latency percentile (0 < q <= 1) from the histogram, within 2.5 %, clamped to min/max."""
        if not self.lat_n or self.lat_min is None or self.lat_max is None:
            return None
        rank = q * self.lat_n
        seen = 0
        for bucket in sorted(self.lat_hist):
            seen += self.lat_hist[bucket]
            if seen >= rank:
                # The bucket holds (GAMMA^(b-1), GAMMA^b]; its midpoint is within 2.5 %.
                value = 2 * GAMMA**bucket / (GAMMA + 1) if bucket else 1.0
                return min(max(value, self.lat_min), self.lat_max)
        return self.lat_max

    @property
    def lat_avg(self) -> float | None:
        """Mean latency in milliseconds."""
        return self.lat_sum_us / 1000 / self.lat_n if self.lat_n else None

    def as_row(self) -> tuple[object, ...]:
        """The row as stored."""
        return (
            self.component,
            self.probe,
            self.hour,
            self.checks,
            self.up,
            self.degraded,
            self.down,
            self.maintenance,
            self.lat_n,
            self.lat_sum_us,
            self.lat_min,
            self.lat_max,
            json.dumps(self.lat_hist, separators=(",", ":"), sort_keys=True),
        )


def _hourly_from_row(row: Any) -> Hourly:
    hist = {int(k): int(v) for k, v in json.loads(row[12]).items()}
    return Hourly(
        row[0], row[1], int(row[2]), int(row[3]), int(row[4]), int(row[5]), int(row[6]), int(row[7]),
        int(row[8]), int(row[9]), row[10], row[11], hist,
    )  # fmt: skip


_STATUS = {str(s): s for s in Status}


def _segment_from_row(row: Any) -> Segment:
    # Hot path of every SLA query: only down segments carry confirm times worth parsing.
    return Segment(
        row[0], row[1], float(row[2]), float(row[3]), float(row[4]), _STATUS[row[5]], int(row[6]), row[7],
        json.loads(row[8]) if row[8] != "[]" else [],
    )  # fmt: skip


# One probe's segments overlapping [start, end): from the one holding ``start`` (a seek
# on the primary key) rather than scanning every earlier segment for its end.
_OVERLAPPING = (
    "component = ? AND probe = ? AND start >= coalesce((SELECT max(start) FROM segments "
    "WHERE component = ? AND probe = ? AND start <= ?), ?) AND start < ? AND end > ?"
)


def _overlapping(component: str, probe: str, start: float, end: float) -> tuple[object, ...]:
    return (component, probe, component, probe, start, start, end, start)


def _segment_row(seg: Segment) -> tuple[object, ...]:
    return (
        seg.component,
        seg.probe,
        seg.start,
        seg.end,
        seg.last_ts,
        str(seg.status),
        seg.checks,
        seg.detail,
        json.dumps(seg.confirm_ts) if seg.confirm_ts else "[]",
    )


def _floor(ts: float, width: int) -> int:
    """The start of the ``width`` bucket holding ``ts``."""
    return int(ts // width) * width


def _settled(conn: sqlite3.Connection, component: str, probe: str) -> float | None:
    """When the probe's newest segment starts (None: no segment): appends change nothing before."""
    row = conn.execute(
        "SELECT max(start) FROM segments WHERE component = ? AND probe = ?", (component, probe)
    )
    value = row.fetchone()[0]
    return None if value is None else float(value)


def resum(conn: sqlite3.Connection, component: str, probe: str, since: float | None) -> None:
    """Bring the probe's ``segment_sums`` in line with its segments, changed from ``since``
    on (None: anywhere), inside the caller's write transaction.

    Buckets ending after ``since`` are dropped; then every bucket ending after it and by
    the probe's settled time is summed again: days from the segments, blocks from the days.
    """
    key = (component, probe)
    if since is None:
        conn.execute("DELETE FROM segment_sums WHERE component = ? AND probe = ?", key)
    else:
        for width in (DAY, BLOCK):
            conn.execute(
                "DELETE FROM segment_sums WHERE component = ? AND probe = ? AND width = ? AND bucket > ?",
                (*key, width, since - width),
            )
    settled = _settled(conn, component, probe)
    if settled is None:
        return
    first, end = (-math.inf if since is None else _floor(since, DAY)), _floor(settled, DAY)
    if first >= end:
        return
    if since is None:
        sql = "SELECT start, end, status FROM segments WHERE component = ? AND probe = ? AND start < ? ORDER BY start"
        params: tuple[object, ...] = (*key, end)
    else:
        sql = f"SELECT start, end, status FROM segments WHERE {_OVERLAPPING} ORDER BY start"
        params = _overlapping(component, probe, first, end)
    days: dict[int, list[float]] = {}
    for start, stop, status in conn.execute(sql, params):
        column = _STATUS_INDEX[status]
        day, last = _floor(max(start, first), DAY), min(stop, end)
        while day < last:
            row = days.get(day)
            if row is None:
                row = days[day] = [0, 0.0, 0.0, 0.0, 0.0]
            row[0] += 1
            # Clipped as seconds_by_status clips a segment to a period.
            row[column] += min(stop, day + DAY) - max(start, day)
            day += DAY
    conn.executemany(
        "INSERT INTO segment_sums VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [(*key, DAY, day, *row) for day, row in days.items()],
    )
    low, high = (-math.inf if since is None else _floor(since, BLOCK)), _floor(settled, BLOCK)
    if low >= high:
        return
    blocks: dict[int, list[float]] = {}
    for day, *sums in conn.execute(
        "SELECT bucket, pieces, up, degraded, down, maintenance FROM segment_sums "
        "WHERE component = ? AND probe = ? AND width = ? AND bucket >= ? AND bucket < ? ORDER BY bucket",
        (*key, DAY, low, high),
    ):
        row = blocks.setdefault(_floor(day, BLOCK), [0, 0.0, 0.0, 0.0, 0.0])
        for k, value in enumerate(sums):
            row[k] += value
    conn.executemany(
        "INSERT INTO segment_sums VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [(*key, BLOCK, block, *row) for block, row in blocks.items()],
    )


_CLIPPED = (
    "SELECT count(*) AS n, total(d) FILTER (WHERE status = 'up') AS up, "
    "total(d) FILTER (WHERE status = 'degraded') AS degraded, total(d) FILTER (WHERE status = 'down') AS down, "
    "total(d) FILTER (WHERE status = 'maintenance') AS maintenance "
    f"FROM (SELECT status, min(end, ?) - max(start, ?) AS d FROM segments WHERE {_OVERLAPPING})"
)
_SUMMED = (
    "SELECT sum(pieces), total(up), total(degraded), total(down), total(maintenance) FROM segment_sums "
    "WHERE component = ? AND probe = ? AND width = ? AND bucket >= ? AND bucket < ?"
)


def _clipped(component: str, probe: str, start: float, end: float) -> tuple[object, ...]:
    return (end, start, *_overlapping(component, probe, start, end))


class Rollups:
    """The rollup tables of one store connection; every write happens in the caller's transaction."""

    def __init__(self, db: sqlite_utils.Database, intervals: Mapping[tuple[str, str], float] | None = None):
        self.db = db
        self.intervals = dict(intervals or {})
        migrate(db, "rollups", MIGRATIONS)
        # Each probe's newest segment and hourly row as this connection last wrote them:
        # the daemon's next append merges into them without reading them back. Valid while
        # no other connection writes (checked as each write transaction begins) and the
        # transaction that wrote them commits (the store calls forget() otherwise).
        self._newest: dict[tuple[str, str], tuple[Segment, Hourly | None]] = {}
        self._version: int | None = None

    def begin(self) -> None:
        """Called first in each write transaction: forget the newest rows kept in memory when
        another connection committed since this one's last transaction (SQLite's data_version)."""
        version = self.db.conn.execute("PRAGMA data_version").fetchone()[0]
        if version != self._version:
            self._newest.clear()
            self._version = version

    def forget(self) -> None:
        """Drop the newest rows kept in memory (the transaction that wrote them rolled back)."""
        self._newest.clear()

    def interval(self, component: str, probe: str) -> float:
        """The probe's interval (``DEFAULT_INTERVAL`` when the store was not told)."""
        return self.intervals.get((component, probe), DEFAULT_INTERVAL)

    # --- reading ------------------------------------------------------------------------------

    def newest_segment(self, component: str, probe: str) -> Segment | None:
        """The probe's newest segment inside a write transaction (begun with :meth:`begin`),
        from memory when this connection wrote it last: :meth:`extend` changes it in place."""
        kept = self._newest.get((component, probe))
        return kept[0] if kept is not None else self.open_segment(component, probe)

    def open_segment(self, component: str, probe: str) -> Segment | None:
        """The probe's newest segment."""
        row = self.db.conn.execute(
            f"SELECT {_SEG_COLUMNS} FROM segments WHERE component = ? AND probe = ? ORDER BY start DESC LIMIT 1",
            (component, probe),
        ).fetchone()
        return _segment_from_row(row) if row else None

    def segments(self, component: str, start: float, end: float) -> list[Segment]:
        """The component's segments overlapping ``[start, end)``, all probes, by probe then time."""
        rows = self.db.conn.execute(
            f"SELECT {_SEG_COLUMNS} FROM segments WHERE component = ? AND end > ? AND start < ? "
            "ORDER BY probe, start",
            (component, start, end),
        )
        return [_segment_from_row(r) for r in rows]

    def seconds_by_status(self, component: str, probe: str, start: float, end: float) -> dict[Status, float]:
        """Seconds of each status the probe's segments cover inside ``[start, end)`` (empty: no data).

        SQLite adds each status's clipped lengths, the float operations
        :func:`vigie.accounting.figures.account` does over one probe's timeline: the same
        bits when lengths are whole seconds, and within float rounding otherwise. Whole
        settled UTC days come from ``segment_sums`` (a year: a few dozen rows instead of
        thousands of segments), the ragged ends from the segments, all in one snapshot.
        """
        with consistent_read(self.db.conn):
            return self._seconds_by_status(component, probe, start, end)

    def _seconds_by_status(self, component: str, probe: str, start: float, end: float) -> dict[Status, float]:
        conn = self.db.conn
        settled = _settled(conn, component, probe)
        if settled is None:
            return {}
        low, high = -_floor(-start, DAY), _floor(min(end, settled), DAY)
        if high - low < SUMMED_FROM:
            row = conn.execute(_CLIPPED, _clipped(component, probe, start, end)).fetchone()
        else:
            first, last = -_floor(-low, BLOCK), _floor(high, BLOCK)
            ranges = (
                [(DAY, low, high)]
                if first >= last
                else [(DAY, low, first), (BLOCK, first, last), (DAY, last, high)]
            )
            parts = [_CLIPPED, *[_SUMMED] * len(ranges), _CLIPPED]
            params = [
                *_clipped(component, probe, start, low),
                *[v for width, a, b in ranges for v in (component, probe, width, a, b)],
                *_clipped(component, probe, high, end),
            ]
            row = conn.execute(
                "SELECT total(n), total(up), total(degraded), total(down), total(maintenance) FROM ("
                + " UNION ALL ".join(parts)
                + ")",
                params,
            ).fetchone()
        return dict(zip(STORED_STATUSES, row[1:], strict=True)) if row[0] else {}

    def down_spans(
        self, component: str, probe: str, start: float, end: float
    ) -> list[tuple[float, float, str]]:
        """``(start, end, detail)`` of the probe's down segments overlapping ``[start, end)``, oldest first.

        Read through their own index: a month's few outages without scanning the month.
        """
        sql = (
            "SELECT start, end, detail FROM segments WHERE component = ? AND probe = ? AND status = 'down' "
            "AND end > ? AND start < ? ORDER BY end"
        )
        return self.db.conn.execute(sql, (component, probe, start, end)).fetchall()

    def hourly(self, component: str | None, start: float, end: float) -> list[Hourly]:
        """Hourly rows with ``start <= hour < end``, oldest first."""
        where = "hour >= ? AND hour < ?" + (" AND component = ?" if component else "")
        params: tuple[object, ...] = (start, end, component) if component else (start, end)
        rows = self.db.conn.execute(
            f"SELECT * FROM rollup_hourly WHERE {where} ORDER BY hour, component, probe", params
        )
        return [_hourly_from_row(r) for r in rows]

    def horizon(self) -> float | None:
        """Raw results older than this were deleted by retention (None: nothing deleted yet)."""
        row = self.db.conn.execute("SELECT value FROM rollup_meta WHERE key = 'raw_horizon'").fetchone()
        return float(row[0]) if row else None

    def set_horizon(self, ts: float) -> None:
        """Record that raw results before ``ts`` are gone."""
        self.db.conn.execute(
            "INSERT INTO rollup_meta (key, value) VALUES ('raw_horizon', ?) "
            "ON CONFLICT(key) DO UPDATE SET value = max(value, excluded.value)",
            (ts,),
        )

    # --- writing ------------------------------------------------------------------------------

    def extend(self, batch: Batch, open_seg: Segment | None) -> None:
        """Add one probe's results, all later than its newest stored result (``open_seg``)."""
        component, probe = batch.component, batch.probe
        # The only stored hourly row these results can share is the newest result's hour
        # (read before the builder extends the open segment in place).
        shared = None if open_seg is None else int(open_seg.last_ts // HOUR) * HOUR
        settled = None if open_seg is None else open_seg.start
        interval = self.interval(component, probe) if batch.interval_s is None else batch.interval_s
        builder = TimelineBuilder(component, probe, interval, open_seg)
        stamps, statuses, details, latencies = batch.ts, batch.status, batch.detail, batch.latency_ms
        closed: list[Segment] = []
        # Runs of one status, then whole hours, in bulk: the per-result work stays in C.
        i = 0
        for status, run in groupby(statuses):
            j = i + len(list(run))
            closed += builder.add_run(stamps[i:j], status, details[i:j])
            i = j
        if builder.open is not None:
            closed.append(builder.open)
        hours: dict[int, Hourly] = {}
        i = 0
        while i < len(stamps):
            hour = int(stamps[i] // HOUR) * HOUR
            j = bisect_left(stamps, hour + HOUR, i)
            agg = hours[hour] = Hourly(component, probe, hour)
            agg.add_many(statuses[i:j], latencies[i:j])
            i = j
        self._write_segments(closed)
        # Nothing before the open segment's start changed; days it settled get their sums.
        new_open = builder.open
        if new_open is not None and (settled is None or _floor(new_open.start, DAY) > _floor(settled, DAY)):
            resum(self.db.conn, component, probe, settled)
        key = (component, probe)
        if shared is not None and shared in hours:
            kept = self._newest.get(key)
            merged = kept[1] if kept is not None else None
            if merged is None or merged.hour != shared:
                stored = self.db.conn.execute(
                    "SELECT * FROM rollup_hourly WHERE component = ? AND probe = ? AND hour = ?",
                    (component, probe, shared),
                ).fetchone()
                merged = None if stored is None else _hourly_from_row(stored)
            if merged is not None:
                merged.merge(hours[shared])
                hours[shared] = merged
        self._write_hourly(hours.values())
        if new_open is not None:
            self._newest[key] = (new_open, hours[max(hours)])

    def rebuild(
        self,
        component: str,
        probe: str,
        since: float | None,
        read_raw: Callable[[float | None], Iterable[StoredRow]],
    ) -> None:
        """Rebuild a probe's rollups from its raw results at ``since`` onward (None: all of them).

        ``read_raw(t)`` returns the probe's raw rows with ``ts >= t``, oldest first, each
        with its own step (None: the probe's interval). The
        rebuild restarts at the segment holding ``since``, which must not reach back past
        the retention horizon.
        """
        conn = self.db.conn
        self._newest.pop((component, probe), None)
        restart: float | None = None
        previous: Segment | None = None
        if since is not None:
            row = conn.execute(
                f"SELECT {_SEG_COLUMNS} FROM segments WHERE component = ? AND probe = ? AND start <= ? "
                "ORDER BY start DESC LIMIT 1",
                (component, probe, since),
            ).fetchone()
            restart = float(row[2]) if row else None
            horizon = self.horizon()
            if restart is not None and horizon is not None and restart < horizon:
                raise RetentionError(
                    f"results of {component}/{probe} before the raw data kept "
                    f"(retention horizon {horizon:.0f}) cannot be merged"
                )
            if restart is not None:
                before = conn.execute(
                    f"SELECT {_SEG_COLUMNS} FROM segments WHERE component = ? AND probe = ? AND start < ? "
                    "ORDER BY start DESC LIMIT 1",
                    (component, probe, restart),
                ).fetchone()
                previous = _segment_from_row(before) if before else None
        first_hour = None if restart is None else int(restart // HOUR) * HOUR
        seg_from = -math.inf if restart is None else restart
        hour_from = -math.inf if first_hour is None else first_hour
        conn.execute(
            "DELETE FROM segments WHERE component = ? AND probe = ? AND start >= ?",
            (component, probe, seg_from),
        )
        conn.execute(
            "DELETE FROM rollup_hourly WHERE component = ? AND probe = ? AND hour >= ?",
            (component, probe, hour_from),
        )
        raw = read_raw(None if first_hour is None else min(first_hour, seg_from))
        builder = TimelineBuilder(component, probe, self.interval(component, probe), previous)
        closed: list[Segment] = []
        hours: dict[int, Hourly] = {}
        for row in raw:
            ts = row[2]
            if ts >= seg_from:
                seg = builder.add(ts, row[3], row[5], None if row[7] is None else 2 * row[7])
                if seg is not None:
                    closed.append(seg)
            hour = int(ts // HOUR) * HOUR
            agg = hours.get(hour)
            if agg is None:
                agg = hours[hour] = Hourly(component, probe, hour)
            agg.add(row[3], row[4])
        if builder.open is not None:
            closed.append(builder.open)
        self._write_segments(closed)
        self._write_hourly(hours.values())
        # The segment before the restart was handed to the builder: it may have changed too.
        resum(conn, component, probe, None if restart is None else previous.start if previous else restart)

    def clear(self) -> None:
        """Forget every rollup (before a full rebuild from raw results)."""
        self._newest.clear()
        self.db.conn.execute("DELETE FROM segments")
        self.db.conn.execute("DELETE FROM rollup_hourly")
        self.db.conn.execute("DELETE FROM segment_sums")

    def _write_segments(self, segments: Iterable[Segment]) -> None:
        self.db.conn.executemany(
            f"INSERT OR REPLACE INTO segments ({_SEG_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (_segment_row(s) for s in segments),
        )

    def _write_hourly(self, rows: Iterable[Hourly]) -> None:
        self.db.conn.executemany(
            "INSERT OR REPLACE INTO rollup_hourly VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (h.as_row() for h in rows),
        )
