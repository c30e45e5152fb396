"""The console driven through Textual's Pilot, over a real SQLite store in tmp_path."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Static, TabbedContent, Tabs

from vigie.accounting.results import ProbeResult, Status
from vigie.console.settings import Settings, load_settings
from vigie.console.tui.app import VigieApp
from vigie.console.tui.base import ConsoleTab
from vigie.console.tui.component import ComponentScreen
from vigie.console.tui.keys import KEYS, TAB_IDS
from vigie.console.tui.screens import HelpScreen
from vigie.console.tui.tabbar import TAB_PADDING, fit
from vigie.console.tui.table import ConsoleTable
from vigie.kernel.text.messages import MESSAGES
from vigie.probes.checks.fileflow import check_fileflow
from vigie.probes.config import FileflowOptions
from vigie.probes.store import Store

NOW = 1_764_000_000.0  # 2025-11-24 16:00 UTC

CONFIG = """
[vigie]
language = "{language}"

[store]
path = "vigie.db"
{catalog}
[[components]]
id = "alpha"
name = "Alpha"
target = 99
latency_threshold = "2s"

[[components]]
id = "bravo"
name = "Bravo"
target = 98

[[components]]
id = "charlie"
name = "Charlie"
target = 98
capacity = {{ value = 100, unit = "flux", per = "hour" }}

[[probes]]
id = "alpha-http"
component = "alpha"
kind = "http"
url = "http://127.0.0.1:9/health"

[[probes]]
id = "bravo-http"
component = "bravo"
kind = "http"
url = "http://127.0.0.1:9/health"

[[probes]]
id = "charlie-http"
component = "charlie"
kind = "http"
url = "http://127.0.0.1:9/health"

[[probes]]
id = "charlie-drop"
component = "charlie"
kind = "fileflow"
role = "throughput"
path = "/nonexistent/drop"

