"""History import reads chunks column by column and falls back to a row-by-row check:
whatever the layout of the file, both give what the store's row API stores, and a problem
is named at its physical line even in a later chunk, after cells that span lines."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vigie.accounting.terms import Policy, Schedule
from vigie.probes import ingest
from vigie.probes.config import (
    INGEST_PROBE,
    Component,
    ExporterConfig,
    ProbesConfig,
    StoreConfig,
    probe_intervals,
)
from vigie.probes.ingest import IngestError, ingest_samples, median_step
from vigie.probes.results import Batch, Row
from vigie.probes.store import Store

PARIS = ZoneInfo("Europe/Paris")
CONFIG = ProbesConfig(
    PARIS,
    Policy(),
    tuple(Component(c, c, 0.99, Schedule((), PARIS), Policy()) for c in ("a", "b", "c")),
    (),
    (),
    StoreConfig(),
    ExporterConfig(),
)
T0 = 1.5e9
STATUSES = ["up", "up", "up", "degraded", "down", "maintenance"]


def _stamp(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@st.composite
def histories(draw: st.DrawFn) -> tuple[list[Row], str]:
    """Rows of up to three components (each in increasing time), laid out in one of several orders."""
    components = draw(st.lists(st.sampled_from("abc"), min_size=1, max_size=3, unique=True))
    per = {}
    for c in components:
        steps = draw(st.lists(st.sampled_from([30, 30, 30, 31, 90, 3600]), min_size=1, max_size=40))
        ts, rows = T0, []
        for step in steps:
            ts += step
            status = draw(st.sampled_from(STATUSES))
            latency = draw(st.sampled_from([None, 12.0, 40.5, 0.0, 900.0]))
            detail = draw(st.sampled_from(["", "HTTP 503", 'a "quoted", cell', "two\nlines"]))
            rows.append((c, INGEST_PROBE, ts, status, latency, detail, None))
        per[c] = rows
    layout = draw(st.sampled_from(["interleaved", "blocks", "merged"]))
    if layout == "blocks":
        ordered = [row for c in components for row in per[c]]
    elif layout == "interleaved":
        ordered = [row for group in zip(*per.values(), strict=False) for row in group]
        ordered += [row for rows in per.values() for row in rows[min(map(len, per.values())) :]]
    else:
        ordered = sorted((row for rows in per.values() for row in rows), key=lambda r: (r[2], r[0]))
    return ordered, layout


def _write(path: Path, rows: list[Row], blank_every: int = 0) -> None:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["component", "timestamp", "status", "latency_ms", "detail"])
    for i, (c, _, ts, status, latency, detail, _) in enumerate(rows, 1):
        writer.writerow([c, _stamp(ts), status, "" if latency is None else latency, detail])
        if blank_every and i % blank_every == 0:
            out.write("\n")
    path.write_text(out.getvalue(), encoding="utf-8")


def _content(store: Store) -> tuple[list[object], ...]:
    conn = store.db.conn
    return (
        conn.execute("SELECT * FROM results ORDER BY component, probe, ts").fetchall(),
        conn.execute("SELECT * FROM segments ORDER BY 1, 2, 3").fetchall(),
        conn.execute("SELECT * FROM rollup_hourly ORDER BY 1, 2, 3").fetchall(),
    )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    history=histories(),
    chunk=st.sampled_from([3, 7, 64]),
    blank_every=st.sampled_from([0, 0, 5]),
    infer_rows=st.sampled_from([2, 9, 1000]),
)
def test_any_layout_and_chunking_stores_what_the_row_api_stores(
    tmp_path_factory: pytest.TempPathFactory,
    monkeypatch: pytest.MonkeyPatch,
    history: tuple[list[Row], str],
    chunk: int,
    blank_every: int,
    infer_rows: int,
) -> None:
    """Whatever the chunks, each probe's rows are stored with the step inferred from its
    first rows (the median spacing), as the row API stores them when told that step."""
    rows, _ = history
    work = tmp_path_factory.mktemp("h")
    monkeypatch.setattr(ingest, "CHUNK", chunk)
    monkeypatch.setattr(ingest, "PIECE", 2)
    monkeypatch.setattr(ingest, "INFER_ROWS", infer_rows)
    _write(work / "h.csv", rows, blank_every)
    intervals = probe_intervals(CONFIG)
    with (
        Store(work / "csv.db", intervals=intervals) as imported,
        Store(work / "api.db", intervals=intervals) as api,
    ):
        stats = ingest_samples(imported, work / "h.csv", CONFIG)
        groups: dict[str, list[Row]] = {}
        for row in rows:
            groups.setdefault(row[0], []).append(row)
        with api.transaction():
            api.append_batches_in_transaction(
                Batch.of_rows(group, median_step([r[2] for r in group][: infer_rows + 1]))
                for group in groups.values()
            )
        assert stats.rows == stats.added == len(rows)
        assert _content(imported) == _content(api)
        inferred = {s.component: s.seconds for s in stats.steps}
        assert inferred == {c: median_step([r[2] for r in g][: infer_rows + 1]) for c, g in groups.items()}


def _bad_file(tmp_path: Path, bad_at: int, bad: str) -> tuple[Path, int]:
    """A file of 40 good rows where row ``bad_at`` is replaced; rows before it hold two-line cells."""
    lines = ["component,timestamp,status,latency_ms,detail\n"]
    physical = 1
    for k in range(40):
        c = "ab"[k % 2]
        row = (
            f'{c},{_stamp(T0 + 30 * k)},up,12,"two\nlines"\n'
            if k < bad_at
            else f"{c},{_stamp(T0 + 30 * k)},up,12,ok\n"
        )
        if k == bad_at:
            row = bad.format(c=c, stamp=_stamp(T0 + 30 * k))
        lines.append(row)
        physical += row.count("\n")
        if k == bad_at:
            line = physical
    path = tmp_path / "h.csv"
    path.write_text("".join(lines), encoding="utf-8")
    return path, line


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ("{c},{stamp},sideways,12,ok\n", "status: 'sideways'"),
        ("nope,{stamp},up,12,ok\n", "component: unknown component 'nope'"),
        ("{c},yesterday,up,12,ok\n", "timestamp: 'yesterday'"),
        ("{c},2017-01-01T00:00:00Z,up,12,ok\n", "timestamp: not after"),
        ("{c},{stamp},up,-1,ok\n", "latency_ms: -1 is out of range (must be >= 0 and <= 86400000)"),
        ("{c},{stamp},up\n", "latency_ms: missing (the row has 3 fields, the header 5)"),
    ],
)
@pytest.mark.parametrize("bad_at", [2, 9, 31])
def test_a_problem_in_a_later_chunk_is_named_at_its_physical_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, bad: str, message: str, bad_at: int
) -> None:
    monkeypatch.setattr(ingest, "CHUNK", 8)
    monkeypatch.setattr(ingest, "PIECE", 3)
    path, line = _bad_file(tmp_path, bad_at, bad)
    with Store.of_config(CONFIG, tmp_path / "v.db") as store:
        with pytest.raises(IngestError) as caught:
            ingest_samples(store, path, CONFIG)
        assert str(caught.value).startswith(f"{path}:{line}: {message}")
        assert store.count() == 0


def test_a_bad_row_comes_before_a_reading_error_later_in_the_same_chunk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ingest, "PIECE", 2)
    path = tmp_path / "h.csv"
    path.write_bytes(
        b"component,timestamp,status\n"
        + f"a,{_stamp(T0)},sideways\n".encode()
        + f"a,{_stamp(T0 + 30)},up\n".encode()
        + b"a,\xff,up\n"
    )
    with Store(tmp_path / "v.db") as store, pytest.raises(IngestError) as caught:
        ingest_samples(store, path, CONFIG)
    assert str(caught.value).startswith(f"{path}:2: status: 'sideways'")


@pytest.mark.parametrize("layout", ["interleaved", "blocks", "merged"])
def test_a_well_formed_file_never_takes_the_row_by_row_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, layout: str
) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("row-by-row check used")

    monkeypatch.setattr(ingest._Checker, "rows", refuse)
    monkeypatch.setattr(ingest, "CHUNK", 50)
    monkeypatch.setattr(ingest, "PIECE", 16)
    per = {
        c: [(c, INGEST_PROBE, T0 + 30 * k + i, "up", 12.0, "", None) for k in range(60)]
        for i, c in enumerate("abc")
    }
    if layout == "interleaved":
        rows = [row for group in zip(*per.values(), strict=True) for row in group]
    elif layout == "blocks":
        rows = [row for c in "abc" for row in per[c]]
    else:  # irregular: c's rows every other time only
        rows = sorted((r for c in "abc" for r in per[c] if c != "c" or r[2] % 60 < 30), key=lambda r: r[2])
    _write(tmp_path / "h.csv", rows)
    with Store.of_config(CONFIG, tmp_path / "v.db") as store:
        assert ingest_samples(store, tmp_path / "h.csv", CONFIG).added == len(rows)
