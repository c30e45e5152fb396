"""`vigie tickets pull` against a loopback GLPI built from GLPI's documented REST API
(tests/glpi_server.py): pagination, incremental pulls, retries, session renewal, secrets."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.glpi_server import FakeGlpi, running
from vigie.console.cli import main
from vigie.probes.tickets.store import TicketStore

APP_TOKEN = "app-7f3c2b9e1d0a4c5b"
USER_TOKEN = "user-a1b2c3d4e5f6a7b8"


def glpi_ticket(number: int, modified: str, **values: Any) -> dict[str, Any]:
    """A ticket row as GLPI's search engine returns it (keys are search-option ids)."""
    row: dict[str, Any] = {
        "1": f"Ticket {number}",
        "2": number,
        "12": 5,
        "15": "2017-03-01 09:30:00",
        "16": None,
        "17": "2017-03-01 10:00:00",
        "7": "Chorus Pro > Connexion",
        "9": "Phone",
        "80": "Root entity > AIFE",
        "8": None,
        "19": modified,
    }
    row.update(values)
    return row


@pytest.fixture
def glpi(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeGlpi]:
    monkeypatch.setenv("GLPI_APP_TOKEN", APP_TOKEN)
    monkeypatch.setenv("GLPI_USER_TOKEN", USER_TOKEN)
    tickets = [glpi_ticket(n, f"2017-03-0{1 + n // 3} 12:00:0{n % 3}") for n in range(1, 8)]
    with running(FakeGlpi(APP_TOKEN, USER_TOKEN, tickets)) as server:
        yield server


def write_config(tmp_path: Path, url: str, page_size: int = 3, retries: int = 2) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(
        f"""
[store]
path = "vigie.db"

[tickets]
level2_groups = ["Support N2"]

[tickets.glpi]
url = "{url}"
app_token = "${{GLPI_APP_TOKEN}}"
user_token = "${{GLPI_USER_TOKEN}}"
page_size = {page_size}
retries = {retries}
backoff = "0s"
timeout = "5s"

[tickets.applications]
"Chorus Pro" = "chorus-pro"
""",
        encoding="utf-8",
    )
    return path


def stored(tmp_path: Path) -> dict[str, Any]:
    with TicketStore(tmp_path / "vigie.db") as store:
        return {t.id: t for t in store.tickets()}


def test_pull_follows_pages_and_kills_the_session(glpi: FakeGlpi, tmp_path: Path) -> None:
    config = write_config(tmp_path, glpi.url)
    assert main(["tickets", "pull", "--config", str(config)]) == 0
    tickets = stored(tmp_path)
    assert sorted(tickets, key=int) == [str(n) for n in range(1, 8)]
    searches = glpi.endpoint_calls("search/Ticket")
    assert [q["range"] for q in searches] == [["0-2"], ["3-5"], ["6-8"]]
    assert {q[k][0] for q in searches[:1] for k in q if k.startswith("forcedisplay")} >= {
        "2", "12", "15", "16", "17", "7", "9", "80"
    }  # fmt: skip
    assert len(glpi.endpoint_calls("initSession")) == 1
    assert len(glpi.endpoint_calls("killSession")) == 1
    assert glpi.sessions == set()
    one = tickets["1"]
    assert (one.application, one.channel, one.status, one.level, one.first_contact) == (
        "chorus-pro",
        "phone",
        "solved",
        1,
        True,
    )
    assert one.opened == datetime(2017, 3, 1, 9, 30, tzinfo=ZoneInfo("Europe/Paris"))


def test_second_pull_asks_only_for_changes(glpi: FakeGlpi, tmp_path: Path) -> None:
    config = write_config(tmp_path, glpi.url)
    assert main(["tickets", "pull", "--config", str(config)]) == 0
    glpi.tickets[0] = glpi_ticket(
        1, "2017-04-01 08:00:00", **{"12": 2, "17": None, "8": ["Support N1", "Support N2"]}
    )
    glpi.tickets.append(glpi_ticket(8, "2017-04-01 08:05:00", **{"9": "E-Mail"}))
    glpi.calls.clear()
    assert main(["tickets", "pull", "--config", str(config), "--json"]) == 0
    (search,) = glpi.endpoint_calls("search/Ticket")
    assert search["criteria[0][field]"] == ["19"]
    assert search["criteria[0][value]"] == ["2017-03-03 12:00:00"]  # the cursor's second, again
    tickets = stored(tmp_path)
    assert len(tickets) == 8
    assert (tickets["1"].status, tickets["1"].level, tickets["1"].solved) == ("assigned", 2, None)
    assert tickets["8"].channel == "email"
    with TicketStore(tmp_path / "vigie.db") as store:
        assert store.cursor("glpi") == "2017-04-01 08:05:00"


