"""Operations console: first full frame, CPU at rest side by side with glances.

Two stores are filled through `Store.append`:

- the nine components of `config.toml`, one month of 30 s results;
- 250 generated components, one month of 5 min results (a month of rollups: the segment
  count depends on the outages, drawn at the same rate per hour as the 30 s store).

Then, for each:

- the worker bodies of a refresh (cold, and again with nothing new in the store);
- time from launching `vigie tui` (a new process in tmux at 120x40, as a user sees it:
  imports, configuration, store and first paint included) to the screen's component rows,
  and to those rows with today's availability, polled with `tmux capture-pane`, with the
  process's CPU seconds at that moment (the fair figure on a shared machine); target < 1 s;
- time from starting the app (headless, 120x40, in this process: imports already done) to
  the first full frame (every row with its state, latency and today's availability), and
  to the month's and 30 days' columns;
- CPU seconds per minute of `vigie tui` at the default 2 s refresh with nothing arriving
  (the daemon is not running), side by side with `glances -t 2`: both in their own tmux
  session at 120x40 at the same time, CPU time of each pane's processes (psutil) over a
  window, median of several runs.

glances is a bench tool, not a dependency: `apt-get install glances` (or pip in another
virtual environment). Without it the CPU figures are printed alone.

Run with `make bench` or `.venv/bin/python bench/tui.py`.
"""

from __future__ import annotations

import asyncio
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

from vigie.accounting.results import ProbeResult, Status
from vigie.console.measurements import open_store
from vigie.console.settings import Settings, load_settings
from vigie.console.tui.app import VigieApp
from vigie.console.tui.data import ConsoleData
from vigie.console.tui.table import ConsoleTable

RUNS = 3
FRAME_RUNS = 3
CPU_RUNS = 3
WARM_UP_S = 10.0
WINDOW_S = 30.0
SIZE = (120, 40)
ROOT = Path(__file__).resolve().parent.parent


def config_for(folder: Path, components: int | None, interval: float) -> Settings:
    """The bundled config (components=None) or one with ``components`` generated ones."""
    if components is None:
        text = (ROOT / "config.toml").read_text(encoding="utf-8")
        text = text.replace('path = "catalog"', f'path = "{ROOT / "catalog"}"')
    else:
        parts = ['[store]\npath = "vigie.db"\n']
        for n in range(components):
            parts.append(f'[[components]]\nid = "c{n:03d}"\nname = "Composant {n:03d}"\ntarget = 99\n')
            parts.append(
                f'[[probes]]\nid = "c{n:03d}-http"\ncomponent = "c{n:03d}"\nkind = "http"\n'
                f'url = "http://127.0.0.1:9/{n}"\ninterval = "{interval:g}s"\n'
            )
        text = "\n".join(parts)
    path = folder / "config.toml"
    path.write_text(text, encoding="utf-8")
    # The store path is relative to the config file: it lands in the temporary folder.
    return load_settings(path)


def fill(settings: Settings, days: float, now: float, step: float) -> int:
    """Results every ``step`` seconds for every probe, with a few short outages (about
    three a day per probe, whatever the step)."""
    rng = random.Random(2017)
    outage = 0.001 * step / 30.0
    count = 0
    # Told each probe's interval, as the daemon's store is: a 5 min step is not a gap.
    with open_store(settings) as store:
        for probe in settings.probes.probes:
            batch = []
            ts = now - days * 86400
            while ts < now:
                status = Status.DOWN if rng.random() < outage else Status.UP
                batch.append(
                    ProbeResult(probe.component, probe.id, ts, status, rng.uniform(50, 400), "HTTP 200")
                )
                ts += step
            store.append(batch)
            count += len(batch)
    return count


def _ms(values: list[float]) -> str:
    return f"{statistics.median(values) * 1000:.1f} ms"


