"""Issue 16, item 15: operations without restarts. SIGHUP (or `vigie reload`) makes the
daemon read config.toml again: a new component and probe, a new maintenance window and a
changed target apply at once; a broken file is refused with its one-line error and the
running configuration stays; the console picks the change up at its next refresh."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tests.probes.testbed import TestBed
from vigie.accounting.results import ProbeResult, Status
from vigie.console.cli import main
from vigie.console.settings import load_settings
from vigie.console.tui.app import VigieApp
from vigie.probes.store import Store

VIGIE = [sys.executable, "-m", "vigie"]
PARIS = ZoneInfo("Europe/Paris")

BASE = """
[vigie]
timezone = "Europe/Paris"

[store]
path = "v.db"

[exporter]
enabled = false

[scheduler]
flush_interval = "100ms"

[[components]]
id = "web"
target = 99

[[probes]]
id = "web-http"
component = "web"
kind = "http"
url = "{url}"
interval = "1s"
timeout = "1s"
"""

ADDED = """
[[components]]
id = "api"
target = 98.5

[[probes]]
id = "api-http"
component = "api"
kind = "http"
url = "{url}"
interval = "1s"
timeout = "1s"

[[maintenance]]
id = "web-now"
component = "web"
reason = "bascule"
start = {start}
end = {end}
"""


def _events(proc: subprocess.Popen[str]) -> Iterator[dict[str, object]]:
    assert proc.stderr is not None
    for line in proc.stderr:
        if line.startswith("{"):
            yield json.loads(line)


def _until(events: Iterator[dict[str, object]], kind: str) -> dict[str, object]:
    for event in events:
        if event.get("event") == kind:
            return event
    raise AssertionError(f"no {kind} event")


@pytest.fixture
def running(
    bed: TestBed, tmp_path: Path
) -> Iterator[tuple[Path, subprocess.Popen[str], Iterator[dict[str, object]]]]:
    bed.set("/up", "up")
    config = tmp_path / "config.toml"
    config.write_text(BASE.format(url=bed.url("/up")), encoding="utf-8")
    proc = subprocess.Popen(
        [*VIGIE, "run", "--config", str(config), "--verbose"], stderr=subprocess.PIPE, text=True
    )
    events = _events(proc)
    _until(events, "batch")
    try:
        yield config, proc, events
    finally:
        proc.terminate()
        proc.wait(20)


def test_a_reload_applies_new_components_windows_and_targets_and_refuses_a_broken_file(
    bed: TestBed,
    running: tuple[Path, subprocess.Popen[str], Iterator[dict[str, object]]],
    capsys: pytest.CaptureFixture[str],
) -> None:
    config, proc, events = running
    now = datetime.now(PARIS).replace(microsecond=0, tzinfo=None)
    window = {
        "start": (now - timedelta(minutes=5)).isoformat(),
        "end": (now + timedelta(hours=1)).isoformat(),
    }
    config.write_text(
        BASE.format(url=bed.url("/up")).replace("target = 99", "target = 99.5")
        + ADDED.format(url=bed.url("/up"), **window),
        encoding="utf-8",
    )
    assert main(["reload", "--config", str(config)]) == 0
    assert f"(pid {proc.pid})" in capsys.readouterr().out
    reloaded = _until(events, "reloaded")
    assert reloaded["components_added"] == ["api"] and reloaded["probes_added"] == ["api-http"]
    assert reloaded["components_changed"] == ["web"] and reloaded["maintenance_changed"] is True
    since = time.time()
    _until(events, "batch")
    _until(events, "batch")
    time.sleep(1.5)
    _until(events, "batch")
    with Store(config.parent / "v.db") as store:
        latest = {r.probe: r for r in store.results(start=since)}
    assert latest["api-http"].status is Status.UP  # the new probe runs
    assert latest["web-http"].status is Status.MAINTENANCE  # the new window applies

    # A broken file: `vigie reload` refuses it in one located line, and so would the daemon.
    config.write_text(config.read_text(encoding="utf-8").replace("98.5", "198.5"), encoding="utf-8")
    assert main(["reload", "--config", str(config)]) == 2
    (line,) = capsys.readouterr().err.splitlines()
    assert line.startswith(f"{config}:") and "target" in line
    proc.send_signal(signal.SIGHUP)
    refused = _until(events, "reload_refused")
    assert refused["error"] == line
    _until(events, "batch")  # still probing, with the configuration it had
    assert proc.poll() is None


def test_reload_without_a_daemon_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "config.toml"
    config.write_text(BASE.format(url="http://127.0.0.1:9/"), encoding="utf-8")
    assert main(["reload", "--config", str(config)]) == 1
    assert "aucun démon n'écrit dans" in capsys.readouterr().out


async def test_the_console_picks_up_a_changed_configuration(bed: TestBed, tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(BASE.format(url=bed.url("/up")), encoding="utf-8")
    now = time.time()
    with Store(tmp_path / "v.db") as store:
        store.append(
            [
                ProbeResult(c, f"{c}-http", now - 30 + k, Status.UP, 5.0)
                for k in range(30)
                for c in ("web", "api")
            ]
        )
    app = VigieApp(load_settings(config), interval=0.5)
    async with app.run_test(size=(160, 40)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        table = app.query_one("#availability-table")
        assert table.shown_keys == ["web"]  # type: ignore[attr-defined]
        config.write_text(
            BASE.format(url=bed.url("/up"))
            + ADDED.format(url=bed.url("/up"), start='"2000-01-01T00:00:00"', end='"2000-01-01T01:00:00"'),
            encoding="utf-8",
        )
        for _ in range(20):
            await pilot.pause(0.3)
            await app.workers.wait_for_complete()
            if "api" in table.shown_keys:  # type: ignore[attr-defined]
                break
        assert sorted(table.shown_keys) == ["api", "web"]  # type: ignore[attr-defined]
        config.write_text("[[components]]\nid = 3\n", encoding="utf-8")
        await pilot.pause(1.5)
        await app.workers.wait_for_complete()
        assert sorted(table.shown_keys) == ["api", "web"]  # type: ignore[attr-defined]