def test_server_errors_are_retried(glpi: FakeGlpi, tmp_path: Path) -> None:
    glpi.faults = [500, 503]
    config = write_config(tmp_path, glpi.url)
    assert main(["tickets", "pull", "--config", str(config)]) == 0
    assert len(stored(tmp_path)) == 7
    assert len(glpi.endpoint_calls("search/Ticket")) == 3 + 2


def test_an_expired_session_is_renewed(glpi: FakeGlpi, tmp_path: Path) -> None:
    glpi.expire_after_pages = 1
    config = write_config(tmp_path, glpi.url)
    assert main(["tickets", "pull", "--config", str(config)]) == 0
    assert len(stored(tmp_path)) == 7
    assert len(glpi.endpoint_calls("initSession")) == 2
    assert len(glpi.endpoint_calls("killSession")) == 1


def test_persistent_failure_is_one_line_and_stores_nothing(
    glpi: FakeGlpi, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config(tmp_path, glpi.url, retries=1)
    assert main(["tickets", "pull", "--config", str(config)]) == 0
    before = stored(tmp_path)
    glpi.tickets.append(glpi_ticket(9, "2017-05-01 00:00:00"))
    glpi.faults = [500, 500, 500]
    capsys.readouterr()
    assert main(["tickets", "pull", "--config", str(config)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "HTTP 500" in err
    assert stored(tmp_path) == before
    assert len(glpi.endpoint_calls("killSession")) == 2


def test_unmapped_request_source_names_the_ticket_and_stores_nothing(
    glpi: FakeGlpi, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    glpi.tickets[4]["9"] = "Pigeon voyageur"
    config = write_config(tmp_path, glpi.url)
    assert main(["tickets", "pull", "--config", str(config)]) == 2
    err = capsys.readouterr().err
    assert err == (
        f"{glpi.url}/search/Ticket: ticket 5: request_source: unknown request source "
        "'Pigeon voyageur' (map it in [tickets.channels])\n"
    )
    assert stored(tmp_path) == {}


def test_secrets_never_reach_output_or_logs(
    glpi: FakeGlpi, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    config = write_config(tmp_path, glpi.url)
    caplog.set_level(logging.DEBUG)
    env = {**os.environ, "GLPI_APP_TOKEN": APP_TOKEN, "GLPI_USER_TOKEN": USER_TOKEN}
    ok = subprocess.run(
        [sys.executable, "-m", "vigie", "tickets", "pull", "--config", str(config)],
        capture_output=True, text=True, env=env, check=False, timeout=60,
    )  # fmt: skip
    assert ok.returncode == 0, ok.stderr
    bad = subprocess.run(
        [sys.executable, "-m", "vigie", "tickets", "pull", "--config", str(config)],
        capture_output=True, text=True, env={**env, "GLPI_USER_TOKEN": "wrong-" + USER_TOKEN},
        check=False, timeout=60,
    )  # fmt: skip
    assert bad.returncode == 2
    assert "Traceback" not in bad.stderr and bad.stderr.count("\n") == 1
    assert "ERROR_GLPI_LOGIN_USER_TOKEN" in bad.stderr
    assert main(["tickets", "pull", "--config", str(config)]) == 0  # in-process, for caplog
    for text in (ok.stdout, ok.stderr, bad.stdout, bad.stderr, caplog.text):
        assert APP_TOKEN not in text and USER_TOKEN not in text


def test_a_ticket_changed_during_the_pull_skips_nobody(glpi: FakeGlpi, tmp_path: Path) -> None:
    glpi.tickets = [glpi_ticket(n, f"2017-03-01 12:{n // 60:02d}:{n % 60:02d}") for n in range(1, 46)]

    def someone_edits_the_oldest(server: FakeGlpi) -> None:
        server.tickets[0] = glpi_ticket(1, "2017-03-02 08:00:00", **{"12": 6})

    glpi.after_first_page = someone_edits_the_oldest
    config = write_config(tmp_path, glpi.url, page_size=20)
    assert main(["tickets", "pull", "--config", str(config)]) == 0
    tickets = stored(tmp_path)
    assert len(tickets) == 45 and tickets["1"].status == "closed"
