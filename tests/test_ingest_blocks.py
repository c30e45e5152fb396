"""History import reads files in big blocks: line numbers, encoding errors and the last line stay exact."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from vigie.accounting.terms import Policy, Schedule
from vigie.probes.config import Component, ExporterConfig, ProbesConfig, StoreConfig
from vigie.probes.ingest import BLOCK, IngestError, ingest_samples
from vigie.probes.store import Store

PARIS = ZoneInfo("Europe/Paris")
CONFIG = ProbesConfig(
    PARIS,
    Policy(),
    tuple(Component(c, c, 0.99, Schedule((), PARIS), Policy()) for c in ("a", "b")),
    (),
    (),
    StoreConfig(),
    ExporterConfig(),
)


def _lines(n: int) -> list[bytes]:
    """Enough 30 s rows of two components to span several read blocks."""
    out = []
    for k in range(n):
        stamp = datetime.fromtimestamp(1.5e9 + 30 * k, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        out += [f"a,{stamp},up,12.5,ok\n".encode(), f"b,{stamp},down,,HTTP 503\n".encode()]
    return out


def _import(tmp_path: Path, lines: list[bytes]) -> tuple[Path, Store]:
    path = tmp_path / "h.csv"
    path.write_bytes(b"component,timestamp,status,latency_ms,detail\n" + b"".join(lines))
    return path, Store.of_config(CONFIG, tmp_path / "v.db")


def test_a_file_of_several_blocks_imports_every_row(tmp_path: Path) -> None:
    lines = _lines(3 * BLOCK // 60)
    path, store = _import(tmp_path, lines)
    with store:
        stats = ingest_samples(store, path, CONFIG)
        assert stats.rows == stats.added == store.count() == len(lines)
        segs = store.segments("b", 0, 2e9)
        assert len(segs) == 1 and segs[0].checks == len(lines) // 2 and segs[0].detail == "HTTP 503"
        assert ingest_samples(store, path, CONFIG).added == 0


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (b"a,2017-07-14T00:00:00Z,up,\xff\xfe,ok\n", "not UTF-8 text (byte 0xFF at column 27)"),
        (b"a,2017-07-14T00:00:00Z,sideways,1,ok\n", "status: 'sideways'"),
    ],
)
def test_a_bad_row_past_the_first_block_names_its_line_and_stores_nothing(
    tmp_path: Path, bad: bytes, message: str
) -> None:
    lines = _lines(2 * BLOCK // 60)
    at = len(lines) - 7
    lines.insert(at, bad)
    path, store = _import(tmp_path, lines)
    with store, pytest.raises(IngestError) as caught:
        ingest_samples(store, path, CONFIG)
    assert str(caught.value).startswith(f"{path}:{at + 2}: {message}")
    with Store(tmp_path / "v.db") as reopened:
        assert reopened.count() == 0
