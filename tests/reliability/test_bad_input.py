"""Issue 15, bad input items 6-12: each file is refused with exit 2 and its located line(s),
no traceback, the store unchanged; what must be accepted (a BOM) is."""

from __future__ import annotations

import codecs
import re
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.reliability import ledger
from tests.reliability.conftest import digest, intact, run, vigie, write_history

CONFIG = """\
[store]
path = "vigie.db"
[exporter]
enabled = false
[catalog]
path = "catalog"
[[components]]
id = "web"
name = "Web"
target = 99
"""
GOOD = "component,timestamp,status,latency_ms,detail\nweb,2017-12-01T10:00:00Z,up,12,ok\n"
ROW = "web,2017-12-01T11:00:00Z,up,12,ok\n"
SAMPLE_CATALOG = Path(__file__).resolve().parents[2] / "catalog"


@pytest.fixture
def site(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    """A config, the sample catalog and a store holding one imported row."""
    (tmp_path / "config.toml").write_text(CONFIG, encoding="utf-8")
    (tmp_path / "catalog").mkdir()
    for csv_file in SAMPLE_CATALOG.glob("*.csv"):
        (tmp_path / "catalog" / csv_file.name).write_bytes(csv_file.read_bytes())
    (tmp_path / "good.csv").write_text(GOOD, encoding="utf-8")
    assert (
        run(
            capsys, "ingest", "samples", str(tmp_path / "good.csv"), "--config", str(tmp_path / "config.toml")
        )[0]
        == 0
    )
    return tmp_path


def _history(text: str | bytes) -> Callable[[Path], tuple[list[str], str]]:
    def make(site: Path) -> tuple[list[str], str]:
        path = site / "h.csv"
        data = text if isinstance(text, bytes) else text.encode("utf-8")
        path.write_bytes(b"component,timestamp,status,latency_ms,detail\n" + data)
        return ["ingest", "samples", str(path)], str(path)

    return make


def _catalog(change: Callable[[Path], None]) -> Callable[[Path], tuple[list[str], str]]:
    def make(site: Path) -> tuple[list[str], str]:
        change(site / "catalog" / "applications.csv")
        return ["config", "check"], str(site / "catalog" / "applications.csv")

    return make


def _config(text: str | bytes) -> Callable[[Path], tuple[list[str], str]]:
    def make(site: Path) -> tuple[list[str], str]:
        data = text if isinstance(text, bytes) else text.encode("utf-8")
        (site / "config.toml").write_bytes(data)
        return ["config", "check"], str(site / "config.toml")

    return make


def _rto(path: Path) -> None:
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    header = lines[0].split(",")
    cells = lines[1].split(",")
    cells[header.index("rto_hours")] = "1e400"
    path.write_text(lines[0] + ",".join(cells) + "".join(lines[2:]), encoding="utf-8")


def _header_only(path: Path) -> None:
    path.write_text(path.read_text(encoding="utf-8").splitlines(keepends=True)[0], encoding="utf-8")


UNCHECKED = r"{file}: 333 later references to applications not checked \(the table could not be read\)"

# name: (make the input, the lines expected on stderr as regular expressions)
CASES: dict[str, tuple[Callable[[Path], tuple[list[str], str]], list[str]]] = {
    "item 6: a year-9999 row": (
        _history("web,9999-12-31T23:00:00Z,up,1,\n"),
        ["{file}:2: timestamp: 9999-12-31T23:00:00Z: more than a day in the future .*"],
    ),
    "item 6: a year-0001 row": (
        _history("web,0001-01-01T00:00:00Z,up,1,\n"),
        ["{file}:2: timestamp: 0001-01-01T00:00:00Z: before 1970 .*"],
    ),
    "item 7: latency_ms 1e308": (
        _history(ROW.replace(",12,", ",1e308,")),
        [r"{file}:2: latency_ms: 1e\+308 is out of range \(must be >= 0 and <= 86400000\)"],
    ),
    "item 7: latency_ms 1e17": (
        _history(ROW.replace(",12,", ",1e17,")),
        [r"{file}:2: latency_ms: 1e\+17 is out of range \(must be >= 0 and <= 86400000\)"],
    ),
    "item 9: a NUL byte in a history value": (
        _history(ROW.replace(",ok", ",o\0k").encode()),
        [r"{file}:2: a NUL byte at column 33: .*"],
    ),
    "item 9: a history file ending inside a quote": (
        _history(ROW + 'web,2017-12-01T12:00:00Z,up,12,"never closed\n'),
        [r"{file}:3: malformed CSV: the file ends inside a quoted cell .*"],
    ),
    "item 9: rto_hours = 1e400": (_catalog(_rto), [r"{file}:2: rto_hours: inf is not a finite number"]),
    "item 11: an empty applications.csv": (
        _catalog(lambda p: p.write_text("")),
        [r"{file}:1: empty file \(the first line must name the columns\)", UNCHECKED],
    ),
    "item 11: a header-only applications.csv": (
        _catalog(_header_only),
        [r"{file}:1: no row after the header \(the catalog needs at least one\)", UNCHECKED],
    ),
    "item 11: a non-UTF-8 applications.csv": (
        _catalog(lambda p: p.write_bytes(p.read_bytes().replace("Cœur".encode(), b"C\x9cur"))),
        [r"{file}:2: not UTF-8 text \(byte 0x9C at column 22\): .*", UNCHECKED],
    ),
    "item 10: a config nested 100,000 deep": (
        _config(CONFIG + "x = " + "[" * 100_000 + "]" * 100_000 + "\n"),
        [r"{file}:11: TOML syntax error: arrays or tables nested more than 100 deep"],
    ),
    "item 10: a truncated config": (
        _config(CONFIG + '[alerts]\nwebhook = "https://hooks'),
        [r"{file}:12: TOML syntax error: .* \(the file ends here\)"],
    ),
    "item 10: a latin-1 config": (
        _config(CONFIG.replace('"Web"', '"Accès"').encode("latin-1")),
        [r"{file}:9: not UTF-8 text \(byte 0xE8 at column 12\): save the file as UTF-8"],
    ),
    "item 12: [store] path is a folder": (
        _config(CONFIG.replace('"vigie.db"', '"catalog"')),
        [r"{file}:2: store.path: .*catalog is a folder, not a file .*"],
    ),
    "item 12: [store] path under a file": (
        _config(CONFIG.replace('"vigie.db"', '"good.csv/vigie.db"')),
        [r"{file}:2: store.path: .*good.csv is a file, so .* cannot be created under it"],
    ),
}


@pytest.mark.parametrize("case", CASES)
def test_bad_input_is_refused_cleanly(site: Path, capsys: pytest.CaptureFixture[str], case: str) -> None:
    make, expected = CASES[case]
    before = digest(site / "vigie.db")
    argv, file = make(site)
    code, _, err = run(capsys, *argv, "--config", str(site / "config.toml"))
    patterns = [p.format(file=re.escape(file)) for p in expected]
    lines = [line for line in err if not line.startswith("warning:")]
    clean = (
        code == 2
        and len(lines) == len(patterns)
        and all(re.fullmatch(p, line) for p, line in zip(patterns, lines, strict=True))
        and digest(site / "vigie.db") == before
    )
    ledger.record(bad=1, bad_refused=int(clean))
    assert code == 2
    assert len(lines) == len(patterns), lines
    for pattern, line in zip(patterns, lines, strict=True):
        assert re.fullmatch(pattern, line), line
    assert digest(site / "vigie.db") == before


def test_item12_run_once_on_a_store_path_that_is_a_folder(site: Path) -> None:
    (site / "config.toml").write_text(CONFIG.replace('"vigie.db"', '"catalog"'), encoding="utf-8")
    done = vigie("run", "--once", "--config", str(site / "config.toml"))
    ledger.record(bad=1, bad_refused=int(done.returncode == 2 and "Traceback" not in done.stderr))
    assert (done.returncode, done.stderr.count("\n")) == (2, 1), done.stderr
    assert "store.path" in done.stderr


def test_item8_and_10_a_bom_is_accepted(site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = site / "config.toml"
    config.write_bytes(codecs.BOM_UTF8 + CONFIG.encode())
    history = site / "bom.csv"
    history.write_bytes(codecs.BOM_UTF8 + GOOD.replace("10:00", "12:00").encode())
    assert run(capsys, "config", "check", "--config", str(config))[0] == 0
    assert run(capsys, "ingest", "samples", str(history), "--config", str(config))[0] == 0


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 2 MB tmpfs (skipped where this machine cannot mount one)."""
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount)], capture_output=True, text=True
    )
    if done.returncode != 0:
        pytest.skip(f"no tmpfs here ({done.stderr.strip() or 'mount refused'}): disk full not tried")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


def test_item12_ingest_on_a_full_disk_is_one_line(small_disk: Path, tmp_path: Path) -> None:
    """History bigger than the disk: exit 2 and one line, and the store intact."""
    config = small_disk / "config.toml"
    config.write_text(CONFIG.replace('[catalog]\npath = "catalog"\n', ""), encoding="utf-8")
    history = write_history(tmp_path / "big.csv", 60_000, "padding for a bigger row " * 2)
    done = vigie("ingest", "samples", str(history), "--config", str(config))
    ledger.record(bad=1, bad_refused=int(done.returncode == 2 and "Traceback" not in done.stderr))
    assert done.returncode == 2, done.stderr
    assert done.stderr.count("\n") == 1 and "disk is full" in done.stderr, done.stderr
    assert intact(small_disk / "vigie.db")
