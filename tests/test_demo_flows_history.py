"""The demo's 2017 throughput history: the exchange system's months and Chorus Pro's API days."""

from __future__ import annotations

import csv
from collections import defaultdict
from datetime import date, datetime
from pathlib import Path

import pytest

from vigie.console.demo.flows_history import FLOWS_HEADER, FlowsSummary, write_flows
from vigie.console.demo.scenario import load_scenario
from vigie.console.demo.workdir import Workdir, write_config
from vigie.console.settings import Settings, load_settings
from vigie.probes.ingest import ingest_samples
from vigie.probes.store import Store


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Settings, Path, list[FlowsSummary]]:
    folder = tmp_path_factory.mktemp("demo")
    scenario = load_scenario()
    ports = {c.id: 40000 + i for i, c in enumerate(scenario.components)}
    settings = load_settings(write_config(Workdir(folder), scenario, ports, 40100))
    path, summaries = write_flows(scenario, settings.probes, folder / "history")
    return settings, path, summaries


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_the_exchange_system_goes_over_capacity_in_july_only(
    demo: tuple[Settings, Path, list[FlowsSummary]],
) -> None:
    settings, _, summaries = demo
    flows = next(s for s in summaries if s.component == "systeme-echanges")
    capacity = next(c.capacity for c in settings.probes.components if c.id == "systeme-echanges")
    assert capacity is not None and capacity.value == 50_000
    assert flows.probe == "systeme-echanges-edi" and flows.rows == 365 * 24
    # The activity report's range: 30,000 to 55,000 flows a month, growth through the year.
    assert all(30_000 <= round(m) <= 55_000 for m in flows.monthly)
    assert 12 * 30_000 < flows.total < 12 * 55_000
    assert sum(flows.monthly[9:]) > sum(flows.monthly[:3])
    over = [i + 1 for i, m in enumerate(flows.monthly) if m > capacity.value]
    assert over == [7]
    # The report's month is 30 days: July (31 days) still reads over capacity.
    assert flows.monthly[6] * 30 / 31 > capacity.value


def test_the_api_platform_takes_about_six_million_calls_a_day_with_peak_days_over(
    demo: tuple[Settings, Path, list[FlowsSummary]],
) -> None:
    settings, path, summaries = demo
    api = next(s for s in summaries if s.component == "chorus-pro")
    assert api.probe == "chorus-pro-api" and api.rows == 365 * 24
    tz = settings.timezone
    daily: dict[date, float] = defaultdict(float)
    for row in _rows(path):
        if row["component"] == "chorus-pro":
            moment = datetime.fromisoformat(row["timestamp"]).astimezone(tz)
            daily[moment.date()] += float(row["value"]) * 3600
    assert len(daily) == 365
    working = [v for d, v in daily.items() if d.weekday() < 5]
    assert 5_000_000 < sum(working) / len(working) < 6_000_000
    over = [d for d, v in daily.items() if v > 6_000_000]
    assert 5 <= len(over) <= 60 and all(d.weekday() < 5 for d in over)
    assert abs(sum(daily.values()) / api.total - 1) < 1e-4


def test_the_file_is_reproducible_and_imports_through_the_public_ingest(
    demo: tuple[Settings, Path, list[FlowsSummary]], tmp_path: Path
) -> None:
    settings, path, _ = demo
    again, _ = write_flows(load_scenario(), settings.probes, tmp_path / "again")
    assert again.read_bytes() == path.read_bytes()
    assert path.read_text(encoding="utf-8").splitlines()[0] == ",".join(FLOWS_HEADER)
    with Store.of_config(settings.probes, tmp_path / "v.db") as store:
        stats = ingest_samples(store, path, settings.probes)
        assert stats.added == 2 * 365 * 24 and stats.components == 2
        july = list(store.results("systeme-echanges", datetime(2017, 7, 1, tzinfo=settings.timezone).timestamp(),
                             datetime(2017, 8, 1, tzinfo=settings.timezone).timestamp(),
                             probe="systeme-echanges-edi"))  # fmt: skip
        assert len(july) == 31 * 24 and abs(sum(r.value or 0 for r in july) * 3600 - 55_000) < 1
