"""Issue 16, item 12: the demo's catalog follows the demo's clock. Seen today, its register
is a plausible mix (valid, expiring, one expired, one overdue reserve) and its
decommissioning plan is not years late; seen as of 2017, it reads as the activity report
and the bundled catalog do."""

from __future__ import annotations

from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from vigie.catalog.homologation import Status, register
from vigie.catalog.lifecycle import DecomState, decom_state, integrity, progress, scope
from vigie.catalog.loader import load_catalog
from vigie.catalog.model import Catalog
from vigie.console.demo.catalog_today import catalog_as_of
from vigie.console.demo.scenario import load_scenario
from vigie.console.demo.workdir import Workdir, bundled_catalog, write_config
from vigie.console.settings import load_settings

BUNDLED = bundled_catalog()


@pytest.fixture(scope="module")
def bundled() -> Catalog:
    assert BUNDLED is not None
    return load_catalog(BUNDLED)


@pytest.mark.parametrize("today", [date(2026, 12, 4), date(2031, 6, 15)])
def test_today_the_register_is_a_plausible_mix(bundled: Catalog, today: date) -> None:
    catalog = catalog_as_of(bundled, today)
    entries = register(catalog, today)
    counts = Counter(e.status for e in entries)
    assert counts[Status.EXPIRED] == 1 and counts[Status.EXPIRING] == 2
    assert counts[Status.VALID] >= 10 and counts[Status.REFUSED] == counts[Status.IN_PROGRESS] == 0
    assert sum(len(e.overdue_reserves) for e in entries) == 1
    # Nothing years out of date (before: 13 expired, -3,353 days).
    assert min(e.days_left or 0 for e in entries) > -90
    states = Counter(decom_state(app, today) for app in scope(catalog))
    assert states[DecomState.LATE] == 1 and states[DecomState.PLANNED] >= 2
    assert states[DecomState.SWITCHED_OFF] > 25


@pytest.mark.parametrize("day", [date(2017, 12, 29), date(2017, 12, 31), date(2018, 1, 1)])
def test_as_of_2017_it_reads_as_the_report(bundled: Catalog, day: date) -> None:
    catalog = catalog_as_of(bundled, date(2026, 12, 4))

    def register_view(c: Catalog) -> list[tuple[object, ...]]:
        return [(e.application.id, e.status, e.expires_on, len(e.overdue_reserves)) for e in register(c, day)]

    def decom_view(c: Catalog) -> list[tuple[object, ...]]:
        return [(g.key, g.counts, g.contract_done, g.contract_late) for g in progress(c, day)]

    assert register_view(catalog) == register_view(bundled)
    assert decom_view(catalog) == decom_view(bundled)
    # The same findings (the two re-planned applications' deadlines moved with them).
    assert sorted((f.interface, f.kind) for f in integrity(catalog, day)) == sorted(
        (f.interface, f.kind) for f in integrity(bundled, day)
    )


def test_the_demo_config_points_at_its_own_catalog_of_the_day(tmp_path: Path) -> None:
    workdir = Workdir(tmp_path)
    scenario = load_scenario()
    ports = {c.id: 40000 + i for i, c in enumerate(scenario.components)}
    settings = load_settings(write_config(workdir, scenario, ports, 40100, today=date(2026, 12, 4)))
    assert settings.catalog.path == workdir.catalog_dir
    catalog = load_catalog(workdir.catalog_dir)
    assert Counter(e.status for e in register(catalog, date(2026, 12, 4)))[Status.EXPIRED] == 1
