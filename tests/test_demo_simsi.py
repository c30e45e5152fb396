"""The simulated SI: the seeded scenario, real loopback services, the EDI drop directory."""

from __future__ import annotations

import csv
import dataclasses
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import requests

from vigie.console.demo.scenario import (
    Scenario,
    bundled_path,
    calls_between,
    live_outages,
    load_scenario,
)
from vigie.console.demo.simsi import SimulatedSI
from vigie.console.settings import load_settings
from vigie.kernel.problems import ConfigError

from .conftest import BUNDLED_CONFIG

PARIS = ZoneInfo("Europe/Paris")
REPORT_TABLE = Path("/work/shared/data/availability-2017.csv")


def quick(scenario: Scenario) -> Scenario:
    """The scenario with fast answers, so tests spend no time in simulated latency."""
    return dataclasses.replace(
        scenario,
        components=tuple(dataclasses.replace(c, latency=0.001, spread=0.0) for c in scenario.components),
    )


def test_bundled_scenario_names_the_nine_components_of_the_config() -> None:
    scenario = load_scenario()
    settings = load_settings(BUNDLED_CONFIG)
    assert [c.id for c in scenario.components] == [c.id for c in settings.probes.components]
    assert scenario.tickets.applications["chorus-pro"] == 123_860
    assert 153_000 <= scenario.tickets.total < 154_000
    assert max(scenario.flows_monthly) == scenario.flows_monthly[6] > scenario.flow_capacity_per_month
    assert calls_between(scenario, 0, 24) == pytest.approx(6_000_000)


@pytest.mark.skipif(not REPORT_TABLE.exists(), reason="the report's table is not on this machine")
def test_scenario_availability_figures_are_the_report_table() -> None:
    names = {c.name: c.id for c in load_settings(BUNDLED_CONFIG).probes.components}
    scenario = load_scenario()
    with REPORT_TABLE.open(encoding="utf-8") as f:
        table = {names[row["component"]]: float(row["actual_2017_percent"]) for row in csv.DictReader(f)}
    assert {c.id: round(c.availability_2017 * 100, 3) for c in scenario.components} == table


def test_live_behaviour_is_reproducible_from_the_seed() -> None:
    scenario = load_scenario()
    again = load_scenario()
    other = dataclasses.replace(scenario, seed=scenario.seed + 1)
    for comp in scenario.components:
        assert live_outages(scenario, comp.id) == live_outages(again, comp.id)
    assert any(live_outages(scenario, c.id) != live_outages(other, c.id) for c in scenario.components)
    # The latency draws too: two simulated SIs with one seed answer alike.
    a = SimulatedSI(scenario, PARIS, Path("unused"), started=0.0)
    b = SimulatedSI(again, PARIS, Path("unused"), started=0.0)
    assert [a.draw("chorus-pro") for _ in range(5)] == [b.draw("chorus-pro") for _ in range(5)]


def test_a_bad_scenario_is_reported_with_file_line_and_key(tmp_path: Path) -> None:
    text = bundled_path().read_text(encoding="utf-8").replace('at = "30s"', 'at = "soon"', 1)
    bad = tmp_path / "scenario.toml"
    bad.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_scenario(bad)
    [problem] = caught.value.problems
    line = next(i for i, ln in enumerate(text.splitlines(), 1) if 'at = "soon"' in ln)
    assert str(problem).startswith(f"{bad}:{line}: live.events[1].at:")


def test_services_go_down_and_up_as_the_scenario_says(tmp_path: Path) -> None:
    scenario = quick(load_scenario())
    [event] = [e for e in scenario.events if e.component == "chorus-pro"]
    now = [1_000_000.0]
    si = SimulatedSI(scenario, PARIS, tmp_path / "edi", clock=lambda: now[0], started=now[0])
    with si:
        url = f"http://127.0.0.1:{si.ports['chorus-pro']}/health"
        now[0] += event.at - 1
        before = requests.get(url, timeout=5)
        now[0] += 2
        during = requests.get(url, timeout=5)
        now[0] += event.duration
        after = requests.get(url, timeout=5)
        others = {
            c: requests.get(f"http://127.0.0.1:{p}/health", timeout=5).status_code
            for c, p in si.ports.items()
            if c != "chorus-pro"
        }
    assert (before.status_code, before.json()["status"]) == (200, "ok")
    assert (during.status_code, during.json()["status"]) == (503, "down")
    assert (after.status_code, after.json()["status"]) == (200, "ok")
    assert set(others.values()) == {200}
    assert len(others) == 8


