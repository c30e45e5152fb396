"""The public status page: communicated incidents and their life cycle, maintenance notices,
the daily bars, the Statuspage-shaped JSON, the Atom feed, the badges, nothing internal on
any resource, and the read-only server (over uvicorn on loopback) and the static build
(served by Python's http.server) giving the same bytes."""

from __future__ import annotations

import json
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from xml.etree import ElementTree

import feedparser
import pytest
import requests
import uvicorn

from tests.status_site import (
    INTERNAL_HOST,
    PROBE_URL,
    RAW_ERROR,
    STEP,
    communications,
    make_site,
    publish_outage,
)
from vigie.console.cli import main
from vigie.console.cmd_status import file_of, write_site
from vigie.console.settings import Settings
from vigie.console.status.app import MAX_QUERY, SiteCache, create_app
from vigie.console.status.site import Resource, render_site
from vigie.probes.store import Store
from vigie.reports import periods
from vigie.reports.sla import compute_sla
from vigie.reports.status.communication import CommunicationError, read_notices
from vigie.reports.status.page import StatusPage, build_page

NOW = time.time()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> tuple[Settings, int]:
    """The fixture's page with an incident in progress (module-wide: the tests only read it)."""
    settings = make_site(tmp_path_factory.mktemp("status"), NOW)
    return settings, publish_outage(settings, NOW)


def page_at(settings: Settings, now: float = NOW) -> StatusPage:
    with Store.of_config(settings.probes, settings.store_path()) as store:
        return build_page(store, settings.probes, settings.status, now)


@pytest.fixture(scope="module")
def pages(site: tuple[Settings, int]) -> dict[str, Resource]:
    return render_site(page_at(site[0]))


# --- incidents written by people -------------------------------------------------------------


def test_incident_life_cycle_open_updates_resolve_postmortem(tmp_path: Path) -> None:
    settings = make_site(tmp_path, NOW)
    with communications(settings) as comms:
        opened = comms.open_incident(
            {"chorus-pro": "major_outage"}, "Panne", title="Panne", title_en="Outage", now=NOW - 900
        )
        assert (opened.status, opened.impact, opened.published) == ("investigating", "critical", True)
        assert opened.updates[0].changes[0].new_status == "major_outage"
        comms.update(opened.id, "Cause trouvée", now=NOW - 600, status="identified")
        after = comms.update(
            opened.id,
            "Surveillance",
            now=NOW - 300,
            status="monitoring",
            components={"chorus-pro": "degraded_performance", "place": "partial_outage"},
        )
        assert dict(after.components) == {"chorus-pro": "degraded_performance", "place": "partial_outage"}
        assert [(c.code, c.old_status, c.new_status) for c in after.updates[-1].changes] == [
            ("chorus-pro", "major_outage", "degraded_performance"),
            ("place", "operational", "partial_outage"),
        ]
        assert after.impact == "critical"  # the impact never goes down by itself
        resolved = comms.resolve(opened.id, "Rétabli", now=NOW - 60, cause="Disque plein")
        assert resolved.resolved and resolved.status == "resolved" and resolved.cause == "Disque plein"
        assert set(resolved.components.values()) == {"operational"}
        done = comms.postmortem(opened.id, "Analyse", now=NOW)
        assert [u.status for u in done.updates] == [
            "investigating", "identified", "monitoring", "resolved", "postmortem"
        ]  # fmt: skip
        before = len(read_notices(comms.db.conn)[0].updates)
        mistakes = [
            (lambda: comms.update(opened.id, "encore", now=NOW), "is resolved"),
            (lambda: comms.postmortem(opened.id, "bis", now=NOW), "already has a post-mortem"),
            (lambda: comms.update(999, "x", now=NOW), "no incident or maintenance with id 999"),
            (lambda: comms.open_incident({"nope": "major_outage"}, "x", title="t", title_en="", now=NOW), "no public component 'nope'"),
            (lambda: comms.open_incident({"place": "broken"}, "x", title="t", title_en="", now=NOW), "'broken' is not a component status"),
            (lambda: comms.open_incident({"place": "major_outage"}, "  ", title="t", title_en="", now=NOW), "the message is empty"),
            (lambda: comms.open_incident({"place": "major_outage"}, "x", title="t", title_en="", now=NOW, at=NOW + 3600), "in the future"),
            (lambda: comms.open_incident({"internal-only": "major_outage"}, "x", title="t", title_en="", now=NOW), "no public component"),
        ]  # fmt: skip
        for attempt, message in mistakes:
            with pytest.raises(CommunicationError, match=message):
                attempt()
        assert len(read_notices(comms.db.conn)) == 1
        assert len(read_notices(comms.db.conn)[0].updates) == before


