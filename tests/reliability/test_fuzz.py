"""Hypothesis fuzz of every file reader (config.toml, a catalog CSV, history CSV, ticket
CSV): a valid file damaged at random is either read (exit 0) or refused (exit 2) with
``file...: message`` lines, never a traceback, and a refused file leaves the store as it was."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.reliability import ledger
from tests.reliability.conftest import digest, run
from tests.test_user_files import CATALOG, CONFIG, HISTORY, TICKETS

# Bytes that break readers: quotes, separators, line ends, NUL, bytes that are not UTF-8,
# a BOM, TOML brackets, a formula, huge or odd numbers, far dates.
PIECES = [
    b'"', b",", b";", b"\n", b"\r\n", b"\0", b"\xff", b"\xe9", b"\xef\xbb\xbf", b"[", b"]", b"{", b"=",
    b"'", b"\\", b"1e400", b"-1", b"nan", b"9999-12-31T23:00:00Z", b"0001-01-01T00:00:00Z", b"[" * 2000,
]  # fmt: skip
mutation = st.tuples(
    st.sampled_from(["insert", "replace", "delete", "truncate", "duplicate"]),
    st.floats(0, 1),
    st.one_of(st.sampled_from(PIECES), st.binary(max_size=8)),
)
# A file name, then optionally ":line", then ": " and the message.
LINE = re.compile(r"\S[^:]*(:\d+)?: .+|vigie: error: .+")


def damage(data: bytes, mutations: list[tuple[str, float, bytes]]) -> bytes:
    """``data`` with the mutations applied, each at its relative position."""
    for kind, where, piece in mutations:
        at = int(where * len(data))
        if kind == "insert":
            data = data[:at] + piece + data[at:]
        elif kind == "replace":
            data = data[:at] + piece + data[at + len(piece) :]
        elif kind == "delete":
            data = data[:at] + data[at + 1 + len(piece) :]
        elif kind == "truncate":
            data = data[:at]
        else:
            end = data.find(b"\n", at) + 1 or len(data)
            data = data[:end] + data[at:end] + data[end:]
    return data


@pytest.fixture
def site(tmp_path: Path) -> Path:
    (tmp_path / "config.toml").write_text(CONFIG, encoding="utf-8")
    (tmp_path / "catalog").mkdir()
    for table, text in CATALOG.items():
        (tmp_path / "catalog" / f"{table}.csv").write_text(text, encoding="utf-8")
    return tmp_path


FILES = {
    "config": ("config.toml", CONFIG, ["config", "check"]),
    "catalog": ("catalog/applications.csv", CATALOG["applications"], ["config", "check"]),
    "history": ("history.csv", HISTORY, ["ingest", "samples", "history.csv"]),
    "tickets": ("tickets.csv", TICKETS, ["tickets", "import", "tickets.csv"]),
}


@pytest.mark.parametrize("reader", FILES)
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(mutations=st.lists(mutation, min_size=1, max_size=4))
def test_a_damaged_file_is_read_or_refused_cleanly(
    site: Path, capsys: pytest.CaptureFixture[str], reader: str, mutations: list[tuple[str, float, bytes]]
) -> None:
    name, text, argv = FILES[reader]
    path = site / name
    path.write_bytes(damage(text.encode("utf-8"), mutations))
    if reader != "config":
        (site / "config.toml").write_text(CONFIG, encoding="utf-8")
    before = digest(site / "v.db")
    argv = [str(site / a) if a.endswith(".csv") else a for a in argv]
    code, _, err = run(capsys, *argv, "--config", str(site / "config.toml"))
    lines = [line for line in err if not line.startswith("warning:")]
    clean = code == 0 or (code == 2 and bool(lines) and all(LINE.fullmatch(line) for line in lines))
    unchanged = code == 0 or digest(site / "v.db") == before
    ledger.record(fuzzed=1, fuzzed_clean=int(clean), corruptions=int(not unchanged))
    assert clean, (code, err)
    assert unchanged
