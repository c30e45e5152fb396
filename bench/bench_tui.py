"""Operations console: cost of one data refresh, time to the first full frame, CPU at rest.

A store of one month of 30 s results for the nine components of `config.toml` (and one
day for 250 generated components) is filled through `Store.append`; then:

- the worker bodies a refresh runs (live state + SLA today/month/30 days from the rollups),
  median of several runs;
- time from starting the app (headless) to a filled availability table;
- CPU seconds per minute of the headless app at the default 2 s refresh with nothing
  changing (the daemon is not running), measured on this process over 20 s.

Run with `make bench` or `.venv/bin/python bench/bench_tui.py`.
"""

from __future__ import annotations

import asyncio
import random
import statistics
import tempfile
import time
from pathlib import Path

from vigie.console.settings import Settings, load_settings
from vigie.console.tui.app import VigieApp
from vigie.console.tui.data import ConsoleData
from vigie.console.tui.table import ConsoleTable
from vigie.probes.results import ProbeResult, Status
from vigie.probes.store import Store

RUNS = 15
STEP = 30.0
ROOT = Path(__file__).resolve().parent.parent


def config_for(folder: Path, components: int | None) -> Settings:
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
                f'url = "http://127.0.0.1:9/{n}"\n'
            )
        text = "\n".join(parts)
    path = folder / "config.toml"
    path.write_text(text, encoding="utf-8")
    # The store path is relative to the config file: it lands in the temporary folder.
    return load_settings(path)


def fill(settings: Settings, days: float, now: float) -> int:
    """Results every 30 s for every probe, with a few short outages."""
    rng = random.Random(2017)
    count = 0
    with Store(settings.store_path()) as store:
        for probe in settings.probes.probes:
            batch = []
            ts = now - days * 86400
            while ts < now:
                down = rng.random() < 0.001
                status = Status.DOWN if down else Status.UP
                batch.append(
                    ProbeResult(probe.component, probe.id, ts, status, rng.uniform(50, 400), "HTTP 200")
                )
                ts += STEP
            store.append(batch)
            count += len(batch)
    return count


def refresh_times(settings: Settings, now: float) -> tuple[float, float, float]:
    """Median seconds of the worker bodies: live state, SLA of a usual refresh (today),
    full SLA (today, month, 30 days: every 10 s or on a state change)."""
    data = ConsoleData(settings)
    live, sla, full = [], [], []
    for _ in range(RUNS):
        t0 = time.perf_counter()
        data.load_live(now)
        t1 = time.perf_counter()
        data.load_sla(now)
        t2 = time.perf_counter()
        data.load_sla(now, full=True)
        t3 = time.perf_counter()
        live.append(t1 - t0)
        sla.append(t2 - t1)
        full.append(t3 - t2)
    data.close()
    return statistics.median(live), statistics.median(sla), statistics.median(full)


async def first_frame_and_cpu(settings: Settings, now: float, idle_s: float) -> tuple[float, float]:
    """Seconds to a filled availability table, then CPU seconds per minute while idle."""
    expected = len(settings.probes.components)
    app = VigieApp(settings, clock=lambda: now)
    t0 = time.perf_counter()
    async with app.run_test(size=(160, 45)) as pilot:
        table = app.query_one("#availability-table", ConsoleTable)
        while len(table.shown_keys) < expected or not app.sla:
            await pilot.pause(0.01)
        first = time.perf_counter() - t0
        cpu0 = time.process_time()
        await asyncio.sleep(idle_s)
        cpu = time.process_time() - cpu0
    return first, cpu / idle_s * 60


def main() -> None:
    now = time.time()
    for label, components, days, idle in (
        ("9 components, 30 days", None, 30, 20.0),
        ("250 components, 1 day", 250, 1, 20.0),
    ):
        with tempfile.TemporaryDirectory() as tmp:
            settings = config_for(Path(tmp), components)
            t0 = time.perf_counter()
            rows = fill(settings, days, now)
            filled = time.perf_counter() - t0
            live, sla, full = refresh_times(settings, now)
            first, cpu = asyncio.run(first_frame_and_cpu(settings, now, idle))
            print(f"tui [{label}: {rows:,} results, filled in {filled:.1f} s]")
            print(
                f"  refresh workers (median of {RUNS}): live state {live * 1000:.1f} ms, "
                f"SLA today {sla * 1000:.1f} ms, full SLA today/month/30 d {full * 1000:.1f} ms "
                f"(every 10 s or on a state change)"
            )
            print(f"  first full frame (headless): {first:.2f} s")
            print(f"  CPU at the 2 s refresh, nothing changing (headless): {cpu:.2f} CPU-s per minute")


if __name__ == "__main__":
    main()
