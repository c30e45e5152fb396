"""Issue 16, item 4: a frozen month says so. After `vigie sla --freeze`, the month keeps the
target of its day while the config says another; `vigie sla`, its JSON and the reports mark
the figures as frozen, with the day and the target used."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from vigie.console.cli import main

CONFIG = """
[vigie]
timezone = "Europe/Paris"
language = "fr"

[store]
path = "v.db"

[reports]
output_dir = "reports"

[[components]]
id = "chorus-pro"
name = "Chorus Pro"
target = {target}
"""

DEC = datetime(2017, 11, 30, 23, 0, tzinfo=UTC)  # 2017-12-01 00:00 in Paris


@pytest.fixture
def frozen(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    """December 2017 with one 5-minute outage, frozen at a 98 % target; the config then says 99.5 %."""
    config = tmp_path / "config.toml"
    config.write_text(CONFIG.format(target=98), encoding="utf-8")
    lines = ["component,timestamp,status"]
    outage = DEC + timedelta(days=10)
    for k in range(31 * 288):
        t = DEC + timedelta(minutes=5 * k)
        lines.append(f"chorus-pro,{t:%Y-%m-%dT%H:%M:%SZ},{'down' if t == outage else 'up'}")
    history = tmp_path / "h.csv"
    history.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert main(["ingest", "samples", "--config", str(config), str(history)]) == 0
    assert main(["sla", "--month", "2017-12", "--freeze", "--config", str(config)]) == 0
    config.write_text(CONFIG.format(target=99.5), encoding="utf-8")
    capsys.readouterr()
    return config


def test_sla_marks_a_frozen_month_with_its_day_and_target(
    frozen: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["sla", "--month", "2017-12", "--config", str(frozen)]) == 0
    out = capsys.readouterr().out
    assert "conforme (figé)" in out
    assert "Chiffres figés le " in out and "cible comprise" in out
    assert "Chorus Pro\u00a0: jugé sur la cible de 98\u202f% en vigueur alors" in out
    assert "(la configuration dit aujourd'hui 99,5\u202f%)" in out

    assert main(["sla", "--month", "2017-12", "--json", "--config", str(frozen)]) == 0
    (row,) = json.loads(capsys.readouterr().out)
    assert row["target"] == 0.98 and row["configured_target"] == 0.995
    assert datetime.fromisoformat(row["frozen_at"]).year >= 2024

    # Recomputed, the month is no longer frozen: today's target, nothing marked.
    assert main(["sla", "--month", "2017-12", "--recompute", "--json", "--config", str(frozen)]) == 0
    (again,) = json.loads(capsys.readouterr().out)
    assert again["frozen_at"] is None and again["target"] == 0.995


def test_reports_mark_frozen_figures(
    frozen: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for fmt in ("html", "md", "json", "csv"):
        out = tmp_path / f"r.{fmt}"
        argv = ["report", "monthly", "2017-12", "--format", fmt, "--out", str(out), "--config", str(frozen)]
        assert main(argv) == 0
        text = out.read_text(encoding="utf-8")
        if fmt == "json":
            (row,) = json.loads(text)["availability"]["rows"]
            assert row["frozen_at"] is not None and row["target"] == 0.98
        elif fmt == "csv":
            assert ",frozen_at" in text.splitlines()[1]
        else:
            assert "Chorus Pro" in text and "figé" in text
            assert "Chiffres figés le " in text
    yearly = tmp_path / "y.md"
    assert (
        main(["report", "yearly", "2017", "--format", "md", "--out", str(yearly), "--config", str(frozen)])
        == 0
    )
    text = yearly.read_text(encoding="utf-8")
    assert "\\*" in text and "mois figé" in text