def test_a_draft_is_not_public_until_published(tmp_path: Path) -> None:
    settings = make_site(tmp_path, NOW)
    with communications(settings) as comms:
        draft = comms.open_incident(
            {"place": "major_outage"}, "Brouillon", title="PLACE", title_en="", now=NOW, published=False
        )
        assert page_at(settings).incidents == []
        comms.publish(draft.id, NOW + 1)
        with pytest.raises(CommunicationError, match="already published"):
            comms.publish(draft.id, NOW + 2)
    shown = page_at(settings, NOW + 2)
    assert [n.id for n in shown.unresolved] == [str(draft.id)]
    assert {c.id: c.status for c in shown.components}["place"] == "major_outage"


def test_maintenance_notices_start_and_end_by_themselves(tmp_path: Path) -> None:
    settings = make_site(tmp_path, NOW)
    with communications(settings) as comms:
        notice = comms.announce_maintenance(
            ["chorus-pro-api"], NOW + 3600, NOW + 3 * 3600, "Montée de version", title="Montée de version",
            title_en="Upgrade", now=NOW,
        )  # fmt: skip
        with pytest.raises(CommunicationError, match="must come after"):
            comms.announce_maintenance(["place"], NOW + 10, NOW, "x", title="t", title_en="", now=NOW)
    key = str(notice.id)

    def state(at: float) -> tuple[str, str]:
        page = page_at(settings, at)
        found = next(n for n in page.maintenances if n.id == key)
        return found.status, {c.id: c.status for c in page.components}["chorus-pro-api"]

    assert state(NOW) == ("scheduled", "operational")
    assert state(NOW + 2 * 3600) == ("in_progress", "under_maintenance")
    assert state(NOW + 4 * 3600) == ("completed", "operational")
    # The public [[maintenance]] window: its next occurrence is announced, the private one never.
    page = page_at(settings)
    windows = [n for n in page.maintenances if n.id.startswith("place-weekly-")]
    assert windows and all(n.components == {"place": "under_maintenance"} for n in windows)
    assert not any(n.id.startswith("secret-window") for n in page.notices)
    upcoming = [n for n in windows if n.status == "scheduled"]
    assert len(upcoming) == 1 and upcoming[0].started_at - NOW <= 7 * 86400
    start = datetime.fromtimestamp(upcoming[0].started_at, settings.timezone)
    assert (start.weekday(), start.hour, start.minute) == (6, 2, 0)


# --- the daily bars ---------------------------------------------------------------------------


def test_daily_bars_come_from_the_accounting_and_no_data_is_grey(site: tuple[Settings, int]) -> None:
    settings, _ = site
    page = page_at(settings)
    pro = next(c for c in page.components if c.id == "chorus-pro")
    days = {d.day: d for d in pro.history.days}
    today = datetime.fromtimestamp(NOW, settings.timezone).date()
    assert len(pro.history.days) == 90 and pro.history.days[-1].day == today
    assert days[today - timedelta(days=12)].state == "nodata"  # 5 minutes measured: grey, not green
    assert days[today - timedelta(days=40)].state == "nodata"  # before the store's history
    # The outage under way and the one five days ago may each cross a local midnight (the
    # suite runs at any hour): each day they touch is down, and they add up.
    tz = settings.timezone
    down_since = datetime.fromtimestamp(NOW - 3 * STEP, tz).date()
    assert days[today].state == "down"
    assert days[today - timedelta(days=1)].state == ("down" if down_since < today else "up")
    outage = {datetime.fromtimestamp(NOW - 5 * 86400 + s, tz).date() for s in (0, 3599)}
    assert {days[d].state for d in outage} == {"down"}
    assert sum(days[d].down_s for d in outage) >= 3600
    api = next(c for c in page.components if c.id == "chorus-pro-api")
    assert {d.state for d in api.history.days} == {"nodata"} and api.history.availability is None
    # One day's figures are `vigie sla`'s over that day; the 90 days' availability is floored.
    with Store.of_config(settings.probes, settings.store_path()) as store:
        component = settings.probes.component("chorus-pro")
        day = today - timedelta(days=3)
        sla = compute_sla(
            store, settings.probes, component, periods.between(day, day, settings.timezone), NOW
        )
        whole = compute_sla(
            store,
            settings.probes,
            component,
            periods.between(pro.history.days[0].day, today, settings.timezone),
            NOW,
            summed=False,
        )
    assert days[day].availability == sla.figures.availability
    assert pro.history.availability == whole.figures.availability
    assert pro.history.availability is not None and pro.history.availability < 1


