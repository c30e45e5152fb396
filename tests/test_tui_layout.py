"""Issue 16, items 9-11 and the console's part of item 4: the console at the sizes people
use (every tab of the demo at 120x40 shows every column whole, at 80x24 the least
important go first, never the state, the name or the verdict, and no line wraps), the
cursor on the top (worst) row, `--as-of` for the console, a frozen month marked."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from rich.cells import cell_len
from rich.text import Text
from textual.widgets import Static

from tests.test_demo_cli import built_demo  # noqa: F401 (the session's demo directory)
from tests.test_tui import BUNDLED_CATALOG, NOW, console, make_settings, settle, table_of
from vigie.accounting.results import ProbeResult, Status
from vigie.console.cli import main
from vigie.console.cmd_tui import end_of_day
from vigie.console.settings import load_settings
from vigie.console.tui.app import VigieApp
from vigie.console.tui.component import ComponentScreen
from vigie.console.tui.fitline import FitLine
from vigie.console.tui.keys import TAB_IDS
from vigie.console.tui.table import ALWAYS, ConsoleTable, fitting
from vigie.probes.store import Store
from vigie.reports.frozen import freeze_month
from vigie.reports.periods import month
from vigie.reports.sla import sla_report

PARIS = ZoneInfo("Europe/Paris")


def test_fitting_leaves_out_the_least_important_rightmost_first() -> None:
    widths, priorities = [10, 10, 10, 10], [ALWAYS, 30, 10, 30]
    assert fitting(widths, priorities, 40) == [0, 1, 2, 3]
    assert fitting(widths, priorities, 39) == [0, 1, 3]  # the drawing first
    assert fitting(widths, priorities, 25) == [0, 1]  # then, of two equals, the rightmost
    assert fitting(widths, priorities, 5) == [0]  # never the one kept always


async def test_the_header_says_the_daemon_and_the_alerts_in_short_at_80_columns() -> None:
    """The parts kept always (the clock, the daemon, the alerts) switch to their short forms
    when they do not fit whole; the refresh goes first."""
    from textual.app import App, ComposeResult

    parts = [
        ("Vigie  16:43:12", ALWAYS),
        ("✖ démon arrêté (dernier résultat il y a 1 min 05 s)", ALWAYS, "✖ démon arrêté (il y a 1 min 05 s)"),
        ("🔔 3 alertes à traiter (a)", ALWAYS, "🔔 3 alertes (a)"),
        ("rafraîchissement 2 s", 10),
    ]

    class One(App[None]):
        def compose(self) -> ComposeResult:
            yield FitLine(separator="  │  ", id="status")

    for width, expected in [
        (
            140,
            "Vigie  16:43:12  │  ✖ démon arrêté (dernier résultat il y a 1 min 05 s)  │  "
            "🔔 3 alertes à traiter (a)  │  rafraîchissement 2 s",
        ),
        (80, "Vigie  16:43:12  │  ✖ démon arrêté (il y a 1 min 05 s)  │  🔔 3 alertes (a)"),
    ]:
        app = One()
        async with app.run_test(size=(width, 5)) as pilot:
            line = app.query_one(FitLine)
            line.set_parts(parts)
            await pilot.pause()
            assert line.text == expected


def _tables(app: VigieApp, tab: str) -> list[ConsoleTable]:
    return [t for t in app.query_one(f"#{tab}-tab").query(ConsoleTable) if t.region.width > 0]


def _cell_width(cell: object) -> int:
    return cell.cell_len if isinstance(cell, Text) else cell_len(str(cell))


def _check_screen(app: VigieApp, tab: str, width: int, everything: bool) -> list[str]:
    """What is wrong with the tab on screen: a table wider than its room (a column cut), a
    column kept always left out, a line that does not fit."""
    wrong = []
    for table in _tables(app, tab):
        where = f"{tab}/{table.id}"
        if table.virtual_size.width > table.scrollable_content_region.width or table.region.right > width:
            wrong.append(
                f"{where}: {table.virtual_size.width} cells in {table.scrollable_content_region.width}"
            )
        for column in table._column_specs:
            shown = column.key in table.visible_columns
            if not shown and (column.priority >= ALWAYS or everything):
                wrong.append(f"{where}: column '{column.label}' left out")
        for column in table.ordered_columns:
            room = column.get_render_width(table) - 2 * table.cell_padding
            if room < cell_len(str(column.label)):
                wrong.append(f"{where}: header '{column.label}' cut")
            widest = max((_cell_width(c) for c in table.get_column(column.key)), default=0)
            if room < widest:
                wrong.append(f"{where}: column '{column.label}' cuts a {widest}-cell value in {room}")
    for line in app.query(FitLine):
        if line.region.width and cell_len(line.text) > line.content_region.width:
            wrong.append(f"{line.id}: '{line.text}' does not fit {line.content_region.width}")
    return wrong


@pytest.mark.parametrize("size", [(120, 40), (80, 24)])
async def test_every_tab_of_the_demo_fits(
    built_demo: tuple[Path, dict[str, Any], int],  # noqa: F811 (the fixture, imported above)
    size: tuple[int, int],
) -> None:
    settings = load_settings(built_demo[0] / "config.toml")
    app = VigieApp(settings)
    wrong = []
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        for number, tab in enumerate(TAB_IDS, 1):
            await pilot.press(str(number))
            if tab == "map":
                app.open_application("chorus-pro")
            await settle(pilot)
            await pilot.pause(0.2)
            for _ in range(50):  # a tab reads in a worker: its rows come within seconds
                if all(t.row_count for t in _tables(app, tab) if t.id != "decom-findings"):
                    break
                await pilot.pause(0.1)
            tables = _tables(app, tab)
            assert tables and all(t.row_count for t in tables if t.id != "decom-findings"), tab
            wrong += _check_screen(app, tab, size[0], everything=size == (120, 40))
    assert wrong == []


def _fill_breached(settings: Any) -> None:
    """Every component up now; Bravo was down ten hours earlier in the month (breached)."""
    results = []
    for step in range(20 * 120):
        ts = NOW - 20 * 3600 + step * 30 + 5
        for component in ("alpha", "bravo", "charlie"):
            down = component == "bravo" and NOW - 12 * 3600 <= ts < NOW - 2 * 3600
            results.append(
                ProbeResult(component, f"{component}-http", ts, Status.DOWN if down else Status.UP, 100.0)
            )
    with Store(settings.store_path()) as store:
        store.append(results)


async def test_the_cursor_starts_on_the_top_row_and_enter_opens_it(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    _fill_breached(settings)
    app = console(settings)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        await pilot.pause(0.2)
        await settle(pilot)
        table = table_of(app, "availability")
        # All are up: the one that breached its month's target is the worst.
        assert table.shown_keys[0] == "bravo"
        assert table.cursor_row == 0 and table.selected_key == "bravo"
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ComponentScreen) and app.screen.component.id == "bravo"
        await pilot.press("escape")
        # Once the user moves it, the cursor follows its row.
        await pilot.press("down")
        assert table.cursor_moved and table.selected_key == table.shown_keys[1]


async def test_the_console_as_of_a_day(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, catalog=str(BUNDLED_CATALOG))
    _fill_breached(settings)
    day = date(2017, 12, 29)
    app = VigieApp(settings, clock=lambda: end_of_day(day, PARIS), as_of=day)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        header = str(app.query_one("#status", Static).render())
        assert "vue au 29/12/2017 (--as-of)" in header and "démon" not in header
        await pilot.press("4")
        await settle(pilot)
        counts = str(app.query_one("#homologations-counts", Static).render())
        assert counts.startswith("Au 2017-12-29")


def test_tui_as_of_takes_a_date(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    settings = make_settings(tmp_path)
    with pytest.raises(SystemExit) as stopped:
        main(["tui", "--as-of", "29/12/2017", "--config", str(settings.file)])
    assert stopped.value.code == 2
    (line,) = capsys.readouterr().err.splitlines()
    assert "argument --as-of: '29/12/2017' is not a date (use YYYY-MM-DD)" in line
    assert end_of_day(date(2017, 12, 29), PARIS) == datetime(2017, 12, 29, 22, 59, 59, tzinfo=UTC).timestamp()


async def test_a_frozen_month_is_marked_in_the_console(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    _fill_breached(settings)
    november = month(2025, 11, settings.timezone)
    with Store(settings.store_path()) as store:
        freeze_month(store, november, sla_report(store, settings.probes, november), november.end_ts + 60)
    day = date(2025, 11, 30)
    app = VigieApp(settings, clock=lambda: end_of_day(day, settings.timezone), as_of=day)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        await pilot.pause(0.2)
        await settle(pilot)
        assert "Mois (figé)" in table_of(app, "availability").column_labels
        app.open_month_report()
        await pilot.pause()
        title = str(app.screen.query_one(".title", Static).render())
        assert "chiffres figés le 01/12/2025" in title
