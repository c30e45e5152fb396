"""Issue 16, item 7: no data is "—" everywhere. A year before without any ticket is not
zero tickets (`tickets stats`, table and JSON, and the report's section 6); the report's
tickets section states what manager.md promises (first-contact resolution, median and P90
time to resolve, backlog), applications by name, channels in the console's words."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from vigie.console.cli import main
from vigie.probes.tickets.model import Ticket
from vigie.probes.tickets.store import TicketStore

PARIS = ZoneInfo("Europe/Paris")
CONFIG = """
[vigie]
language = "fr"

[store]
path = "vigie.db"

[[components]]
id = "chorus-pro"
name = "Chorus Pro"
target = 99
"""


def _tickets(path: Path, year_before: bool) -> None:
    opened = datetime(2017, 12, 4, 9, tzinfo=PARIS)
    rows = [
        Ticket("t", "1", "chorus-pro", opened, opened + timedelta(minutes=5), None, "solved", "phone", "", 1, True),
        Ticket("t", "2", "chorus-pro", opened, opened + timedelta(hours=2), None, "solved", "web", "", 2, False),
        Ticket("t", "3", "chorus-pro", opened, None, None, "new", "chat", "", 2, False),
    ]  # fmt: skip
    if year_before:
        rows.append(
            Ticket("t", "4", "place", opened.replace(year=2016), None, None, "new", "web", "", 1, False)
        )
    with TicketStore(path) as store:
        store.upsert(rows)


def _by_application(config: Path, capsys: pytest.CaptureFixture[str]) -> Any:
    """`vigie tickets stats --month 2017-12 --by application --json`, decoded."""
    argv = [
        "tickets",
        "stats",
        "--month",
        "2017-12",
        "--by",
        "application",
        "--json",
        "--config",
        str(config),
    ]
    assert main(argv) == 0
    return json.loads(capsys.readouterr().out)


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(CONFIG, encoding="utf-8")
    return path


def test_a_year_before_without_tickets_is_a_dash_not_zero(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _tickets(config.parent / "vigie.db", year_before=False)
    assert main(["tickets", "stats", "--month", "2017-12", "--config", str(config)]) == 0
    out = capsys.readouterr().out
    (header,) = [row for row in out.splitlines() if "Période" in row]
    assert "Total" not in header
    (line,) = [row for row in out.splitlines() if row.strip().startswith("2017-12 ")]
    cells = line.split()
    assert cells[:4] == ["2017-12", "3", "—", "—"]
    data = _by_application(config, capsys)
    assert data["total"]["previous"] is None and data["groups"][0]["previous"] is None


def test_a_year_before_with_tickets_keeps_its_zeros(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _tickets(config.parent / "vigie.db", year_before=True)
    data = _by_application(config, capsys)
    assert data["total"]["previous"] == 1
    assert {g["key"]: g["previous"] for g in data["groups"]} == {"chorus-pro": 0, "place": 1}


def test_the_report_tickets_section(config: Path, tmp_path: Path) -> None:
    _tickets(config.parent / "vigie.db", year_before=False)
    out = tmp_path / "r.md"
    argv = ["report", "monthly", "2017-12", "--format", "md", "--out", str(out), "--config", str(config)]
    assert main(argv) == 0
    text = out.read_text(encoding="utf-8")
    section = text[text.index("## 6.") : text.index("## 7.")]
    assert (
        "| Résolus au 1er contact | Résolution médiane | Résolution P90 | Stock fin de période |" in section
    )
    # By name, with the year before unknown (—), 1 in 3 at first contact, median 2 h, 1 open.
    assert (
        "| Chorus Pro | 3 | — | — | 33,3\u202f% | 1\u202fh 02\u202fmin | 1\u202fh 48\u202fmin | 1 |"
        in section
    )
    for channel in ("Téléphone", "Formulaire web", "Messagerie instantanée"):
        assert f"| {channel} |" in section
    data = tmp_path / "r.json"
    assert (
        main(
            ["report", "monthly", "2017-12", "--format", "json", "--out", str(data), "--config", str(config)]
        )
        == 0
    )
    tickets = json.loads(data.read_text(encoding="utf-8"))["tickets"]
    assert tickets["total"]["previous"] is None and tickets["total"]["first_contact_rate"] == pytest.approx(
        1 / 3
    )
    assert tickets["by_application"][0]["name"] == "Chorus Pro"
