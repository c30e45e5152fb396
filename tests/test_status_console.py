"""Communicating from the console: `i` lists this month's measured incidents beside what was
told, `c` on one opens the form pre-filled (component, start, a draft text), saving a draft
or publishing; `p` publishes the draft under the cursor, `u` adds an update (here: resolved). And the demo's drafter: an outage of
a watched public component measured now gets one draft, dated from its start."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import DataTable, Input, Select, TextArea

from tests.test_tui import NOW, console, fill_store, make_settings, settle
from vigie.accounting.results import Status
from vigie.console.demo.runner import Drafter
from vigie.console.status.drafts import open_communications
from vigie.console.tui.communicate import CommunicationScreen, DraftScreen, UpdateScreen
from vigie.reports.status.communication import read_notices


async def test_communicate_a_measured_incident_then_publish_the_draft(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    fill_store(settings, {"alpha": Status.UP, "bravo": Status.DOWN, "charlie": Status.UP})
    app = console(settings)
    async with app.run_test(size=(140, 50)) as pilot:
        await settle(pilot)
        await pilot.press("i")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, CommunicationScreen)
        measured = screen.query_one("#comm-measured", DataTable)
        assert measured.row_count == 1
        assert "à communiquer" in str(measured.get_row_at(0)[-1])
        await pilot.press("c")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, DraftScreen)
        assert form.query_one("#draft-title", Input).value == "Bravo\u00a0: panne majeure"
        assert "Bravo est indisponible" in form.query_one("#draft-message", TextArea).text
        start = form.query_one("#draft-start", Input).value
        await pilot.click("#draft-save")
        await settle(pilot)
        assert app.screen is screen
        assert "1 (brouillon)" in str(measured.get_row_at(0)[-1])
        with open_communications(settings) as comms:
            (draft,) = comms.notices()
        assert not draft.published and dict(draft.components) == {"bravo": "major_outage"}
        assert draft.started_at == min(i.start for i in screen.measured)
        assert start.startswith("2025-11-24")
        screen.query_one("#comm-notices", DataTable).focus()
        await pilot.press("p")
        await settle(pilot)
        assert "1 (publié)" in str(measured.get_row_at(0)[-1])
        await pilot.press("u")
        await pilot.pause()
        update = app.screen
        assert isinstance(update, UpdateScreen)
        update.query_one("#update-status", Select).value = "resolved"
        update.query_one("#update-message", TextArea).text = "Le service est rétabli."
        update.query_one("#update-cause", Input).value = "Disque plein"
        await pilot.click("#update-save")
        await settle(pilot)
        assert app.screen is screen
        await pilot.press("u")  # a resolved incident takes no more updates: a notice, no form
        await pilot.pause()
        assert app.screen is screen
        await pilot.press("escape")
        assert not isinstance(app.screen, CommunicationScreen)
    with open_communications(settings) as comms:
        (done,) = read_notices(comms.db.conn)
    assert done.published and done.resolved and done.cause == "Disque plein"
    assert [u.status for u in done.updates] == ["investigating", "resolved"]


def test_the_demo_drafts_one_incident_per_watched_outage(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    fill_store(settings, {"alpha": Status.DOWN, "bravo": Status.DOWN, "charlie": Status.UP})
    drafter = Drafter(settings, {"alpha"})
    (first,) = drafter.draft_outages(NOW)
    assert drafter.draft_outages(NOW + 30) == []  # once per outage
    with open_communications(settings) as comms:
        (draft,) = comms.notices()
    assert draft.id == first and not draft.published and "alpha" in draft.components
    assert draft.started_at < NOW and draft.title == "Alpha\u00a0: panne majeure"
