"""Issue 16, item 2: history from another tool keeps its time. A 5-minute export imported
beside 5-second probes covers its day and keeps a 5-minute outage 5 minutes long, whether
the file says its step (an ``interval_s`` column, ``--step``) or not (the median spacing,
said in the summary); the step is stored with the rows and survives a rebuild."""

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
language = "{lang}"

[store]
path = "v.db"

[[components]]
id = "chorus-pro"
name = "Chorus Pro"
target = 99

[[probes]]
id = "chorus-pro-http"
component = "chorus-pro"
kind = "http"
url = "http://127.0.0.1:9/health"
interval = "5s"
timeout = "2s"
"""

DAY = datetime(2017, 12, 10, 23, 0, tzinfo=UTC)  # 2017-12-11 00:00 in Paris
OUTAGE = DAY + timedelta(hours=9)


def _history(path: Path, column: bool = False) -> None:
    """A Centreon-like export of one Paris day, a row every 5 minutes, one down row at 09:00."""
    header = "component,timestamp,status,latency_ms" + (",interval_s" if column else "")
    lines = [header]
    for k in range(288):
        t = DAY + timedelta(minutes=5 * k)
        status = "down" if t == OUTAGE else "up"
        lines.append(f"chorus-pro,{t:%Y-%m-%dT%H:%M:%SZ},{status},80" + (",300" if column else ""))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _setup(tmp_path: Path, lang: str = "fr") -> Path:
    config = tmp_path / "config.toml"
    config.write_text(CONFIG.format(lang=lang), encoding="utf-8")
    return config


def _sla(capsys: pytest.CaptureFixture[str], config: Path) -> dict[str, object]:
    capsys.readouterr()
    code = main(["sla", "--config", str(config), "--from", "2017-12-11", "--to", "2017-12-11", "--json"])
    assert code in (0, 1)
    (figures,) = json.loads(capsys.readouterr().out)
    assert isinstance(figures, dict)
    return figures


@pytest.mark.parametrize("how", ["median", "column", "option"])
def test_a_five_minute_export_beside_five_second_probes_keeps_its_time(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], how: str
) -> None:
    config = _setup(tmp_path)
    history = tmp_path / "centreon.csv"
    _history(history, column=how == "column")
    argv = ["ingest", "samples", "--config", str(config), str(history)]
    if how == "option":
        argv += ["--step", "5m"]
    assert main(argv) == 0
    summary = capsys.readouterr().out
    if how == "median":
        assert "pas déduit de l'écart médian des lignes" in summary
        assert "chorus-pro 5\u202fmin" in summary
    elif how == "option":
        assert "pas donné par --step\u00a0: chorus-pro 5\u202fmin" in summary
    else:
        assert "pas donné par la colonne interval_s\u00a0: chorus-pro 5\u202fmin" in summary

    figures = _sla(capsys, config)
    # The day is covered to its last row's cover (before: 10 s of every 5 minutes, 3 %).
    assert figures["unknown_s"] == 0
    assert figures["coverage"] == 1.0
    # The 5-minute outage is 5 minutes (before: the 10 s its row could cover).
    assert figures["down_s"] == 300
    assert figures["incidents"] == 1

    with Store(tmp_path / "v.db") as store:
        steps = {r.interval_s for r in store.results("chorus-pro")}
        assert steps == {300.0}
        store.rebuild_rollups()
    assert _sla(capsys, config) == figures


def test_json_says_the_step_and_where_it_comes_from(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = _setup(tmp_path, "en")
    history = tmp_path / "centreon.csv"
    _history(history)
    assert main(["ingest", "samples", "--config", str(config), "--json", str(history)]) == 0
    (stats,) = json.loads(capsys.readouterr().out)
    assert stats["steps"] == [
        {"component": "chorus-pro", "probe": "ingest", "step_s": 300.0, "source": "median"}
    ]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--step", "0s"], "vigie: error: --step 0s: must be longer than zero"),
        (["--step", "2d"], "vigie: error: --step 2d: must be at most 1d"),
        (["--step", "soon"], "vigie: error: --step: 'soon' is not a duration"),
    ],
)
def test_a_bad_step_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    config = _setup(tmp_path)
    history = tmp_path / "h.csv"
    _history(history)
    assert main(["ingest", "samples", "--config", str(config), *argv, str(history)]) == 2
    assert capsys.readouterr().err.startswith(message)


def test_a_bad_interval_cell_is_located(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = _setup(tmp_path)
    history = tmp_path / "h.csv"
    history.write_text(
        "component,timestamp,status,interval_s\n"
        "chorus-pro,2017-12-11T00:00:00+01:00,up,300\n"
        "chorus-pro,2017-12-11T00:05:00+01:00,up,0\n",
        encoding="utf-8",
    )
    assert main(["ingest", "samples", "--config", str(config), str(history)]) == 2
    assert capsys.readouterr().err.startswith(f"{history}:3: interval_s: 0 is out of range")
    with Store(tmp_path / "v.db") as store:
        assert store.count() == 0
