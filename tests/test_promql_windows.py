"""Windows read from the engine become the segments results at each window's start would make."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from vigie.accounting.results import STORED_STATUSES, ProbeResult
from vigie.accounting.timeline import segments_from_results
from vigie.probes.promql import Run, _runs, runs_to_segments


@settings(max_examples=300, deadline=None)
@given(
    st.dictionaries(st.integers(0, 200), st.sampled_from(STORED_STATUSES), max_size=120),
    st.sampled_from([1.0, 15.0, 60.0, 7.0]),
)
def test_runs_make_the_segments_of_one_result_per_window(windows: dict, step: float) -> None:  # type: ignore[type-arg]
    results = [
        ProbeResult("svc", "http", k * step, windows[k], None, "", agent="lyon") for k in sorted(windows)
    ]
    expected = segments_from_results(results, step)
    got = runs_to_segments(_runs(windows), step, "svc", "http", "lyon")
    assert got == expected


def test_a_run_of_an_hour_is_one_segment() -> None:
    (seg,) = runs_to_segments([Run(0, 60, STORED_STATUSES[0])], 60.0, "svc", "http", "")
    assert (seg.start, seg.last_ts, seg.end, seg.checks) == (0.0, 3540.0, 3660.0, 60)
