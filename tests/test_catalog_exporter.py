"""The catalog's figures on the daemon's /metrics: a real `vigie run` on 127.0.0.1, port 0."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import requests
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import ROOT
from vigie.catalog.model import Catalog
from vigie.console.catalog_input import CatalogSource


def scrape(url: str) -> dict[str, list[tuple[dict[str, str], float]]]:
    response = requests.get(url + "/metrics", timeout=10)
    assert response.status_code == 200
    samples: dict[str, list[tuple[dict[str, str], float]]] = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            samples.setdefault(sample.name, []).append((sample.labels, sample.value))
    return samples


def test_vigie_run_serves_homologation_and_decommissioning_metrics(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "catalog", tmp_path / "catalog")
    config = tmp_path / "config.toml"
    config.write_text(
        '[store]\npath = "vigie.db"\n\n[exporter]\nhost = "127.0.0.1"\nport = 0\n\n[catalog]\npath = "catalog"\n',
        encoding="utf-8",
    )
    daemon = subprocess.Popen(
        [sys.executable, "-m", "vigie", "run", "--config", str(config), "--for", "60s"],
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert daemon.stderr is not None
        event = json.loads(daemon.stderr.readline())
        assert event["event"] == "listening" and event["url"].startswith("http://127.0.0.1:")
        metrics = scrape(event["url"])
        assert metrics["vigie_catalog_up"] == [({}, 1.0)]
        chorus_dt = datetime(2020, 1, 1, tzinfo=ZoneInfo("Europe/Paris")).timestamp()
        assert ({"application": "chorus-dt"}, chorus_dt) in metrics[
            "vigie_homologation_expiry_timestamp_seconds"
        ]
        statuses = dict(
            (labels["status"], value) for labels, value in metrics["vigie_homologation_applications"]
        )
        assert set(statuses) == {"expired", "refused", "expiring", "not-done", "in-progress", "valid"}
        assert sum(statuses.values()) > 10
        ratios = {
            labels["ministry"]: value for labels, value in metrics["vigie_decommissioning_progress_ratio"]
        }
        assert set(ratios) >= {"interieur", "armees", "minefi"} and all(0 <= r <= 1 for r in ratios.values())
        # An architect breaks a file: the next scrape says so instead of failing.
        with (tmp_path / "catalog" / "reserves.csv").open("a", encoding="utf-8") as broken:
            broken.write("hom-2016-atlas,Sans responsable,,2018-01-31,false\n")
        again = scrape(event["url"])
        assert again["vigie_catalog_up"] == [({}, 0.0)]
        assert "vigie_homologation_applications" not in again
    finally:
        daemon.send_signal(signal.SIGTERM)
        assert daemon.wait(timeout=30) == 0


def test_catalog_source_reloads_only_on_change(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "catalog", tmp_path / "catalog")
    source = CatalogSource(tmp_path / "catalog")
    first = source()
    assert isinstance(first, Catalog)
    assert source() is first  # unchanged files: the same object, no reload
    contracts = tmp_path / "catalog" / "progress_contracts.csv"
    contracts.write_text(
        contracts.read_text(encoding="utf-8").replace("cp-ecologie", "cp-eco"), encoding="utf-8"
    )
    second = source()
    assert second is not None and second is not first and "cp-eco" in second.progress_contracts
    assert CatalogSource(tmp_path / "absent")() is None


def test_vigie_run_serves_ticket_metrics(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[store]\npath = "vigie.db"\n\n[exporter]\nport = 0\n', encoding="utf-8")
    tickets = tmp_path / "tickets.csv"
    tickets.write_text(
        "source,id,application,opened,solved,closed,status,channel,category,level,first_contact\n"
        "vigie,1,chorus-pro,2017-12-04T09:00:00+01:00,,,new,phone,compte,1,false\n"
        "vigie,2,chorus-pro,2017-12-04T10:00:00+01:00,2017-12-04T10:08:00+01:00,,solved,chat,compte,1,true\n",
        encoding="utf-8",
    )
    imported = subprocess.run(
        [sys.executable, "-m", "vigie", "tickets", "import", str(tickets), "--config", str(config)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert imported.returncode == 0, imported.stderr
    daemon = subprocess.Popen(
        [sys.executable, "-m", "vigie", "run", "--config", str(config), "--for", "60s"],
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert daemon.stderr is not None
        event = json.loads(daemon.stderr.readline())
        metrics = scrape(event["url"])
        assert ({"application": "chorus-pro"}, 1.0) in metrics["vigie_tickets_open"]
        opened = {labels["channel"]: value for labels, value in metrics["vigie_tickets_opened_total"]}
        assert opened == {"phone": 1.0, "chat": 1.0}
    finally:
        daemon.send_signal(signal.SIGTERM)
        daemon.wait(timeout=30)
