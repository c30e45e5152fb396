"""`vigie tickets import`: Vigie's plain CSV and GLPI's export as it really is; bad files
are one located line (exit 2) and leave the store as it was; re-import changes nothing."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from dataclasses import astuple
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vigie.console.cli import main
from vigie.probes.tickets.config import TicketsConfig
from vigie.probes.tickets.csvimport import import_csv
from vigie.probes.tickets.mapping import plain_row
from vigie.probes.tickets.model import CSV_HEADER, Ticket
from vigie.probes.tickets.store import TicketStore

PARIS = ZoneInfo("Europe/Paris")
NOW = datetime(2017, 6, 1, 12, tzinfo=PARIS)
HEADER = ",".join(CSV_HEADER)
PLAIN = f"""{HEADER}
demo,1,chorus-pro,2017-01-03T09:00:00+01:00,2017-01-03T09:10:00+01:00,,solved,phone,Connexion,1,true
demo,2,chorus-pro,2017-02-03T09:00:00Z,,,new,chat,Facturation,2,false
demo,3,place,2016-02-03T09:00:00Z,2016-02-05T09:00:00Z,2016-02-06T09:00:00Z,closed,chatbot,,1,false
"""

FRENCH = [
    "ID",
    "Titre",
    "Statut",
    "Date d'ouverture",
    "Dernière modification",
    "Date de résolution",
    "Date de clôture",
    "Catégorie",
    "Source de la demande",
    "Entité",
    "Groupe de techniciens",
]
ENGLISH = [
    "ID",
    "Title",
    "Status",
    "Opening date",
    "Last update",
    "Resolution date",
    "Closing date",
    "Category",
    "Request source",
    "Entity",
    "Technician group",
]
GLPI_ROWS = {
    "fr": [
        ["1042", "Connexion; impossible", "Résolu", "2017-03-01 09:30", "2017-03-01 10:00", "2017-03-01 10:00", "", "Chorus Pro > Connexion", "Téléphone", "Entité racine > AIFE", ""],
        ["1043", 'Facture "rejetée"', "En cours (Attribué)", "2017-03-02 14:00", "2017-03-02 15:00", "", "", "", "Courriel", "Entité racine > PLACE", "Support N2"],
        ["1044", "Question", "Clos", "2017-03-03 08:00", "2017-03-05 08:00", "2017-03-04 08:00", "2017-03-05 08:00", "Chorus Cœur", "Helpdesk", "Entité racine", ""],
    ],
    "en": [
        ["1042", "Cannot log in; help", "Solved", "2017-03-01 09:30", "2017-03-01 10:00", "2017-03-01 10:00", "", "Chorus Pro > Connexion", "Phone", "Root entity > AIFE", ""],
        ["1043", 'Invoice "rejected"', "Processing (assigned)", "2017-03-02 14:00", "2017-03-02 15:00", "", "", "", "E-Mail", "Root entity > PLACE", "Support N2"],
        ["1044", "Question", "Closed", "2017-03-03 08:00", "2017-03-05 08:00", "2017-03-04 08:00", "2017-03-05 08:00", "Chorus Cœur", "Helpdesk", "Root entity", ""],
    ],
}  # fmt: skip

CONFIG = """
[store]
path = "vigie.db"

[tickets]
level2_groups = ["Support N2"]