def test_a_slow_event_answers_after_its_latency() -> None:
    scenario = load_scenario()
    [event] = [e for e in scenario.events if e.state == "slow"]
    si = SimulatedSI(scenario, PARIS, Path("unused"), started=0.0)
    assert si.answer(event.component, event.at + 1).latency == event.latency
    assert si.answer(event.component, event.at - 1).latency < 2


def test_chorus_coeur_is_in_maintenance_on_sunday_night(tmp_path: Path) -> None:
    settings = load_settings(BUNDLED_CONFIG)
    sunday_3am = datetime(2017, 3, 26, 3, 30, tzinfo=PARIS).timestamp()  # the DST night, too
    now = [sunday_3am]
    si = SimulatedSI(
        quick(load_scenario()),
        PARIS,
        tmp_path / "edi",
        maintenance=settings.probes.maintenance,
        clock=lambda: now[0],
        started=sunday_3am - 3600,
    )
    with si:
        coeur = requests.get(f"http://127.0.0.1:{si.ports['chorus-coeur']}/health", timeout=5)
        dt = requests.get(f"http://127.0.0.1:{si.ports['chorus-dt']}/health", timeout=5)
        now[0] += 3 * 3600
        later = requests.get(f"http://127.0.0.1:{si.ports['chorus-coeur']}/health", timeout=5)
    assert (coeur.status_code, coeur.json()["status"]) == (503, "maintenance")
    assert dt.status_code == 200
    assert later.status_code == 200


def test_chorus_pro_is_slower_under_load() -> None:
    si = SimulatedSI(load_scenario(), PARIS, Path("unused"))
    night = datetime(2017, 6, 6, 3, 0, tzinfo=PARIS).timestamp()
    morning = datetime(2017, 6, 6, 10, 0, tzinfo=PARIS).timestamp()
    si.started = night - 7 * 86400  # past every scripted event
    si.outages = {c: [] for c in si.outages}
    assert si.answer("chorus-pro", morning).latency > 2 * si.answer("chorus-pro", night).latency
    assert si.answer("place", morning).latency == si.answer("place", night).latency


def test_api_counter_counts_calls_at_the_days_rhythm(tmp_path: Path) -> None:
    start = datetime(2017, 6, 6, 0, 0, tzinfo=PARIS).timestamp()
    now = [start]
    si = SimulatedSI(quick(load_scenario()), PARIS, tmp_path / "edi", clock=lambda: now[0])
    with si:
        url = f"http://127.0.0.1:{si.ports['chorus-pro']}/api/stats"
        readings = []
        for hours in (1, 10, 24):
            now[0] = start + hours * 3600
            readings.append(requests.get(url, timeout=5).json()["calls_total"])
    assert readings[0] < readings[1] < readings[2]
    assert readings[2] == pytest.approx(6_000_000, rel=1e-6)
    # Nights are quiet: the first hour carries far less than an average hour.
    assert readings[0] < 6_000_000 / 24 / 4


def test_flow_files_arrive_and_are_consumed_up_to_capacity(tmp_path: Path) -> None:
    month = 30 * 86400
    # Sped up a millionfold so a test sees it: 40 files/s arriving, 20/s consumed at most.
    scenario = dataclasses.replace(
        quick(load_scenario()),
        flows_monthly=(40 * month,) * 12,
        flow_capacity_per_month=20 * month,
        flow_processing=0.0,
        hourly_load=(1.0,) * 24,
    )
    drop = tmp_path / "edi" / "in"
    with SimulatedSI(scenario, PARIS, drop) as si:
        deadline = time.monotonic() + 10
        while si.flows_consumed < 20 and time.monotonic() < deadline:
            time.sleep(0.1)
    assert si.flows_consumed >= 20
    assert si.flows_received > si.flows_consumed
    assert si.backlog() == si.flows_received - si.flows_consumed
    assert all(p.name.startswith("FLUX_") for p in drop.iterdir())
