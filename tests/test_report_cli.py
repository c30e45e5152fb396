"""`vigie report`: every format written from real stores in tmp_path, through the CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tests.conftest import ROOT
from vigie.console.cli import main
from vigie.probes.results import ProbeResult, Status
from vigie.probes.store import Store
from vigie.probes.tickets.model import Ticket
from vigie.probes.tickets.store import TicketStore
from vigie.reports.i18n import NNBSP

PARIS = ZoneInfo("Europe/Paris")
PER_MONTH = 30 * 86400  # the capacity's month, in seconds
THROUGHPUT_PROBE = """
[[probes]]
id = "systeme-echanges-flux"
component = "systeme-echanges"
kind = "http"
url = "http://127.0.0.1:18110/flux"
interval = "5m"
timeout = "5s"
role = "throughput"
"""


def _july_flows() -> list[ProbeResult]:
    """Exchange-system flows of July 2017: 40,000 a month, 65,000 from the 10th to the 14th."""
    results = []
    moment = datetime(2017, 7, 1, tzinfo=PARIS)
    while moment.month == 7:
        monthly = 65_000 if 10 <= moment.day <= 14 else 40_000
        results.append(
            ProbeResult(
                "systeme-echanges",
                "systeme-echanges-flux",
                moment.timestamp(),
                Status.UP,
                value=monthly / PER_MONTH,
            )
        )
        moment += timedelta(hours=6)
    return results


def _ticket(n: int, opened: datetime, application: str, channel: str) -> Ticket:
    return Ticket(
        "test", str(n), application, opened, opened + timedelta(hours=1), None, "solved", channel, "", 1, True
    )


@pytest.fixture
def config(tmp_path: Path, bundled_config_text: str) -> Path:
    """The bundled config with a throughput probe, over a store holding July 2017's flows and tickets."""
    path = tmp_path / "config.toml"
    path.write_text(bundled_config_text + THROUGHPUT_PROBE, encoding="utf-8")
    with Store(tmp_path / "vigie.db") as store:
        store.append(_july_flows())
    tickets = [_ticket(i, datetime(2017, 7, 3, 10, tzinfo=PARIS), "Chorus Pro", "phone") for i in range(30)]
    tickets += [
        _ticket(100 + i, datetime(2017, 7, 4, 10, tzinfo=PARIS), "Chorus Cœur", "chat") for i in range(10)
    ]
    tickets += [
        _ticket(200 + i, datetime(2016, 7, 5, 10, tzinfo=PARIS), "Chorus Pro", "phone") for i in range(10)
    ]
    with TicketStore(tmp_path / "vigie.db") as ticket_store:
        ticket_store.upsert(tickets)
    return path


def _run(config: Path, *args: str) -> int:
    return main(["report", *args, "--config", str(config)])


