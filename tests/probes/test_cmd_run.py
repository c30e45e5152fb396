"""`vigie run` end to end: --once, bad input, signals, a second daemon, and SIGKILL mid-write."""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.probes.testbed import TestBed
from vigie.accounting.results import Status
from vigie.console.cli import main
from vigie.probes.daemon import StoreLock
from vigie.probes.store import Store

VIGIE = [sys.executable, "-m", "vigie"]


def _config(tmp_path: Path, bed: TestBed, *, probes: int = 2, interval: str = "1s", extra: str = "") -> Path:
    bed.set("/up", "up")
    bed.set("/down", "error")
    text = """
[store]
path = "v.db"
[exporter]
port = 0
[scheduler]
flush_interval = "100ms"
[[components]]
id = "web"
target = 99
[[components]]
id = "api"
target = 98
"""
    for index in range(probes):
        path = "/down" if index == 1 else "/up"
        text += f"""
[[probes]]
id = "p{index}"
component = "{"api" if index == 1 else "web"}"
kind = "http"
url = "{bed.url(path)}"
interval = "{interval}"
timeout = "1s"
"""
    path = tmp_path / "config.toml"
    path.write_text(text + extra, encoding="utf-8")
    return path


def test_once_prints_a_table_and_exits_one_when_a_component_is_down(
    bed: TestBed, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = _config(tmp_path, bed)
    assert main(["run", "--config", str(config), "--once"]) == 1
    out = capsys.readouterr().out
    assert "HTTP 500" in out and "HTTP 200" in out
    with Store(tmp_path / "v.db") as store:
        assert {r.probe: r.status for r in store.results()} == {"p0": Status.UP, "p1": Status.DOWN}


def test_once_json_and_exit_zero_when_all_up(
    bed: TestBed, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = _config(tmp_path, bed, probes=1)
    assert main(["run", "--config", str(config), "--once", "--json"]) == 0
    [row] = json.loads(capsys.readouterr().out)
    assert (row["probe"], row["status"], row["detail"]) == ("p0", "up", "HTTP 200 OK")


@pytest.mark.parametrize(
    ("args", "extra", "message"),
    [
        (["--for", "soon"], "", "vigie: error: --for: 'soon' is not a duration"),
        ([], "\n[alerts]\nretries = -1\n", "config.toml:"),
        ([], '\n[[probes]]\nid = "x"\ncomponent = "web"\nkind = "fileflow"\n', "missing required key 'path'"),
    ],
)
def test_bad_input_is_one_line_and_exit_two(
    bed: TestBed,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    extra: str,
    message: str,
) -> None:
    config = _config(tmp_path, bed, extra=extra)
    assert main(["run", "--config", str(config), "--once", *args]) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_a_second_daemon_refuses_to_start(
    bed: TestBed, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = _config(tmp_path, bed)
    lock = StoreLock(tmp_path / "v.db")
    try:
        assert main(["run", "--config", str(config), "--once"]) == 2
    finally:
        lock.release()
    assert "another vigie run" in capsys.readouterr().err


def _start(config: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [*VIGIE, "run", "--config", str(config), "--verbose"],
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
    )


def _wait_for_batches(proc: subprocess.Popen[str], count: int) -> list[dict[str, object]]:
    assert proc.stderr is not None
    batches: list[dict[str, object]] = []
    for line in proc.stderr:
        event = json.loads(line)
        if event.get("event") == "batch":
            batches.append(event)
            if len(batches) >= count:
                break
    return batches


def test_sigterm_stores_the_batch_and_exits_zero(bed: TestBed, tmp_path: Path) -> None:
    config = _config(tmp_path, bed)
    proc = _start(config)
    _wait_for_batches(proc, 1)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=20)
    assert proc.returncode == 0
    totals = [json.loads(line)["total"] for line in err.splitlines() if '"batch"' in line]
    with Store(tmp_path / "v.db") as store:
        assert store.count() >= (totals[-1] if totals else 1)


def test_sigkill_mid_write_never_corrupts_and_loses_at_most_a_batch(bed: TestBed, tmp_path: Path) -> None:
    """Twenty daemons killed with SIGKILL at random moments while writing to the same store."""
    config = _config(tmp_path, bed, probes=40, interval="1s")
    rng = random.Random(3)
    db = tmp_path / "v.db"
    for _ in range(20):
        before = 0
        if db.exists():
            with Store(db) as store:
                before = store.count()
        proc = _start(config)
        batches = _wait_for_batches(proc, 2)
        time.sleep(rng.uniform(0, 0.15))
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
        assert proc.stderr is not None
        rest = proc.stderr.read()
        batches += [json.loads(line) for line in rest.splitlines() if '"batch"' in line]
        proc.stderr.close()
        confirmed = int(batches[-1]["total"])  # type: ignore[call-overload]
        conn = sqlite3.connect(db)
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        stored = conn.execute("SELECT count(*) FROM results").fetchone()[0] - before
        conn.close()
        # Everything reported as written is there; only the batch being gathered is lost.
        assert stored >= confirmed
