"""Measurement store: append and read throughput on a real SQLite file (WAL).

Prints medians of several runs; run with `make bench` or `.venv/bin/python bench/store.py`.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from vigie.accounting.results import ProbeResult, Status
from vigie.probes.store import Store

ROWS, BATCH, RUNS = 200_000, 500, 5


def one_run(path: Path) -> tuple[float, float]:
    store = Store(path)
    rows = [ProbeResult(f"c{i % 9}", f"p{i % 9}", float(i), Status.UP, 10.0) for i in range(ROWS)]
    t0 = time.perf_counter()
    for start in range(0, ROWS, BATCH):
        store.append(rows[start : start + BATCH])
    t1 = time.perf_counter()
    count = sum(1 for _ in store.results("c3"))
    t2 = time.perf_counter()
    assert count == ROWS // 9 + (1 if ROWS % 9 > 3 else 0)
    store.close()
    return ROWS / (t1 - t0), count / (t2 - t1)


def main() -> None:
    writes, reads = [], []
    for run in range(RUNS):
        with tempfile.TemporaryDirectory() as tmp:
            w, r = one_run(Path(tmp) / f"bench{run}.db")
            writes.append(w)
            reads.append(r)
    print(f"store append: {statistics.median(writes):,.0f} results/s (median of {RUNS}, batches of {BATCH})")
    print(f"store read by component: {statistics.median(reads):,.0f} results/s (median of {RUNS})")


if __name__ == "__main__":
    main()