[[maintenance]]
id = "alpha-weekly"
component = "alpha"
reason = "Maintenance hebdomadaire"
every = "week"
day = "sun"
at = "02:00"
duration = "2h"
"""


def make_settings(tmp_path: Path, language: str = "fr", catalog: str | None = None) -> Settings:
    """A small config in tmp_path; its store is tmp_path/vigie.db."""
    extra = "" if catalog is None else f'\n[catalog]\npath = "{catalog}"\n'
    path = tmp_path / "config.toml"
    path.write_text(CONFIG.format(language=language, catalog=extra), encoding="utf-8")
    return load_settings(path)


def fill_store(settings: Settings, states: dict[str, Status], minutes: int = 30) -> None:
    """Results every 30 s up to NOW; each component ends in the given state."""
    results = []
    for index, (component, final) in enumerate(states.items()):
        for step in range(minutes * 2):
            ts = NOW - (minutes * 60) + step * 30 + 5
            status = final if step >= minutes * 2 - 4 else Status.UP
            detail = "HTTP 503" if status is Status.DOWN else "HTTP 200"
            results.append(
                ProbeResult(component, f"{component}-http", ts, status, 100.0 + index * 10, detail)
            )
    with Store(settings.store_path()) as store:
        store.append(results)


def console(settings: Settings) -> VigieApp:
    return VigieApp(settings, clock=lambda: NOW)


async def settle(pilot: Pilot[None]) -> None:
    """Let the thread workers finish and their results reach the widgets."""
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def table_of(app: VigieApp, tab: str) -> ConsoleTable:
    return app.query_one(f"#{tab}-tab").query_one(ConsoleTable)


def message_of(app: VigieApp, tab: str) -> str:
    message = app.query_one(f"#{tab}-tab").query_one(".message", Static)
    return str(message.render()) if message.display else ""


@pytest.fixture
def filled(tmp_path: Path) -> Settings:
    settings = make_settings(tmp_path)
    fill_store(settings, {"alpha": Status.UP, "bravo": Status.DOWN, "charlie": Status.DEGRADED})
    return settings


async def test_rows_are_sorted_worst_first(filled: Settings) -> None:
    app = console(filled)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        table = table_of(app, "availability")
        assert table.shown_keys == ["bravo", "charlie", "alpha"]
        first = table.get_row("bravo")
        assert "✖" in str(first[0]) and "indisponible" in str(first[0])
        assert "Vigie" in str(app.query_one("#status", Static).render())
        # Bravo went down for its last two minutes out of thirty: availability below 100 %.
        month = str(table.get_row("bravo")[4])
        assert month.startswith("9") and month.endswith("%"), month
        assert str(table.get_row("alpha")[4]) == "100,000\u202f%"
        assert str(table.get_row("bravo")[9]) == "1"


async def test_number_keys_switch_tabs(filled: Settings) -> None:
    app = console(filled)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        tabs = app.query_one("#tabs", TabbedContent)
        for key, tab in zip(
            "234561", ("flows", "tickets", "homologations", "decom", "map", "availability"), strict=True
        ):
            if tab == "availability":
                await pilot.press("escape")  # the map tab starts in its search box
            await pilot.press(key)
            assert tabs.active == tab


async def test_a_tab_is_built_when_first_shown_with_what_was_read(with_catalog: Settings) -> None:
    """The start builds the availability tab alone; another tab is built when first shown
    (by key or by click) and starts with the catalog and snapshots already read."""
    app = console(with_catalog)
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        await pilot.pause(0.3)
        assert app.catalog is not None
        assert [type(app.query_one(f"#{tab}-tab")) for tab in TAB_IDS[1:]] == [ConsoleTab] * 6
        await pilot.press("5")
        assert type(app.query_one("#decom-tab")).__name__ == "DecomTab"
        assert message_of(app, "decom") == ""
        assert app.query_one("#decom-ministries", ConsoleTable).row_count > 0
        await pilot.click("#--content-tab-flows")
        await pilot.pause()
        assert app.query_one("#tabs", TabbedContent).active == "flows"
        assert type(app.query_one("#flows-tab")).__name__ == "FlowsTab"
        assert type(app.query_one("#map-tab")) is ConsoleTab


async def test_question_mark_shows_help_listing_every_key(filled: Settings) -> None:
    app = console(filled)
    async with app.run_test(size=(160, 50)) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        help_table = app.screen.query_one("#help-table", DataTable)
        shown = {str(help_table.get_row_at(i)[0]) for i in range(help_table.row_count)}
        for key in KEYS:
            assert key.display in shown or key.help == "key.tabs"
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)


async def test_slash_filters_the_current_table_and_escape_clears(filled: Settings) -> None:
    app = console(filled)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        await pilot.press("slash")
        assert app.query_one("#filter", Input).has_focus
        await pilot.press("b", "r", "a")
        assert table_of(app, "availability").shown_keys == ["bravo"]
        await pilot.press("escape")
        assert table_of(app, "availability").shown_keys == ["bravo", "charlie", "alpha"]
        assert not app.query_one("#filter", Input).display


async def test_sort_and_reverse(filled: Settings) -> None:
    app = console(filled)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        table = table_of(app, "availability")
        await pilot.press("s")  # by state: same as worst first
        assert table.shown_keys == ["bravo", "charlie", "alpha"]
        await pilot.press("s")  # by name
        assert table.shown_keys == ["alpha", "bravo", "charlie"]
        await pilot.press("r")
        assert table.shown_keys == ["charlie", "bravo", "alpha"]


async def test_p_pauses_and_plus_minus_change_the_interval(filled: Settings) -> None:
    app = console(filled)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        assert app.interval == 2.0
        await pilot.press("p")
        assert app.paused
        assert "PAUSE" in str(app.query_one("#status", Static).render())
        await pilot.press("p")
        assert not app.paused
        await pilot.press("plus")
        assert app.interval == 1.0
        await pilot.press("minus", "minus")
        assert app.interval == 5.0
        assert "5\u202fs" in str(app.query_one("#status", Static).render())


async def test_enter_opens_the_component_and_escape_returns(filled: Settings) -> None:
    app = console(filled)
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        table_of(app, "availability").focus()
        await pilot.press("enter")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ComponentScreen)
        assert screen.component.id == "bravo"
        recent = screen.query_one("#component-recent", DataTable)
        assert recent.row_count == 20
        assert "HTTP 503" in [str(c) for c in recent.get_row_at(0)]
        maintenance = screen.query_one("#component-maintenance", DataTable)
        assert maintenance.row_count == 0
        incidents = screen.query_one("#component-incidents", DataTable)
        assert incidents.row_count == 1
        cells = [str(c) for c in incidents.get_row_at(0)]
        assert "HTTP 503" in cells
        # Still down: no end, the duration so far (issue 16, item 5).
        assert cells[1] == "en cours" and cells[2] == "1\u202fmin 55\u202fs"
        await pilot.press("ctrl+r")  # a refresh while the screen is on top updates it
        await settle(pilot)
        assert recent.row_count == 20
        await pilot.press("escape")
        assert not isinstance(app.screen, ComponentScreen)


async def test_missing_store_shows_a_message_in_place(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    app = console(settings)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        assert "Base de mesures absente" in message_of(app, "availability")
        assert not settings.store_path().exists()  # the console never creates the store


async def test_empty_store_shows_a_message_in_place(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    Store(settings.store_path()).close()
    app = console(settings)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        assert "aucun résultat" in message_of(app, "availability")
        assert "aucun résultat" in str(app.query_one("#status", Static).render())


async def test_stopped_daemon_shows_unknown_states_and_a_stale_header(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    fill_store(settings, {"alpha": Status.UP, "bravo": Status.UP, "charlie": Status.UP})
    app = VigieApp(settings, clock=lambda: NOW + 3 * 3600)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        assert "arrêté" in str(app.query_one("#status", Static).render())
        row = table_of(app, "availability").get_row("alpha")
        assert "inconnu" in str(row[0])


async def test_missing_catalog_shows_a_message(filled: Settings) -> None:
    app = console(filled)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        await pilot.press("6")
        assert "atalogue" in message_of(app, "map")


async def test_english_labels(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, language="en")
    fill_store(settings, {"alpha": Status.DOWN, "bravo": Status.UP, "charlie": Status.UP})
    app = console(settings)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        assert "down" in str(table_of(app, "availability").get_row("alpha")[0])
        assert "refresh" in str(app.query_one("#status", Static).render())


def fill_drop(settings: Settings, tmp_path: Path) -> None:
    """An hour of readings of the real file-flow check on a drop directory where 3 files
    wait, the oldest for 20 min (over the 10 min threshold), stored with a rate of 150 files
    an hour (the rate column reads the stored value, not the sentence; utilisation is over
    the capacity's hour, as the daemon's capacity alerts judge it)."""
    drop = tmp_path / "drop"
    drop.mkdir()
    for index, age in enumerate((60, 90, 1200)):
        path = drop / f"FLUX_{index}.xml"
        path.write_text("<flux/>\n")
        os.utime(path, (NOW - age, NOW - age))
    options = FileflowOptions(str(drop), "FLUX_*", backlog_degraded=600, backlog_down=3600)
    outcome = check_fileflow(options, 3600, NOW)
    assert outcome.detail == "backlog over 10m: 3 files in 1h, 3 waiting, oldest 20m"
    with Store(settings.store_path()) as store:
        store.append(
            [
                ProbeResult(
                    "charlie",
                    "charlie-drop",
                    NOW - 60 + i * 30,
                    outcome.status,
                    None,
                    outcome.detail,
                    150 / 3600,
                )
                for i in range(-117, 3)
            ]
        )


async def test_flows_tab_shows_utilisation_and_alerts_over_capacity(filled: Settings, tmp_path: Path) -> None:
    # 100 flux/h of capacity; the drop directory received 150 files in the last hour.
    fill_drop(filled, tmp_path)
    app = console(filled)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        await pilot.press("2")
        row = [str(c) for c in table_of(app, "flows").get_row("charlie")]
        # The capacity beside the rate: its period only, the unit being the rate's (issue 16, item 9).
        assert row[2] == "100/h"
        assert "150 flux/h" in row[1]
        assert "150\u202f%" in row[3]
        assert "CAPACITÉ" in row[6]


@pytest.mark.parametrize(
    ("language", "backlog"),
    [
        ("fr", "3 (depuis 20\u202fmin > 10\u202fmin)"),
        ("en", "3 (for 20\u202fmin > 10\u202fmin)"),
    ],
)
async def test_flows_tab_words_the_backlog_in_the_console_language(
    tmp_path: Path, language: str, backlog: str
) -> None:
    # The probe stores an English sentence; the tab words the counts itself.
    settings = make_settings(tmp_path, language=language)
    fill_store(settings, {"alpha": Status.UP, "bravo": Status.UP, "charlie": Status.UP})
    fill_drop(settings, tmp_path)
    app = console(settings)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("2")
        # At 80 columns some columns are left out: the backlog is read by its column's key.
        cell = table_of(app, "flows").get_cell("charlie", "backlog")
        assert str(cell) == backlog
        assert "files in" not in str(cell) and "backlog over" not in str(cell)
    with Store(settings.store_path()) as store:  # what the probe stored is left as it was
        stored = list(store.results("charlie", probe="charlie-drop"))
    assert stored[-1].detail == "backlog over 10m: 3 files in 1h, 3 waiting, oldest 20m"


@pytest.mark.parametrize(
    ("status", "detail", "shown"),
    [
        (Status.DOWN, "/x is not a directory", "dossier non relevé"),
        (Status.UP, "imported from elsewhere", "—"),  # counts unknown: nothing invented
    ],
)
async def test_flows_tab_without_the_checks_counts(
    filled: Settings, status: Status, detail: str, shown: str
) -> None:
    with Store(filled.store_path()) as store:
        store.append([ProbeResult("charlie", "charlie-drop", NOW - 10, status, None, detail)])
    app = console(filled)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        await pilot.press("2")
        assert str(table_of(app, "flows").get_row("charlie")[5]) == shown


@pytest.mark.parametrize(
    ("language", "titles"),
    [
        ("fr", ["Dispo.", "Flux", "Tickets", "Homol.", "Décom.", "Cartographie", "Suivi"]),
        ("en", ["Availability", "Flows", "Tickets", "Homol.", "Decom.", "Map", "Flow tracking"]),
    ],
)
async def test_seven_tab_titles_are_visible_at_80_columns(
    tmp_path: Path, language: str, titles: list[str]
) -> None:
    settings = make_settings(tmp_path, language=language)
    app = console(settings)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        tabs = app.query_one("#tabs", TabbedContent)
        bar = tabs.query_one(Tabs)
        for key in ("7", "1"):  # the bar scrolls to the active tab: look from both ends
            if key == "1":
                await pilot.press("escape")  # the tracking tab starts in its search box
            await pilot.press(key)
            await pilot.pause()
            for number, (tab, title) in enumerate(zip(TAB_IDS, titles, strict=True), 1):
                label = tabs.get_tab(tab)
                assert label.label_text == f"{number} {title}"
                assert bar.region.contains_region(label.region), (title, label.region)
                assert label.region.width == len(label.label_text) + TAB_PADDING


async def test_tab_titles_follow_the_width(tmp_path: Path) -> None:
    app = console(make_settings(tmp_path))
    async with app.run_test(size=(140, 24)) as pilot:
        await settle(pilot)
        tabs = app.query_one("#tabs", TabbedContent)
        assert tabs.get_tab("decom").label_text == "5 Décommissionnement"
        await pilot.resize_terminal(60, 24)
        await pilot.pause()
        shown = [tabs.get_tab(tab).label_text for tab in TAB_IDS]
        assert shown == ["1 Dispo.", "2 Flux", "3 Tickets", "4 Homol.", "5 Décom.", "6 Carto.", "7 Suivi"]
        await pilot.resize_terminal(140, 24)
        await pilot.pause()
        assert tabs.get_tab("map").label_text == "6 Cartographie"


def test_titles_shorten_longest_first() -> None:
    full, short = ["1 Aaaaaaaa", "2 Bb", "3 Cccccc"], ["1 A.", "2 Bb", "3 C."]
    assert fit(full, short, 100) == full
    assert fit(full, short, 22) == ["1 A.", "2 Bb", "3 Cccccc"]
    assert fit(full, short, 5) == short


def test_every_text_has_both_languages() -> None:
    for key, (french, english) in MESSAGES.items():
        assert french and english, key


def fill_tickets(settings: Settings) -> None:
    """A handful of tickets this month and last month, over two channels."""
    from datetime import UTC, datetime, timedelta

    from vigie.probes.tickets.model import Ticket
    from vigie.probes.tickets.store import TicketStore

    now = datetime.fromtimestamp(NOW, UTC)
    tickets = []
    for n in range(12):
        opened = now - timedelta(days=n * 5, hours=1)
        tickets.append(
            Ticket(
                "glpi",
                str(n),
                "chorus-pro" if n % 3 else "place",
                opened,
                opened + timedelta(hours=2),
                None,
                "solved",
                "phone" if n % 2 else "chat",
                "",
                1,
                n % 4 != 0,
            )
        )
    with TicketStore(settings.store_path()) as store:
        store.upsert(tickets)


async def test_tickets_tab_shows_volumes(filled: Settings) -> None:
    fill_tickets(filled)
    app = console(filled)
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        await pilot.press("3")
        assert message_of(app, "tickets") == ""
        applications = app.query_one("#tickets-applications", ConsoleTable)
        assert set(applications.shown_keys) <= {"chorus-pro", "place"}
        assert "chorus-pro" in applications.shown_keys
        channels = app.query_one("#tickets-channels", ConsoleTable)
        assert set(channels.shown_keys) == {"phone", "chat"}
        assert app.query_one("#tickets-months", ConsoleTable).shown_keys[-1] == "2025-11"


async def test_tickets_tab_without_tickets_says_so(filled: Settings) -> None:
    app = console(filled)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        await pilot.press("3")
        assert "Aucune donnée de tickets" in message_of(app, "tickets")


BUNDLED_CATALOG = Path(__file__).resolve().parent.parent / "catalog"


@pytest.fixture
def with_catalog(tmp_path: Path) -> Settings:
    settings = make_settings(tmp_path, catalog=str(BUNDLED_CATALOG))
    fill_store(settings, {"alpha": Status.UP, "bravo": Status.DOWN, "charlie": Status.UP})
    return settings


async def test_homologations_sorted_by_urgency_and_filtered_by_status(with_catalog: Settings) -> None:
    from textual.widgets import Select

    from vigie.catalog.homologation import URGENCY
    from vigie.catalog.homologation import Status as HomStatus

    app = console(with_catalog)
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        await pilot.press("4")
        assert message_of(app, "homologations") == ""
        assert app.catalog is not None
        ranks = [URGENCY[e.status] for e in app.catalog.register]
        assert ranks == sorted(ranks)
        table = table_of(app, "homologations")
        assert table.shown_keys[0] == app.catalog.register[0].application.id
        app.query_one("#homologations-status", Select).value = HomStatus.REFUSED.value
        await pilot.pause()
        refused = [e.application.id for e in app.catalog.register if e.status is HomStatus.REFUSED]
        assert refused and table.shown_keys == refused


async def test_decommissioning_tab_lists_progress_and_interfaces(with_catalog: Settings) -> None:
    app = console(with_catalog)
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        await pilot.press("5")
        assert message_of(app, "decom") == ""
        assert app.query_one("#decom-ministries", ConsoleTable).row_count > 0
        assert "gibus" in app.query_one("#decom-retiring", ConsoleTable).shown_keys
        assert "if-019" in app.query_one("#decom-findings", ConsoleTable).shown_keys


async def test_map_type_ahead_then_jump_to_a_neighbour(with_catalog: Settings) -> None:
    app = console(with_catalog)
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        await pilot.press("6")
        assert app.query_one("#map-search", Input).has_focus
        await pilot.press(*"gibu")
        await pilot.press("enter")
        await pilot.pause()
        header = str(app.query_one("#map-header", Static).render())
        assert "GIBUS" in header
        outgoing = app.query_one("#map-outgoing", ConsoleTable)
        neighbour = outgoing.shown_keys[0]
        outgoing.focus()
        await pilot.press("enter")
        await pilot.pause()
        assert f"({neighbour})" in str(app.query_one("#map-header", Static).render())
        assert "gibus" in app.query_one("#map-incoming", ConsoleTable).shown_keys


async def test_palette_jumps_to_a_component(filled: Settings) -> None:
    app = console(filled)
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"Charlie")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ComponentScreen)
        assert app.screen.component.id == "charlie"


async def test_month_report_screen(filled: Settings) -> None:
    from vigie.console.tui.screens import MonthReportScreen

    app = console(filled)
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        app.open_month_report()
        await pilot.pause()
        assert isinstance(app.screen, MonthReportScreen)
        assert app.screen.query_one("#report-table", DataTable).row_count == 3
        await pilot.press("escape")
        assert not isinstance(app.screen, MonthReportScreen)


@pytest.mark.parametrize(
    ("language", "query", "name", "heading"),
    [
        ("fr", "rapport HTML", "vigie-rapport-2025-11.html", "Disponibilité"),
        ("en", "HTML report", "vigie-report-2025-11.html", "Availability"),
    ],
)
async def test_palette_writes_month_report_file(
    tmp_path: Path, language: str, query: str, name: str, heading: str
) -> None:
    settings = make_settings(tmp_path, language=language)
    fill_store(settings, {"alpha": Status.UP, "bravo": Status.DOWN, "charlie": Status.DEGRADED})
    app = console(settings)
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*query)
        await pilot.pause(0.5)
        await pilot.press("enter")
        await settle(pilot)
        written = tmp_path / name
        assert written.is_file()
        html = written.read_text(encoding="utf-8")
        assert "2025" in html and heading in html and "Bravo" in html
        assert any(str(written) in str(n.message) for n in app._notifications)


def test_bad_input_exits_2_with_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from vigie.console.cli import main

    broken = tmp_path / "config.toml"
    broken.write_text('[[components]]\nid = "x"\ntarget = 120\n', encoding="utf-8")
    assert main(["tui", "--config", str(broken)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "config.toml:3" in err[0] and "target" in err[0]
    (tmp_path / "ok").mkdir()
    settings = make_settings(tmp_path / "ok")
    assert main(["tui", "--config", str(settings.file), "--interval", "0"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--interval" in err[0] and "Traceback" not in err[0]
