"""SLA accounting at scale: history ingest rate, then `vigie sla` figures from rollups
against a naive SQL scan of the raw results.

Writes N components x D days of 30-second results (mostly up, a few outages and slow
answers) as a CSV file, imports it through the public API (`ingest_samples`: CSV parsed
and validated, raw rows and rollups written), imports the same results again into a
second store through the store's own bulk API (`Store.append_rows`, one transaction per
day, rollups included), then times the monthly and yearly SLA of every component from the rollups
(`sla_report`) and a naive `GROUP BY component, status` count over the raw rows of the
same month. Prints medians of wall time and of the process's CPU time side by side (the
machine is shared: wall time moves with other jobs, CPU time much less), and the targets
of issue #4. Then `vigie sla --year` over a year-long store of the same components at a
coarser step (`--year-step`, default 300 s; the same outages and slow answers, so the same
rollups per month), warm (median of runs in one process) and cold (the first query of a
fresh process, with the store file in the OS page cache and evicted from it first),
against the naive scan of that year. Defaults: 9 components x 365 days (the nine core
components, a year: 9.5 million results). The issue's scale: `--components 250 --days 30`
(21.6 million results).

    .venv/bin/python bench/sla.py [--components N] [--days D] [--runs R] [--year-step S] [--year-only] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from vigie.accounting.figures import SlaFigures, account
from vigie.accounting.schedules import schedule_spans
from vigie.accounting.state import effective_timeline
from vigie.accounting.terms import Policy, Schedule
from vigie.accounting.timeline import segments_from_results, split_by_probe
from vigie.probes.config import INGEST_PROBE, Component, ExporterConfig, ProbesConfig, StoreConfig
from vigie.probes.ingest import ingest_samples
from vigie.probes.results import Row
from vigie.probes.store import Store
from vigie.reports.periods import Period, month, year
from vigie.reports.sla import sla_report

PARIS = ZoneInfo("Europe/Paris")
STEP = 30


def history(
    components: list[str], start: float, days: int, step: int = STEP, seed: int = 7
) -> Iterator[list[Row]]:
    """Results every ``step`` s for each component, day by day, time by time.

    Mostly up; a few outages per component every ten days and a slow (degraded) answer
    every 8.3 hours, whatever the step, so a month has the same number of segments.
    """
    rng = random.Random(seed)
    outages: dict[str, list[tuple[float, float]]] = {c: [] for c in components}  # a few per month
    for c in components:
        for _ in range(max(1, days // 10)):
            t0 = start + rng.randrange(days * 86400)
            outages[c].append((t0, t0 + rng.choice([60, 300, 900, 3600])))
    per_day = 86400 // step
    slow_every = max(1, 29_910 // step)  # 997 checks of 30 s
    for day in range(days):
        rows: list[Row] = []
        for k in range(day * per_day, (day + 1) * per_day):
            ts = start + k * step
            for c in components:
                down = any(a <= ts < b for a, b in outages[c])
                status = "down" if down else ("degraded" if k % slow_every == 0 else "up")
                rows.append(
                    (
                        c,
                        INGEST_PROBE,
                        ts,
                        status,
                        float(40 + (k * 7919) % 160),
                        "HTTP 503" if down else "",
                        None,
                    )
                )
        yield rows


def write_history(path: Path, components: list[str], start: float, days: int) -> int:
    """The same results as a history CSV file; returns the number of rows."""
    count = 0
    with path.open("w", encoding="utf-8") as out:
        out.write("component,timestamp,status,latency_ms,detail\n")
        for rows in history(components, start, days):
            stamps: dict[float, str] = {}
            for c, _, ts, status, latency, detail, _ in rows:
                stamp = stamps.get(ts) or stamps.setdefault(
                    ts, datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
                )
                out.write(f"{c},{stamp},{status},{latency:.0f},{detail}\n")
            count += len(rows)
    return count


def append_history(
    path: Path, config: ProbesConfig, components: list[str], start: float, days: int
) -> tuple[float, float]:
    """Seconds of wall and CPU time ``Store.append_rows`` takes for the history, a day per call."""
    wall = cpu = 0.0
    with Store.of_config(config, path) as store:
        for rows in history(components, start, days):
            w0, c0 = time.perf_counter(), time.process_time()
            store.append_rows(rows)
            wall += time.perf_counter() - w0
            cpu += time.process_time() - c0
    return wall, cpu


def naive_scan(store: Store, start: float, end: float) -> dict[str, float]:
    """Sample-count availability per component straight from the raw rows (the baseline)."""
    sql = (
        "SELECT component, sum(status IN ('up', 'degraded')), sum(status = 'down') "
        "FROM results WHERE ts >= ? AND ts < ? GROUP BY component"
    )
    return {c: ok / (ok + down) for c, ok, down in store.db.conn.execute(sql, (start, end))}


def exact_from_raw(store: Store, config: ProbesConfig, period: Period, now: float) -> list[SlaFigures]:
    """The same accounting as `sla_report`, fed from raw rows instead of the rollups."""
    out = []
    for comp in config.components:
        # From one 2 x interval before the period: the result covering its start.
        raw = store.results(comp.id, period.start_ts - 2 * STEP, period.end_ts)
        segments = [segments_from_results(group, STEP) for group in split_by_probe(raw)]
        timeline = effective_timeline(segments, comp.policy, [])
        schedule = schedule_spans(comp.schedule, period.start_ts, period.end_ts)
        out.append(account(comp, timeline, schedule, period.start_ts, period.end_ts, now))
    return out


def insert_ceiling(work: Path, rows: int = 1_000_000) -> tuple[float, float]:
    """Plain executemany of sample rows (250 probes, grouped) into the raw table: this machine now."""
    path = work / "ceiling.db"
    path.unlink(missing_ok=True)
    with Store(path) as store:
        data = [(i % 250, 1.5e9 + 30 * (i // 250), "up", 12.5, "", None, None) for i in range(rows)]
        data.sort()
        w0, c0 = time.perf_counter(), time.process_time()
        with store.transaction():
            store.db.conn.executemany("INSERT INTO samples VALUES (?, ?, ?, ?, ?, ?, ?)", data)
        rates = rows / (time.perf_counter() - w0), rows / (time.process_time() - c0)
    for p in work.glob("ceiling.db*"):
        p.unlink()
    return rates


def median_time(fn: Callable[[], object], runs: int) -> tuple[float, float]:
    """Median wall time and median process CPU time of ``runs`` calls, in seconds."""
    walls, cpus = [], []
    for _ in range(runs):
        w0, c0 = time.perf_counter(), time.process_time()
        fn()
        walls.append(time.perf_counter() - w0)
        cpus.append(time.process_time() - c0)
    return statistics.median(walls), statistics.median(cpus)


def verdict(wall: float, cpu: float, ok: Callable[[float], bool]) -> str:
    """Whether a target is met, in wall time and in CPU time."""
    if ok(wall):
        return "target met"
    return "target met in CPU time only (wall time: machine load)" if ok(cpu) else "target MISSED"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--components", type=int, default=9)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--year-step",
        type=int,
        default=300,
        help="seconds between results of the year-long store (0: skip it)",
    )
    parser.add_argument("--year-only", action="store_true", help="only the year-long store's figures")
    parser.add_argument("--keep", type=Path, help="work in this folder and keep the files")
    parser.add_argument("--cold-year", type=Path, help=argparse.SUPPRESS)  # the cold measure's own process
    args = parser.parse_args()
    if args.cold_year:
        print(json.dumps(first_yearly(args.cold_year, args.components)))
        return
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
        run(args, args.keep)
        print(f"files in {args.keep}")
    else:
        with tempfile.TemporaryDirectory(prefix="bench-sla-") as tmp:
            run(args, Path(tmp))


def bench_config(components: int) -> tuple[list[str], ProbesConfig]:
    """The components' names and a configuration of them (24x7, target 99 %)."""
    names = [f"c{i:03d}" for i in range(components)]
    config = ProbesConfig(
        PARIS,
        Policy(),
        tuple(Component(n, n, 0.99, Schedule((), PARIS), Policy()) for n in names),
        (),
        (),
        StoreConfig(),
        ExporterConfig(),
    )
    return names, config


