"""SIGKILL while the daemon writes and while an import writes: after each kill the store is
intact (SQLite's integrity check, and the commands read it), every batch the daemon said it
stored is there, and an interrupted import, run again, completes."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.reliability import ledger
from tests.reliability.conftest import Recorder, intact, vigie, wait_for, write_history

DAEMON = """\
[store]
path = "vigie.db"
[exporter]
enabled = false
[scheduler]
flush_interval = "100ms"
[[components]]
id = "web"
name = "Web"
target = 99
"""
PROBE = """
[[probes]]
id = "p{i}"
component = "web"
kind = "http"
interval = "1s"
timeout = "1s"
url = "{url}"
"""


def _count(store: Path) -> int:
    import sqlite3

    if not store.exists():
        return 0
    conn = sqlite3.connect(store, timeout=10)
    try:
        return int(conn.execute("SELECT count(*) FROM samples").fetchone()[0])
    finally:
        conn.close()


def test_sigkill_while_the_daemon_writes(tmp_path: Path, recorder: Recorder) -> None:
    config = tmp_path / "config.toml"
    config.write_text(DAEMON + "".join(PROBE.format(i=i, url=recorder.url(f"/{i}")) for i in range(20)))
    store = tmp_path / "vigie.db"
    rng = random.Random(15)
    kills = intact_after = lost = 0
    for round_ in range(5):
        before = _count(store)
        log = tmp_path / f"daemon-{round_}.log"
        with log.open("w") as out:
            daemon = subprocess.Popen(
                [sys.executable, "-m", "vigie", "run", "-v", "--config", str(config)], stderr=out, stdout=out
            )
        wait_for(lambda log=log: '"event": "batch"' in log.read_text())
        time.sleep(rng.uniform(0.2, 1.0))
        os.kill(daemon.pid, signal.SIGKILL)
        daemon.wait(10)
        kills += 1
        totals = [
            json.loads(line)["total"]
            for line in log.read_text().splitlines()
            if line.startswith('{"event": "batch"')
        ]
        stored = _count(store) - before
        lost += sum(1 for total in totals if total > stored)
        ok = intact(store) and vigie("sla", "--config", str(config)).returncode == 0
        intact_after += ok
    ledger.record(kills=kills, kills_intact=intact_after, batches_lost=lost, corruptions=kills - intact_after)
    assert (intact_after, lost) == (kills, 0)


def test_sigkill_during_an_import_then_the_import_completes(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(DAEMON)
    rows = 300_000
    history = write_history(tmp_path / "history.csv", rows)
    store = tmp_path / "vigie.db"
    rng = random.Random(14)
    kills = intact_after = 0
    for _ in range(3):
        importer = subprocess.Popen(
            [sys.executable, "-m", "vigie", "ingest", "samples", str(history), "--config", str(config)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(rng.uniform(0.8, 2.5))
        if importer.poll() is None:
            os.kill(importer.pid, signal.SIGKILL)
            kills += 1
            intact_after += intact(store) if store.exists() else 1
        importer.wait(10)
    done = vigie("ingest", "samples", str(history), "--config", str(config))
    ledger.record(kills=kills, kills_intact=intact_after, corruptions=kills - intact_after)
    assert done.returncode == 0, done.stderr
    assert intact(store) and _count(store) == rows
    assert intact_after == kills
