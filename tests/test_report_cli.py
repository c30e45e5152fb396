"""`vigie report`: every format written from real stores in tmp_path, through the CLI."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tests.conftest import BUNDLED_CONFIG, ROOT
from vigie.accounting.results import ProbeResult, Status
from vigie.console.cli import main
from vigie.console.settings import load_settings
from vigie.kernel.text.language import NNBSP
from vigie.probes.store import Store
from vigie.probes.tickets.model import Ticket
from vigie.probes.tickets.store import TicketStore

PARIS = ZoneInfo("Europe/Paris")
PER_MONTH = 30 * 86400  # the capacity's month, in seconds
COMPONENTS = (
    "chorus-coeur", "infocentre", "chorus-formulaires", "systeme-echanges", "chorus-dt",
    "chorus-portail-pro", "chorus-pro", "place", "orme",
)  # fmt: skip
SLA_KEYS = (
    "target", "availability", "up_s", "degraded_s", "down_s", "maintenance_s", "unknown_s",
    "scheduled_s", "coverage", "budget_s", "budget_remaining_s", "incidents", "breached",
)  # fmt: skip
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


def _availability() -> list[ProbeResult]:
    """June and July 2017, a check every 10 minutes: all up except Chorus Pro down for 30
    minutes on 3 July (HTTP 503) and PLACE down for 10 hours on 12 June."""
    results = []
    moment = datetime(2017, 6, 1, tzinfo=PARIS)
    pro_down = (datetime(2017, 7, 3, 14, 30, tzinfo=PARIS), datetime(2017, 7, 3, 15, 0, tzinfo=PARIS))
    place_down = (datetime(2017, 6, 12, 8, 0, tzinfo=PARIS), datetime(2017, 6, 12, 18, 0, tzinfo=PARIS))
    while moment < datetime(2017, 8, 1, tzinfo=PARIS):
        for comp in COMPONENTS:
            down = any(
                comp == c and a <= moment < b
                for c, (a, b) in (("chorus-pro", pro_down), ("place", place_down))
            )
            results.append(
                ProbeResult(
                    comp,
                    f"{comp}-http",
                    moment.timestamp(),
                    Status.DOWN if down else Status.UP,
                    120.0,
                    "HTTP 503" if down else "",
                )
            )
        moment += timedelta(minutes=10)
    return results


def _ticket(n: int, opened: datetime, application: str, channel: str) -> Ticket:
    return Ticket(
        "test", str(n), application, opened, opened + timedelta(hours=1), None, "solved", channel, "", 1, True
    )


def _config_text() -> str:
    # Checks every 10 minutes keep the stored months small.
    text = BUNDLED_CONFIG.read_text(encoding="utf-8").replace('interval = "30s"', 'interval = "10m"')
    return text + THROUGHPUT_PROBE


@pytest.fixture(scope="module")
def filled_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store holding June-July 2017's checks, July's flows and tickets (built once, copied per test)."""
    folder = tmp_path_factory.mktemp("store")
    (folder / "config.toml").write_text(_config_text(), encoding="utf-8")
    settings = load_settings(folder / "config.toml")
    path = folder / "vigie.db"
    with Store.of_config(settings.probes, path) as store:
        store.append(_july_flows())
        store.append(_availability())
    tickets = [_ticket(i, datetime(2017, 7, 3, 10, tzinfo=PARIS), "Chorus Pro", "phone") for i in range(30)]
    tickets += [
        _ticket(100 + i, datetime(2017, 7, 4, 10, tzinfo=PARIS), "Chorus Cœur", "chat") for i in range(10)
    ]
    tickets += [
        _ticket(200 + i, datetime(2016, 7, 5, 10, tzinfo=PARIS), "Chorus Pro", "phone") for i in range(10)
    ]
    with TicketStore(path) as ticket_store:
        ticket_store.upsert(tickets)
    return path


@pytest.fixture
def config(tmp_path: Path, filled_store: Path) -> Path:
    """The bundled config with a throughput probe, over a copy of the filled store."""
    path = tmp_path / "config.toml"
    path.write_text(_config_text(), encoding="utf-8")
    shutil.copyfile(filled_store, tmp_path / "vigie.db")
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
    assert (
        "Système d&#39;échanges au-delà de sa capacité nominale pendant 5 jours sur le mois, pic le 10/07 (130"
        in html
    )
    assert "10/07–14/07" in html
    assert "#c62828" in html


