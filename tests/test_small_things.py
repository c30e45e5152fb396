"""Issue 16, "small things, all of them": each gets its check here (the tickets header is in
test_no_data_dash, the yearly PDF in test_report_pages)."""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from textual.widgets import Static

from tests.conftest import BUNDLED_CONFIG
from tests.test_tui import console, fill_store, make_settings, settle, table_of
from vigie.accounting.results import Status
from vigie.catalog.export import to_graphml
from vigie.catalog.graph import build_graph
from vigie.catalog.loader import load_catalog
from vigie.console.cli import main
from vigie.console.settings import load_settings
from vigie.console.tui.component import ComponentScreen
from vigie.kernel.durations import format_duration, parse_duration
from vigie.probes.checks.fileflow import FileflowFacts, read_detail

ROOT = Path(__file__).resolve().parent.parent


async def test_no_incident_this_month_reads_aucun(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    fill_store(settings, {"alpha": Status.UP, "bravo": Status.UP, "charlie": Status.UP})
    app = console(settings)
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        table_of(app, "availability").focus()
        await pilot.press("enter")
        await pilot.pause()
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ComponentScreen)
        assert str(screen.query_one("#component-incidents-message", Static).render()) == "aucun"


def test_one_file_is_a_file() -> None:
    facts = FileflowFacts(1, 60, 0)
    assert facts.detail() == "1 file in 1m, 0 waiting"
    back = read_detail(facts.detail())
    assert back is not None and back.arrived == 1
    assert read_detail("3 files in 1m, 0 waiting") is not None  # as stored before


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0.0160124, "16ms"), (0.0004, "0.4ms"), (0.9996, "1s"), (0.5, "500ms"), (90, "1m30s")],
)
def test_durations_under_a_second_are_whole_milliseconds(seconds: float, text: str) -> None:
    assert format_duration(seconds) == text
    assert (
        format_duration(parse_duration(text) if not text.startswith("0.") else float(text[:-2]) / 1000)
        == text
    )


def test_map_stats_total_row_has_every_figure(capsys: pytest.CaptureFixture[str]) -> None:
    for by in ("phase", "domain"):
        assert main(["map", "stats", "--by", by, "--config", str(BUNDLED_CONFIG)]) == 0
        (total,) = [line for line in capsys.readouterr().out.splitlines() if " Total " in f" {line} "]
        cells = total.split()
        assert cells[cells.index("Total") + 1 :] == ["268", "224", "27", "7", "10", "137", "42", "540"]


def test_graphml_leaves_out_an_unknown_volume() -> None:
    catalog = load_catalog(ROOT / "catalog")
    graph = build_graph(catalog)
    unknown = [(a, b) for a, b, d in graph.edges(data=True) if d.get("volume") is None]
    known = [(a, b) for a, b, d in graph.edges(data=True) if d.get("volume")]
    assert unknown and known
    root = ET.fromstring(to_graphml(graph))
    ns = {"g": "http://graphml.graphdrawing.org/xmlns"}
    key = next(k.get("id") for k in root.iterfind("g:key", ns) if k.get("attr.name") == "volume")
    edges = {(e.get("source"), e.get("target")): e for e in root.iterfind("g:graph/g:edge", ns)}
    assert all(edges[u].find(f"g:data[@key='{key}']", ns) is None for u in unknown)
    assert all(edges[k].find(f"g:data[@key='{key}']", ns) is not None for k in known)


def test_a_fast_heartbeat_needs_no_timeout_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        '[[components]]\nid = "batch"\ntarget = 99\n\n'
        '[[probes]]\nid = "batch-hb"\ncomponent = "batch"\nkind = "heartbeat"\ninterval = "5s"\n'
        'token = "${VIGIE_HB}"\n',
        encoding="utf-8",
    )
    assert main(["config", "check", "--config", str(config)]) == 0, capsys.readouterr().err
    (probe,) = load_settings(config).probes.probes
    assert probe.timeout == 5.0


def test_the_budget_is_one_number_in_the_console_the_report_and_metrics(tmp_path: Path) -> None:
    """Issue 16, item 1 (on main): the error budget left this month is the same number in the
    console, `vigie sla` (the reports' figures) and /metrics."""
    from prometheus_client import CollectorRegistry

    from tests.test_tui import NOW
    from vigie.console.tui.data import ConsoleData
    from vigie.probes.store import Store
    from vigie.reports.metrics import AvailabilityCollector
    from vigie.reports.periods import current_month
    from vigie.reports.sla import sla_report

    settings = make_settings(tmp_path)
    fill_store(settings, {"alpha": Status.UP, "bravo": Status.DOWN, "charlie": Status.DEGRADED})
    console_view = ConsoleData(settings).load_sla(NOW, True)
    month = current_month(
        settings.timezone, __import__("datetime").datetime.fromtimestamp(NOW, settings.timezone)
    )
    with Store(settings.store_path()) as store:
        report = {r.figures.component: r.figures for r in sla_report(store, settings.probes, month, now=NOW)}
    registry = CollectorRegistry()
    registry.register(AvailabilityCollector(settings.probes, settings.store_path(), clock=lambda: NOW))
    metrics = {
        s.labels["component"]: s.value
        for family in registry.collect()
        if family.name == "vigie_error_budget_remaining_seconds"
        for s in family.samples
    }
    for component in ("alpha", "bravo", "charlie"):
        left = report[component].budget_remaining_s
        assert console_view[component].month.budget_remaining_s == left == metrics[component]
    assert report["bravo"].budget_remaining_s < report["alpha"].budget_remaining_s


def test_a_one_shot_command_ends_with_its_exit_handlers_run_and_its_output_flushed() -> None:
    """`end_now` skips freeing the objects, not the exit handlers nor buffered output."""
    script = (
        "import atexit, sys\n"
        "from vigie.console.cli import end_now\n"
        "atexit.register(lambda: sys.stdout.write(' and the handler ran'))\n"
        "sys.stdout.write('the answer' * 1000)\n"
        "end_now(3)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=False)
    assert done.returncode == 3
    assert done.stdout == "the answer" * 1000 + " and the handler ran"
