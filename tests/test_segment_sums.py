"""The per-day and per-block sums of segments (``segment_sums``) that long SLA periods read:
whatever the writes (daemon-like appends, out-of-order imports into old days, retention,
rebuilds), every bucket holds exactly the seconds its segments cover, and any period's
seconds by status equal a brute-force sum over the segments; an older store migrates."""

from __future__ import annotations

import contextlib
from collections import defaultdict
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vigie.accounting.results import STORED_STATUSES, ProbeResult, Status
from vigie.probes.rollups import BLOCK, DAY, RetentionError
from vigie.probes.store import Store

T0 = 1_512_000_000 - 1_512_000_000 % BLOCK + BLOCK - 5 * DAY  # five days before a block starts
STATUSES = [Status.UP, Status.UP, Status.UP, Status.DEGRADED, Status.DOWN, Status.MAINTENANCE]
# Six-hour steps (a result stands for up to 12 h): a few dozen results span weeks, with gaps.
INTERVALS = {("c", "p"): 21_600.0, ("c", "q"): 3_600.0}
STEPS = [600, 3_600, 21_600, 21_600, 43_200, 100_000, 3 * DAY]

Sums = dict[Status, float]


def _brute(store: Store, probe: str, start: float, end: float) -> Sums:
    """Seconds by status of the probe's segments clipped to ``[start, end)``, one segment at a time."""
    out: dict[Status, float] = {}
    rows = store.db.conn.execute(
        "SELECT start, end, status FROM segments WHERE component = 'c' AND probe = ? ORDER BY start", (probe,)
    )
    for a, b, status in rows:
        if b > start and a < end:
            out = out or dict.fromkeys(STORED_STATUSES, 0.0)
            out[Status(status)] += min(b, end) - max(a, start)
    return out


