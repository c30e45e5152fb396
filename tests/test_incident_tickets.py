"""GLPI tickets from incidents, against the test GLPI server (POST Ticket, POST ITILFollowup):
opened once an incident lasts past its threshold, with the timeline; followed up at its end;
GLPI refusing is retried and the incident says "ticket en attente"; the ticket shows in
`vigie incidents` and in the acknowledgement's comment."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.glpi_server import FakeGlpi, running
from tests.test_tickets_glpi import APP_TOKEN, USER_TOKEN
from vigie.accounting.results import ProbeResult, Status
from vigie.accounting.state import Transition
from vigie.console.cli import main
from vigie.console.measurements import open_store
from vigie.console.settings import Settings, load_settings
from vigie.kernel.text.language import Language
from vigie.probes.oncall.acks import AckKeeper
from vigie.probes.oncall.backend import LocalBackend
from vigie.probes.oncall.model import Ack, Silence, equal_matchers
from vigie.probes.oncall.store import OnCallStore, StoredAlert
from vigie.probes.tickets.incidents import CLOSED, OPEN, PENDING, IncidentTickets, IncidentTicketStore

NOW = time.time()
T0 = NOW - 3600  # alpha is down from T0 for five minutes, bravo from T0 + 10 min for 40

CONFIG = """
[store]
path = "vigie.db"

[tickets.glpi]
url = "{url}"
app_token = "${{GLPI_APP_TOKEN}}"
user_token = "${{GLPI_USER_TOKEN}}"
timeout = "5s"

[tickets.open]
after = "10m"
category_id = 7
entity_id = 3

[[tickets.open.places]]
for = "bravo"
category_id = 9
entity_id = 3

[[components]]
id = "alpha"
name = "Alpha"
target = 99
ticket_after = "2m"

[[components]]
id = "bravo"
name = "Bravo"
target = 99

[[probes]]
id = "alpha-http"
component = "alpha"
kind = "http"
url = "http://127.0.0.1:9/"

