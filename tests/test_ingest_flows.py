"""`vigie ingest samples` with the ``probe`` and ``value`` columns: throughput history."""

from __future__ import annotations

import json
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
capacity = { value = 6000000, unit = "appels API", per = "day" }

[[components]]
id = "orme"
name = "ORME"
target = 98

[[probes]]
id = "chorus-pro-http"
component = "chorus-pro"
kind = "http"
url = "http://127.0.0.1:9/health"
interval = "30s"
timeout = "5s"

[[probes]]
id = "chorus-pro-api"
component = "chorus-pro"
kind = "counter"
role = "throughput"
source = "json"
url = "http://127.0.0.1:9/api/stats"
json_path = "$.calls_total"
mode = "counter"
interval = "30s"
timeout = "5s"

[[probes]]
id = "orme-http"
component = "orme"
kind = "http"
url = "http://127.0.0.1:9/health"
interval = "30s"
timeout = "5s"
"""

DEC = datetime(2017, 11, 30, 23, 0, tzinfo=UTC)  # 2017-12-01 00:00 in Paris
HEADER = "component,timestamp,status,probe,value\n"


def _stamp(minutes: int) -> str:
    return (DEC + timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(CONFIG, encoding="utf-8")
    return path


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _ingest(capsys: pytest.CaptureFixture[str], config: Path, csv_file: Path) -> tuple[int, str, str]:
    return _run(capsys, "ingest", "samples", str(csv_file), "--config", str(config), "--json")


def test_rows_are_stored_under_their_probe_with_their_value(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    csv_file = config.parent / "flows.csv"
    csv_file.write_text(
        "value,probe,status,timestamp,component\n"
        f"70.5,chorus-pro-api,up,{_stamp(0)},chorus-pro\n"
        # Same instant, other probe of the component: rows are ordered per probe.
        f",,up,{_stamp(0)},chorus-pro\n"
        f"0,chorus-pro-http,up,{_stamp(0)},chorus-pro\n"
        f"81,chorus-pro-api,up,{_stamp(60)},chorus-pro\n"
        f"3,,down,{_stamp(1)},orme\n",
        encoding="utf-8",
    )
    code, out, _ = _ingest(capsys, config, csv_file)
    assert code == 0 and json.loads(out)[0]["added"] == 5 and json.loads(out)[0]["components"] == 2
    with Store(config.parent / "v.db") as store:
        got = sorted((r.component, r.probe, r.ts, r.value) for r in store.results())
    t0 = DEC.timestamp()
    assert got == sorted(
        [
            ("chorus-pro", "chorus-pro-api", t0, 70.5),
            ("chorus-pro", "chorus-pro-api", t0 + 3600, 81.0),
            ("chorus-pro", "ingest", t0, None),
            ("chorus-pro", "chorus-pro-http", t0, 0.0),
            ("orme", "ingest", t0 + 60, 3.0),
        ]
    )
    # Importing the file again adds nothing.
    code, out, _ = _ingest(capsys, config, csv_file)
    assert code == 0 and json.loads(out)[0]["added"] == 0


BAD = [
    (f"chorus-pro,{_stamp(0)},up,nope,1\n", "flows.csv:3: probe: unknown probe 'nope'"),
    (f"chorus-pro,{_stamp(0)},up,orme-http,1\n", "flows.csv:3: probe: 'orme-http' is a probe of 'orme', not of 'chorus-pro'"),
    (f"orme,{_stamp(0)},up,chorus-pro-api,1\n", "flows.csv:3: probe: 'chorus-pro-api' is a probe of 'chorus-pro', not of 'orme'"),
    (f"chorus-pro,{_stamp(0)},up,chorus-pro-api,many\n", "flows.csv:3: value: 'many' is not a number"),
    (f"chorus-pro,{_stamp(0)},up,chorus-pro-api,-1\n", "flows.csv:3: value: -1 is out of range (must be >= 0)"),
    (f"chorus-pro,{_stamp(0)},up,chorus-pro-api,inf\n", "flows.csv:3: value: inf is not a finite number"),
    (f"chorus-pro,{_stamp(0)},up,chorus-pro-api,nan\n", "flows.csv:3: value: nan is not a finite number"),
    (f"chorus-pro,{_stamp(-1)},up,chorus-pro-api,1\n", "flows.csv:3: timestamp: not after the previous row of 'chorus-pro'"),
]  # fmt: skip


@pytest.mark.parametrize(("row", "message"), BAD)
def test_a_bad_probe_or_value_exits_2_with_one_line_and_stores_nothing(
    config: Path, capsys: pytest.CaptureFixture[str], row: str, message: str
) -> None:
    good = config.parent / "good.csv"
    good.write_text(HEADER + f"orme,{_stamp(-10)},up,orme-http,\n", encoding="utf-8")
    assert _ingest(capsys, config, good)[0] == 0
    with Store(config.parent / "v.db") as store:
        before = (
            list(store.results()),
            [store.segments(c, 0, 2e9) for c in ("chorus-pro", "orme")],
            store.hourly(None, 0, 2e9),
        )
    bad = config.parent / "flows.csv"
    bad.write_text(HEADER + f"chorus-pro,{_stamp(-1)},up,chorus-pro-api,5\n" + row, encoding="utf-8")
    code, out, err = _ingest(capsys, config, bad)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and message in err and str(bad) in err and "Traceback" not in err
    with Store(config.parent / "v.db") as store:
        after = (
            list(store.results()),
            [store.segments(c, 0, 2e9) for c in ("chorus-pro", "orme")],
            store.hourly(None, 0, 2e9),
        )
    assert after == before


def test_throughput_rows_leave_the_sla_figures_unchanged(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    availability = config.parent / "availability.csv"
    # Three days of checks every minute, chorus-pro down 10 minutes on the 2nd.
    rows = []
    for k in range(3 * 1440):
        status = "down" if 1440 + 600 <= k < 1440 + 610 else "up"
        rows.append(f"chorus-pro,{_stamp(k)},{status},12.5\n")
    availability.write_text("component,timestamp,status,latency_ms\n" + "".join(rows), encoding="utf-8")
    assert _ingest(capsys, config, availability)[0] == 0
    sla = ("sla", "--month", "2017-12", "--config", str(config), "--json")
    incidents = ("incidents", "--month", "2017-12", "--config", str(config), "--json")
    before = (_run(capsys, *sla)[1], _run(capsys, *incidents)[1])
    figures = {f["component"]: f for f in json.loads(before[0])}
    assert figures["chorus-pro"]["down_s"] == 600
    # Throughput readings over the whole month, some "down" (a failed read) and spanning
    # the time the availability rows leave unknown: none of it may count.
    flows = config.parent / "flows.csv"
    flows.write_text(
        HEADER
        + "".join(
            f"chorus-pro,{_stamp(k)},{'down' if k % 7 == 0 else 'up'},chorus-pro-api,{60 + k % 13}\n"
            for k in range(0, 31 * 1440, 20)
        ),
        encoding="utf-8",
    )
    code, out, _ = _ingest(capsys, config, flows)
    assert code == 0 and json.loads(out)[0]["added"] == 31 * 72
    assert (_run(capsys, *sla)[1], _run(capsys, *incidents)[1]) == before