def _expected_table(store: Store) -> dict[tuple[str, int, int], tuple[float, ...]]:
    """Every bucket ending by its probe's newest segment start, with a segment in it, summed."""
    out: dict[tuple[str, int, int], tuple[float, ...]] = {}
    conn = store.db.conn
    for (probe,) in conn.execute("SELECT DISTINCT probe FROM segments").fetchall():
        settled = conn.execute("SELECT max(start) FROM segments WHERE probe = ?", (probe,)).fetchone()[0]
        first = conn.execute("SELECT min(start) FROM segments WHERE probe = ?", (probe,)).fetchone()[0]
        for width in (DAY, BLOCK):
            bucket = int(first // width) * width
            while bucket + width <= settled:
                sums = _brute(store, probe, bucket, bucket + width)
                if sums:
                    out[(probe, width, bucket)] = tuple(sums[s] for s in STORED_STATUSES)
                bucket += width
    return out


def _table(store: Store) -> dict[tuple[str, int, int], tuple[float, ...]]:
    rows = store.db.conn.execute(
        "SELECT probe, width, bucket, up, degraded, down, maintenance FROM segment_sums WHERE component = 'c'"
    )
    return {(p, w, b): tuple(rest) for p, w, b, *rest in rows}


@st.composite
def writes(draw: st.DrawFn) -> list[list[ProbeResult] | float]:
    """Batches of results of two probes over about two months, appended in a random order
    (so later batches often land in old days), with retention cuts among them."""
    results: list[ProbeResult] = []
    for probe in ("p", "q"):
        t = T0 + draw(st.integers(-3 * DAY, 3 * DAY))
        for _ in range(draw(st.integers(0, 50))):
            t += draw(st.sampled_from(STEPS))
            status = draw(st.sampled_from(STATUSES))
            results.append(ProbeResult("c", probe, float(t), status, 10.0, str(status)))
    results.sort(key=lambda r: r.ts)
    cuts = sorted(set(draw(st.lists(st.integers(0, len(results)), max_size=6))))
    batches: list[list[ProbeResult] | float] = [
        results[a:b] for a, b in zip([0, *cuts], [*cuts, len(results)], strict=True)
    ]
    batches = draw(st.permutations(batches))
    for _ in range(draw(st.integers(0, 2))):
        batches.insert(draw(st.integers(0, len(batches))), float(T0 + draw(st.integers(-3 * DAY, 70 * DAY))))
    return batches


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(batches=writes(), data=st.data())
def test_sums_equal_the_segments_after_any_writes(
    tmp_path_factory: pytest.TempPathFactory, batches: list[list[ProbeResult] | float], data: st.DataObject
) -> None:
    with Store(tmp_path_factory.mktemp("s") / "v.db", intervals=INTERVALS) as store:
        for batch in batches:
            if isinstance(batch, float):
                store.delete_before(batch)
                continue
            with contextlib.suppress(RetentionError):  # refused whole: before the raw rows kept
                store.append(batch)
        if data.draw(st.booleans()):
            store.rebuild_rollups()
        assert _table(store) == _expected_table(store)
        for _ in range(8):
            start = T0 + data.draw(st.integers(-5 * DAY, 75 * DAY))
            end = start + data.draw(st.sampled_from([1, 3_600, DAY, 2 * DAY + 7, 40 * DAY, 80 * DAY]))
            for probe in ("p", "q", "none"):
                assert store.seconds_by_status("c", probe, start, end) == _brute(store, probe, start, end)


def test_a_year_reads_a_few_dozen_sums_and_survives_a_late_import(tmp_path: Path) -> None:
    """A year of 6-hour checks with an outage a month: the sums cover it, and a result
    imported into an old month afterwards changes the year's figures like the segments."""
    year = [
        ProbeResult("c", "p", float(T0 + k * 21_600), Status.DOWN if k % 120 == 7 else Status.UP, 10.0, "")
        for k in range(4 * 365)
    ]
    with Store(tmp_path / "v.db", intervals=INTERVALS) as store:
        for k in range(0, len(year), 4):  # a day per batch, as a daemon would
            store.append(year[k : k + 4])
        start, end = T0 + DAY / 3, T0 + 365 * DAY
        assert store.seconds_by_status("c", "p", start, end) == _brute(store, "p", start, end)
        widths: defaultdict[int, int] = defaultdict(int)
        for (width,) in store.db.conn.execute("SELECT width FROM segment_sums"):
            widths[width] += 1
        # The newest segment starts on day 362 (the last outage ended): twelve blocks end before.
        assert widths[BLOCK] == 12 and widths[DAY] == 362
        store.append([ProbeResult("c", "p", float(T0 + 40 * DAY + 600), Status.DOWN, 10.0, "late")])
        assert store.seconds_by_status("c", "p", start, end) == _brute(store, "p", start, end)
        assert _table(store) == _expected_table(store)


def test_a_store_from_before_the_sums_migrates(tmp_path: Path) -> None:
    path = tmp_path / "v.db"
    results = [
        ProbeResult("c", probe, float(T0 + k * 5_000), STATUSES[k % 7 % 6], 10.0, "")
        for k in range(1_000)
        for probe in ("p", "q")
        if k % 50 != 3
    ]
    with Store(path, intervals=INTERVALS) as store:
        store.append(results)
        expected = _table(store)
        assert expected
        # The schema as Vigie wrote it before the sums (rollups at version 2).
        store.db.conn.execute("DROP TABLE segment_sums")
        store.db.conn.execute("UPDATE vigie_schema SET version = 2 WHERE owner = 'rollups'")
    with Store(path, intervals=INTERVALS) as store:
        assert store.db.conn.execute(
            "SELECT version FROM vigie_schema WHERE owner = 'rollups'"
        ).fetchone() == (3,)
        assert _table(store) == expected == _expected_table(store)
        assert store.seconds_by_status("c", "p", T0, T0 + 50 * DAY) == _brute(store, "p", T0, T0 + 50 * DAY)