[[probes]]
id = "bravo-http"
component = "bravo"
kind = "http"
url = "http://127.0.0.1:9/"
"""


@pytest.fixture
def glpi(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeGlpi]:
    monkeypatch.setenv("GLPI_APP_TOKEN", APP_TOKEN)
    monkeypatch.setenv("GLPI_USER_TOKEN", USER_TOKEN)
    with running(FakeGlpi(APP_TOKEN, USER_TOKEN)) as server:
        yield server


@pytest.fixture
def settings(glpi: FakeGlpi, tmp_path: Path) -> Settings:
    (tmp_path / "config.toml").write_text(CONFIG.format(url=glpi.url), encoding="utf-8")
    settings = load_settings(tmp_path / "config.toml")
    # The measurements the incidents come from: every 30 s, down over the two outages.
    results = []
    for step in range(-20, 120):
        ts = T0 + step * 30
        for component, start, end in (("alpha", T0, T0 + 300), ("bravo", T0 + 600, T0 + 3000)):
            down = start <= ts < end
            status = Status.DOWN if down else Status.UP
            results.append(
                ProbeResult(component, f"{component}-http", ts, status, 50.0, "HTTP 503" if down else "OK")
            )
    with open_store(settings) as store:
        store.append(results)
    return settings


def change(component: str, old: Status, new: Status, ts: float, detail: str) -> Transition:
    return Transition(component, old, new, ts, detail)


def incidents_json(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> dict[str, list[dict[str, object]]]:
    capsys.readouterr()
    assert main(["incidents", "--config", str(settings.file), "--json"]) == 0
    return {c["component"]: c["incidents"] for c in json.loads(capsys.readouterr().out)}


def test_an_incident_past_its_threshold_opens_a_ticket_followed_up_at_its_end(
    settings: Settings, glpi: FakeGlpi, capsys: pytest.CaptureFixture[str]
) -> None:
    tickets = IncidentTickets(settings.probes, settings.tickets, settings.store_path(), Language("fr"))
    with IncidentTicketStore(settings.store_path()) as store:
        tickets.on_transition(change("alpha", Status.UP, Status.DOWN, T0, "HTTP 503 (alpha-http)"))
        tickets.run_pass(store, T0 + 60)
        assert glpi.created == {}  # a minute: under alpha's two
        tickets.on_transition(change("alpha", Status.DOWN, Status.DEGRADED, T0 + 100, "lent : 2,4 s"))
        tickets.on_transition(
            change("alpha", Status.DEGRADED, Status.DOWN, T0 + 110, "HTTP 503 (alpha-http)")
        )
        # DEGRADED ends the first incident (100 s: no ticket); the second one lasts.
        tickets.run_pass(store, T0 + 110 + 130)
        [(number, ticket)] = glpi.created.items()
        assert ticket["name"] == "[Vigie] Alpha indisponible"
        assert (ticket["itilcategories_id"], ticket["entities_id"], ticket["type"], ticket["urgency"]) == (
            7,
            3,
            1,
            4,
        )
        assert "Incident détecté par Vigie sur Alpha (alpha)" in ticket["content"]
        assert "Cause : HTTP 503 (alpha-http)" in ticket["content"]
        assert "indisponible — HTTP 503 (alpha-http)" in ticket["content"]
        assert tickets.open_tickets() == {"alpha": str(number)}
        tickets.on_transition(change("alpha", Status.DOWN, Status.UP, T0 + 300, "OK"))
        tickets.run_pass(store, T0 + 310)
        [followup] = glpi.followups
        assert (followup["itemtype"], followup["items_id"]) == ("Ticket", number)
        assert (
            "Fin de l'incident" in followup["content"] and "après 3\u202fmin 10\u202fs" in followup["content"]
        )
        assert tickets.open_tickets() == {}
        [link] = store.links()
    assert (link.component, link.started_at, link.state, link.ticket) == (
        "alpha",
        T0 + 110,
        CLOSED,
        str(number),
    )
    assert [step[1] for step in link.timeline] == ["down", "up"]


def test_glpi_refusing_is_retried_and_the_incident_says_pending(
    settings: Settings, glpi: FakeGlpi, capsys: pytest.CaptureFixture[str]
) -> None:
    tickets = IncidentTickets(settings.probes, settings.tickets, settings.store_path(), Language("fr"))
    glpi.post_faults = [503, 503]
    bravo = T0 + 600
    with IncidentTicketStore(settings.store_path()) as store:
        tickets.on_transition(change("bravo", Status.UP, Status.DOWN, bravo, "HTTP 503"))
        tickets.run_pass(store, bravo + 601)  # past the default 10 min: GLPI answers 503
        [link] = store.links()
        assert (link.state, link.attempts, link.ticket) == (PENDING, 1, None)
        assert "HTTP 503" in link.error
        [incident] = incidents_json(settings, capsys)["bravo"]
        assert incident["ticket"] is None and incident["ticket_pending"] is True
        capsys.readouterr()
        main(["incidents", "--config", str(settings.file)])
        assert "ticket en attente" in capsys.readouterr().out
        tickets.run_pass(store, bravo + 661)  # 503 again
        tickets.run_pass(store, bravo + 721)
        [link] = store.links()
    assert (link.state, link.attempts) == (OPEN, 2)
    [(number, ticket)] = glpi.created.items()
    assert (ticket["itilcategories_id"], ticket["entities_id"]) == (9, 3)  # bravo's own place
    [incident] = incidents_json(settings, capsys)["bravo"]
    assert incident["ticket"] == str(number) and incident["ticket_pending"] is False


def test_the_incident_s_ticket_goes_into_the_acknowledgement(settings: Settings) -> None:
    labels = {"alertname": "VigieComponentDown", "component": "alpha", "severity": "page"}
    with OnCallStore(settings.store_path()) as store:
        store.write_alerts([StoredAlert(labels, {}, NOW - 60, NOW + 60, False)], NOW)
        backend = LocalBackend(store)
        sid = backend.put_silence(
            Silence(
                "", equal_matchers(labels), NOW - 60, NOW + 3 * 3600, "alice", Ack(None, "on regarde").comment
            ),
            NOW,
        )
        keeper = AckKeeper(ack_for=4 * 3600)
        keeper.run(backend, store, NOW, {"alpha": "1042"})
        [silence] = backend.silences()
        assert (silence.id, silence.comment) == (sid, "ACK #1042: on regarde")
        # Renewed: less than half of ack_for was left.
        assert silence.ends_at == pytest.approx(NOW + 4 * 3600)
        keeper.run(backend, store, NOW + 10, {"alpha": "1042"})  # nothing more to do
        assert [(e.action, e.actor, e.comment) for e in store.audit_entries()] == [
            ("renew", "vigie", "ACK #1042: on regarde")
        ]
