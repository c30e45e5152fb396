"""History into the engine: `vigie export openmetrics` from the agents' stores, backfilled into
Prometheus with promtool and imported into VictoriaMetrics, reads back through
`--source prometheus` as the very same figures as `--source sqlite` (one sample per result,
so the same windows): availability, downtime, degraded and unknown time, incidents, site
failures, with confirm_after and a quorum."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.engines import Engine, binary, start_prometheus, start_victoriametrics
from vigie.accounting.results import ProbeResult, Status
from vigie.console.cli import main
from vigie.console.settings import load_settings
from vigie.probes.store import Store

START = 1_513_036_800  # 2017-12-12 01:00 Paris, a whole hour
WEEK = 7 * 86400
STEP = 60

CONFIG = """
[vigie]
timezone = "Europe/Paris"
language = "en"

[store]
path = "central.db"

[[agents]]
name = "paris"

[[agents]]
name = "lyon"

[[components]]
id = "svc"
name = "Service"
target = 99.9

[[components]]
id = "solo"
name = "Solo"
target = 99.0
agents = ["paris"]
policy = {{ confirm_after = 2 }}

[[probes]]
id = "svc-http"
component = "svc"
kind = "http"
url = "http://127.0.0.1:1/"
interval = "1m"

[[probes]]
id = "solo-tcp"
component = "solo"
kind = "tcp"
host = "127.0.0.1"
port = 1
interval = "1m"
{measurements}
"""


def _history(agent: str) -> list[ProbeResult]:
    """A week every minute: an outage both sites see, one Lyon sees alone, a degraded
    stretch, lone failures, and a two-hour hole in Paris's data."""
    out = []
    for k in range(WEEK // STEP):
        t = START + k * STEP
        day, minute = divmod(k, 1440)
        if agent == "paris" and day == 3 and 600 <= minute < 720:
            continue  # the agent was down: no result at all
        status = Status.UP
        if (day == 1 and 300 <= minute < 345) or (agent == "lyon" and day == 2 and 100 <= minute < 130):
            status = Status.DOWN
        elif day == 4 and 60 <= minute < 200:
            status = Status.DEGRADED
        elif minute in (900, 1000, 1001):
            status = Status.DOWN
        out.append(ProbeResult("svc", "svc-http", t, status, 12.5, "", agent=agent))
        if agent == "paris":
            out.append(ProbeResult("solo", "solo-tcp", t + 0.0, status, 3.0))
    return out


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("history")
    (root / "config.toml").write_text(CONFIG.format(measurements=""), encoding="utf-8")
    settings = load_settings(root / "config.toml")
    for agent in ("paris", "lyon"):
        with Store.of_config(settings.probes, root / f"agent-{agent}.db") as store:
            store.append(_history(agent))
        for spelling in ("openmetrics", "prometheus"):
            argv = [
                "--config", str(root / "config.toml"), "export", "openmetrics", "--agent", agent,
                "--from", "2017-12-12", "--to", "2017-12-19", "--format", spelling,
                "--out", str(root / f"{agent}.{spelling}"),
            ]  # fmt: skip
            assert main(argv) == 0
    return root


def test_the_export_is_openmetrics(exported: Path) -> None:
    text = (exported / "paris.openmetrics").read_text(encoding="utf-8")
    assert text.endswith("# EOF\n")
    first = next(line for line in text.splitlines() if line.startswith("vigie_probe_success{"))
    assert first == f'vigie_probe_success{{component="solo",probe="solo-tcp",agent="paris"}} 1 {START}.000'
    assert "# TYPE vigie_probe_state gauge" in text
    ms = (exported / "paris.prometheus").read_text(encoding="utf-8")
    assert f"{START}000\n" in ms and "# EOF" not in ms


@pytest.fixture(scope="module")
def engines(exported: Path) -> Iterator[dict[str, Engine]]:
    data = exported / "backfill"
    for agent in ("paris", "lyon"):
        done = subprocess.run(
            [binary("promtool"), "tsdb", "create-blocks-from", "openmetrics", str(exported / f"{agent}.openmetrics"), str(data / "data")],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        assert done.returncode == 0, done.stdout + done.stderr
    empty = exported / "scrape-nothing.yml"
    empty.write_text("scrape_configs: []\n", encoding="utf-8")
    running = {
        "prometheus": start_prometheus(empty, data, extra=["--storage.tsdb.retention.time=30y"]),
        "victoriametrics": start_victoriametrics(empty, exported / "vm", extra=["-retentionPeriod=30y"]),
    }
    try:
        vm = running["victoriametrics"].url
        for agent in ("paris", "lyon"):
            body = (exported / f"{agent}.prometheus").read_bytes()
            assert requests.post(f"{vm}/api/v1/import/prometheus", data=body, timeout=30).status_code == 204
        requests.get(f"{vm}/internal/force_flush", timeout=30)
        for kind, engine in running.items():
            (exported / f"config-{kind}.toml").write_text(
                CONFIG.format(measurements=f'[measurements]\nsource = "prometheus"\nurl = "{engine.url}"\n'),
                encoding="utf-8",
            )
        yield running
    finally:
        for engine in running.values():
            engine.stop()


def _read(root: Path, config: str, capsys: pytest.CaptureFixture[str], *argv: str) -> Any:
    capsys.readouterr()
    assert (
        main(["--config", str(root / config), *argv, "--json", "--from", "2017-12-12", "--to", "2017-12-18"])
        == 0
    )
    return json.loads(capsys.readouterr().out)


@pytest.mark.parametrize("kind", ["prometheus", "victoriametrics"])
def test_figures_through_the_engine_are_the_stores(
    exported: Path, engines: dict[str, Engine], capsys: pytest.CaptureFixture[str], kind: str
) -> None:
    stored = _read(exported, "config.toml", capsys, "sla")
    scraped = _read(exported, f"config-{kind}.toml", capsys, "sla")
    assert scraped == stored
    svc, solo = stored
    assert svc["down_s"] == 45 * 60 + 7 * 3 * 60 and svc["incidents"] == 1 + 7 * 2
    # confirm_after = 2: the lone failures at 15:00 do not count, the pair at 16:40 does.
    assert solo["down_s"] == 45 * 60 + 7 * 2 * 60
    # The hour before the first result, and Paris's hole less the minute its last result covers.
    assert solo["unknown_s"] == 3600 + 2 * 3600 - 60
    stored_sites = _read(exported, "config.toml", capsys, "incidents")
    assert _read(exported, f"config-{kind}.toml", capsys, "incidents") == stored_sites
    assert [f["agents"] for f in stored_sites[0]["site_failures"]] == [["lyon"]]
