"""One writer and several readers at once, and an import next to a running daemon: readers
never fail, and the daemon's batches never wait more than a second for the write lock
(item 14; the longest wait is printed in the suite's table)."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

from tests.probes.conftest import component, probes_config
from tests.reliability import ledger
from tests.reliability.conftest import Recorder, wait_for, write_history
from tests.reliability.test_kills import DAEMON, PROBE
from vigie.accounting.results import ProbeResult, Status
from vigie.probes.daemon import StoreLock
from vigie.probes.store import Store


def test_one_writer_and_several_readers(tmp_path: Path, recorder: Recorder) -> None:
    config = tmp_path / "config.toml"
    config.write_text(DAEMON + "".join(PROBE.format(i=i, url=recorder.url(f"/{i}")) for i in range(20)))
    log = tmp_path / "daemon.log"
    with log.open("w") as out:
        daemon = subprocess.Popen(
            [sys.executable, "-m", "vigie", "run", "-v", "--for", "5s", "--config", str(config)],
            stderr=out,
            stdout=out,
        )
    errors: list[BaseException] = []
    reads = [0]

    def reader() -> None:
        try:
            with Store(tmp_path / "vigie.db") as store:
                while daemon.poll() is None:
                    with store.snapshot():
                        list(store.results("web"))
                        store.segments("web", 0, time.time())
                    reads[0] += 1
        except BaseException as exc:  # counted, then failing the test
            errors.append(exc)

    try:
        wait_for(lambda: '"event": "batch"' in log.read_text())
        threads = [threading.Thread(target=reader) for _ in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
    finally:
        daemon.wait(30)
    assert daemon.returncode == 0
    ledger.record(faults=1, faults_held=int(not errors and reads[0] > 0))
    assert not errors and reads[0] > 0
    assert "store_failed" not in log.read_text()


def test_item14_an_import_leaves_the_daemon_room(tmp_path: Path) -> None:
    """A writer that holds the daemon's lock and appends a batch every 0.2 s, as the daemon
    does, next to `vigie ingest samples` of 300,000 rows: its longest wait for the store."""
    store_path = tmp_path / "vigie.db"
    (tmp_path / "config.toml").write_text(DAEMON)
    history = write_history(tmp_path / "history.csv", 300_000)
    config = probes_config([component("web")], [])
    lock = StoreLock(store_path)
    waits: list[float] = []
    try:
        with Store.of_config(config, store_path) as store:
            importer = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "vigie",
                    "ingest",
                    "samples",
                    str(history),
                    "--config",
                    str(tmp_path / "config.toml"),
                ],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            beat = 0
            while importer.poll() is None:
                batch = [ProbeResult("web", "daemon", 2e9 + beat, Status.UP, 1.0)]
                began = time.perf_counter()
                store.append(batch)
                waits.append(time.perf_counter() - began)
                beat += 1
                time.sleep(0.2)
            _, err = importer.communicate()
    finally:
        lock.release()
    assert importer.returncode == 0, err
    longest = max(waits)
    ledger.figure("daemon's longest wait for the store during a 300,000-row import", longest, "s")
    assert len(waits) > 3 and longest < 1.0, waits
