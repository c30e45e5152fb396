"""The store keeps each probe's newest segment and hourly row in memory between appends (the
daemon's append does not read them back): whatever other connections write in between, and
whatever transaction rolls back, the rollups stay those a rebuild from the raw rows gives."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vigie.accounting.results import ProbeResult, Status
from vigie.probes.store import Store

T0 = 1_512_000_000
STATUSES = [Status.UP, Status.UP, Status.UP, Status.DEGRADED, Status.DOWN, Status.MAINTENANCE]


def _tables(store: Store) -> tuple[list[object], ...]:
    conn = store.db.conn
    return tuple(
        conn.execute(f"SELECT * FROM {table} ORDER BY 1, 2, 3, 4").fetchall()
        for table in ("segments", "rollup_hourly", "segment_sums")
    )


def _rebuilt(path: Path) -> tuple[list[object], ...]:
    with Store(path) as store:
        store.rebuild_rollups()
        return _tables(store)


@st.composite
def steps(draw: st.DrawFn) -> list[tuple[int, list[ProbeResult]]]:
    """Appends by one of two writers, each of a few results of two probes, mostly later
    than everything before (the daemon), sometimes earlier (an import)."""
    out = []
    t = T0
    for _ in range(draw(st.integers(1, 25))):
        batch = []
        for _ in range(draw(st.integers(1, 3))):
            t += draw(st.sampled_from([30, 30, 30, 61, 900, 3_600, 90_000]))
            ts = t - (draw(st.sampled_from([0, 0, 0, 45, 4_000])))
            status = draw(st.sampled_from(STATUSES))
            batch.append(ProbeResult("c", draw(st.sampled_from("pq")), float(ts), status, float(t % 97), ""))
        out.append((draw(st.integers(0, 1)), batch))
    return out


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(appends=steps())
def test_two_writers_end_like_a_rebuild(
    tmp_path_factory: pytest.TempPathFactory, appends: list[tuple[int, list[ProbeResult]]]
) -> None:
    path = tmp_path_factory.mktemp("s") / "v.db"
    with Store(path) as daemon, Store(path) as importer:
        writers = (daemon, importer)
        for who, batch in appends:
            writers[who].append(batch)
        assert _tables(daemon) == _rebuilt(path)


def test_a_rolled_back_append_leaves_nothing_in_memory(tmp_path: Path) -> None:
    def result(k: int, status: Status = Status.UP) -> ProbeResult:
        return ProbeResult("c", "p", float(T0 + 30 * k), status, 12.0 + k, f"r{k}")

    with Store(tmp_path / "v.db") as store:
        store.append([result(0), result(1)])
        with pytest.raises(RuntimeError), store.transaction():
            store.append_in_transaction([result(2, Status.DOWN)])
            raise RuntimeError("the import failed midway")
        store.append([result(3), result(4)])  # later than the result rolled back
        assert _tables(store) == _rebuilt(tmp_path / "v.db")
        (_, _, _, _, _, status, checks, *_rest), *more = store.db.conn.execute("SELECT * FROM segments")
        assert (status, checks, more) == ("up", 4, [])


def test_a_rebuild_after_retention_keeps_a_segment_begun_before_the_horizon(tmp_path: Path) -> None:
    """`vigie store rebuild` after `prune` on a probe up all along (one segment across the
    horizon) raised RetentionError; it now keeps that segment and rebuilds the rest."""
    with Store(tmp_path / "v.db") as store:
        store.append([ProbeResult("c", "p", float(T0 + 30 * k), Status.UP, 1.0, "") for k in range(400)])
        store.append([ProbeResult("c", "q", float(T0 + 30 * k), Status.UP, 1.0, "") for k in range(300, 400)])
        before = _tables(store)
        store.delete_before(T0 + 30 * 200)
        store.rebuild_rollups()
        assert _tables(store) == before
