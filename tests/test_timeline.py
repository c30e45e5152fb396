"""Probe timelines: results -> run-length segments, built at once or fed one by one."""

from __future__ import annotations

from itertools import groupby

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vigie.accounting.results import ProbeResult, Status
from vigie.accounting.timeline import TimelineBuilder, segments_from_results
from vigie.probes.rollups import Hourly


def _r(ts: float, status: Status = Status.UP, detail: str = "") -> ProbeResult:
    return ProbeResult("c", "p", ts, status, detail=detail)


def test_runs_merge_and_gaps_cut_at_twice_the_interval() -> None:
    results = [_r(0), _r(30), _r(60, Status.DOWN, "timeout"), _r(90, Status.DOWN, "503"), _r(300), _r(330)]
    segs = segments_from_results(results, 30)
    assert [(s.start, s.end, s.status, s.checks) for s in segs] == [
        (0, 60, Status.UP, 2),
        (60, 150, Status.DOWN, 2),  # 90 + 2 x 30: the rest of the gap is unknown
        (300, 390, Status.UP, 2),  # the open segment reaches 2 x interval past its last result
    ]
    assert segs[1].detail == "503" and segs[1].confirm_ts == [60, 90]


def test_feeding_one_by_one_equals_building_at_once() -> None:
    results = [_r(t, Status.DOWN if 5 <= t // 30 <= 7 else Status.UP) for t in range(0, 900, 30)]
    builder = TimelineBuilder("c", "p", 30)
    closed = [s for r in results if (s := builder.add(r.ts, r.status, r.detail)) is not None]
    assert builder.open is not None
    assert [*closed, builder.open] == segments_from_results(results, 30)
    with pytest.raises(ValueError, match="not after"):
        builder.add(0, Status.UP)


def test_a_result_with_its_own_step_covers_twice_that_step_even_when_continued() -> None:
    """Imported history keeps its step (issue 16, item 2): a 5-minute row covers 10 minutes
    beside a 30 s probe, and a builder resumed from its stored open segment keeps that cover."""
    rows = [ProbeResult("c", "p", t, Status.UP, interval_s=300) for t in (0, 300, 600)]
    rows.append(ProbeResult("c", "p", 900, Status.DOWN, interval_s=300))
    segs = segments_from_results(rows, 30)
    assert [(s.start, s.end, s.status) for s in segs] == [(0, 900, Status.UP), (900, 1500, Status.DOWN)]
    resumed = TimelineBuilder("c", "p", 30, segs[-1])
    assert resumed.add(1400, Status.DOWN) is None  # 500 s later: still inside the 600 s cover
    assert resumed.open is not None and (resumed.open.start, resumed.open.end) == (900, 1460)
    assert resumed.add(1600, Status.DOWN) is not None  # past its 60 s cover: a gap


def test_split_by_probe_groups_and_sorts() -> None:
    from vigie.accounting.timeline import split_by_probe

    mixed = [
        ProbeResult("c", "b", 2, Status.UP),
        ProbeResult("c", "a", 3, Status.UP),
        ProbeResult("c", "b", 1, Status.UP),
    ]
    assert [[(r.probe, r.ts) for r in g] for g in split_by_probe(mixed)] == [[("a", 3)], [("b", 1), ("b", 2)]]


_steps = st.lists(
    st.tuples(
        st.sampled_from([1.0, 10.0, 30.0, 59.0, 60.0, 61.0, 500.0]),
        st.sampled_from(["up", "degraded", "down", "maintenance"]),
        st.sampled_from(["", "HTTP 503", "timeout"]),
        st.one_of(st.none(), st.sampled_from([0.2, 1.0, 12.5, 40.0, 1999.0])),
    ),
    min_size=1,
    max_size=300,
)


@settings(max_examples=60, deadline=None)
@given(steps=_steps, cut=st.integers(min_value=0, max_value=300))
def test_bulk_runs_and_hours_equal_result_by_result(
    steps: list[tuple[float, str, str, float | None]], cut: int
) -> None:
    """The import's bulk paths (add_run, add_many) give what add() gives result by result."""
    rows, ts = [], 0.0
    for step, status, detail, latency in steps:
        ts += step * 37  # crosses hours often
        rows.append((ts, status, detail, latency))
    one = TimelineBuilder("c", "p", 30)
    closed_one = [s for ts, status, detail, _ in rows if (s := one.add(ts, status, detail)) is not None]
    bulk = TimelineBuilder("c", "p", 30)
    closed_bulk = []
    # Two calls (split at `cut`) as chunks of an import do, each in runs of one status.
    for part in (rows[:cut], rows[cut:]):
        for status, group in groupby(part, key=lambda r: r[1]):
            run = list(group)
            closed_bulk += bulk.add_run([r[0] for r in run], status, [r[2] for r in run])
    assert closed_bulk == closed_one and bulk.open == one.open
    by_row, at_once = Hourly("c", "p", 0), Hourly("c", "p", 0)
    for _, status, _, latency in rows:
        by_row.add(status, latency)
    at_once.add_many([r[1] for r in rows[:cut]], [r[3] for r in rows[:cut]])
    at_once.add_many([r[1] for r in rows[cut:]], [r[3] for r in rows[cut:]])
    assert at_once == by_row


def test_a_bulk_run_out_of_order_is_refused_like_one_result() -> None:
    builder = TimelineBuilder("c", "p", 30)
    with pytest.raises(ValueError):
        builder.add_run([0, 30, 30], "up", ["", "", ""])
