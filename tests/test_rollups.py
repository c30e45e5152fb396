"""Rollups kept by Store.append: equal to a rebuild from raw rows, idempotent, and
reproducible after retention deleted the raw rows (segments kept, months frozen)."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from vigie.accounting.results import ProbeResult, Status
from vigie.accounting.terms import Policy, Schedule
from vigie.accounting.timeline import segments_from_results
from vigie.probes.config import Component, ExporterConfig, ProbesConfig, StoreConfig
from vigie.probes.rollups import RetentionError
from vigie.probes.store import Store
from vigie.reports.frozen import freeze_month
from vigie.reports.periods import between, month
from vigie.reports.sla import sla_report

PARIS = ZoneInfo("Europe/Paris")
DEC = month(2017, 12, PARIS)


def _config(*components: Component) -> ProbesConfig:
    return ProbesConfig(PARIS, Policy(), components, (), (), StoreConfig(), ExporterConfig())


def _comp(cid: str, schedule: Schedule | None = None) -> Component:
    return Component(cid, cid, 0.99, schedule or Schedule((), PARIS), Policy())


def _history(
    seed: int, components: int = 3, start: float = DEC.start_ts, hours: int = 30
) -> list[ProbeResult]:
    rng = random.Random(seed)
    out = []
    for c in range(components):
        t = start + rng.randrange(30)
        while t < start + hours * 3600:
            status = rng.choices(list(Status)[:4], weights=[90, 4, 5, 1])[0]
            out.append(ProbeResult(f"c{c}", f"c{c}-http", float(t), status, rng.uniform(5, 900), f"d{t}"))
            t += rng.choice([30, 30, 30, 30, 31, 29, 75, 400])
    return out


def _snapshot(store: Store) -> tuple[list[object], list[object]]:
    segs = store.db.conn.execute("SELECT * FROM segments ORDER BY 1, 2, 3").fetchall()
    hourly = store.db.conn.execute("SELECT * FROM rollup_hourly ORDER BY 1, 2, 3").fetchall()
    return segs, hourly


def test_incremental_rollups_equal_a_rebuild_from_raw(tmp_path: Path) -> None:
    history = _history(1)
    with Store(tmp_path / "v.db") as store:
        for k in range(0, len(history), 97):  # daemon-like batches, probes interleaved
            store.append(history[k : k + 97])
        incremental = _snapshot(store)
        store.rebuild_rollups()
        assert _snapshot(store) == incremental
        for c in range(3):
            raw = [r for r in history if r.component == f"c{c}"]
            assert store.segments(f"c{c}", 0, 2e9) == segments_from_results(raw, 30)
        hours = store.hourly("c0", 0, 2e9)
        assert sum(h.checks for h in hours) == sum(1 for r in history if r.component == "c0")
        lat = [r.latency_ms for r in history if r.component == "c0" and r.ts < hours[0].hour + 3600]
        assert hours[0].lat_min == min(lat) and hours[0].lat_max == max(lat)  # type: ignore[type-var]
        p95 = hours[0].percentile(0.95)
        exact = sorted(lat)[int(0.95 * len(lat)) - 1]  # type: ignore[type-var]
        assert p95 is not None and abs(p95 - exact) / exact < 0.06  # type: ignore[operator]


def test_out_of_order_and_repeated_appends_end_like_one_clean_append(tmp_path: Path) -> None:
    history = _history(2)
    shuffled = history[:]
    random.Random(3).shuffle(shuffled)
    with Store(tmp_path / "a.db") as clean, Store(tmp_path / "b.db") as messy:
        assert clean.append(history) == len(history)
        added = 0
        for k in range(0, len(shuffled), 500):
            added += messy.append(shuffled[k : k + 500])
        assert added == len(history)
        assert messy.append(history) == 0  # re-import: nothing new, rollups untouched
        assert _snapshot(messy) == _snapshot(clean)


def test_sla_from_rollups_survives_raw_deletion_and_frozen_month_survives_config_change(
    tmp_path: Path,
) -> None:
    config = _config(_comp("c0"), _comp("c1"), _comp("c2"))
    with Store(tmp_path / "v.db") as store:
        store.append(_history(4, start=DEC.start_ts, hours=72))
        now = DEC.end_ts + 40 * 86400
        before = sla_report(store, config, DEC, now=now)
        assert all(r.figures.down_s > 0 for r in before)
        freeze_month(store, DEC, before, now)
        store.delete_before(now)
        assert store.count() == 0 and store.horizon() is not None
        assert sla_report(store, config, DEC, now=now, recompute=True) == before
        store.rebuild_rollups()  # nothing raw left: the kept rollups stay as they were
        assert sla_report(store, config, DEC, now=now, recompute=True) == before
        # A later config change (business hours) changes a recomputation, not the frozen month.
        from datetime import time

        from vigie.accounting.terms import ScheduleWindow

        office = Schedule((ScheduleWindow(frozenset(range(5)), time(8, 30), time(18, 30)),), PARIS)
        changed = _config(*(replace(c, schedule=office) for c in config.components))
        frozen = sla_report(store, changed, DEC, now=now)
        # The frozen month's figures and incidents, marked frozen (issue 16, item 4).
        assert [replace(r, frozen_at=None) for r in frozen] == before
        assert all(r.frozen_at == now for r in frozen)
        assert sla_report(store, changed, DEC, now=now, recompute=True) != before
        with pytest.raises(RetentionError):
            store.append([ProbeResult("c0", "c0-http", DEC.start_ts + 7, Status.DOWN)])


def test_throughput_probes_do_not_count_for_availability(tmp_path: Path) -> None:
    from vigie.probes.config import ProbeConfig

    throughput = ProbeConfig("c0-flows", "c0", "http", 30, 5, "throughput", None)
    config = replace(_config(_comp("c0")), probes=(throughput,))
    with Store(tmp_path / "v.db") as store:
        store.append([ProbeResult("c0", "c0-http", DEC.start_ts + t, Status.UP) for t in range(0, 3600, 30)])
        store.append(
            [ProbeResult("c0", "c0-flows", DEC.start_ts + t, Status.DOWN) for t in range(0, 3600, 30)]
        )
        figures = sla_report(store, config, DEC, now=DEC.start_ts + 3600)[0].figures
        assert figures.down_s == 0 and figures.up_s == 3600


def test_daily_figures_add_up_to_the_month_and_latency_comes_from_hourly_rows(tmp_path: Path) -> None:
    from vigie.reports.sla import latency_summary

    config = _config(_comp("c0"))
    history = [r for r in _history(5, components=1, hours=72)]
    with Store(tmp_path / "v.db") as store:
        store.append(history)
        whole = sla_report(store, config, DEC, now=DEC.end_ts)[0].figures
        days = [
            sla_report(store, config, between(date(2017, 12, d), date(2017, 12, d), PARIS), now=DEC.end_ts)[
                0
            ].figures
            for d in range(1, 32)
        ]
        for key in ("up_s", "degraded_s", "down_s", "maintenance_s", "unknown_s", "scheduled_s"):
            assert sum(getattr(f, key) for f in days) == getattr(whole, key)
        lat = latency_summary(store, "c0", DEC)
        values = sorted(r.latency_ms for r in history if r.latency_ms is not None)
        assert lat.checks == len(history) and lat.min_ms == values[0] and lat.max_ms == values[-1]
        assert lat.p95_ms is not None and abs(lat.p95_ms / values[int(0.95 * len(values)) - 1] - 1) < 0.06
    # A local day is 23 or 25 hours long on DST days.
    assert between(date(2017, 3, 26), date(2017, 3, 26), PARIS).seconds == 23 * 3600
    assert between(date(2017, 10, 29), date(2017, 10, 29), PARIS).seconds == 25 * 3600


def test_an_older_import_in_one_transaction_rebuilds_once_and_ends_like_a_clean_store(tmp_path: Path) -> None:
    history = _history(6)
    newer = [r for r in history if r.ts >= DEC.start_ts + 15 * 3600]
    older = [r for r in history if r.ts < DEC.start_ts + 15 * 3600]
    with Store(tmp_path / "a.db") as clean, Store(tmp_path / "b.db") as store:
        clean.append(history)
        store.append(newer)
        with store.transaction():
            for k in range(0, len(older), 200):
                store.append_in_transaction(older[k : k + 200])
        assert _snapshot(store) == _snapshot(clean)
