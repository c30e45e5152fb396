"""The measurement store on a real SQLite file: WAL, permissions, schema versions, concurrency."""

from __future__ import annotations

import multiprocessing as mp
import sqlite3
import stat
from pathlib import Path

import pytest

from vigie.accounting.results import ProbeResult, Status
from vigie.probes.db import SchemaError, connect, migrate
from vigie.probes.store import MIGRATIONS, Store


def _result(ts: float, component: str = "chorus-pro", status: Status = Status.UP) -> ProbeResult:
    return ProbeResult(component, f"{component}-http", ts, status, latency_ms=12.5, detail="200 OK")


def test_append_and_read_back_by_component_and_range(tmp_path: Path) -> None:
    with Store(tmp_path / "v.db") as store:
        assert store.append([_result(t) for t in range(0, 100, 10)]) == 10
        store.append([_result(5, "orme", Status.DOWN)])
        got = list(store.results("chorus-pro", start=20, end=50))
        assert [r.ts for r in got] == [20, 30, 40]
        assert got[0] == _result(20)
        assert [r.status for r in store.results("orme")] == [Status.DOWN]
        assert store.count() == 11
        assert store.components() == ["chorus-pro", "orme"]
        assert store.latest()["chorus-pro-http"].ts == 90


def test_appending_the_same_results_twice_is_idempotent(tmp_path: Path) -> None:
    with Store(tmp_path / "v.db") as store:
        batch = [_result(t) for t in range(10)]
        assert store.append(batch) == 10
        assert store.append(batch) == 0
        assert store.count() == 10


def test_a_failed_batch_stores_nothing(tmp_path: Path) -> None:
    with Store(tmp_path / "v.db") as store:
        store.append([_result(1)])

        def bad() -> object:
            yield _result(2)
            raise RuntimeError("probe crashed mid-batch")

        with pytest.raises(RuntimeError):
            store.append(bad())  # type: ignore[arg-type]
        assert store.count() == 1


