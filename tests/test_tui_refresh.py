"""The console's refresh at rest: nothing new in the store, nothing recomputed or repainted."""

from __future__ import annotations

import gc
from pathlib import Path
from typing import Any

import pytest

from tests.test_tui import NOW, console, fill_store, make_settings, settle, table_of
from vigie.accounting.results import ProbeResult, Status
from vigie.console.settings import Settings
from vigie.console.tui import app as app_module
from vigie.console.tui.data import ConsoleData, live_deadline
from vigie.console.tui.tab_availability import AvailabilityTab
from vigie.console.tui.table import ConsoleTable
from vigie.kernel import gcpause
from vigie.probes.store import Store


@pytest.fixture
def filled(tmp_path: Path) -> Settings:
    settings = make_settings(tmp_path)
    fill_store(settings, {"alpha": Status.UP, "bravo": Status.DOWN, "charlie": Status.DEGRADED})
    return settings


def states(data: ConsoleData, now: float) -> dict[str, Status]:
    return {c.id: c.state for c in data.load_live(now).components}


def test_nothing_new_hands_back_the_same_snapshots(filled: Settings) -> None:
    data = ConsoleData(filled)
    live, sla = data.load_live(NOW), data.load_sla(NOW, full=True)
    assert data.load_live(NOW + 2) is live
    assert data.load_sla(NOW + 2) is sla
    data.close()


def test_a_new_result_is_read_at_the_next_refresh(filled: Settings) -> None:
    data = ConsoleData(filled)
    live, sla = data.load_live(NOW), data.load_sla(NOW, full=True)
    # Another connection writes, as the daemon does.
    with Store(filled.store_path()) as store:
        store.append([ProbeResult("alpha", "alpha-http", NOW + 1, Status.DOWN, 100.0, "HTTP 503")])
    assert data.load_live(NOW + 2) is not live
    assert states(data, NOW + 2)["alpha"] is Status.DOWN
    fresh = data.load_sla(NOW + 2)
    assert fresh is not sla
    assert fresh["alpha"].today != sla["alpha"].today
    data.close()


def test_results_going_stale_show_unknown_with_nothing_new(filled: Settings) -> None:
    data = ConsoleData(filled)
    assert states(data, NOW)["alpha"] is Status.UP
    # The last result (NOW - 25) stands for twice the 30 s interval: unknown after NOW + 35.
    assert states(data, NOW + 30)["alpha"] is Status.UP
    assert states(data, NOW + 36)["alpha"] is Status.UNKNOWN
    data.close()


def test_live_deadline_is_the_next_expiry_or_the_oldest_leaving_the_window() -> None:
    def result(probe: str, ts: float) -> ProbeResult:
        return ProbeResult("c", probe, ts, Status.UP, 1.0, "")

    recent = {"c": [result("a", 100.0), result("b", 110.0), result("a", 130.0)]}
    intervals = {"a": 30.0, "b": 60.0}
    assert live_deadline(recent, intervals, 140.0, 900.0) == 190.0  # a: 130 + 2 x 30
    assert live_deadline(recent, intervals, 200.0, 900.0) == 230.0  # b: 110 + 2 x 60
    assert live_deadline(recent, intervals, 300.0, 900.0) == 1000.0  # 100 leaves the window
    assert live_deadline({}, intervals, 300.0, 900.0) == float("inf")


async def test_a_refresh_with_nothing_new_repaints_no_cell(filled: Settings, monkeypatch: Any) -> None:
    app = console(filled)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        assert app.sla
        touched: list[str] = []
        for name in ("update_cell", "add_row", "clear"):
            original = getattr(ConsoleTable, name)

            def spy(self: ConsoleTable, *args: Any, _name: str = name, _f: Any = original, **kw: Any) -> Any:
                touched.append(_name)
                return _f(self, *args, **kw)

            monkeypatch.setattr(ConsoleTable, name, spy)
        for _ in range(3):
            app.action_refresh_now()
            await settle(pilot)
        assert touched == []
        assert table_of(app, "availability").shown_keys[0] == "bravo"


async def test_the_first_rows_come_once_with_today_and_the_rest_waits_for_them(
    filled: Settings, monkeypatch: Any
) -> None:
    """The start paints the rows once, with today's column; the month's figures, the
    tickets and the catalog are read after that paint, and the collector comes back on."""
    events: list[str] = []
    paint = AvailabilityTab.update_live

    def painted(self: AvailabilityTab, live: Any, sla: Any, today_only: Any = None) -> None:
        events.append(f"rows, today {'in' if sla or today_only else 'missing'}")
        paint(self, live, sla, today_only)

    monkeypatch.setattr(AvailabilityTab, "update_live", painted)
    for name in ("load_sla", "load_tickets", "load_catalog"):
        original = getattr(ConsoleData, name)
        monkeypatch.setattr(
            ConsoleData,
            name,
            lambda self, *a, _name=name, _f=original, **k: (events.append(_name), _f(self, *a, **k))[1],
        )
    monkeypatch.setattr(app_module, "started", lambda: events.append("started"))
    app = console(filled)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        assert events[0] == "rows, today in"
        assert {"load_sla", "load_tickets", "load_catalog", "started"} <= set(events[1:])
        assert events.count("started") == 1


def test_the_collector_is_off_until_the_start_is_over() -> None:
    collecting = gc.isenabled()
    try:
        gcpause.quiet_start()
        assert not gc.isenabled()
        gcpause.started()
        assert gc.isenabled()
        gc.disable()
        gcpause.started()  # once only: a later pause is not undone
        assert not gc.isenabled()
    finally:
        gc.enable() if collecting else gc.disable()
