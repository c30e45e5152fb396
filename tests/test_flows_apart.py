"""A large flow file ingested on both cores: read and checked in a reading process, stored by
a writing process, resolved and folded in between. The store ends the same as when one
process does it all; a file read by byte blocks gives the events line by line reading
gives; all or nothing holds across the processes: a bad line found by the reading process,
a failed write, either helper killed, or the ingesting process killed."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.test_flows_store import PATH, ROUTES, T0, imports
from vigie.console.cli import main
from vigie.kernel.problems import ConfigError
from vigie.kernel.textfile import TextLines
from vigie.probes.flows import ingest as flow_ingest
from vigie.probes.flows import store as flow_store
from vigie.probes.flows.ingest import APART_BYTES, EventReader, ingest_file, read_events
from vigie.probes.flows.sink import Apart, WriterLost
from vigie.probes.flows.store import FlowStore, Incoming

TABLES = ("flows", "flow_keys", "flow_refs", "flow_tally", "flow_hops", "flow_meta", "flow_reports")
CONFIG = """
[vigie]
language = "en"
[[flows]]
type = "facture-edi"
path = ["se-chorus-pro", "chorus-pro", "systeme-echanges", "chorus-coeur"]
deadline = "2h"
"""


def contents(path: Path) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every flow table, in a fixed order."""
    conn = sqlite3.connect(path)
    try:
        return {t: sorted(conn.execute(f"SELECT * FROM {t}").fetchall(), key=repr) for t in TABLES}
    finally:
        conn.close()


def invoices(count: int, start: int = 0) -> list[dict[str, object]]:
    """Events of ``count`` invoices: received in a file, renamed by the exchange system, a
    status, some late or repeated."""
    events: list[dict[str, object]] = []
    for n in range(start, start + count):
        at = T0 + n * 7
        key = f"CPP-{n:06d}"
        events += [
            {
                "key": key,
                "at": at,
                "hop": PATH[0],
                "event": "received",
                "type": "facture-edi",
                "partner": f"P{n % 7}",
                "batch": f"FLUX_{n // 3}.xml",
                "correlation": {"file": f"FLUX_{n // 3}.xml", "edi_control": f"{n // 3:09d}"},
            },
            {"key": key, "at": at + 60, "hop": PATH[1], "event": "status", "status": "DEPOSEE"},
            {
                "key": f"SE-{n}",
                "at": at + 600,
                "hop": PATH[2],
                "event": "received",
                "correlation": {"chorus_pro": key},
            },
            {
                "key": f"SE-{n}",
                "at": at + 900,
                "hop": PATH[3],
                "event": "status",
                "status": "REJETEE",
                "reason": "x",
            },
        ]
        if n % 5 == 0:  # a status older than the last one, and one event twice
            events.append(
                {
                    "key": key,
                    "at": at + 30,
                    "hop": PATH[1],
                    "event": "status",
                    "status": "EN_COURS_ACHEMINEMENT",
                }
            )
            events.append(dict(events[-2]))
    for e in events:
        e["at"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(float(e["at"])))  # type: ignore[arg-type]
    return events


def write(path: Path, events: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(e) + "\n" for e in events), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Two files of several byte blocks each; the second continues the first one's flows."""
    folder = tmp_path_factory.mktemp("big")
    first = write(folder / "a.jsonl", invoices(3000))
    second = invoices(3000, 1500)
    second[100:100] = [{"key": "SE-40", "at": "2017-07-04T10:00:00Z", "hop": PATH[3], "event": "sent"}]
    return first, write(folder / "b.jsonl", second)


