"""The simulated 2017 history: results shaped after the report's table, and the year's tickets."""

from __future__ import annotations

import csv
import dataclasses
import io
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from vigie.console.demo.history import (
    SAMPLES_HEADER,
    SamplesSummary,
    recent_bounds,
    recent_months,
    write_recent_tickets,
    write_samples,
    write_tickets,
    write_window_samples,
)
from vigie.console.demo.scenario import Scenario, load_scenario
from vigie.console.settings import Settings, load_settings
from vigie.probes.tickets.model import CSV_HEADER

from .conftest import BUNDLED_CONFIG


@pytest.fixture(scope="module")
def settings() -> Settings:
    return load_settings(BUNDLED_CONFIG)


@pytest.fixture(scope="module")
def year(settings: Settings) -> tuple[list[SamplesSummary], str]:
    out = io.StringIO()
    p = settings.probes
    summaries = write_samples(load_scenario(), p.components, p.maintenance, settings.timezone, out)
    return summaries, out.getvalue()


def _samples(scenario: Scenario, settings: Settings) -> str:
    out = io.StringIO()
    p = settings.probes
    write_samples(scenario, p.components, p.maintenance, settings.timezone, out)
    return out.getvalue()


def test_each_component_has_its_reported_availability(year: tuple[list[SamplesSummary], str]) -> None:
    summaries, _ = year
    scenario = load_scenario()
    assert len(summaries) == 9
    for summary in summaries:
        figure = scenario.component(summary.component).availability_2017
        # At or just above the figure: floored to 0.1 point it reads as the report's.
        assert figure <= summary.availability < figure + 0.0001, summary
        assert summary.rows == 365 * 24 * 12
        assert summary.incidents >= 1


def test_maintenance_windows_are_written_as_maintenance(year: tuple[list[SamplesSummary], str]) -> None:
    summaries, _ = year
    by_id = {s.component: s for s in summaries}
    # 2017 has 53 Sundays; two hours each, in 5-minute slots.
    assert by_id["chorus-coeur"].maintenance == 53 * 24
    # The one-off switch-over of 30-31 December: six hours.
    assert by_id["chorus-pro"].maintenance == 6 * 12
    assert by_id["place"].maintenance == 0
    # Chorus Pro is slower under load: some answers cross its latency threshold.
    assert by_id["chorus-pro"].degraded > 0


def test_the_csv_is_the_history_import_format_in_time_order(year: tuple[list[SamplesSummary], str]) -> None:
    _, text = year
    rows = csv.reader(io.StringIO(text))
    assert tuple(next(rows)) == SAMPLES_HEADER
    first = [next(rows) for _ in range(9)]
    assert {r[1] for r in first} == {"2016-12-31T23:00:00Z"}  # midnight in Paris
    assert {r[2] for r in first} <= {"up", "degraded", "down", "maintenance"}
    last = text.rstrip("\n").rsplit("\n", 1)[-1].split(",")
    assert last[1] == "2017-12-31T22:55:00Z"


def test_history_is_reproducible_from_the_seed(settings: Settings) -> None:
    hourly = dataclasses.replace(load_scenario(), history_step=3600.0)
    again = dataclasses.replace(load_scenario(), history_step=3600.0)
    assert _samples(hourly, settings) == _samples(again, settings)
    assert _samples(hourly, settings) != _samples(dataclasses.replace(hourly, seed=1), settings)


def test_tickets_follow_the_reported_volumes(settings: Settings) -> None:
    scenario = load_scenario()
    out = io.StringIO()
    write_tickets(scenario, settings.timezone, out)
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert tuple(rows[0]) == CSV_HEADER
    per_app = Counter(r["application"] for r in rows)
    assert per_app["chorus-pro"] == 123_860
    assert len(rows) == scenario.tickets.total
    channels = Counter(r["channel"] for r in rows)
    assert set(channels) <= {"phone", "chat", "web", "chatbot", "email", "other"}
    assert channels.most_common(1)[0][0] == "phone"
    assert {r["status"] for r in rows} <= {"new", "assigned", "planned", "waiting", "solved", "closed"}
    assert {r["level"] for r in rows} == {"1", "2"}
    assert {r["first_contact"] for r in rows} == {"true", "false"}
    months = Counter(r["opened"][:7] for r in rows)
    assert max(months, key=lambda m: months[m]) == "2017-12"
    assert all(r["opened"][:4] == "2017" for r in rows)
    # Phone calls come in business hours on weekdays.
    assert all("08:30" <= r["opened"][11:16] < "18:30" for r in rows if r["channel"] == "phone")