def refresh_times(settings: Settings, now: float) -> str:
    """Median of the worker bodies, cold (a new reader) and with nothing new since."""
    cold_live, cold_today, cold_sla, idle_live, idle_sla = [], [], [], [], []
    for _ in range(RUNS):
        data = ConsoleData(settings)
        t0 = time.perf_counter()
        data.load_live(now)
        t1 = time.perf_counter()
        data.load_today(now)
        t2 = time.perf_counter()
        data.load_sla(now, full=True)
        t3 = time.perf_counter()
        data.load_live(now + 2)
        t4 = time.perf_counter()
        data.load_sla(now + 2)
        t5 = time.perf_counter()
        data.close()
        cold_live.append(t1 - t0)
        cold_today.append(t2 - t1)
        cold_sla.append(t3 - t2)
        idle_live.append(t4 - t3)
        idle_sla.append(t5 - t4)
    return (
        f"  refresh workers (median of {RUNS}): first read: live {_ms(cold_live)}, today {_ms(cold_today)}, "
        f"today/month/30 d {_ms(cold_sla)}; nothing new: live {_ms(idle_live)}, SLA {_ms(idle_sla)}"
    )


async def _first_frame(settings: Settings) -> tuple[float, float, float, float]:
    expected = len(settings.probes.components)
    t0, c0 = time.perf_counter(), time.process_time()
    app = VigieApp(settings)
    async with app.run_test(size=SIZE) as pilot:
        table = app.query_one("#availability-table", ConsoleTable)
        while len(table.shown_keys) < expected or not (app.sla_today or app.sla):
            await pilot.pause(0.005)
        first, first_cpu = time.perf_counter() - t0, time.process_time() - c0
        while not app.sla:
            await pilot.pause(0.005)
        complete, complete_cpu = time.perf_counter() - t0, time.process_time() - c0
    return first, first_cpu, complete, complete_cpu


def first_frame(settings: Settings) -> str:
    """Median seconds (wall and CPU of this process, workers included: the machine may be
    shared) to the first full frame and to the month's columns."""
    runs = [asyncio.run(_first_frame(settings)) for _ in range(FRAME_RUNS)]
    first, first_cpu, complete, complete_cpu = (statistics.median(r[i] for r in runs) for i in range(4))
    return (
        f"  first full frame (headless, median of {FRAME_RUNS}): {first:.2f} s ({first_cpu:.2f} CPU-s); "
        f"month and 30-day columns filled at {complete:.2f} s ({complete_cpu:.2f} CPU-s)"
    )


def _tree_cpu(pid: int) -> float:
    """CPU seconds (user + system) of a process and its descendants."""
    total = 0.0
    try:
        root = psutil.Process(pid)
        for proc in [root, *root.children(recursive=True)]:
            with_children = proc.cpu_times()
            total += with_children.user + with_children.system
    except psutil.NoSuchProcess:
        pass
    return total


def _tmux(run: int) -> list[str]:
    # A tmux server of our own for each run, so that stopping it touches nothing else.
    return ["tmux", "-L", f"vigie-bench-{os.getpid()}-{run}"]


def _start(tmux: list[str], session: str, command: list[str]) -> int:
    width, height = SIZE
    line = " ".join(f"'{part}'" for part in command)
    subprocess.run(
        [*tmux, "new-session", "-d", "-s", session, "-x", str(width), "-y", str(height), line], check=True
    )
    out = subprocess.run(
        [*tmux, "display-message", "-p", "-t", session, "#{pane_pid}"],
        check=True,
        capture_output=True,
        text=True,
    )
    return int(out.stdout.strip())


START_RUNS = 5
START_TARGET_S = 1.0


def _screen_rows(screen: str, names: list[str]) -> tuple[int, int]:
    """Component rows on a captured screen, and how many show today's availability (a
    percentage besides the target's)."""
    rows = [line for line in screen.splitlines() if any(name in line for name in names)]
    return len(rows), sum(line.count("%") >= 2 for line in rows)