def test_figures_are_those_of_vigie_sla(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = config.parent / "r.json"
    assert _run(config, "monthly", "2017-07", "--format", "json", "--out", str(out)) == 0
    data = json.loads(out.read_text(encoding="utf-8"))
    rows = {r["component"]: r for r in data["availability"]["rows"]}
    assert list(rows) == list(COMPONENTS)
    capsys.readouterr()
    assert main(["sla", "--month", "2017-07", "--json", "--config", str(config)]) == 0
    sla = json.loads(capsys.readouterr().out)
    assert [s["component"] for s in sla] == list(rows)
    for figures in sla:
        for key in SLA_KEYS:
            assert rows[figures["component"]][key] == figures[key], (figures["component"], key)
    # Hand-checked: 30 minutes down in a 31-day 24x7 month.
    pro = rows["chorus-pro"]
    assert (pro["down_s"], pro["availability"], pro["incidents"], pro["breached"]) == (
        1800,
        0.99932,
        1,
        False,
    )
    assert rows["chorus-coeur"]["maintenance_s"] == 5 * 2 * 3600  # five Sundays, 02:00-04:00
    assert data["incidents"]["rows"] == [
        {
            "component": "chorus-pro",
            "name": "Chorus Pro",
            "start": "2017-07-03T14:30:00+02:00",
            "end": "2017-07-03T15:00:00+02:00",
            "duration_s": 1800.0,
            "cause": "HTTP 503",
        }
    ]
    assert data["summary"]["met"] == 9 and data["summary"]["worst"]["component"] == "chorus-pro"
    place = next(r for r in data["trend"]["rows"] if r["component"] == "place")
    assert [p["month"] for p in place["points"] if p["availability"] is not None] == ["2017-06", "2017-07"]
    assert place["points"][-2]["breached"] is True and place["points"][-1]["breached"] is False


def test_figures_appear_formatted_in_every_format(config: Path) -> None:
    texts = {}
    for fmt, marker in (
        ("html", "<!DOCTYPE html>"),
        ("md", "# Rapport mensuel de disponibilité — juillet 2017"),
        ("csv", "# throughput"),
    ):
        out = config.parent / f"r.{fmt}"
        assert _run(config, "monthly", "2017-07", "--format", fmt, "--out", str(out)) == 0
        texts[fmt] = out.read_text(encoding="utf-8")
        assert marker in texts[fmt]
    assert (
        f"99,932{NNBSP}%" in texts["html"]
        and f"| Chorus Pro | 99{NNBSP}% | 99,932{NNBSP}% | 30{NNBSP}min |" in texts["md"]
    )
    assert "chorus-pro,Chorus Pro,0.99,0.99932," in texts["csv"]
    assert "03/07/2017 14:30" in texts["html"] and "HTTP 503" in texts["md"]


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
        "flows",
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
        "flows",
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
def test_bad_arguments_exit_2_in_one_line(
    config: Path, args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    before = (config.parent / "vigie.db").read_bytes()
    try:
        status = _run(config, *args)
    except SystemExit as exc:  # argparse's own errors
        status = int(exc.code or 0)
    assert status == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and message in lines[0]
    assert (config.parent / "vigie.db").read_bytes() == before


def test_bad_month_in_a_real_process_has_no_traceback(config: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "vigie", "report", "monthly", "2017-13", "--config", str(config)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 2
    assert proc.stderr == "vigie: error: report monthly: '2017-13' is not a month like 2017-07\n"


def test_ingested_demo_flows_show_july_over_capacity(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Throughput history imported through `vigie ingest samples` (probe and value columns),
    shaped by the demo's generator, reads over capacity in July, monthly and yearly."""
    from vigie.console.demo.flows_history import exchange_counts, hours_of_year
    from vigie.console.demo.scenario import load_scenario

    config = tmp_path / "config.toml"
    config.write_text(_config_text(), encoding="utf-8")
    hours = hours_of_year(2017, PARIS)
    counts = exchange_counts(load_scenario(), hours)
    history = tmp_path / "flows.csv"
    history.write_text(
        "component,timestamp,status,probe,value\n"
        + "".join(
            f"systeme-echanges,{hour.isoformat()},up,systeme-echanges-flux,{count / 3600:.6g}\n"
            for hour, count in zip(hours, counts, strict=True)
            if hour.month in (6, 7, 8)
        ),
        encoding="utf-8",
    )
    assert main(["ingest", "samples", str(history), "--config", str(config)]) == 0
    capsys.readouterr()
    out = tmp_path / "r.json"
    assert _run(config, "monthly", "2017-07", "--format", "json", "--out", str(out)) == 0
    flows = json.loads(out.read_text(encoding="utf-8"))["throughput"]
    assert flows["available"]
    row = next(r for r in flows["rows"] if r["component"] == "systeme-echanges")
    # 55,000 flows in July's 31 days: 53,226 per 30-day month, 106 % of the capacity.
    assert row["capacity"] == 50_000 and abs(row["mean"] - 55_000 * 30 / 31) < 5
    assert row["utilisation"] > 1.05 and any(b["utilisation"] > 1 for b in row["buckets"])
    assert _run(config, "yearly", "2017", "--format", "json", "--out", str(out)) == 0
    row = next(
        r
        for r in json.loads(out.read_text(encoding="utf-8"))["throughput"]["rows"]
        if r["component"] == "systeme-echanges"
    )
    over = [b["label"] for b in row["buckets"] if b["utilisation"] is not None and b["utilisation"] > 1]
    assert over == ["2017-07"] and row["peak"] == "2017-07"
    html = tmp_path / "r.html"
    assert _run(config, "monthly", "2017-07", "--out", str(html)) == 0
    assert "Débit et capacité nominale" in html.read_text(encoding="utf-8")