def test_the_page_shows_ninety_bars_with_words_and_floors_the_availability(
    pages: dict[str, Resource],
) -> None:
    html = pages["/"].body.decode()
    assert html.count('class="d-') >= 3 * 90
    assert "pas de données" in html and "Panne majeure" in html  # the state in words, not colour alone
    assert "100,00" not in html.split('id="component-chorus-pro"')[1].split("</div>")[0]
    english = pages["/en/"].body.decode()
    assert 'lang="en"' in english and "Major system outage" in english and "Electronic invoicing" in english


# --- machine-readable -------------------------------------------------------------------------

PAGE_KEYS = {"id", "name", "url", "time_zone", "updated_at"}
COMPONENT_KEYS = {
    "id", "name", "status", "created_at", "updated_at", "position", "description", "showcase",
    "start_date", "group_id", "page_id", "group", "only_show_if_degraded",
}  # fmt: skip
INCIDENT_KEYS = {
    "id", "name", "status", "created_at", "updated_at", "monitoring_at", "resolved_at", "impact",
    "shortlink", "started_at", "page_id", "incident_updates", "components",
}  # fmt: skip
UPDATE_KEYS = {
    "id", "status", "body", "incident_id", "created_at", "updated_at", "display_at",
    "affected_components", "deliver_notifications", "custom_tweet", "tweet_id",
}  # fmt: skip
STATUSES = {"operational", "degraded_performance", "partial_outage", "major_outage", "under_maintenance"}


def _iso(value: str | None) -> None:
    assert value is None or datetime.fromisoformat(value).tzinfo is not None


def _incidents(items: list[dict[str, object]], maintenance: bool) -> None:
    for item in items:
        assert set(item) >= INCIDENT_KEYS and item["page_id"] == "vigie"
        assert item["impact"] in {"none", "minor", "major", "critical", "maintenance"}
        allowed = (
            {"scheduled", "in_progress", "verifying", "completed"}
            if maintenance
            else {"investigating", "identified", "monitoring", "resolved", "postmortem"}
        )
        assert item["status"] in allowed
        for key in ("created_at", "updated_at", "started_at", "resolved_at", "monitoring_at"):
            _iso(item[key])  # type: ignore[arg-type]
        if maintenance:
            _iso(item["scheduled_for"])  # type: ignore[arg-type]
            _iso(item["scheduled_until"])  # type: ignore[arg-type]
        updates = item["incident_updates"]
        assert isinstance(updates, list) and updates
        for update in updates:
            assert set(update) == UPDATE_KEYS and update["incident_id"] == item["id"] and update["body"]
            for affected in update["affected_components"] or []:
                assert set(affected) == {"code", "name", "old_status", "new_status"}
                assert {affected["old_status"], affected["new_status"]} <= STATUSES
        for comp in item["components"]:  # type: ignore[attr-defined]
            assert set(comp) >= COMPONENT_KEYS


def test_each_json_endpoint_has_statuspages_shape(
    pages: dict[str, Resource], site: tuple[Settings, int]
) -> None:
    docs = {path: json.loads(r.body) for path, r in pages.items() if path.startswith("/api/v2/")}
    for path in (
        "summary.json", "status.json", "components.json", "incidents.json", "incidents/unresolved.json",
        "scheduled-maintenances.json", "scheduled-maintenances/upcoming.json", "scheduled-maintenances/active.json",
    ):  # fmt: skip
        doc = docs[f"/api/v2/{path}"]
        assert set(doc["page"]) == PAGE_KEYS and doc["page"]["url"] == "https://statut.example.gouv.fr"
        _iso(doc["page"]["updated_at"])
    summary = docs["/api/v2/summary.json"]
    assert set(summary) == {"page", "components", "incidents", "scheduled_maintenances", "status"}
    assert summary["status"] == {"indicator": "critical", "description": "Panne majeure"}
    assert docs["/api/v2/status.json"]["status"] == summary["status"]
    comps = {c["id"]: c for c in summary["components"]}
    for comp in comps.values():
        assert set(comp) >= COMPONENT_KEYS and (comp["group"] or comp["status"] in STATUSES)
    assert comps["chorus-pro"]["status"] == "major_outage" and comps["place"]["group_id"] is None
    group = comps[comps["chorus-pro"]["group_id"]]
    assert group["group"] is True and group["components"] == ["chorus-pro", "chorus-pro-api"]
    assert group["name"] == "Facturation électronique" and group["status"] == "major_outage"
    assert "internal-only" not in comps
    unresolved = docs["/api/v2/incidents/unresolved.json"]["incidents"]
    assert [i["id"] for i in unresolved] == [str(site[1])] == [i["id"] for i in summary["incidents"]]
    assert [u["status"] for u in unresolved[0]["incident_updates"]] == ["identified", "investigating"]
    _incidents(docs["/api/v2/incidents.json"]["incidents"], maintenance=False)
    upcoming = docs["/api/v2/scheduled-maintenances/upcoming.json"]["scheduled_maintenances"]
    assert upcoming and {m["status"] for m in upcoming} == {"scheduled"}
    _incidents(docs["/api/v2/scheduled-maintenances.json"]["scheduled_maintenances"], maintenance=True)


