"""Every file users hand Vigie is read the same way, whichever command reads it.

History (`vigie ingest samples`), tickets (`vigie tickets import`) and the catalog (`vigie
config check`) accept Excel's "CSV UTF-8" (a BOM) and refuse, with one located line and exit
2, a file that is not UTF-8, a NUL byte and a file ending inside an unclosed quote; the
store is left as it was.
"""

from __future__ import annotations

import codecs
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.test_catalog_loader import APPLICATIONS, INTERFACES, MINISTRIES
from vigie.console.cli import main
from vigie.probes.store import Store
from vigie.probes.tickets.model import CSV_HEADER
from vigie.probes.tickets.store import TicketStore

CONFIG = """
[store]
path = "v.db"

[catalog]
path = "catalog"

[[components]]
id = "orme"
name = "ORME"
target = 98
"""
HISTORY = "component,timestamp,status,latency_ms,detail\n" + "".join(
    f"orme,2017-12-01T10:0{m}:00Z,up,12,ok\n" for m in range(4)
)
TICKETS = (
    ",".join(CSV_HEADER)
    + "\n"
    + "".join(f"demo,{n},orme,2017-12-0{n}T09:00:00+01:00,,,new,phone,,1,false\n" for n in range(1, 5))
)
CATALOG = {"ministries": MINISTRIES, "applications": APPLICATIONS, "interfaces": INTERFACES}

# What breaks a file, as bytes replacing the 4th line's (``{row}``), and the line's message.
BREAKAGES = {
    "latin-1": (
        lambda row: row.replace(b"o", "ô".encode("latin-1"), 1),
        'not UTF-8 text (byte 0xF4 at column {column}): save the file as UTF-8 ("CSV UTF-8" in Excel)',
    ),
    "nul": (
        lambda row: row.replace(b"o", b"\0", 1),
        'a NUL byte at column {column}: not a text file (UTF-16?): save the file as UTF-8 ("CSV UTF-8" in Excel)',
    ),
    "unclosed quote": (
        lambda row: row.rstrip(b"\n") + b',"oops\n',
        "malformed CSV: the file ends inside a quoted cell (a quote opened on this row is never closed)",
    ),
}


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(CONFIG, encoding="utf-8")
    (tmp_path / "catalog").mkdir()
    for name, text in CATALOG.items():
        (tmp_path / "catalog" / f"{name}.csv").write_text(text, encoding="utf-8")
    return path


def _history(tmp_path: Path) -> list[object]:
    with Store(tmp_path / "v.db") as store:
        return [*store.results(), *store.segments("orme", 0, 2e9), *store.hourly(None, 0, 2e9)]


def _tickets(tmp_path: Path) -> list[object]:
    with TicketStore(tmp_path / "v.db") as store:
        return sorted(map(repr, store.tickets()))


def _nothing(tmp_path: Path) -> list[object]:
    return []


# (command, file to write, its good text, what the store holds)
IMPORTERS: dict[str, tuple[list[str], str, str, Callable[[Path], list[object]]]] = {
    "history": (["ingest", "samples"], "history.csv", HISTORY, _history),
    "tickets": (["tickets", "import"], "tickets.csv", TICKETS, _tickets),
    "catalog": (["config", "check"], "catalog/applications.csv", APPLICATIONS, _nothing),
}


def _run(
    capsys: pytest.CaptureFixture[str], config: Path, importer: str, path: Path
) -> tuple[int, list[str]]:
    command = IMPORTERS[importer][0]
    files = [] if importer == "catalog" else [str(path)]
    code = main([*command, *files, "--config", str(config)])
    return code, capsys.readouterr().err.strip().splitlines()


@pytest.mark.parametrize("importer", IMPORTERS)
def test_excels_csv_utf8_is_read_by_every_importer(
    tmp_path: Path, config: Path, capsys: pytest.CaptureFixture[str], importer: str
) -> None:
    _, name, text, held = IMPORTERS[importer]
    path = tmp_path / name
    path.write_bytes(codecs.BOM_UTF8 + text.encode("utf-8"))
    code, err = _run(capsys, config, importer, path)
    assert (code, err) == (0, [])
    assert held(tmp_path) or importer == "catalog"


@pytest.mark.parametrize("breakage", BREAKAGES)
@pytest.mark.parametrize("importer", IMPORTERS)
def test_a_bad_file_is_one_located_line_exit_2_and_the_store_unchanged(
    tmp_path: Path, config: Path, capsys: pytest.CaptureFixture[str], importer: str, breakage: str
) -> None:
    _, name, text, held = IMPORTERS[importer]
    path = tmp_path / name
    if importer != "catalog":
        path.write_text(text, encoding="utf-8")
        assert _run(capsys, config, importer, path)[0] == 0
        # The broken file holds the same rows, but for new ones: an import would add them.
        text = text.replace("2017-12-0", "2017-11-0").replace("demo,", "other,")
    before = held(tmp_path)
    lines = text.encode("utf-8").splitlines(keepends=True)
    damage, message = BREAKAGES[breakage]
    lines[3] = damage(lines[3])
    path.write_bytes(b"".join(lines))
    column = (
        lines[3].index(b"\0" if breakage == "nul" else b"\xf4") + 1 if breakage != "unclosed quote" else 0
    )
    code, err = _run(capsys, config, importer, path)
    assert code == 2
    # A catalog table left out is followed by one count of the references it would have
    # checked, never by a line per reference (issue 15, item 11).
    unchecked = [f"{path}: 6 later references to applications not checked (the table could not be read)"]
    assert err == [
        f"{path}:4: {message.format(column=column)}",
        *(unchecked if importer == "catalog" else []),
    ]
    assert held(tmp_path) == before


@pytest.mark.parametrize("importer", ["history", "tickets"])
def test_an_unreadable_file_is_one_line_exit_2(
    tmp_path: Path, config: Path, capsys: pytest.CaptureFixture[str], importer: str
) -> None:
    for path, reason in ((tmp_path / "absent.csv", "file not found"), (tmp_path, "a directory, not a file")):
        assert _run(capsys, config, importer, path) == (2, [f"{path}: cannot read: {reason}"])


def test_config_toml_is_opened_the_same_way(
    tmp_path: Path, config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config.write_bytes(codecs.BOM_UTF8 + CONFIG.encode())
    assert main(["config", "check", "--config", str(config)]) == 0
    config.write_bytes(CONFIG.replace("ORME", "ORMÉ").encode("latin-1"))
    capsys.readouterr()
    assert main(["config", "check", "--config", str(config)]) == 2
    assert capsys.readouterr().err == (
        f"{config}:10: not UTF-8 text (byte 0xC9 at column 12): save the file as UTF-8\n"
    )