def _one_start(tmux: list[str], command: list[str], names: list[str]) -> tuple[float, float, float, float]:
    """Seconds from launch to the screen's rows and to today's column, CPU seconds of the
    process at each."""
    # The pane waits for a key, then execs the console: the clock starts at the launch,
    # not at the tmux server's start.
    line = " ".join(f"'{part}'" for part in command)
    pane = _start(tmux, "start", ["sh", "-c", f"read go; exec {line}"])
    process = psutil.Process(pane)
    seen: list[tuple[float, float, int, int]] = []
    t0 = time.perf_counter()
    subprocess.run([*tmux, "send-keys", "-t", "start", "Enter"], check=True)
    deadline = t0 + 60
    while time.perf_counter() < deadline:
        screen = subprocess.run(
            [*tmux, "capture-pane", "-p", "-t", "start"], check=True, capture_output=True, text=True
        ).stdout
        at = time.perf_counter() - t0
        times = process.cpu_times()
        rows, today = _screen_rows(screen, names)
        seen.append((at, times.user + times.system, rows, today))
        # Done once the rows have all shown today's column for a few polls running.
        if rows and today == rows and len(seen) > 3 and all(s[3] == rows for s in seen[-3:]):
            break
        time.sleep(0.002)
    subprocess.run([*tmux, "kill-server"], check=False, capture_output=True)
    full = seen[-1][2]
    shown = next(s for s in seen if s[2] == full)
    today = next(s for s in seen if s[3] == full)
    return shown[0], shown[1], today[0], today[1]


def start_from_launch(settings: Settings) -> str:
    """Median seconds from launching `vigie tui` in tmux to the component rows on screen."""
    command = [sys.executable, "-m", "vigie", "tui", "--config", str(settings.file)]
    names = [component.name for component in settings.probes.components]
    runs = [_one_start(_tmux(100 + run), command, names) for run in range(START_RUNS)]
    shown, shown_cpu, today, today_cpu = (statistics.median(r[i] for r in runs) for i in range(4))
    verdict = "met" if shown < START_TARGET_S else "MISSED"
    return (
        f"  start from launch (new process in tmux {SIZE[0]}x{SIZE[1]}, capture-pane polled, median of "
        f"{START_RUNS}): rows on screen at {shown:.2f} s ({shown_cpu:.2f} CPU-s of the process), with "
        f"today's availability at {today:.2f} s ({today_cpu:.2f} CPU-s); target < {START_TARGET_S:g} s: "
        f"{verdict} (load {os.getloadavg()[0]:.2f})"
    )


def cpu_side_by_side(config: Path, glances: str | None) -> str:
    """CPU seconds per minute of `vigie tui` (and glances), each in tmux, same windows."""
    vigie = [sys.executable, "-m", "vigie", "tui", "--config", str(config)]
    ours, theirs = [], []
    for run in range(CPU_RUNS):
        tmux = _tmux(run)
        pids = {"vigie": _start(tmux, "vigie", vigie)}
        if glances:
            pids["glances"] = _start(tmux, "glances", [glances, "-t", "2"])
        try:
            time.sleep(WARM_UP_S)
            before = {name: _tree_cpu(pid) for name, pid in pids.items()}
            time.sleep(WINDOW_S)
            after = {name: _tree_cpu(pid) for name, pid in pids.items()}
        finally:
            subprocess.run([*tmux, "kill-server"], check=False, capture_output=True)
        ours.append((after["vigie"] - before["vigie"]) / WINDOW_S * 60)
        if glances:
            theirs.append((after["glances"] - before["glances"]) / WINDOW_S * 60)
    line = (
        f"  CPU at the 2 s refresh, nothing arriving (tmux {SIZE[0]}x{SIZE[1]}, {WINDOW_S:g} s windows, "
        f"median of {CPU_RUNS}): vigie tui {statistics.median(ours):.2f} CPU-s per minute"
    )
    if glances:
        return line + f", glances {statistics.median(theirs):.2f} (same runs)"
    return line + " (glances not installed: apt-get install glances)"


def main() -> None:
    glances = shutil.which("glances")
    now = time.time()
    for label, components, step in (
        ("9 components, 30 days of 30 s results", None, 30.0),
        ("250 components, 30 days of 5 min results", 250, 300.0),
    ):
        # In memory where there is /dev/shm: filling is then bound by the CPU, not the disk.
        with tempfile.TemporaryDirectory(dir="/dev/shm" if Path("/dev/shm").is_dir() else None) as tmp:
            settings = config_for(Path(tmp), components, step)
            t0 = time.perf_counter()
            rows = fill(settings, 30, now, step)
            filled = time.perf_counter() - t0
            print(f"tui [{label}: {rows:,} results, filled in {filled:.1f} s]", flush=True)
            print(start_from_launch(settings), flush=True)
            print(refresh_times(settings, time.time()), flush=True)
            print(first_frame(settings), flush=True)
            print(cpu_side_by_side(settings.file, glances), flush=True)


if __name__ == "__main__":
    main()