def test_the_atom_feed_validates_and_carries_every_update(
    pages: dict[str, Resource], site: tuple[Settings, int]
) -> None:
    feed = feedparser.parse(pages["/history.atom"].body)
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "atom10" and feed.feed.title.startswith("État des services du SI Chorus")
    page = page_at(site[0])
    updates = {u.id for n in page.notices for u in n.updates}
    ids = [e.id for e in feed.entries]
    assert len(ids) == len(set(ids)) == len(updates)
    assert all(
        e.updated_parsed and e.link.startswith("https://statut.example.gouv.fr/") for e in feed.entries
    )
    texts = " ".join(e.summary for e in feed.entries)
    assert "<strong>indisponible</strong>" in texts and "Le service est rétabli." in texts
    assert "Brouillon" not in texts  # drafts never reach the feed
    english = feedparser.parse(pages["/en/history.atom"].body)
    assert not english.bozo and "<strong>down</strong>" in " ".join(e.summary for e in english.entries)


def test_badges_are_svg_with_the_status_in_words(pages: dict[str, Resource]) -> None:
    badge = ElementTree.fromstring(pages["/badge/chorus-pro.svg"].body)
    assert (
        badge.tag == "{http://www.w3.org/2000/svg}svg"
        and badge.get("aria-label") == "Chorus Pro : panne majeure"
    )
    assert "/badge/internal-only.svg" not in pages


def test_nothing_internal_reaches_any_public_resource(pages: dict[str, Resource]) -> None:
    for path, found in pages.items():
        text = found.body.decode()
        for secret in (
            INTERNAL_HOST,
            PROBE_URL,
            RAW_ERROR,
            "HTTP 503",
            "Base interne",
            "Chorus Pro (interne)",
            "Brouillon",
        ):
            assert secret not in text, (path, secret)


def test_texts_are_markdown_rendered_safely(tmp_path: Path) -> None:
    settings = make_site(tmp_path, NOW)
    with communications(settings) as comms:
        comms.open_incident(
            {"place": "major_outage"},
            "<script>alert(1)</script> [clic](javascript:alert(1)) <img src=x onerror=alert(2)> **gras**",
            title="<b>titre</b>",
            title_en="",
            now=NOW,
        )
    html = render_site(page_at(settings))["/"].body.decode()
    assert "<script>" not in html and 'href="javascript' not in html and "<img" not in html
    assert "<strong>gras</strong>" in html and "&lt;b&gt;titre&lt;/b&gt;" in html


# --- serving and building ---------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, SiteCache, Settings]]:
    settings = make_site(tmp_path, NOW)
    publish_outage(settings, NOW)
    cache = SiteCache(settings.store_path(), settings.probes, settings.status, busy_timeout=0.2)
    cache.start()
    port = free_port()
    config = uvicorn.Config(create_app(cache), host="127.0.0.1", port=port, log_level="warning")
    uv = uvicorn.Server(config)
    thread = threading.Thread(target=uv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not uv.started and time.monotonic() < deadline:
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}", cache, settings
    uv.should_exit = True
    thread.join(5)
    cache.stop()


