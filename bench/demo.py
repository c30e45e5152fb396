"""The demo: history generation and import for the year, and `vigie demo` start-up time.

Prints medians of several runs; run with `make bench` or `.venv/bin/python bench/demo.py`.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from vigie.console.demo.history import write_history
from vigie.console.demo.scenario import load_scenario
from vigie.console.demo.workdir import free_port, prepare, write_config
from vigie.console.measurements import open_store
from vigie.console.settings import load_settings
from vigie.probes.ingest import ingest_samples
from vigie.probes.tickets.csvimport import import_csv
from vigie.probes.tickets.store import TicketStore

RUNS = 3
READY = "SI simulé démarré"


def history_once(folder: Path) -> tuple[int, float, float, int, float]:
    """Generate the year, import it; returns rows, generation s, import s, tickets, tickets s."""
    scenario = load_scenario()
    workdir, _ = prepare(folder, fresh=True)
    ports = {c.id: 1 for c in scenario.components}
    settings = load_settings(write_config(workdir, scenario, ports, free_port()))
    p = settings.probes
    t0 = time.perf_counter()
    samples, tickets, summaries = write_history(
        scenario, p.components, p.maintenance, settings.timezone, workdir.history_dir
    )
    t1 = time.perf_counter()
    with open_store(settings) as store:
        stats = ingest_samples(store, samples, p)
    t2 = time.perf_counter()
    with TicketStore(settings.store_path()) as ticket_store:
        result = import_csv(tickets, ticket_store, settings.tickets, progress=False)
    t3 = time.perf_counter()
    assert stats.added == sum(s.rows for s in summaries)
    return stats.added, t1 - t0, t2 - t1, result.stored, t3 - t2


def start_up(folder: Path) -> float:
    """Seconds from `vigie demo --headless` launch to the SI and daemon running (history loaded)."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "vigie", "demo", "--dir", str(folder), "--headless", "--for", "1s"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stderr is not None
    ready = None
    for line in proc.stderr:
        if READY in line and ready is None:
            ready = time.perf_counter() - t0
    proc.wait()
    assert ready is not None and proc.returncode == 0
    return ready


def main() -> None:
    generation, ingest, tickets_s = [], [], []
    rows = tickets = 0
    with tempfile.TemporaryDirectory() as tmp:
        for run in range(RUNS):
            rows, gen_s, ing_s, tickets, tic_s = history_once(Path(tmp) / f"h{run}")
            generation.append(rows / gen_s)
            ingest.append(rows / ing_s)
            tickets_s.append(tic_s)
        folder = Path(tmp) / "demo"
        t0 = time.perf_counter()
        first = start_up(folder)
        first_total = time.perf_counter() - t0
        again = [start_up(folder) for _ in range(RUNS)]
    print(
        f"history generation: {statistics.median(generation):,.0f} rows/s ({rows:,} rows, median of {RUNS})"
    )
    print(
        f"history import (vigie ingest samples' code): {statistics.median(ingest):,.0f} rows/s (median of {RUNS})"
    )
    print(f"tickets import: {tickets:,} tickets in {statistics.median(tickets_s):.1f} s (median of {RUNS})")
    print(
        f"vigie demo, fresh directory: SI + daemon running after {first:.1f} s (run total {first_total:.1f} s)"
    )
    print(
        f"vigie demo, reused directory: SI + daemon running after {statistics.median(again):.1f} s (median of {RUNS})"
    )


if __name__ == "__main__":
    main()
