"""`vigie ingest samples`, `vigie sla`, `vigie incidents`, `vigie store` end to end on real files."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from vigie.console.cli import main
from vigie.probes.store import Store

CONFIG = """
[vigie]
timezone = "Europe/Paris"

[store]
path = "v.db"

[[components]]
id = "chorus-pro"
name = "Chorus Pro"
target = 99

[[components]]
id = "orme"
name = "ORME"
target = 98
schedule = { days = "mon-fri", hours = "08:30-18:30" }

[[probes]]
id = "chorus-pro-http"
component = "chorus-pro"
kind = "http"
url = "http://127.0.0.1:9/health"
interval = "30s"
timeout = "5s"

[[maintenance]]
id = "pro-bascule"
component = "chorus-pro"
start = 2017-12-30T20:00:00
end = 2017-12-31T02:00:00
"""

DEC = datetime(2017, 11, 30, 23, 0, tzinfo=UTC)  # 2017-12-01 00:00 in Paris


def _rows(days: int = 31) -> list[str]:
    """December 2017, every 60 s (twice the 30 s interval: no gap): chorus-pro down 5 minutes
    on the 11th; ORME down every night."""
    out = []
    outage = DEC + timedelta(days=10)
    for k in range(days * 1440):
        t = DEC + timedelta(seconds=60 * k)
        stamp = t.strftime("%Y-%m-%dT%H:%M:%SZ")
        pro = "down" if outage <= t < outage + timedelta(minutes=5) else "up"
        out.append(f"chorus-pro,{stamp},{pro},12.5,{'HTTP 503' if pro == 'down' else 'ok'}")
        local_hour = (t.hour + 1) % 24
        orme = "down" if local_hour < 6 else "up"
        out.append(f"orme,{stamp},{orme},40,")
    return out


@pytest.fixture
def setup(tmp_path: Path) -> tuple[Path, Path]:
    config = tmp_path / "config.toml"
    config.write_text(CONFIG, encoding="utf-8")
    return config, tmp_path / "history.csv"


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_ingest_then_sla_and_incidents(setup: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    config, csv_file = setup
    csv_file.write_text("component,timestamp,status,latency_ms,detail\n" + "\n".join(_rows()) + "\n")
    code, out, _ = _run(capsys, "ingest", "samples", str(csv_file), "--config", str(config), "--json")
    assert code == 0 and json.loads(out)[0]["added"] == 2 * 31 * 1440
    code, out, _ = _run(capsys, "sla", "--month", "2017-12", "--config", str(config), "--json")
    figures = {f["component"]: f for f in json.loads(out)}
    pro = figures["chorus-pro"]
    for key in ("component", "target", "availability", "up_s", "degraded_s", "down_s", "maintenance_s",
                "unknown_s", "scheduled_s", "coverage", "budget_s", "budget_remaining_s", "incidents", "breached"):  # fmt: skip
        assert key in pro
    assert pro["down_s"] == 300 and pro["incidents"] == 1 and pro["maintenance_s"] == 6 * 3600
    # The budget is 1 % of the time the availability counts: the month less its 6 h of maintenance.
    assert pro["availability"] == 0.99988 and pro["budget_s"] == 26568 and not pro["breached"]
    # ORME is down every night, outside its business hours: it does not count.
    assert figures["orme"]["down_s"] == 0 and figures["orme"]["availability"] == 1.0
    # Rows 60 s apart with a 30 s interval leave no gap: nothing is unknown.
    assert pro["unknown_s"] == 0 and pro["coverage"] == 1.0
    code, out, _ = _run(capsys, "sla", "--month", "2017-12", "--config", str(config))
    assert (
        code == 0 and "99,988\u202f%" in out and "Chorus Pro" in out
    )  # narrow no-break space, as in the report
    code, out, _ = _run(capsys, "incidents", "--month", "2017-12", "--component", "chorus-pro", "--config", str(config), "--json")  # fmt: skip
    listed = json.loads(out)[0]
    assert listed["count"] == 1 and listed["incidents"][0]["cause"] == "HTTP 503"
    assert listed["incidents"][0]["start"] == "2017-12-11T00:00:00+01:00" and listed["mttr_s"] == 300
    # Importing the same file again adds nothing and changes nothing.
    code, out, _ = _run(capsys, "ingest", "samples", str(csv_file), "--config", str(config), "--json")
    assert code == 0 and json.loads(out)[0]["added"] == 0
    code, out, _ = _run(capsys, "sla", "--month", "2017-12", "--config", str(config), "--json")
    assert {f["component"]: f for f in json.loads(out)} == figures
    # A 99.99 % target would be breached: --check says so with exit 1.
    config.write_text(CONFIG.replace("target = 99\n", "target = 99.99\n", 1), encoding="utf-8")
    code, out, _ = _run(
        capsys, "sla", "--month", "2017-12", "--check", "--config", str(config), "--lang", "en"
    )
    assert code == 1 and "BREACHED" in out
    # Freeze the month, prune every raw row: the figures stay.
    assert _run(capsys, "sla", "--month", "2017-12", "--freeze", "--config", str(config), "--json")[0] == 0
    code, out, _ = _run(capsys, "store", "prune", "--before", "2018-06-01", "--config", str(config), "--json")
    assert json.loads(out)["deleted"] == 2 * 31 * 1440
    code, out, _ = _run(capsys, "store", "prune", "--before", "2018-06-01", "--config", str(config))
    assert code == 0 and out.startswith("0 résultats bruts supprimés ; les données brutes commencent")
    code, out, _ = _run(capsys, "store", "rebuild", "--config", str(config))
    assert code == 0 and out.startswith("agrégats recalculés à partir de ")
    code, out, _ = _run(capsys, "sla", "--month", "2017-12", "--recompute", "--config", str(config), "--json")
    assert json.loads(out)[0]["down_s"] == 300


BAD = [
    ("component,when,status\n", "history.csv:1: when: unknown column (columns: component, timestamp, status,"),
    ("component,timestamp\n", "history.csv:1: status: missing required column"),
    ("component,timestamp,status\nchorus-pro,2017-12-01T00:00:00Z,up\nchorus-pro,yesterday,up\n", "history.csv:3: timestamp:"),
    ("component,timestamp,status\nchorus-pro,2017-12-01T00:00:00,up\n", "history.csv:2: timestamp: '2017-12-01T00:00:00' has no offset"),
    ("component,timestamp,status\nchorus-pro,2017-12-01T00:00:00Z,up\nnope,2017-12-01T00:00:00Z,up\n", "history.csv:3: component: unknown component 'nope'"),
    ("component,timestamp,status\nchorus-pro,2017-12-01T00:00:00Z,sideways\n", "history.csv:2: status: 'sideways'"),
    ("component,timestamp,status\nchorus-pro,2017-12-01T00:00:30Z,up\nchorus-pro,2017-12-01T00:00:30Z,down\n", "history.csv:3: timestamp: not after"),
    ("component,timestamp,status\nchorus-pro,2017-12-01T00:01:00Z,up\nchorus-pro,2017-12-01T00:00:30Z,up\n", "history.csv:3: timestamp: not after"),
    ("component,timestamp,status\nchorus-pro,2017-12-01T00:00:00Z,up\nchorus-pro,2017-12-01T00:0", "history.csv:3: the last line has no line end"),
    ("component,timestamp,status\nchorus-pro,2017-12-01T00:00:00Z,up\nchorus-pro,2017-12-01T00:00:30Z,up", "history.csv:3: the last line has no line end"),
    ("component,timestamp,status\nchorus-pro,2017-12-01T00:00:00Z\n", "history.csv:2: status: missing (the row has 2 fields, the header 3)"),
    ("component,timestamp,status,latency_ms\nchorus-pro,2017-12-01T00:00:00Z,up,-3\n", "history.csv:2: latency_ms:"),
    ("", "history.csv:1: empty file"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "message"), BAD)
def test_a_bad_history_file_exits_2_with_one_line_and_stores_nothing(
    setup: tuple[Path, Path], capsys: pytest.CaptureFixture[str], text: str, message: str
) -> None:
    config, good = setup
    good.write_text(
        "component,timestamp,status\n" + "".join(f"orme,2017-12-0{d}T10:00:00Z,up\n" for d in range(1, 4))
    )
    code, out, _ = _run(capsys, "ingest", "samples", str(good), "--config", str(config))
    assert (
        code == 0 and f"{good}\u00a0: 3 lignes, 3 nouvelles, 1 composant(s), du 01/12/2017 11:00 au " in out
    )
    db = config.parent / "v.db"
    with Store(db) as store:
        before = (list(store.results()), store.segments("orme", 0, 2e9), store.hourly(None, 0, 2e9))
    bad = config.parent / "bad" / "history.csv"
    bad.parent.mkdir()
    bad.write_text(text)
    code, _, err = _run(capsys, "ingest", "samples", str(bad), "--config", str(config))
    assert code == 2
    assert err.count("\n") == 1 and message in err and str(bad.parent) in err
    with Store(db) as store:
        after = (list(store.results()), store.segments("orme", 0, 2e9), store.hourly(None, 0, 2e9))
    assert after == before


def test_user_errors_are_one_line_without_traceback_in_a_real_process(setup: tuple[Path, Path]) -> None:
    config, csv_file = setup
    csv_file.write_text(
        "component,timestamp,status\norme,2017-12-01T10:00:00Z,up\norme,2017-12-01T09:00:00Z,up\n"
    )
    for argv, names in (
        (["ingest", "samples", str(csv_file)], f"{csv_file}:3: timestamp:"),
        (["sla", "--month", "2017-13"], "--month: '2017-13'"),
        (["sla", "--component", "nope"], "--component:"),
        (["incidents", "--from", "tomorrow"], "--from: 'tomorrow'"),
    ):
        proc = subprocess.run(
            [sys.executable, "-m", "vigie", *argv, "--config", str(config)],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert proc.returncode == 2, proc.stderr
        assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr
        assert names in proc.stderr, proc.stderr
