"""The daemon's alert book: which notice fires or resolves which alert, with labels from the
configuration only (and the catalog's), certificates, the bounded queue of resolved alerts;
the catalog's homologations as alerts; Alertmanager's matchers and fingerprints."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time

from tests.catalog_factory import app, catalog, homologation
from tests.probes.conftest import PARIS, component, probe, probes_config
from tests.test_tui import make_settings
from vigie.accounting.terms import Schedule, ScheduleWindow
from vigie.catalog.model import Catalog
from vigie.console.oncall_input import CatalogLabels, HomologationAlerts
from vigie.kernel.text.language import Language
from vigie.probes.alerts import Alert
from vigie.probes.config import AlertsConfig, HttpOptions
from vigie.probes.oncall.book import CAPACITY, CERTIFICATE, DEGRADED, DOWN, FLAPPING, HOMOLOGATION, AlertBook
from vigie.probes.oncall.model import Ack, Matcher, fingerprint

T = 1_764_000_000.0


def book(queue: int = 10_000) -> AlertBook:
    office = Schedule((ScheduleWindow(frozenset(range(5)), time(8, 30), time(18, 30)),), PARIS)
    config = probes_config(
        [component("svc", runbook="https://wiki/svc"), replace(component("office"), schedule=office)],
        [probe("svc-https", "http", HttpOptions("https://svc.example/", cert_warning_days=21))],
        alerts=AlertsConfig(labels=(("site", "paris"),), queue=queue),
    )
    return AlertBook(config, Language("en"), hold=240.0, component_labels=lambda c: {"ministry": "MEF"})


def firing(alerts: AlertBook, now: float = T) -> dict[tuple[str, str], bool]:
    """(alertname, component) -> resolved, for what the book would deliver now."""
    return {(a.labels["alertname"], a.labels["component"]): a.resolved for a in alerts.snapshot(now)}


def test_notices_fire_and_resolve_alerts_with_configured_labels() -> None:
    alerts = book()
    alerts.on_notice(Alert("down", "svc", "down", T, "HTTP 503"))
    [down] = alerts.snapshot(T + 1)
    assert down.labels == {
        "site": "paris",
        "ministry": "MEF",
        "alertname": DOWN,
        "component": "svc",
        "severity": "page",
    }
    assert (down.starts_at, down.ends_at, down.resolved) == (T, T + 1 + 240, False)
    assert down.annotations == {
        "summary": "svc is down",
        "description": "svc has been down since 2025-11-24 17:00: HTTP 503",
        "runbook_url": "https://wiki/svc",
    }
    alerts.on_notice(Alert("degraded", "svc", "degraded", T + 60, "slow"))
    assert firing(alerts) == {(DOWN, "svc"): True, (DEGRADED, "svc"): False}
    alerts.delivered(alerts.snapshot(T + 61))
    assert firing(alerts) == {(DEGRADED, "svc"): False}  # the resolved one, once delivered, is forgotten
    alerts.on_notice(Alert("recovery", "svc", "up", T + 120, ""))
    assert firing(alerts) == {(DEGRADED, "svc"): True}
    # A component with service hours raises tickets, not pages.
    alerts.on_notice(Alert("down", "office", "down", T, "HTTP 503"))
    office = next(a for a in alerts.snapshot(T) if a.labels["component"] == "office")
    assert office.labels["severity"] == "ticket"
    assert alerts.labels_of_notice(Alert("reminder", "office", "down", T, "")) == office.labels


def test_flapping_capacity_and_certificates() -> None:
    alerts = book()
    alerts.on_notice(Alert("flapping", "svc", "down", T, "4 changes"))
    assert firing(alerts) == {(FLAPPING, "svc"): False}
    alerts.on_notice(Alert("stable", "svc", "down", T + 600, "HTTP 503"))
    assert firing(alerts) == {(FLAPPING, "svc"): True, (DOWN, "svc"): False}
    alerts.on_notice(Alert("capacity", "svc", "over", T, "130% of nominal capacity"))
    assert firing(alerts)[(CAPACITY, "svc")] is False
    alerts.on_notice(Alert("capacity_ok", "svc", "within", T + 60, "90%"))
    assert firing(alerts)[(CAPACITY, "svc")] is True
    alerts.certificates({"svc-https": T + 10 * 86400}, T)
    [cert] = [a for a in alerts.snapshot(T) if a.labels["alertname"] == CERTIFICATE]
    assert cert.labels["probe"] == "svc-https" and cert.labels["severity"] == "ticket"
    assert "expires on 2025-12-04" in cert.annotations["description"]
    alerts.certificates({"svc-https": T + 90 * 86400}, T + 60)  # renewed
    assert firing(alerts)[(CERTIFICATE, "svc")] is True


def test_resolved_alerts_wait_for_delivery_within_the_queue() -> None:
    alerts = book(queue=2)
    for n, name in enumerate(("svc", "office")):
        alerts.on_notice(Alert("down", name, "down", T + n, ""))
        alerts.on_notice(Alert("recovery", name, "up", T + 10 + n, ""))
    alerts.on_notice(Alert("capacity", "svc", "over", T, ""))
    alerts.on_notice(Alert("capacity_ok", "svc", "within", T + 20, ""))
    assert firing(alerts) == {(DOWN, "office"): True, (CAPACITY, "svc"): True}
    assert alerts.dropped == 1  # the oldest resolved one


def test_homologations_expiring_become_alerts(tmp_path: object) -> None:
    settings = make_settings(tmp_path)  # type: ignore[arg-type]
    today = datetime.now(PARIS).date()
    expiring = homologation(
        "h1", "pro", commission_on=date(today.year - 1, today.month, 1), validity_months=12
    )
    valid = homologation("h2", "coeur", commission_on=today.replace(day=1), validity_months=36)
    sample = catalog([app("pro", domain="Facturation"), app("coeur")], homologations=[expiring, valid])
    alerts = list(HomologationAlerts(lambda: sample, settings, Language("fr"))(T))  # type: ignore[arg-type]
    [alert] = alerts
    assert alert.labels == {
        "alertname": HOMOLOGATION,
        "application": "pro",
        "ministry": "MEF",
        "domain": "Facturation",
        "severity": "ticket",
    }
    assert alert.annotations["summary"].startswith("Homologation de PRO : ")
    labels = CatalogLabels(lambda: sample)  # type: ignore[arg-type]
    bravo = next(c for c in settings.probes.components if c.id == "bravo")
    assert labels(bravo) == {}
    assert labels(component("svc", application="pro")) == {
        "application": "pro",
        "ministry": "MEF",
        "domain": "Facturation",
    }
    assert isinstance(sample, Catalog)


def test_matchers_acks_and_fingerprints() -> None:
    # As Alertmanager 0.25 printed it for these labels.
    labels = {"alertname": "VigieComponentDown", "component": "alpha", "severity": "page"}
    assert fingerprint(labels) == "e49cf305481ebc80"
    assert Matcher("component", "alpha|bravo", is_regex=True).matches({"component": "bravo"})
    assert not Matcher("component", "alpha", is_equal=False).matches({"component": "alpha"})
    assert Matcher("probe", ".+", is_regex=True).matches({"probe": "x"})
    assert not Matcher("probe", ".+", is_regex=True).matches({})
    assert Ack.parse("ACK #1042: on regarde") == Ack("1042", "on regarde")
    assert Ack.parse("ACK: on regarde") == Ack(None, "on regarde")
    assert Ack.parse("MAINT w: x") is None
    assert Ack("7", "texte").comment == "ACK #7: texte"
