"""Issue 16, item 8: GLPI exports as GLPI 9.5 and 10 write them. The technician group's
column is headed "Attribué à - Groupe de techniciens" ("Assigned to - Technician group"),
labels may carry a typographic apostrophe ("Date d’ouverture"), and a column that looks
like a known field but is not one is ignored with a one-line warning naming it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.test_tickets_import import CONFIG, ENGLISH, FRENCH, GLPI_ROWS, glpi_export, write
from vigie.console.cli import main
from vigie.probes.tickets.store import TicketStore

AS_GLPI_WRITES = {
    "fr": [
        *FRENCH[:3],
        "Date d\u2019ouverture",
        "Dernière modification",
        "Date de résolution",
        "Date de clôture",
        *FRENCH[7:10],
        "Attribué à - Groupe de techniciens",
    ],
    "en": [*ENGLISH[:10], "Assigned to - Technician group"],
}


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(CONFIG, encoding="utf-8")
    return path


@pytest.mark.parametrize("language", ["fr", "en"])
def test_the_technician_group_column_as_glpi_heads_it_sets_the_level(
    tmp_path: Path, config: Path, language: str, capsys: pytest.CaptureFixture[str]
) -> None:
    export = glpi_export(AS_GLPI_WRITES[language], GLPI_ROWS[language], ";")
    path = write(tmp_path, "glpi.csv", export, bom=True)
    assert main(["tickets", "import", str(path), "--config", str(config), "--json"]) == 0
    captured = capsys.readouterr()
    assert captured.err == ""  # every column mapped: nothing to warn about
    assert json.loads(captured.out)[0]["warnings"] == []
    with TicketStore(tmp_path / "vigie.db") as store:
        tickets = {t.id: t for t in store.tickets()}
    # Ticket 1043 was assigned to "Support N2": level 2, not resolved at first contact.
    assert (tickets["1043"].level, tickets["1043"].first_contact) == (2, False)
    assert (tickets["1042"].level, tickets["1042"].first_contact) == (1, True)
    assert tickets["1042"].opened.isoformat() == "2017-03-01T08:30:00+00:00"  # 09:30 in Paris


def test_a_look_alike_column_is_ignored_with_a_warning_naming_it(
    tmp_path: Path, config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    labels = [*AS_GLPI_WRITES["fr"][:10], "Attribué à - Groupe de technicien"]
    path = write(tmp_path, "glpi.csv", glpi_export(labels, GLPI_ROWS["fr"], ";"), bom=True)
    assert main(["tickets", "import", str(path), "--config", str(config)]) == 0
    err = capsys.readouterr().err.splitlines()
    assert err == [
        f"vigie: warning: {path}:1: Attribué à - Groupe de technicien: column ignored; it looks like "
        "'attribué à - groupe de techniciens' (the group field): name it so or map it in [tickets.labels]"
    ]


def test_a_typographic_apostrophe_in_a_required_label_is_no_longer_missing(
    tmp_path: Path, config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    labels = [label.replace("'", "\u2019") for label in FRENCH]
    path = write(tmp_path, "glpi.csv", glpi_export(labels, GLPI_ROWS["fr"], ";"), bom=True)
    assert main(["tickets", "import", str(path), "--config", str(config)]) == 0
    assert "opened: missing" not in capsys.readouterr().err