def run(args: argparse.Namespace, work: Path) -> None:
    """Write the history, import it and time the SLA queries, in ``work``."""
    names, config = bench_config(args.components)
    start = year(2017, PARIS).start_ts
    if args.year_only:
        yearly_figures(args, work, config, names, start)
        return
    csv_path, db_path = work / "history.csv", work / "bench.db"
    for p in (db_path, db_path.with_suffix(".db-wal"), db_path.with_suffix(".db-shm")):
        p.unlink(missing_ok=True)
    t0 = time.perf_counter()
    rows = write_history(csv_path, names, start, args.days)
    print(f"history: {rows:,} results ({args.components} components x {args.days} days of 30 s), "
          f"CSV written in {time.perf_counter() - t0:.1f} s")  # fmt: skip
    with Store.of_config(config, db_path) as store:
        w0, c0 = time.perf_counter(), time.process_time()
        stats = ingest_samples(store, csv_path, config)
        wall, cpu = time.perf_counter() - w0, time.process_time() - c0
        print(f"ingest (CSV parsed and validated, raw rows + rollups, one transaction): "
              f"{rows / wall:,.0f} results/s wall ({wall:.1f} s), {rows / cpu:,.0f} results/s CPU "
              f"({cpu:.1f} s); target 300,000: {verdict(rows / wall, rows / cpu, lambda r: r >= 300_000)}")  # fmt: skip
        api_wall, api_cpu = append_history(work / "api.db", config, names, start, args.days)
        print(f"ingest through Store.append_rows (rows in stored form, a day per transaction, rollups "
              f"included): {rows / api_wall:,.0f} results/s wall ({api_wall:.1f} s), {rows / api_cpu:,.0f} "
              f"results/s CPU; target 300,000: {verdict(rows / api_wall, rows / api_cpu, lambda r: r >= 300_000)}")  # fmt: skip
        for p in work.glob("api.db*"):
            p.unlink()
        ceil_wall, ceil_cpu = insert_ceiling(work)
        print(f"for scale, this machine now: plain executemany into the raw table alone, one row per "
              f"statement: {ceil_wall:,.0f} rows/s wall, {ceil_cpu:,.0f} rows/s CPU")  # fmt: skip
        assert stats.rows == rows
        store.db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        size = sum(p.stat().st_size for p in work.glob("bench.db*"))
        print(f"database: {size / 1e6:,.0f} MB ({size / rows:.0f} bytes/result)")
        months = [
            month(2017, m, PARIS)
            for m in range(1, 13)
            if month(2017, m, PARIS).end_ts <= start + args.days * 86400
        ]
        target = months[-1] if months else month(2017, 1, PARIS)
        now = time.time()
        rolled, rolled_cpu = median_time(
            lambda: sla_report(store, config, target, now=now, recompute=True), args.runs
        )
        raw, raw_cpu = median_time(
            lambda: naive_scan(store, target.start_ts, target.end_ts), max(1, args.runs // 2)
        )
        print(f"sla --month {target.label} from rollups ({args.components} components, median of {args.runs}): "
              f"{rolled * 1000:,.1f} ms wall, {rolled_cpu * 1000:,.1f} ms CPU; target 100 ms: "
              f"{verdict(rolled, rolled_cpu, lambda t: t < 0.1)}")  # fmt: skip
        print(f"same month, naive SQL scan of raw rows: {raw * 1000:,.1f} ms wall, {raw_cpu * 1000:,.1f} ms CPU; "
              f"rollups are {raw / rolled:,.0f}x faster in wall time, {raw_cpu / rolled_cpu:,.0f}x in CPU time; "
              f"target 100x: {verdict(raw / rolled, raw_cpu / rolled_cpu, lambda r: r >= 100)}")  # fmt: skip
        t0 = time.perf_counter()
        exact = exact_from_raw(store, config, target, now)
        same = exact == [r.figures for r in sla_report(store, config, target, now=now, recompute=True)]
        print(f"same month, same accounting fed from raw rows: {(time.perf_counter() - t0) * 1000:,.0f} ms; "
              f"figures identical to the rollups': {same}")  # fmt: skip
    if args.year_step:
        yearly_figures(args, work, config, names, start)


def yearly_figures(
    args: argparse.Namespace, work: Path, config: ProbesConfig, names: list[str], start: float
) -> None:
    """`vigie sla --year` over 12 months of rollups: a year-long store at a coarser step.

    A year of 30 s results for 250 components would be 263 million rows; the rollups a
    yearly SLA reads depend on the outages and slow answers, which the history keeps at
    the same rate whatever the step, not on the number of checks.
    """
    step = args.year_step
    intervals = {(n, INGEST_PROBE): float(step) for n in names}
    path = work / "year.db"
    rows = 0
    with Store(path, intervals=intervals) as store:
        w0 = time.perf_counter()
        for batch in history(names, start, 365, step=step):
            rows += store.append_rows(batch)
        print(f"year-long store: {rows:,} results ({args.components} components x 365 days every {step} s) "
              f"generated and appended in {time.perf_counter() - w0:.1f} s; "
              f"{store.db.conn.execute('SELECT count(*) FROM segments').fetchone()[0]:,} segments")  # fmt: skip
        period, now = year(2017, PARIS), time.time()
        yearly, yearly_cpu = median_time(
            lambda: sla_report(store, config, period, now=now, recompute=True), args.runs
        )
        print(f"sla --year 2017 from rollups, warm ({args.components} components, median of {args.runs}): "
              f"{yearly * 1000:,.1f} ms wall, {yearly_cpu * 1000:,.1f} ms CPU; target 500 ms: "
              f"{verdict(yearly, yearly_cpu, lambda t: t < 0.5)}")  # fmt: skip
        store.db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        cold = {evict: cold_yearly(path, args.components, evict) for evict in (False, True)}
        for evict, (wall, cpu) in cold.items():
            where = "evicted from the OS page cache first" if evict else "in the OS page cache"
            print(f"sla --year 2017 cold, a fresh process opening the store and asking once, file {where} "
                  f"(median of 3): {wall * 1000:,.1f} ms wall, {cpu * 1000:,.1f} ms CPU; target 500 ms: "
                  f"{verdict(wall, cpu, lambda t: t < 0.5)}")  # fmt: skip
        raw_year, raw_year_cpu = median_time(
            lambda: naive_scan(store, period.start_ts, period.end_ts), max(1, args.runs // 2)
        )
        print(f"same year, naive SQL scan of raw rows: {raw_year * 1000:,.0f} ms wall, {raw_year_cpu * 1000:,.0f} ms "
              f"CPU; rollups are {raw_year / yearly:,.0f}x faster warm in wall time, "
              f"{raw_year_cpu / yearly_cpu:,.0f}x in CPU time; target 100x: "
              f"{verdict(raw_year / yearly, raw_year_cpu / yearly_cpu, lambda r: r >= 100)}")  # fmt: skip
        wall, cpu = cold[False]
        print(f"  cold (file in the OS page cache): {raw_year / wall:,.0f}x in wall time, {raw_year_cpu / cpu:,.0f}x "
              f"in CPU time; target 100x: {verdict(raw_year / wall, raw_year_cpu / cpu, lambda r: r >= 100)}")  # fmt: skip
        dec = month(2017, 12, PARIS)
        monthly, monthly_cpu = median_time(
            lambda: sla_report(store, config, dec, now=now, recompute=True), args.runs
        )
        print(f"sla --month 2017-12 in that store (11 months of rollups before it): {monthly * 1000:,.1f} ms wall, "
              f"{monthly_cpu * 1000:,.1f} ms CPU")  # fmt: skip
    for p in work.glob("year.db*"):
        p.unlink()


def cold_yearly(path: Path, components: int, evict: bool, runs: int = 3) -> tuple[float, float]:
    """Median wall and CPU seconds of a fresh process's first `sla --year 2017` (store opening
    included), the store's files first evicted from the OS page cache when ``evict``."""
    walls, cpus = [], []
    for _ in range(runs):
        if evict:
            for file in path.parent.glob(path.name + "*"):
                fd = os.open(file, os.O_RDONLY)
                try:
                    os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
                finally:
                    os.close(fd)
        command = [sys.executable, __file__, "--cold-year", str(path), "--components", str(components)]
        wall, cpu = json.loads(subprocess.run(command, check=True, capture_output=True, text=True).stdout)
        walls.append(wall)
        cpus.append(cpu)
    return statistics.median(walls), statistics.median(cpus)


def first_yearly(path: Path, components: int) -> tuple[float, float]:
    """Wall and CPU seconds of opening the store and one `sla --year 2017` (imports done)."""
    _, config = bench_config(components)
    period = year(2017, PARIS)
    w0, c0 = time.perf_counter(), time.process_time()
    with Store(path) as store:
        sla_report(store, config, period, now=time.time(), recompute=True)
    return time.perf_counter() - w0, time.process_time() - c0


if __name__ == "__main__":
    main()
