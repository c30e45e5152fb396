"""`vigie demo` end to end, in real subprocesses: a fresh directory, the history through the
real accounting, a reused directory, the console quit with q, nothing left running."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import pty
import shutil
import signal
import sqlite3
import struct
import subprocess
import sys
import termios
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psutil
import pytest

from vigie.console.demo.scenario import load_scenario
from vigie.console.demo.workdir import MARKER, Workdir, prepare, write_config
from vigie.console.errors import UserError
from vigie.console.settings import load_settings

from .conftest import BUNDLED_CONFIG

VIGIE = [sys.executable, "-m", "vigie"]


def _run_watched(args: list[str], **kw: object) -> tuple[int, str, str, set[tuple[int, float]]]:
    """Run a command, recording every descendant process it had while running."""
    proc = psutil.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)
    seen: set[tuple[int, float]] = set()
    done = threading.Event()

    def watch() -> None:
        while not done.is_set():
            with contextlib.suppress(psutil.Error):
                seen.update((c.pid, c.create_time()) for c in proc.children(recursive=True))
            done.wait(0.1)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    out, err = proc.communicate(timeout=600)
    done.set()
    watcher.join()
    return proc.returncode, out, err, seen


def _alive(processes: set[tuple[int, float]]) -> list[int]:
    """Which of these (pid, start time) processes still run (a reused pid is another process)."""
    alive = []
    for pid, created in processes:
        try:
            if psutil.Process(pid).create_time() == created:
                alive.append(pid)
        except psutil.NoSuchProcess:
            continue
    return alive


def _sla(config: Path) -> dict[str, float]:
    done = subprocess.run(
        [*VIGIE, "sla", "--year", "2017", "--json", "--config", str(config)],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return {row["component"]: row["availability"] for row in json.loads(done.stdout)}


def _until_the_daemon_runs(
    proc: psutil.Popen, also: Callable[[], bool] = lambda: True
) -> set[tuple[int, float]]:
    """Wait until the demo's daemon (not its first --once round) runs; the processes seen."""
    seen: set[tuple[int, float]] = set()
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        daemon_up = False
        for child in proc.children(recursive=True):
            # The first round (--once) may be a zombie not reaped yet: skip what vanishes.
            with contextlib.suppress(psutil.Error):
                seen.add((child.pid, child.create_time()))
                daemon_up = daemon_up or "--once" not in child.cmdline()
        if daemon_up and also():
            return seen
        time.sleep(0.2)
    raise AssertionError("the demo's daemon did not start")