def test_tickets_are_reproducible_from_the_seed(settings: Settings) -> None:
    scenario = load_scenario()
    small = dataclasses.replace(
        scenario,
        tickets=dataclasses.replace(scenario.tickets, applications={"chorus-pro": 500, "chorus-dt": 100}),
    )
    texts = []
    for variant in (small, small, dataclasses.replace(small, seed=1)):
        out = io.StringIO()
        write_tickets(variant, settings.timezone, out)
        texts.append(out.getvalue())
    assert texts[0] == texts[1] != texts[2]


def _small(scenario: Scenario) -> Scenario:
    return dataclasses.replace(
        scenario,
        tickets=dataclasses.replace(scenario.tickets, applications={"chorus-pro": 600, "chorus-dt": 120}),
    )


def test_the_recent_window_ends_at_the_start_on_the_step_grid(settings: Settings) -> None:
    scenario = load_scenario()
    now = datetime(2026, 11, 26, 18, 37, 12, tzinfo=UTC)
    start, end = recent_bounds(scenario, datetime(2017, 12, 31, 23, tzinfo=UTC), now)
    assert end == datetime(2026, 11, 26, 18, 35, tzinfo=UTC)
    assert start == datetime(2026, 10, 27, 18, 40, tzinfo=UTC)  # 30 days back, next slot
    # A top-up starts after what is stored: nothing before it, nothing twice.
    later = datetime(2026, 11, 27, 9, tzinfo=UTC)
    assert recent_bounds(scenario, end + timedelta(seconds=1), later) == (
        datetime(2026, 11, 26, 18, 40, tzinfo=UTC),
        datetime(2026, 11, 27, 9, tzinfo=UTC),
    )
    p = settings.probes
    out = io.StringIO()
    summaries = write_window_samples(
        scenario, p.components, p.maintenance, settings.timezone, start, end, out, ("r",)
    )
    assert {s.rows for s in summaries} == {30 * 24 * 12 - 1}
    by_id = {s.component: s for s in summaries}
    # Chorus Cœur's Sunday windows (four or five in 30 days), Chorus Pro's incidents.
    assert 4 * 24 <= by_id["chorus-coeur"].maintenance <= 5 * 24
    assert by_id["chorus-pro"].incidents >= 2
    assert by_id["chorus-pro"].availability < by_id["place"].availability


def test_recent_tickets_cover_twelve_months_and_a_top_up_keeps_their_ids(settings: Settings) -> None:
    scenario, tz = _small(load_scenario()), settings.timezone
    now = datetime(2026, 11, 26, 18, tzinfo=UTC)
    months = recent_months(now, tz)
    assert months[0] == (2025, 12) and months[-1] == (2026, 11) and len(months) == 12
    assert recent_months(now, tz, since=(2026, 10)) == [(2026, 10), (2026, 11)]
    first, again = io.StringIO(), io.StringIO()
    write_recent_tickets(scenario, tz, months, now, first)
    later = now + timedelta(days=2)
    write_recent_tickets(scenario, tz, recent_months(later, tz, since=months[-1]), later, again)
    old = {r["id"]: r for r in csv.DictReader(io.StringIO(first.getvalue()))}
    new = {r["id"]: r for r in csv.DictReader(io.StringIO(again.getvalue()))}
    assert all(r["opened"] < "2026-11-26T19" for r in old.values())
    assert all(i.startswith("sim-") for i in old)
    current = {i for i in old if i.startswith("sim-2026-11-")}
    assert current < set(new)  # the month's tickets again, under the same ids, and newer ones
    assert all(new[i]["opened"] == old[i]["opened"] for i in current)
    assert {r["opened"][:7] for r in old.values()} == {f"{y}-{m:02d}" for y, m in months}
