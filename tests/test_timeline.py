"""Probe timelines: results -> run-length segments, built at once or fed one by one."""

from __future__ import annotations

import pytest

from vigie.probes.results import ProbeResult, Status
from vigie.probes.timeline import TimelineBuilder, segments_from_results


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


def test_split_by_probe_groups_and_sorts() -> None:
    from vigie.probes.timeline import split_by_probe

    mixed = [
        ProbeResult("c", "b", 2, Status.UP),
        ProbeResult("c", "a", 3, Status.UP),
        ProbeResult("c", "b", 1, Status.UP),
    ]
    assert [[(r.probe, r.ts) for r in g] for g in split_by_probe(mixed)] == [[("a", 3)], [("b", 1), ("b", 2)]]
