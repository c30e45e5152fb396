"""The console's alerts view through Pilot, on the built-in notifier: the header counts the
alerts to handle, `a` lists them, `enter` acknowledges (a comment is required), the alert
resolves and its acknowledgement is expired."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Input, Static

from tests.test_tui import NOW, make_settings
from vigie.console.tui.alerts import AckDialog, AlertsScreen
from vigie.console.tui.app import VigieApp
from vigie.console.tui.table import ConsoleTable
from vigie.probes.oncall.acks import AckKeeper
from vigie.probes.oncall.backend import LocalBackend
from vigie.probes.oncall.model import fingerprint
from vigie.probes.oncall.store import OnCallStore, StoredAlert

LABELS = {"alertname": "VigieComponentDown", "component": "bravo", "severity": "page"}
ANNOTATIONS = {"summary": "Bravo indisponible", "description": "Bravo est indisponible : HTTP 503"}


async def test_alerts_view_acknowledges_with_enter(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VIGIE_OPERATOR", "dominique")
    settings = make_settings(tmp_path)
    with OnCallStore(settings.store_path()) as store:
        store.write_alerts([StoredAlert(LABELS, ANNOTATIONS, NOW - 600, NOW + 240, False)], NOW)
    app = VigieApp(settings, clock=lambda: NOW)
    async with app.run_test(size=(140, 40)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "1 alerte à traiter (a)" in str(app.query_one("#status", Static).render())
        await pilot.press("a")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, AlertsScreen)
        table = app.screen.query_one(ConsoleTable)
        assert table.shown_keys == [fingerprint(LABELS)]
        row = [str(cell) for cell in table.get_row(fingerprint(LABELS))]
        assert row[:3] == ["à traiter", "Bravo indisponible", "bravo"]
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, AckDialog)
        await pilot.press("enter")  # no comment: refused, the dialog stays
        await pilot.pause()
        assert isinstance(app.screen, AckDialog)
        app.screen.query_one("#ack-text", Input).value = "disque plein, on purge"
        app.screen.query_one("#ack-ticket", Input).value = "#5150"
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, AlertsScreen)
        row = [str(cell) for cell in table.get_row(fingerprint(LABELS))]
        assert row[0] == "acquittée (dominique)"
        assert row[4] == "#5150"
        assert "alerte à traiter" not in str(app.query_one("#status", Static).render())
        with OnCallStore(settings.store_path()) as store:
            [silence] = store.silences()
            assert (silence.created_by, silence.comment) == ("dominique", "ACK #5150: disque plein, on purge")
            assert silence.ends_at == pytest.approx(NOW + 4 * 3600)
            # The daemon resolves the alert; its ack keeper expires the acknowledgement.
            store.write_alerts([StoredAlert(LABELS, ANNOTATIONS, NOW - 600, NOW + 5, True)], NOW + 5)
            keeper = AckKeeper(4 * 3600)
            for later in (NOW + 10, NOW + 20):
                keeper.run(LocalBackend(store), store, later, {})
            assert store.silences()[0].state(NOW + 20) == "expired"
            assert [e.action for e in store.audit_entries()] == ["ack", "expire"]
        app.refresh_alerts()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert table.shown_keys == []
        assert "aucune alerte en cours" in str(app.screen.query_one("#alerts-source", Static).render())
        await pilot.press("escape")
        assert not isinstance(app.screen, AlertsScreen)
