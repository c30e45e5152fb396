"""Issue 16, item 5: an incident still open is shown "en cours" with the duration so far,
never with an end, in `vigie incidents` (table and JSON) and in the report of a running
period; a closed one keeps its end."""

from __future__ import annotations

import json
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from vigie.accounting.results import ProbeResult, Status
from vigie.console.cli import main
from vigie.probes.store import Store

PARIS = ZoneInfo("Europe/Paris")
CONFIG = """
[vigie]
timezone = "Europe/Paris"
language = "fr"

[store]
path = "v.db"

[[components]]
id = "chorus-pro"
name = "Chorus Pro"
target = 99

[[components]]
id = "place"
name = "PLACE"
target = 99

[[probes]]
id = "pro-http"
component = "chorus-pro"
kind = "http"
url = "http://127.0.0.1:9/health"
interval = "30s"

[[probes]]
id = "place-http"
component = "place"
kind = "http"
url = "http://127.0.0.1:9/health"
interval = "30s"
"""


@pytest.fixture
def down_now(tmp_path: Path) -> tuple[Path, float, str]:
    """Chorus Pro down for the last 3 minutes and still down; PLACE down 2 minutes an hour ago."""
    config = tmp_path / "config.toml"
    config.write_text(CONFIG, encoding="utf-8")
    now = time.time()
    start = now - 3 * 3600
    results = []
    for k in range(int((now - start) // 30)):
        ts = start + 30 * k
        pro = Status.DOWN if ts >= now - 180 else Status.UP
        place = Status.DOWN if now - 3600 <= ts < now - 3480 else Status.UP
        results.append(
            ProbeResult("chorus-pro", "pro-http", ts, pro, 10.0, "HTTP 503" if pro is Status.DOWN else "")
        )
        results.append(
            ProbeResult("place", "place-http", ts, place, 10.0, "timeout" if place is Status.DOWN else "")
        )
    with Store(tmp_path / "v.db") as store:
        store.append(results)
    day = datetime.fromtimestamp(start, PARIS).date().isoformat()
    return config, now, day


def test_incidents_says_ongoing_with_the_time_so_far(
    down_now: tuple[Path, float, str], capsys: pytest.CaptureFixture[str]
) -> None:
    config, now, day = down_now
    assert main(["incidents", "--from", day, "--config", str(config), "--json"]) == 0
    found = {r["component"]: r["incidents"] for r in json.loads(capsys.readouterr().out)}
    (pro,) = found["chorus-pro"]
    assert pro["ongoing"] is True and pro["end"] is None
    assert 150 <= pro["duration_s"] <= time.time() - now + 200
    (place,) = found["place"]
    assert place["ongoing"] is False and place["end"] is not None and place["duration_s"] == 120

    assert main(["incidents", "--from", day, "--config", str(config)]) == 0
    out = capsys.readouterr().out
    (pro_line,) = [line for line in out.splitlines() if "HTTP 503" in line]
    assert "en cours" in pro_line
    (place_line,) = [line for line in out.splitlines() if "timeout" in line]
    assert "en cours" not in place_line


def test_the_report_of_a_running_period_says_ongoing(
    down_now: tuple[Path, float, str], tmp_path: Path
) -> None:
    config, now, _ = down_now
    month = datetime.fromtimestamp(now, PARIS)
    out = tmp_path / "r.md"
    argv = [
        "report",
        "monthly",
        f"{month:%Y-%m}",
        "--format",
        "md",
        "--out",
        str(out),
        "--config",
        str(config),
    ]
    if datetime.fromtimestamp(now - 3 * 3600, PARIS).month != month.month:
        pytest.skip("the month began less than three hours ago")
    assert main(argv) == 0
    notable, row = [line for line in out.read_text(encoding="utf-8").splitlines() if "HTTP 503" in line]
    assert ", en cours depuis 3\u202fmin" in notable
    assert "| en cours | 3\u202fmin" in row