@pytest.fixture(scope="module")
def large(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A file `vigie flows ingest` reads and writes on both cores (more than APART_BYTES)."""
    path = write(tmp_path_factory.mktemp("large") / "e.jsonl", invoices(8000))
    assert path.stat().st_size > APART_BYTES
    return path


def ingest(path: Path, store_path: Path, apart: bool) -> flow_store.IngestResult:
    with FlowStore(store_path) as store:
        return ingest_file(path, store, ROUTES, EventReader(ROUTES), apart=apart).result


def test_on_both_cores_the_store_ends_as_in_one_process(tmp_path: Path, big: tuple[Path, Path]) -> None:
    assert big[0].stat().st_size > flow_ingest._BLOCK_BYTES  # several blocks
    results = {}
    for apart in (False, True):
        store_path = tmp_path / f"{apart}.db"
        results[apart] = [ingest(path, store_path, apart) for path in (*big, big[0])]
    assert results[True] == results[False]
    assert results[True][2].new_flows == 0  # ingested again: nothing new
    assert contents(tmp_path / "True.db") == contents(tmp_path / "False.db")


@settings(max_examples=8, deadline=None)
@given(imports())
def test_apart_the_generated_imports_end_as_in_one_process(
    tmp_path_factory: pytest.TempPathFactory, batches: list[list[Incoming]]
) -> None:
    # Tiny writes: flows written by the writing process are read back through it.
    folder = tmp_path_factory.mktemp("apart")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(flow_store, "CHUNK", 3)
        patch.setattr(flow_store, "_FLUSH_EVENTS", 4)
        for apart in (False, True):
            with FlowStore(folder / f"{apart}.db") as store:
                for batch in batches:
                    store.ingest(batch, ROUTES, apart=apart)
    assert contents(folder / "True.db") == contents(folder / "False.db")


# --- byte blocks read as lines are ------------------------------------------------------------

LINE = st.sampled_from(
    [
        '{"key": "K1", "at": "2017-07-03T10:00:00Z", "hop": "chorus-pro", "event": "received"}',
        '{"key": "K2", "at": "2017-07-03T10:00:00+02:00", "hop": "chorus-pro", "event": "sent", "batch": "F"}',
        '{"key": "K3", "at": "2017-07-03T10:00:00Z", "hop": "chorus-pro", "event": "received", "correlation": {"x": "K1"}}',
        "",
        "   ",
        '{"key": "K4", "at": "2017-07-03T10:00:00", "hop": "chorus-pro", "event": "received"}',
        '{"key": "K5", "at": "2017-07-03T10:00:00Z", "hop": "chorus-pro", "event": "status"}',
        '\ufeff{"key": "K6", "at": "2017-07-03T10:00:00Z", "hop": "chorus-pro", "event": "received"}',
        '{"key": "K7", "at": "2017-07-03T10:00:00Z", "hop": "chorus-pro", "event": "received", "reason": "é"}',
        '{"key": "K8", "at": "2017-07-03T10:00:00Z", "hop": "chorus-pro", "event": "received"} {}',
        "\udcff",  # stands for a byte that is not UTF-8
    ]
)


def read_all(path: Path, block: int | None) -> list[Incoming] | str:
    """The file's events by byte blocks of ``block`` bytes, or by lines (None); else its problem."""
    reader = EventReader({"facture-edi"})
    try:
        with path.open("rb") as handle:
            if block is None:  # each line checked on its own as it comes: the first problem
                lines = enumerate(TextLines(handle, str(path)), 1)
                return [e for n, line in lines for e in reader._lines(str(path), [line], n)]
            flow_ingest._BLOCK_BYTES = block
            return [Incoming(*e) for b in read_events(path, reader, handle)[1] for e in zip(*b, strict=True)]
    except ConfigError as exc:
        return str(exc.problems[0])


@settings(max_examples=150, deadline=None)
@given(
    st.lists(LINE, min_size=1, max_size=12),
    st.sampled_from(["\n", "\r\n"]),
    st.booleans(),
    st.booleans(),
    st.integers(1, 300),
)
def test_byte_blocks_give_the_events_and_problems_of_the_lines(
    tmp_path_factory: pytest.TempPathFactory,
    lines: list[str],
    end: str,
    bom: bool,
    last_end: bool,
    block: int,
) -> None:
    lines = ['{"key": "K0", "at": "2017-07-03T10:00:00Z", "hop": "chorus-pro", "event": "received"}', *lines]
    text = end.join(lines) + (end if last_end else "")
    data = (b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8", "surrogateescape")
    path = tmp_path_factory.mktemp("blocks") / "e.jsonl"
    path.write_bytes(data)
    saved = flow_ingest._BLOCK_BYTES
    try:
        assert read_all(path, block) == read_all(path, None)
    finally:
        flow_ingest._BLOCK_BYTES = saved


# --- all or nothing across the processes ----------------------------------------------------------


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "config.toml").write_text(CONFIG, encoding="utf-8")
    monkeypatch.setenv("VIGIE_CONFIG", str(tmp_path / "config.toml"))
    monkeypatch.setattr(flow_ingest, "APART_BYTES", 0)  # every file on both cores
    return tmp_path


def stored(path: Path) -> tuple[int, int]:
    with FlowStore(path) as store:
        return store.count()


@pytest.mark.parametrize("where", [1, 2500, 10_000])
def test_a_bad_line_the_reading_process_finds_stops_the_file(
    folder: Path, capsys: pytest.CaptureFixture[str], where: int
) -> None:
    events: list[object] = list(invoices(2400))
    events.insert(where, {"key": "X", "at": "2017-07-03T10:00:00", "hop": "chorus-pro", "event": "received"})
    path = write(folder / "e.jsonl", events)  # type: ignore[arg-type]
    assert main(["flows", "ingest", str(path)]) == 2
    out, err = capsys.readouterr()
    assert (out, err) == (
        "",
        f"{path}:{where + 1}: at: '2017-07-03T10:00:00' has no offset (add Z or +01:00)\n",
    )
    assert stored(folder / "flows.db") == (0, 0)


def test_a_write_that_fails_stores_nothing(folder: Path, big: tuple[Path, Path]) -> None:
    other = sqlite3.connect(folder / "flows.db", isolation_level=None)
    with FlowStore(folder / "flows.db", busy_timeout=0.2) as store:
        other.execute("BEGIN IMMEDIATE")  # the writing process cannot take the lock
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            ingest_file(big[0], store, ROUTES, EventReader(ROUTES), apart=True)
        other.execute("ROLLBACK")
        other.close()
        assert store.count() == (0, 0)


@pytest.mark.parametrize("which", ["writing", "reading"])
def test_a_helper_killed_mid_file_stores_nothing(
    folder: Path, large: Path, monkeypatch: pytest.MonkeyPatch, which: str
) -> None:
    started: list[subprocess.Popen[bytes]] = []
    real_popen = subprocess.Popen

    def popen(*args: object, **kwargs: object) -> subprocess.Popen[bytes]:
        process = real_popen(*args, **kwargs)  # type: ignore[call-overload]
        started.append(process)
        return process

    monkeypatch.setattr(subprocess, "Popen", popen)
    real_chunk = flow_store._Writer.chunk
    calls = []

    def chunk(self: flow_store._Writer, events: flow_store.Block) -> None:
        calls.append(1)
        if len(calls) == 2:
            victim = started[0 if which == "reading" else 1]
            victim.send_signal(signal.SIGKILL)
            victim.wait()
        real_chunk(self, events)

    monkeypatch.setattr(flow_store._Writer, "chunk", chunk)
    with FlowStore(folder / "flows.db") as store, pytest.raises(WriterLost, match="killed by signal 9"):
        ingest_file(large, store, ROUTES, EventReader(ROUTES), apart=True)
    assert [p.poll() is not None for p in started] == [True, True]
    assert stored(folder / "flows.db") == (0, 0)


def test_the_cli_says_a_killed_helper_in_one_line(
    folder: Path, big: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def lost(self: Apart) -> None:
        raise WriterLost(
            "the flow store's writing process ended (killed by signal 9): nothing of this file is stored"
        )

    monkeypatch.setattr(Apart, "commit", lost)
    assert main(["flows", "ingest", str(big[0])]) == 2
    _, err = capsys.readouterr()
    assert (
        err
        == f"vigie: error: {big[0]}: the flow store's writing process ended (killed by signal 9): nothing of this file is stored\n"
    )
    assert stored(folder / "flows.db") == (0, 0)


def children(pid: int) -> Iterator[int]:
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                yield int(entry.name)


def test_the_ingesting_process_killed_mid_file_stores_nothing(folder: Path, large: Path) -> None:
    path = large
    env = {**os.environ, "VIGIE_CONFIG": str(folder / "config.toml")}
    process = subprocess.Popen(
        [sys.executable, "-m", "vigie", "flows", "ingest", str(path), "--no-progress"],
        env=env,
        stdout=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    helpers: list[int] = []
    while len(helpers) < 2 and time.monotonic() < deadline:  # both helpers started
        helpers = list(children(process.pid))
        time.sleep(0.01)
    assert len(helpers) == 2
    process.send_signal(signal.SIGKILL)
    process.wait()
    for pid in helpers:  # each ends by itself: the pipes closed
        while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
            time.sleep(0.01)
        assert (
            not Path(f"/proc/{pid}").exists()
            or "Z" in Path(f"/proc/{pid}/stat").read_text().split(")")[1][:3]
        )
    assert stored(folder / "flows.db") == (0, 0)
