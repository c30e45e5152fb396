"""The catalog's Prometheus collector, read through prometheus_client's own exposition."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from tests.catalog_factory import app, catalog, homologation, link
from vigie.catalog.metrics import CatalogCollector
from vigie.catalog.model import Catalog, Decision, Phase, Reserve

PARIS = ZoneInfo("Europe/Paris")


def scrape(source: Catalog | None, today: date) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    registry = CollectorRegistry()
    registry.register(CatalogCollector(lambda: source, PARIS, lambda: today))
    text = generate_latest(registry).decode()
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def small() -> Catalog:
    apps = [
        app("diapason"),
        app("chorus-dt"),
        app("vieux", ministry="MININT"),
        app("gibus", ministry="MININT", phase=Phase.PHASE_OUT, decommission_on=date(2017, 6, 30)),
        app("eteinte", ministry="MININT", phase=Phase.DECOMMISSIONED, decommission_on=date(2016, 6, 30)),
    ]
    records = [
        homologation("h-diapason", "diapason", commission_on=date(2017, 1, 10), validity_months=36),
        homologation("h-dt", "chorus-dt", validity_months=None, until=date(2019, 12, 31)),
        homologation(
            "h-vieux",
            "vieux",
            commission_on=date(2015, 1, 1),
            validity_months=12,
            decision=Decision.WITH_RESERVES,
            reserves=[Reserve("PCA", "MOA", date(2015, 6, 1))],
        ),
    ]
    return catalog(apps, [link("l", "gibus", "vieux")], records)


def test_expiry_status_and_progress_gauges() -> None:
    samples = scrape(small(), date(2018, 1, 1))
    assert samples[("vigie_catalog_up", ())] == 1
    end_dt = datetime(2020, 1, 1, tzinfo=PARIS).timestamp()
    assert samples[("vigie_homologation_expiry_timestamp_seconds", (("application", "chorus-dt"),))] == end_dt
    diapason = datetime(2020, 1, 11, tzinfo=PARIS).timestamp()
    assert (
        samples[("vigie_homologation_expiry_timestamp_seconds", (("application", "diapason"),))] == diapason
    )
    assert ("vigie_homologation_expiry_timestamp_seconds", (("application", "gibus"),)) not in samples
    assert samples[("vigie_homologation_applications", (("status", "expired"),))] == 1
    assert samples[("vigie_homologation_applications", (("status", "valid"),))] == 2
    assert samples[("vigie_homologation_applications", (("status", "not-done"),))] == 1
    assert samples[("vigie_homologation_reserves_overdue", (("application", "vieux"),))] == 1
    assert samples[("vigie_decommissioning_progress_ratio", (("ministry", "MININT"),))] == 0.5
    key = ("vigie_decommissioning_applications", (("ministry", "MININT"), ("state", "late")))
    assert samples[key] == 1
    assert samples[("vigie_decommissioning_integrity_findings", (("kind", "wired-to-phase-out"),))] == 1


def test_unreadable_catalog_reports_down_only() -> None:
    assert scrape(None, date(2018, 1, 1)) == {("vigie_catalog_up", ()): 0.0}