def test_the_server_answers_get_and_head_only_with_short_caching(
    server: tuple[str, SiteCache, Settings],
) -> None:
    url, cache, _ = server
    home = requests.get(f"{url}/", timeout=5)
    assert home.status_code == 200 and "Indisponibilité de Chorus Pro" in home.text
    assert home.headers["Cache-Control"] == "public, max-age=30" and home.headers["ETag"]
    assert "default-src 'none'" in home.headers["Content-Security-Policy"]
    assert home.headers["Content-Encoding"] == "gzip" and home.headers["Vary"] == "Accept-Encoding"
    again = requests.get(f"{url}/", headers={"If-None-Match": home.headers["ETag"]}, timeout=5)
    assert again.status_code == 304 and not again.content
    plain = requests.get(f"{url}/", headers={"Accept-Encoding": "identity"}, timeout=5)
    assert plain.content == home.content and "Content-Encoding" not in plain.headers
    assert plain.headers["ETag"] != home.headers["ETag"]
    head = requests.head(f"{url}/api/v2/summary.json", timeout=5)
    assert head.status_code == 200 and not head.content and head.headers["Content-Type"] == "application/json"
    for method in ("POST", "PUT", "DELETE", "PATCH"):
        assert requests.request(method, f"{url}/", timeout=5).status_code == 405
    assert requests.get(f"{url}/?q={'x' * MAX_QUERY}", timeout=5).status_code == 414
    assert requests.get(f"{url}/?utm=1", timeout=5).status_code == 200
    month = datetime.fromtimestamp(NOW, cache.probes.timezone).strftime("%Y-%m")
    assert (
        requests.get(f"{url}/history/{month}", timeout=5).text
        == requests.get(f"{url}/history/{month}/", timeout=5).text
    )
    assert requests.get(f"{url}/en/", timeout=5).text.count('lang="en"') == 1
    assert requests.get(f"{url}/nothing-here", timeout=5).status_code == 404
    summary = requests.get(f"{url}/api/v2/summary.json", timeout=5).json()
    assert summary["status"]["indicator"] == "critical"


def test_an_update_shows_at_the_next_refresh(server: tuple[str, SiteCache, Settings]) -> None:
    url, cache, settings = server
    before = requests.get(f"{url}/", timeout=5).headers["ETag"]
    with communications(settings) as comms:
        incident = read_notices(comms.db.conn)[-1]
        comms.update(incident.id, "Le correctif est déployé.", now=time.time(), status="monitoring")
    assert cache.refresh()
    after = requests.get(f"{url}/", timeout=5)
    assert after.headers["ETag"] != before and "Le correctif est déployé." in after.text


def test_the_last_good_pages_stay_up_when_the_store_is_locked_or_gone(
    server: tuple[str, SiteCache, Settings],
) -> None:
    url, cache, settings = server
    good = requests.get(f"{url}/", timeout=5).text
    store = settings.store_path()
    cache.stop()  # its next reading opens the store again, which takes the write lock held below
    locker = sqlite3.connect(store, timeout=0.1, isolation_level=None)
    locker.execute("BEGIN IMMEDIATE")
    try:
        assert cache.refresh(force=True) is False and "locked" in (cache.error or "")
        assert requests.get(f"{url}/", timeout=5).text == good
    finally:
        locker.rollback()
        locker.close()
    store.rename(store.with_suffix(".moved"))
    assert cache.refresh(force=True) is False and "no measurement store" in (cache.error or "")
    assert requests.get(f"{url}/", timeout=5).text == good


