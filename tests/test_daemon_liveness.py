"""Issue 16, item 6: the console says "démon arrêté" as soon as the daemon is gone, by its
store lock (held by a live process, which pid), not by the age of the last result."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from textual.widgets import Static

from tests.test_tui import make_settings, settle
from vigie.accounting.results import ProbeResult, Status
from vigie.console.tui.app import VigieApp
from vigie.probes.daemon import AlreadyRunning, StoreLock
from vigie.probes.store import Store
from vigie.probes.storelock import holder

HOLD = """
import sys, time
from pathlib import Path
from vigie.probes.daemon import StoreLock
StoreLock(Path(sys.argv[1]))
print("locked", flush=True)
time.sleep(120)
"""


def _hold(store: Path) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(store)], stdout=subprocess.PIPE, text=True, start_new_session=True
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "locked"
    return proc


def test_holder_names_the_live_daemon_and_nobody_once_it_is_killed(tmp_path: Path) -> None:
    store = tmp_path / "v.db"
    assert holder(store) is None  # no daemon ever ran here
    proc = _hold(store)
    try:
        assert holder(store) == proc.pid
        # Asking does not stand in the daemon's way, nor let a second one in.
        try:
            StoreLock(store)
        except AlreadyRunning as exc:
            assert f"pid {proc.pid}" in str(exc)
        else:
            raise AssertionError("a second daemon got the lock")
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    assert holder(store) is None
    StoreLock(store).release()  # the lock is free again


async def test_the_header_says_stopped_at_once_when_the_daemon_is_killed(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    now = time.time()
    with Store(settings.store_path()) as store:
        store.append([ProbeResult("alpha", "alpha-http", now - 30 + k, Status.UP, 10.0) for k in range(30)])
    proc = _hold(settings.store_path())
    app = VigieApp(settings, interval=0.5)
    try:
        async with app.run_test(size=(160, 40)) as pilot:
            await settle(pilot)
            header = str(app.query_one("#status", Static).render())
            assert f"démon actif, pid {proc.pid}" in header
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
            await pilot.pause(1.2)
            await settle(pilot)
            header = str(app.query_one("#status", Static).render())
            # The last result is a second or two old: only the lock can tell.
            assert "démon arrêté (dernier résultat il y a" in header
            assert time.time() - now < 30
    finally:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
