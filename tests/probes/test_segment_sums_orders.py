"""Seconds by status read through the day and block sums (``segment_sums``) against a brute-force oracle.

Whatever the order results arrive in (later ones extending the newest segment, earlier
ones rebuilding a probe's rollups from that point, a full rebuild), the seconds of each
status a probe covers in any period equal the clipped lengths of its segments summed
one by one; on whole-second times, bit for bit."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vigie.accounting.results import STORED_STATUSES, ProbeResult, Status
from vigie.probes.store import Store

T0 = 1_483_225_200  # 2017-01-01 00:00 in Paris
STEPS = [30, 30, 30, 30, 61, 600, 3600, 6 * 3600, 86400, 3 * 86400]
STATUSES = [Status.UP, Status.UP, Status.UP, Status.DEGRADED, Status.DOWN, Status.MAINTENANCE]


@st.composite
def histories(draw: st.DrawFn) -> list[list[ProbeResult]]:
    """Results of two probes over days to weeks, cut into chunks appended in a drawn order."""
    out: list[ProbeResult] = []
    for probe in ("http", "ingest"):
        t = T0 + draw(st.integers(-86400, 86400))
        for _ in range(draw(st.integers(0, 80))):
            t += draw(st.sampled_from(STEPS))
            out.append(ProbeResult("c", probe, float(t), draw(st.sampled_from(STATUSES)), 10.0))
    cuts = sorted(set(draw(st.lists(st.integers(0, len(out)), max_size=4))))
    chunks = [out[a:b] for a, b in zip([0, *cuts], [*cuts, len(out)], strict=True) if b > a]
    return draw(st.permutations(chunks))


def oracle(store: Store, probe: str, start: float, end: float) -> dict[Status, float]:
    """The probe's seconds by status in ``[start, end)``, segment by segment."""
    rows = store.db.conn.execute(
        "SELECT start, end, status FROM segments WHERE component = 'c' AND probe = ? ORDER BY start", (probe,)
    ).fetchall()
    seconds = {s: 0.0 for s in STORED_STATUSES}
    overlapping = False
    for a, b, status in rows:
        if min(b, end) > max(a, start):
            overlapping = True
            seconds[Status(status)] += min(b, end) - max(a, start)
    return seconds if overlapping else {}


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(chunks=histories(), data=st.data())
def test_sums_equal_the_segments_whatever_the_arrival_order(
    tmp_path_factory: pytest.TempPathFactory, chunks: list[list[ProbeResult]], data: st.DataObject
) -> None:
    path = tmp_path_factory.mktemp("sums") / "v.db"
    with Store(path) as store:
        for chunk in chunks:
            store.append(chunk)
        if data.draw(st.booleans()):
            store.rebuild_rollups()
        for _ in range(6):
            start = T0 + data.draw(st.integers(-2 * 86400, 40 * 86400))
            end = start + data.draw(st.integers(1, 45 * 86400))
            for probe in ("http", "ingest"):
                assert store.seconds_by_status("c", probe, start, end) == oracle(store, probe, start, end)