def test_database_file_is_private_and_in_wal_mode(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "v.db"
    with Store(path) as store:
        store.append([_result(1)])
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode == 0o600
        assert store.db.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_schema_version_is_recorded_and_migrations_run_once(tmp_path: Path) -> None:
    path = tmp_path / "v.db"
    Store(path).close()
    db = connect(path)
    assert db.conn.execute("SELECT version FROM vigie_schema WHERE owner='results'").fetchone()[0] == len(
        MIGRATIONS
    )
    calls: list[int] = []
    steps = [*MIGRATIONS, lambda d: calls.append(1)]
    assert migrate(db, "results", steps) == len(MIGRATIONS) + 1
    assert migrate(db, "results", steps) == len(MIGRATIONS) + 1
    assert calls == [1]


def test_a_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "v.db"
    Store(path).close()
    conn = sqlite3.connect(path)
    conn.execute("UPDATE vigie_schema SET version = 99 WHERE owner = 'results'")
    conn.commit()
    conn.close()
    with pytest.raises(SchemaError, match="newer than this Vigie"):
        Store(path)


def test_a_file_that_is_not_a_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "v.db"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(SchemaError, match="not a SQLite database"):
        Store(path)


BATCHES, BATCH_SIZE = 150, 40


def _writer(path: str, start: mp.Barrier) -> None:  # type: ignore[valid-type]
    store = Store(path)
    start.wait()  # type: ignore[attr-defined]
    for b in range(BATCHES):
        store.append([_result(b * BATCH_SIZE + i) for i in range(BATCH_SIZE)])
    store.close()


def _reader(path: str, start: mp.Barrier, out: mp.Queue) -> None:  # type: ignore[valid-type]
    store = Store(path)
    start.wait()  # type: ignore[attr-defined]
    seen, reads, errors = 0, 0, []
    while seen < BATCHES * BATCH_SIZE:
        try:
            with store.snapshot():
                count = store.count("chorus-pro")
                rows = list(store.results("chorus-pro", start=max(0, count - 100)))
            # A reader sees whole batches only: never a partial one.
            if count % BATCH_SIZE:
                errors.append(f"partial batch visible: {count}")
            if rows and rows[-1].ts != count - 1:
                errors.append(f"inconsistent read: {count} vs {rows[-1].ts}")
            seen = count
            reads += 1
        except sqlite3.Error as exc:
            errors.append(str(exc))
            break
    store.close()
    out.put((reads, errors))  # type: ignore[attr-defined]


def test_one_writer_and_two_reader_processes(tmp_path: Path) -> None:
    path = str(tmp_path / "v.db")
    Store(path).close()
    ctx = mp.get_context("spawn")
    start, out = ctx.Barrier(3), ctx.Queue()
    procs = [ctx.Process(target=_writer, args=(path, start))]
    procs += [ctx.Process(target=_reader, args=(path, start, out)) for _ in range(2)]
    for p in procs:
        p.start()
    results = [out.get(timeout=120) for _ in range(2)]
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0
    for reads, errors in results:
        assert errors == []
        assert reads > 1
    with Store(path) as store:
        assert store.count() == BATCHES * BATCH_SIZE


def test_latest_of_uses_the_configured_keys(tmp_path: Path) -> None:
    with Store(tmp_path / "v.db") as store:
        store.append([_result(t) for t in range(0, 50, 10)])
        store.append([_result(5, "orme", Status.DOWN)])
        latest = store.latest_of([("chorus-pro", "chorus-pro-http"), ("orme", "orme-http"), ("x", "none")])
        assert latest == {"chorus-pro-http": _result(40), "orme-http": _result(5, "orme", Status.DOWN)}


def test_a_version_1_store_is_migrated_with_its_results_and_rollups(tmp_path: Path) -> None:
    path = tmp_path / "v.db"
    db = connect(path)
    migrate(db, "results", MIGRATIONS[:1])
    old = [_result(1.5e9 + 30 * k, component) for k in range(50) for component in ("chorus-pro", "farandole")]
    db.conn.executemany(
        "INSERT INTO results VALUES (?, ?, ?, ?, ?, ?, ?)",
        [(r.component, r.probe, r.ts, str(r.status), r.latency_ms, r.detail, r.value) for r in old],
    )
    db.conn.close()
    with Store(path) as store:
        assert sorted(store.results(), key=lambda r: (r.component, r.ts)) == sorted(
            old, key=lambda r: (r.component, r.ts)
        )
        assert store.segments("farandole", 0, 2e9)[0].checks == 50
        # The view keeps ad-hoc SQL on component names working.
        assert store.db.conn.execute(
            "SELECT count(*) FROM results WHERE component = 'farandole' AND status = 'up'"
        ).fetchone() == (50,)
        assert store.append([_result(1.5e9 + 30 * 50, "farandole")]) == 1
        assert store.last_ts() == 1.5e9 + 30 * 50


def test_a_status_that_cannot_be_stored_is_refused_and_nothing_is_kept(tmp_path: Path) -> None:
    with Store(tmp_path / "v.db") as store:
        store.append([_result(100)])
        for ts in (200, 50):  # in order, then out of order
            with pytest.raises(ValueError, match="'unknown' cannot be stored"):
                store.append([_result(ts - 1), _result(ts, status=Status.UNKNOWN)])
        assert store.count() == 1


def test_reads_by_time_across_probes_and_retention(tmp_path: Path) -> None:
    with Store(tmp_path / "v.db") as store:
        store.append(
            [_result(3600.0 * h + 30 * k, c) for h in range(3) for k in range(3) for c in ("a", "b")]
        )
        window = list(store.results(start=3600, end=3600 + 60))
        assert [(r.component, r.ts) for r in window] == [("a", 3600), ("b", 3600), ("a", 3630), ("b", 3630)]
        assert store.count(start=3600) == 12 and store.components() == ["a", "b"]
        assert store.delete_before(3600 + 1000) == 6
        assert store.count() == 12 and store.horizon() == 3600
        assert set(store.latest()) == {"a-http", "b-http"}