[tickets.applications]
"Chorus Pro" = "chorus-pro"
"Chorus Cœur" = "chorus-coeur"
"Root entity > PLACE" = "place"
"Entité racine > PLACE" = "place"
"""


def glpi_export(labels: list[str], rows: list[list[str]], delimiter: str) -> str:
    """A GLPI CSV export: every cell quoted, a trailing delimiter, CRLF (the BOM is added on write)."""

    def line(cells: list[str]) -> str:
        return "".join('"' + c.replace('"', '""') + '"' + delimiter for c in cells) + "\r\n"

    return line(labels) + "".join(line(r) for r in rows)


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(CONFIG, encoding="utf-8")
    return path


def write(tmp_path: Path, name: str, text: str, bom: bool = False) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8-sig" if bom else "utf-8", newline="")
    return path


def rows_in(tmp_path: Path) -> list[tuple[object, ...]]:
    with TicketStore(tmp_path / "vigie.db") as store:
        return sorted(astuple(t) for t in store.tickets())


def test_plain_csv_is_imported(tmp_path: Path, config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, "plain.csv", PLAIN)
    assert main(["tickets", "import", str(path), "--config", str(config)]) == 0
    assert "3 tickets (format vigie)\u00a0; 3 enregistrés" in capsys.readouterr().out
    with TicketStore(tmp_path / "vigie.db") as store:
        tickets = {t.id: t for t in store.tickets()}
    assert tickets["1"].opened == datetime(2017, 1, 3, 9, tzinfo=PARIS)
    assert tickets["1"].solved == datetime(2017, 1, 3, 9, 10, tzinfo=PARIS)
    assert (tickets["1"].first_contact, tickets["2"].level, tickets["3"].channel) == (True, 2, "chatbot")
    assert tickets["2"].solved is None and tickets["3"].closed is not None


@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize("delimiter", [";", ","])
def test_glpi_export_is_imported(
    tmp_path: Path, config: Path, language: str, delimiter: str, capsys: pytest.CaptureFixture[str]
) -> None:
    labels = FRENCH if language == "fr" else ENGLISH
    path = write(tmp_path, "glpi.csv", glpi_export(labels, GLPI_ROWS[language], delimiter), bom=True)
    assert main(["tickets", "import", str(path), "--config", str(config), "--json"]) == 0
    assert '"format": "glpi"' in capsys.readouterr().out
    with TicketStore(tmp_path / "vigie.db") as store:
        tickets = {t.id: t for t in store.tickets()}
    assert sorted(tickets) == ["1042", "1043", "1044"]
    first, second, third = tickets["1042"], tickets["1043"], tickets["1044"]
    assert (first.source, first.application, first.channel, first.status) == (
        "glpi",
        "chorus-pro",
        "phone",
        "solved",
    )
    assert first.opened == datetime(2017, 3, 1, 9, 30, tzinfo=PARIS)
    assert (first.level, first.first_contact, first.category) == (1, True, "Chorus Pro > Connexion")
    assert (second.application, second.channel, second.status) == ("place", "email", "assigned")
    assert (second.level, second.first_contact) == (2, False)
    assert (third.application, third.channel, third.status) == ("chorus-coeur", "web", "closed")
    assert third.resolved == datetime(2017, 3, 4, 8, tzinfo=PARIS)


def test_reimport_is_idempotent_and_updates(tmp_path: Path, config: Path) -> None:
    path = write(tmp_path, "plain.csv", PLAIN)
    assert main(["tickets", "import", str(path), "--config", str(config)]) == 0
    first = rows_in(tmp_path)
    assert main(["tickets", "import", str(path), "--config", str(config)]) == 0
    assert rows_in(tmp_path) == first
    changed = write(
        tmp_path, "changed.csv", PLAIN.replace("Z,,,new,chat,", "Z,2017-02-04T09:00:00Z,,solved,chat,")
    )
    assert main(["tickets", "import", str(changed), "--config", str(config)]) == 0
    after = {row[1]: row for row in rows_in(tmp_path)}
    assert len(after) == 3 and after["2"][6] == "solved"


def _plain_with(line: str) -> str:
    return PLAIN + line + "\n"


GOOD = "demo,9,chorus-pro,2017-01-03T09:00:00+01:00,,,new,phone,,1,false"
BAD_FILES = [
    # (name, file text, expected "line: field: words")
    ("missing column", PLAIN.replace(",first_contact", "", 1), "1: first_contact: missing required column"),
    ("bad date", _plain_with(GOOD.replace("2017-01-03T09:00:00+01:00", "2017-02-30T09:00:00Z")), "5: opened: '2017-02-30T09:00:00Z' is not"),
    ("no offset", _plain_with(GOOD.replace("+01:00", "")), "5: opened: '2017-01-03T09:00:00' has no offset"),
    ("unknown channel", _plain_with(GOOD.replace(",phone,", ",fax,")), "5: channel: 'fax' is not one of"),
    ("bad status", _plain_with(GOOD.replace(",new,", ",open,")), "5: status: 'open' is not one of"),
    ("bad level", _plain_with(GOOD.replace(",1,false", ",3,false")), "5: level: '3' is not 1 or 2"),
    ("bad boolean", _plain_with(GOOD.replace(",false", ",yes")), "5: first_contact: 'yes' is not true or false"),
    ("empty id", _plain_with(GOOD.replace("demo,9,", "demo,,")), "5: id: required value is empty"),
    ("solved before opened", _plain_with(GOOD.replace(",,,new", ",2016-01-01T00:00:00Z,,new")), "5: solved: is before the opening date"),
    ("truncated row", PLAIN + GOOD[:40] + "\n", "5: solved: missing (the row has 4 fields"),
    ("truncated quoted cell", PLAIN + 'demo,10,"chorus', "5: malformed CSV"),
    ("unknown header", "a,b,c\n1,2,3\n", "1: header is neither Vigie's CSV format nor a GLPI export"),
]  # fmt: skip
GLPI_BAD = [
    ("unmapped request source", 2, 8, "Pigeon", "3: Source de la demande: unknown request source 'Pigeon'"),
    (
        "bad GLPI date",
        1,
        3,
        "32-13-2017 09:00",
        "2: Date d'ouverture: '32-13-2017 09:00' is not a GLPI date-time",
    ),
    ("bad GLPI status", 1, 2, "Perdu", "2: Statut: 'Perdu' is not a GLPI ticket status"),
]


def _assert_refused(
    tmp_path: Path, config: Path, path: Path, expected: str, capsys: pytest.CaptureFixture[str]
) -> None:
    good = write(tmp_path, "good.csv", PLAIN)
    assert main(["tickets", "import", str(good), "--config", str(config)]) == 0
    before = rows_in(tmp_path)
    capsys.readouterr()
    assert main(["tickets", "import", str(path), "--config", str(config)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    assert err.startswith(f"{path}:{expected}"), err
    assert rows_in(tmp_path) == before


@pytest.mark.parametrize(("name", "text", "expected"), BAD_FILES, ids=[b[0] for b in BAD_FILES])
def test_bad_plain_file_is_one_line_and_changes_nothing(
    tmp_path: Path, config: Path, capsys: pytest.CaptureFixture[str], name: str, text: str, expected: str
) -> None:
    # The bad row comes after good ones that would otherwise be new: all or nothing.
    path = write(tmp_path, "bad.csv", text.replace("demo,", "other,", 2))
    _assert_refused(tmp_path, config, path, expected, capsys)


@pytest.mark.parametrize(
    ("name", "row", "column", "value", "expected"), GLPI_BAD, ids=[b[0] for b in GLPI_BAD]
)
def test_bad_glpi_file_names_the_column_label(
    tmp_path: Path,
    config: Path,
    capsys: pytest.CaptureFixture[str],
    name: str,
    row: int,
    column: int,
    value: str,
    expected: str,
) -> None:
    rows = [list(r) for r in GLPI_ROWS["fr"]]
    rows[row - 1][column] = value
    path = write(tmp_path, "glpi.csv", glpi_export(FRENCH, rows, ";"), bom=True)
    _assert_refused(tmp_path, config, path, expected, capsys)


def test_glpi_export_without_the_status_column_is_refused(
    tmp_path: Path, config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    labels = [x for x in FRENCH if x != "Statut"]
    rows = [[c for i, c in enumerate(r) if i != 2] for r in GLPI_ROWS["fr"]]
    path = write(tmp_path, "glpi.csv", glpi_export(labels, rows, ";"), bom=True)
    _assert_refused(tmp_path, config, path, "1: status: missing required column", capsys)


def test_configured_labels_map_other_languages(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(CONFIG + '\n[tickets.labels]\n"Estado" = "status"\n', encoding="utf-8")
    labels = ["Estado" if x == "Statut" else x for x in FRENCH]
    path = write(tmp_path, "glpi.csv", glpi_export(labels, GLPI_ROWS["fr"], ";"), bom=True)
    assert main(["tickets", "import", str(path), "--config", str(config)]) == 0


def test_progress_bar_path_imports_the_same(tmp_path: Path) -> None:
    path = write(tmp_path, "plain.csv", PLAIN)
    with TicketStore(tmp_path / "t.db") as store:
        result = import_csv(path, store, TicketsConfig(), progress=True)
    assert (result.rows, result.stored, result.format) == (3, 3, "vigie")


def test_installed_command_gives_no_traceback(tmp_path: Path, config: Path) -> None:
    missing = tmp_path / "nope.csv"
    bad = write(tmp_path, "bad.csv", _plain_with(GOOD.replace(",phone,", ",fax,")))
    for path, expected in ((bad, f"{bad}:5: channel: 'fax'"), (missing, f"{missing}: cannot read")):
        proc = subprocess.run(
            [sys.executable, "-m", "vigie", "tickets", "import", str(path), "--config", str(config)],
            capture_output=True, text=True, check=False, timeout=60,
        )  # fmt: skip
        assert proc.returncode == 2
        assert "Traceback" not in proc.stderr and proc.stderr.count("\n") == 1
        assert proc.stderr.startswith(expected), proc.stderr


def test_import_does_not_hold_the_write_lock_while_reading(tmp_path: Path) -> None:
    path = write(tmp_path, "plain.csv", PLAIN)
    with TicketStore(tmp_path / "t.db") as store:
        store.upsert([])
        written: list[int] = []

        def batches() -> Iterator[list[Ticket]]:
            yield [Ticket("csv", "1", "place", NOW, None, None, "new", "web", "", 1, False)]
            with TicketStore(tmp_path / "t.db", busy_timeout=0.2) as other:  # another writer, meanwhile
                other.upsert([Ticket("daemon", "x", "place", NOW, None, None, "new", "web", "", 1, False)])
                written.append(other.count())
            raise ValueError("a bad row")

        with pytest.raises(ValueError):
            store.upsert_all_or_nothing(batches())
        assert written == [1] and store.count() == 1
        assert import_csv(path, store, TicketsConfig(), progress=False).stored == 4


@pytest.mark.parametrize("where", ["header", "row"])
def test_a_file_that_is_not_utf8_is_refused(
    tmp_path: Path, config: Path, capsys: pytest.CaptureFixture[str], where: str
) -> None:
    text = PLAIN.encode() + b"demo,9,caf\xe9,2017-01-03T09:00:00Z,,,new,phone,,1,false\n"
    path = tmp_path / "latin1.csv"
    path.write_bytes(b"\xff\xfe" + text if where == "header" else text)
    assert main(["tickets", "import", str(path), "--config", str(config)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"{path}:") and "not UTF-8 text" in err and err.count("\n") == 1


def test_the_last_row_of_a_ticket_in_a_file_wins(tmp_path: Path) -> None:
    later = "demo,2,chorus-pro,2017-02-03T09:00:00Z,2017-02-03T10:00:00Z,,solved,chat,Facturation,2,false"
    path = write(tmp_path, "plain.csv", PLAIN + later + "\n")
    with TicketStore(tmp_path / "t.db") as store:
        assert import_csv(path, store, TicketsConfig(), progress=False).stored == 3
        assert {t.id: t.status for t in store.tickets()}["2"] == "solved"


def _index_sql(store: TicketStore) -> str | None:
    row = store.db.conn.execute("SELECT sql FROM sqlite_master WHERE name = 'tickets_opened'").fetchone()
    return None if row is None else str(row[0])


def test_large_imports_rebuild_the_opening_index_small_ones_update_it(tmp_path: Path) -> None:
    rows = [
        f"bulk,{n},place,2017-01-{1 + n % 28:02d}T09:00:00Z,2017-02-01T09:00:00Z,,solved,web,,1,true"
        for n in range(40)
    ]
    big = write(tmp_path, "big.csv", "\n".join([HEADER, *rows]) + "\n")
    small = write(tmp_path, "small.csv", PLAIN)
    with TicketStore(tmp_path / "t.db") as store:
        created = _index_sql(store)
        assert import_csv(big, store, TicketsConfig(), progress=False).stored == 40  # rebuilt
        assert import_csv(small, store, TicketsConfig(), progress=False).stored == 43  # updated
        assert _index_sql(store) == created
        assert store.db.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        since, until = datetime(2017, 1, 10, tzinfo=PARIS), datetime(2017, 2, 4, tzinfo=PARIS)
        expected = [t for t in store.tickets() if since <= t.opened < until]
        assert list(store.tickets(since, until)) == expected and len(expected) == 23


@settings(max_examples=200, deadline=None)
@given(
    opened=st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2030, 1, 1)),
    offset=st.integers(min_value=-12 * 60, max_value=14 * 60),
    solved=st.none() | st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=400)),
    closed=st.none() | st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=400)),
    level=st.sampled_from([1, 2]),
    first=st.booleans(),
)
def test_plain_rows_are_the_tickets_rows(
    opened: datetime,
    offset: int,
    solved: timedelta | None,
    closed: timedelta | None,
    level: int,
    first: bool,
) -> None:
    start = opened.replace(tzinfo=timezone(timedelta(minutes=offset)))
    done = None if solved is None else start + solved
    ended = None if closed is None else start + closed
    ticket = Ticket("demo", "7", "place", start, done, ended, "closed", "chat", "c", level, first)
    cells = [
        "demo", "7", "place", start.isoformat(),
        "" if done is None else done.isoformat(), "" if ended is None else ended.isoformat(),
        "closed", "chat", "c", str(level), str(first).lower(),
    ]  # fmt: skip
    assert plain_row(cells) == ticket.row()