def test_default_file_name_and_html_self_contained(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(config, "monthly", "2017-07") == 0
    out = config.parent / "vigie-rapport-2017-07.html"
    assert str(out) in capsys.readouterr().out
    html = out.read_text(encoding="utf-8")
    assert "<script" not in html.lower()
    assert "http://" not in html and "https://" not in html
    assert "@page" in html and "<svg" in html
    assert "juillet 2017" in html
    # The July peak over capacity is in the summary and marked in the chart.
    assert "Système d&#39;échanges au-delà de sa capacité nominale sur 5 période(s)" in html
    assert "10/07–14/07" in html
    assert "#c62828" in html


def test_tickets_section_from_ticket_statistics(config: Path) -> None:
    out = config.parent / "r.json"
    assert _run(config, "monthly", "2017-07", "--format", "json", "--out", str(out)) == 0
    tickets = json.loads(out.read_text(encoding="utf-8"))["tickets"]
    assert tickets["available"] is True
    assert tickets["total"]["count"] == 40 and tickets["total"]["previous"] == 10
    assert tickets["total"]["change"] == pytest.approx(3.0)
    by_app = {r["label"]: r for r in tickets["by_application"]}
    assert by_app["Chorus Pro"]["count"] == 30 and by_app["Chorus Pro"]["change"] == pytest.approx(2.0)
    assert {r["label"] for r in tickets["by_channel"]} == {"phone", "chat"}


def test_each_format_is_written(config: Path) -> None:
    for fmt, marker in (
        ("html", "<!DOCTYPE html>"),
        ("md", "# Rapport mensuel de disponibilité — juillet 2017"),
        ("json", '"schema_version": 1'),
        ("csv", "# throughput"),
    ):
        out = config.parent / f"r.{fmt}"
        assert _run(config, "monthly", "2017-07", "--format", fmt, "--out", str(out)) == 0
        assert marker in out.read_text(encoding="utf-8")


def test_json_schema_keys_are_stable(config: Path) -> None:
    out = config.parent / "r.json"
    assert _run(config, "yearly", "2017", "--format", "json", "--out", str(out)) == 0
    data = json.loads(out.read_text(encoding="utf-8"))
    assert list(data) == [
        "schema_version",
        "kind",
        "period",
        "language",
        "timezone",
        "generated_at",
        "summary",
        "availability",
        "trend",
        "incidents",
        "throughput",
        "tickets",
        "homologations",
        "decommissioning",
    ]
    assert data["kind"] == "yearly" and data["period"] == "2017"
    assert data["trend"]["months"][0] == "2017-01" and data["trend"]["months"][-1] == "2017-12"
    for name in (
        "availability",
        "trend",
        "incidents",
        "throughput",
        "tickets",
        "homologations",
        "decommissioning",
    ):
        assert {"available", "absent"} <= set(data[name])
    flows = data["throughput"]["rows"][0]
    assert flows["component"] == "systeme-echanges"
    assert [b["label"] for b in flows["buckets"]][6] == "2017-07"
    assert flows["peak"] == "2017-07"


def test_english_report(config: Path) -> None:
    out = config.parent / "r.md"
    assert _run(config, "monthly", "2017-07", "--format", "md", "--lang", "en", "--out", str(out)) == 0
    text = out.read_text(encoding="utf-8")
    assert "# Monthly availability report — July 2017" in text
    assert "Throughput and nominal capacity" in text
    assert "| 50,000 flux / month |" in text
    assert "Disponibilité" not in text


def test_french_number_formatting(config: Path) -> None:
    out = config.parent / "r.md"
    assert _run(config, "monthly", "2017-07", "--format", "md", "--out", str(out)) == 0
    text = out.read_text(encoding="utf-8")
    assert f"| 50{NNBSP}000 flux / mois |" in text
    assert f"| 65{NNBSP}000 (10/07, 130{NNBSP}%) |" in text  # the peak: 65,000 against 50,000


def test_absent_sections_say_so_in_one_line(config: Path) -> None:
    out = config.parent / "r.md"
    assert _run(config, "monthly", "2016-01", "--format", "md", "--out", str(out)) == 0
    text = out.read_text(encoding="utf-8")
    section = text.split("## 5. Débit et capacité nominale", 1)[1].split("## 6.", 1)[0]
    assert section.strip() == "*Données non disponibles : aucune mesure sur la période.*"
    assert "*Données non disponibles : aucun catalogue configuré" not in text  # the bundled config names one


def test_json_flag_prints_what_was_written(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = config.parent / "r.csv"
    assert _run(config, "monthly", "2017-07", "--format", "csv", "--out", str(out), "--json") == 0
    printed = json.loads(capsys.readouterr().out)
    assert (
        printed["file"] == str(out) and printed["format"] == "csv" and printed["bytes"] == out.stat().st_size
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["monthly", "2017-13"], "'2017-13' is not a month like 2017-07"),
        (["monthly", "juillet"], "'juillet' is not a month like 2017-07"),
        (["yearly", "17"], "'17' is not a year like 2017"),
        (["monthly", "2017-07", "--format", "xls"], "invalid choice: 'xls'"),
        (["monthly", "2017-07", "--lang", "de"], "invalid choice: 'de'"),
        (["monthly", "2017-07", "--out", "/nonexistent/dir/r.html"], "does not exist"),
    ],
)
def test_bad_arguments_exit_2_in_one_line(config: Path, args: list[str], message: str) -> None:
    before = (config.parent / "vigie.db").read_bytes()
    proc = subprocess.run(
        [sys.executable, "-m", "vigie", "report", *args, "--config", str(config)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0]
    assert "Traceback" not in proc.stderr
    assert (config.parent / "vigie.db").read_bytes() == before
