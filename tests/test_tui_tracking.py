"""The console's "Suivi des flux" tab: the stuck flows listed, a key typed and followed."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from textual.widgets import Input, Static

from tests.test_flows_cli import CONFIG
from tests.test_tui import NOW, settle
from vigie.console.settings import load_settings
from vigie.console.tui.app import VigieApp
from vigie.console.tui.table import ConsoleTable
from vigie.probes.flows.lifecycle import Kind, Route
from vigie.probes.flows.store import FlowStore, Incoming

ROUTES = {
    "facture-edi": Route(
        "facture-edi",
        ("se-chorus-pro", "chorus-pro", "systeme-echanges", "chorus-coeur"),
        (1800.0, 7200.0, 14400.0),
    )
}


def rendered(widget: Static) -> str:
    console = Console(width=200, record=True)
    console.print(widget.content)
    return console.export_text()


async def test_the_tab_lists_stuck_flows_and_follows_a_typed_key(tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text(CONFIG, encoding="utf-8")
    settings = load_settings(tmp_path / "config.toml")
    hour = 3600.0
    with FlowStore(settings.flow_store_path()) as store:
        store.ingest(
            [
                Incoming(
                    "CPP-1", NOW - 5 * hour, "se-chorus-pro", Kind.RECEIVED, "facture-edi", partner="P1"
                ),
                Incoming("CPP-1", NOW - 4.9 * hour, "chorus-pro", Kind.STATUS, status="DEPOSEE"),
                Incoming("CPP-2", NOW - 0.1 * hour, "se-chorus-pro", Kind.RECEIVED, "facture-edi"),
            ],
            ROUTES,
        )
    app = VigieApp(settings, clock=lambda: NOW)
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        await pilot.press("7")
        await settle(pilot)
        tab = app.query_one("#tracking-tab")
        assert tab.query_one("#tracking-stuck", ConsoleTable).shown_keys == ["CPP-1"]
        assert "Stuck flows: 1" in rendered(tab.query_one("#tracking-stuck-title", Static))
        assert app.focused is tab.query_one("#tracking-search", Input)
        await pilot.press(*"CPP-1", "enter")
        await settle(pilot)
        text = rendered(tab.query_one("#tracking-result", Static))
        assert "Flow CPP-1 — type facture-edi — partner P1" in text
        assert "STUCK: due at systeme-echanges" in text
        assert "DEPOSEE" in text
        await pilot.press(*"-NOPE", "enter")
        await settle(pilot)
        assert "No flow is known by 'CPP-1-NOPE'." in rendered(tab.query_one("#tracking-result", Static))