def test_the_static_build_served_by_http_server_is_the_same_site(
    server: tuple[str, SiteCache, Settings], tmp_path: Path
) -> None:
    url, cache, _ = server
    out = tmp_path / "public"
    assert write_site(cache.pages, out) == len(cache.pages)
    port = free_port()
    web = subprocess.Popen(
        [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1", "--directory", str(out)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                requests.get(f"http://127.0.0.1:{port}/", timeout=1)
                break
            except requests.ConnectionError:
                time.sleep(0.05)
        for path in cache.pages:
            served = requests.get(f"{url}{path}", timeout=5)
            static = requests.get(f"http://127.0.0.1:{port}{path}", timeout=5)
            assert static.status_code == served.status_code == 200, path
            assert static.content == served.content, path
        assert (out / file_of("/history/")).is_file() and (out / "api/v2/summary.json").is_file()
    finally:
        web.terminate()
        web.wait(5)


def test_build_writes_the_site_and_tells_how_long(
    site: tuple[Settings, int], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings, _ = site
    out = tmp_path / "site"
    assert main(["--config", str(settings.file), "status", "build", "--out", str(out)]) == 0
    assert "fichiers écrits dans" in capsys.readouterr().out
    assert json.loads((out / "api/v2/summary.json").read_text())["status"]["indicator"] == "critical"
    assert "Indisponibilité de Chorus Pro" in (out / "index.html").read_text()


# --- the command line ---------------------------------------------------------------------------


def test_incident_commands_and_their_mistakes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    settings = make_site(tmp_path, NOW)
    config = ["--config", str(settings.file)]

    def run(*args: str) -> tuple[int, str, str]:
        code = main([*config, "incident", *args])
        out, err = capsys.readouterr()
        return code, out, err

    code, out, _ = run(
        "open", "--component", "chorus-pro", "--status", "major_outage", "-m", "Panne du portail"
    )
    assert (
        code == 0
        and "Incident 1 ouvert (publié)" in out
        and "https://statut.example.gouv.fr/incidents/1/" in out
    )
    assert (
        run(
            "update",
            "1",
            "--status",
            "identified",
            "-m",
            "Cause trouvée",
            "--component",
            "chorus-pro-api=degraded_performance",
        )[0]
        == 0
    )
    assert run("resolve", "1", "-m", "Rétabli", "--cause", "Certificat expiré")[0] == 0
    assert run("postmortem", "1", "-m", "Renouvellement automatisé.")[0] == 0
    assert run("open", "--component", "place=partial_outage", "-m", "Lenteurs", "--draft")[1].startswith(
        "Incident 2 ouvert (brouillon)"
    )
    assert run("publish", "2")[0] == 0
    code, out, _ = run(
        "maintenance",
        "--component",
        "place",
        "--start",
        "2099-01-01T20:00",
        "--end",
        "2099-01-01T22:00",
        "-m",
        "Montée de version",
    )
    assert code == 0 and "Maintenance 3 annoncée" in out
    code, out, _ = run("list", "--json")
    listed = json.loads(out)
    assert [n["id"] for n in listed] == [3, 2]  # open ones; the resolved one needs --all
    assert len(json.loads(run("list", "--all", "--json")[1])) == 3
    first = next(n for n in json.loads(run("list", "--all", "--json")[1]) if n["id"] == 1)
    assert (
        first["title"] == "Chorus Pro\u00a0: panne majeure"
        and first["title_en"] == "Chorus Pro: major outage"
    )
    assert [u["status"] for u in first["updates"]] == [
        "investigating",
        "identified",
        "resolved",
        "postmortem",
    ]
    assert first["cause"] == "Certificat expiré"
    mistakes = [
        (("update", "1", "-m", "x"), "incident 1 is resolved"),
        (("update", "42", "-m", "x"), "no incident or maintenance with id 42"),
        (("update", "2", "--status", "sleeping", "-m", "x"), "'sleeping' is not an incident's status"),
        (("update", "2", "-m", "   "), "the message is empty"),
        (("open", "--component", "nowhere", "--status", "major_outage", "-m", "x"), "no public component 'nowhere'"),
        (("open", "--component", "place", "-m", "x"), "give its status"),
        (("open", "--component", "place", "--status", "major_outage", "-m", "x", "--at", "hier"), "is not an ISO 8601 time"),
        (("postmortem", "2", "-m", "x"), "not resolved yet"),
    ]  # fmt: skip
    for args, message in mistakes:
        code, out, err = run(*args)
        assert code == 2 and out == "" and err.count("\n") == 1 and message in err, (args, err)
    with pytest.raises(SystemExit) as exited:
        run("open", "--component", "place", "--status", "exploded", "-m", "x")
    err = capsys.readouterr().err
    assert exited.value.code == 2 and "invalid choice" in err and err.count("\n") == 1


def test_the_monthly_report_takes_the_written_cause_instead_of_the_probes_error(
    site: tuple[Settings, int], tmp_path: Path
) -> None:
    from vigie.reports.collect import ReportPeriod, availability_sections

    settings, _ = site
    when = datetime.fromtimestamp(NOW - 5 * 86400, settings.timezone)
    period = ReportPeriod("monthly", when.year, when.month, settings.timezone)
    with Store.of_config(settings.probes, settings.store_path()) as store:
        _, _, incidents = availability_sections(
            settings.probes, store, period, datetime.fromtimestamp(NOW, settings.timezone)
        )
    assert not isinstance(incidents, type(None))
    causes = {i.start.date(): i.cause for i in incidents}  # type: ignore[union-attr]
    assert causes[when.date()] == "Saturation du répartiteur de charge"