def _quit_console_with_q(folder: Path) -> tuple[int, set[tuple[int, float]]]:
    """Open the demo's console in a pseudo-terminal, wait for the daemon, press q."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 140, 0, 0))
    proc = psutil.Popen(
        [*VIGIE, "demo", "--dir", str(folder)],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=dict(os.environ, TERM="xterm-256color"),
        start_new_session=True,
    )
    os.close(slave)
    screen = bytearray()

    def drain() -> None:
        while True:
            try:
                data = os.read(master, 65536)
            except OSError:
                return
            if not data:
                return
            screen.extend(data)

    threading.Thread(target=drain, daemon=True).start()
    seen = _until_the_daemon_runs(proc, lambda: b"Chorus" in screen)
    os.write(master, b"q")
    code = proc.wait(60)
    os.close(master)
    return code, seen


@pytest.fixture(scope="session")
def built_demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any], int]:
    """One fresh `vigie demo --headless` for the whole session (its first start imports a
    year: tens of seconds), shared by the pytest-xdist workers through a lock file; returns
    the directory, the run's JSON summary and how many of its processes were left running."""
    shared = tmp_path_factory.getbasetemp().parent
    folder, record = shared / "demo-data", shared / "demo-built.json"
    with (shared / "demo.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not record.is_file():
            code, out, err, seen = _run_watched(
                [*VIGIE, "demo", "--dir", str(folder), "--headless", "--for", "5s", "--json"]
            )
            assert code == 0, err
            assert "Traceback" not in err
            assert seen, "the daemon runs as a child process"
            record.write_text(json.dumps({"summary": json.loads(out), "left": len(_alive(seen))}))
    built = json.loads(record.read_text())
    return folder, built["summary"], built["left"]


@pytest.fixture
def demo_copy(built_demo: tuple[Path, dict[str, Any], int], tmp_path: Path) -> Path:
    """A copy of the session's demo directory, to run the demo on (one daemon per store)."""
    folder = tmp_path / "demo-data"
    shutil.copytree(built_demo[0], folder)
    return folder


def test_a_fresh_demo_has_the_2017_history_the_recent_one_and_leaves_nothing(
    built_demo: tuple[Path, dict[str, Any], int], tmp_path: Path
) -> None:
    folder, summary, left = built_demo
    assert left == 0
    assert summary["healthy"] is True
    assert summary["metrics_ok"] is True
    assert len(summary["components"]) == 9
    assert all(c["results"] > 0 for c in summary["components"])
    assert summary["history"]["tickets"] == 153_100
    # The history through the real accounting: the report's table, to 0.1 point.
    scenario = load_scenario()
    figures = _sla(folder / "config.toml")
    for comp in scenario.components:
        assert comp.availability_2017 <= figures[comp.id] < comp.availability_2017 + 0.001, comp.id
    # The manager's reports render from the demo's data.
    for report in (["monthly", "2017-12"], ["yearly", "2017"]):
        out_file = tmp_path / f"{report[0]}.md"
        done = subprocess.run(
            [
                *VIGIE,
                "report",
                *report,
                "--format",
                "md",
                "--out",
                str(out_file),
                "--config",
                str(folder / "config.toml"),
            ],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        assert "Chorus Pro" in out_file.read_text(encoding="utf-8")
    assert "98,400 %" in (tmp_path / "yearly.md").read_text(encoding="utf-8")
    # The recent history: 30 days of results for every component, 12 months of tickets
    # up to the current month, so "this month" and "30 days" have data at once.
    recent = summary["history"]["recent"]
    start = datetime.fromisoformat(recent["results_from"])
    assert timedelta(days=29) < datetime.now(UTC) - start < timedelta(days=31)
    with sqlite3.connect(folder / "vigie.db") as db:
        per_component = dict(
            db.execute(
                "SELECT component, count(*) FROM results WHERE probe = 'ingest' AND ts >= ? GROUP BY component",
                (start.timestamp(),),
            ).fetchall()
        )
        months = {
            row[0]
            for row in db.execute("SELECT substr(id, 5, 7) FROM tickets WHERE id LIKE 'sim-%'").fetchall()
        }
    assert set(per_component) == {c.id for c in scenario.components}
    assert all(n > 25 * 24 * 12 for n in per_component.values())
    assert len(months) == 12
    assert max(months) == datetime.now(load_settings(folder / "config.toml").timezone).strftime("%Y-%m")


def test_a_reused_directory_is_topped_up_and_signals_stop_it_cleanly(demo_copy: Path) -> None:
    folder = demo_copy
    before = json.loads((folder / "history.json").read_text())
    figures = _sla(folder / "config.toml")
    code, out, err, seen = _run_watched(
        [*VIGIE, "demo", "--dir", str(folder), "--headless", "--for", "1s", "--json"]
    )
    assert code == 0, err
    assert "déjà chargé" in err
    history = json.loads(out)["history"]
    assert history["results"] == before["results"]
    assert history["recent"]["results_from"] == before["recent"]["results_from"]
    assert history["recent"]["results_to"] >= before["recent"]["results_to"]
    assert _sla(folder / "config.toml") == figures
    assert _alive(seen) == []
    # A signal stops a run as cleanly as the end of --for.
    proc = psutil.Popen(
        [*VIGIE, "demo", "--dir", str(folder), "--headless", "--for", "10m"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stderr is not None
    said: list[str] = []
    reader = threading.Thread(target=lambda: said.extend(proc.stderr or ()), daemon=True)
    reader.start()
    seen = _until_the_daemon_runs(proc, lambda: any("démarré" in line for line in said))
    proc.send_signal(signal.SIGTERM)
    out = proc.stdout.read() if proc.stdout else ""
    assert proc.wait(120) == 0, said
    assert "Dernier état" in out  # the summary of what ran until the signal
    assert _alive(seen) == []
    # The console: q stops the console, the daemon and the simulated SI.
    code, seen = _quit_console_with_q(folder)
    assert code == 0
    assert seen
    assert _alive(seen) == []


def _cmdline(process: psutil.Process) -> list[str]:
    """A child's command line; empty when it already exited (a finished `--once` run)."""
    try:
        return process.cmdline()
    except (psutil.ZombieProcess, psutil.NoSuchProcess):
        return []


def test_the_daemon_dies_with_a_killed_demo(demo_copy: Path) -> None:
    proc = psutil.Popen(
        [*VIGIE, "demo", "--dir", str(demo_copy), "--headless", "--for", "10m"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    seen = _until_the_daemon_runs(proc)
    daemons = [p for p in proc.children(recursive=True) if "--once" not in _cmdline(p)]
    proc.kill()
    proc.wait(60)
    _, alive = psutil.wait_procs(daemons, timeout=30)
    assert alive == []
    assert _alive(seen) == []


def test_a_console_that_lost_its_terminal_stops_on_sigterm(demo_copy: Path) -> None:
    master, slave = pty.openpty()
    proc = psutil.Popen(
        [*VIGIE, "demo", "--dir", str(demo_copy)],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=dict(os.environ, TERM="xterm-256color"),
        start_new_session=True,
    )
    os.close(slave)
    screen = bytearray()
    done = threading.Event()

    def drain() -> None:
        while not done.is_set():
            try:
                data = os.read(master, 65536)
            except OSError:
                return
            screen.extend(data)

    threading.Thread(target=drain, daemon=True).start()
    seen = _until_the_daemon_runs(proc, lambda: b"Chorus" in screen)
    done.set()
    os.close(master)  # the terminal goes away (no SIGHUP: it was not a controlling terminal)
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(120) == 0
    assert _alive(seen) == []


def test_the_engine_demo_shows_scale_out_in_one_command(demo_copy: Path) -> None:
    """Two agents scraped by a real Prometheus; the summary reads through it: PLACE stays up
    while Lyon alone cannot reach it, Chorus Pro's scripted outage shows; nothing is left running."""
    shutil.which("prometheus") or pytest.skip("prometheus is not installed (Debian package prometheus)")
    code, out, err, seen = _run_watched(
        [
            *VIGIE,
            "demo",
            "--dir",
            str(demo_copy),
            "--engine",
            "prometheus",
            "--headless",
            "--for",
            "50s",
            "--json",
        ]
    )
    assert code == 0, err
    assert "Traceback" not in err
    summary = json.loads(out)
    assert summary["healthy"] and summary["engine"] == "prometheus" and summary["error"] == ""
    assert summary["agents"] == {"paris": True, "lyon": True}
    seen_by = {c["id"]: c for c in summary["components"]}
    place = seen_by["place"]
    assert place["down_s"] == 0 and place["availability"] == 1.0
    (failure,) = place["site_failures"]
    assert failure["agents"] == ["lyon"] and 20 <= failure["duration_s"] <= 35
    assert seen_by["chorus-pro"]["down_s"] > 0
    assert (demo_copy / "agent-paris.db").is_file() and (demo_copy / "engine.toml").is_file()
    assert _alive(seen) == []


def test_demo_config_has_the_projects_components_targets_and_windows(tmp_path: Path) -> None:
    scenario = load_scenario()
    workdir = Workdir(tmp_path)
    ports = {c.id: 40000 + i for i, c in enumerate(scenario.components)}
    demo = load_settings(write_config(workdir, scenario, ports, 40100)).probes
    project = load_settings(BUNDLED_CONFIG).probes
    assert demo.components == project.components
    assert demo.maintenance == project.maintenance
    assert demo.exporter.host == "127.0.0.1"
    http = {p.component: p for p in demo.probes if p.kind == "http"}
    assert {c: p.options.url for c, p in http.items()} == {
        c: f"http://127.0.0.1:{port}/health" for c, port in ports.items()
    }
    # Live probes every 30 s; the imported history keeps its own 5-minute step (issue 16, item 2).
    assert {p.interval for p in demo.probes} == {30.0} and scenario.history_step == 300
    assert {p.kind for p in demo.probes if p.role == "throughput"} == {"fileflow", "counter"}


def test_fresh_deletes_only_a_demo_directory(tmp_path: Path) -> None:
    workdir, new = prepare(tmp_path / "d", fresh=False)
    assert new and (workdir.root / MARKER).is_file()
    (workdir.root / "vigie.db").write_text("x")
    _, new = prepare(workdir.root, fresh=False)
    assert not new and (workdir.root / "vigie.db").exists()
    _, new = prepare(workdir.root, fresh=True)
    assert new and not (workdir.root / "vigie.db").exists()
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep me")
    for fresh in (False, True):
        with pytest.raises(UserError, match="not a Vigie demo directory"):
            prepare(mine, fresh=fresh)
    assert (mine / "notes.txt").read_text() == "keep me"


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--headless", "--for", "soon"], "--for: 'soon' is not a duration"),
        (["--json"], "--json goes with --headless"),
        (["--headless", "--scenario", "{bad}"], "{bad}:"),
        (["--headless", "--dir", "{mine}"], "not a Vigie demo directory"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(tmp_path: Path, args: list[str], expected: str) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("seed = 1\n[live]\noutage_mean = 3\n", encoding="utf-8")
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep me")
    args = [a.format(bad=bad, mine=mine) for a in args]
    expected = expected.format(bad=bad)
    done = subprocess.run(
        [*VIGIE, "demo", "--dir", str(tmp_path / "d"), *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=tmp_path,
    )
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert expected in lines[0]
    assert (mine / "notes.txt").read_text() == "keep me"
