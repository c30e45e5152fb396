"""The measurement engine at the SI Chorus's scale: the monthly SLA of 250 components through
PromQL beside the SQLite rollups, and the scrape of one agent with 10,000 probes.

1. A month of results for N components (one probe each, every STEP seconds: mostly up, a few
   outages and slow answers, `bench/sla.py`'s generator) goes into a SQLite store.
2. `vigie export openmetrics`'s writer turns them into the series an agent serves; they are
   backfilled into Prometheus (`promtool tsdb create-blocks-from openmetrics`) and imported
   into VictoriaMetrics (`/api/v1/import/prometheus`), both Debian's, on loopback.
3. The month's `vigie sla` figures of every component are computed from the rollups and
   through each engine (the same accounting on the segments PromQL gives back): medians of
   wall time, the number of queries, and whether the figures are identical.
4. One agent's /metrics with P probes (their last results in memory, as `vigie run --agent`
   keeps them): the exposition's size, its series and the median time to render it.

Prints the machine's load first (the machine is shared). Defaults: 250 components, December
2017, a result every 5 minutes, 10,000 probes.

    PYTHONPATH=. .venv/bin/python bench/engine.py [--components N] [--step S] [--probes P] [--runs R]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import requests
from prometheus_client import generate_latest
from prometheus_client.registry import CollectorRegistry

from bench.sla import history
from vigie.accounting.results import ProbeResult, Status
from vigie.accounting.terms import Policy, Schedule
from vigie.console.demo.engine import EngineProcess
from vigie.probes.agent import AgentCollector
from vigie.probes.config import Component, ExporterConfig, HttpOptions, ProbeConfig, ProbesConfig, StoreConfig
from vigie.probes.openmetrics import write_series
from vigie.probes.promql import PromClient, PromQLSource
from vigie.probes.sources import MeasurementsConfig
from vigie.probes.store import Store
from vigie.reports.periods import Period, month
from vigie.reports.sla import sla_report

PARIS = ZoneInfo("Europe/Paris")
ENGINES = ("prometheus", "victoriametrics")
SLA_TARGET = 10.0
"""Seconds for `vigie sla --source prometheus` over a month of 250 components: a command."""
SCRAPE_TARGET = 1.0
"""Seconds to render one agent's /metrics (bench/metrics.py's target for the daemon's)."""
SERIES_PER_PROBE = 3
"""The cardinality budget (docs/scaling.md): success, duration and the current state."""
SLICE = 86400
"""The backfill's slices, in seconds: a day, a whole number of promtool's 2-hour blocks."""


def config(components: int, step: float, probes_per_component: int = 1) -> ProbesConfig:
    """N components (99 %), each with ``probes_per_component`` HTTP probes every ``step``."""
    comps = tuple(
        Component(f"c{i:05d}", f"Component {i}", 0.99, Schedule((), PARIS), Policy())
        for i in range(components)
    )
    probes = tuple(
        ProbeConfig(
            f"c{i:05d}-p{k}", c.id, "http", step, min(10.0, step), "availability", HttpOptions("http://x/")
        )
        for i, c in enumerate(comps)
        for k in range(probes_per_component)
    )
    return ProbesConfig(PARIS, Policy(), comps, probes, (), StoreConfig(), ExporterConfig())


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) a process has used so far, from /proc (0 where there is none)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text(encoding="ascii").rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def median(run: Callable[[], Any], runs: int, pid: int | None = None) -> tuple[float, float, Any]:
    """Median wall time and median CPU time of ``runs`` calls (this process's, plus process
    ``pid``'s: the engine answering), and the last call's result. The machine is shared: CPU
    time moves much less with its load than wall time."""
    walls, cpus, result = [], [], None
    for _ in range(runs):
        start, cpu = time.perf_counter(), time.process_time() + (cpu_seconds(pid) if pid else 0.0)
        result = run()
        walls.append(time.perf_counter() - start)
        cpus.append(time.process_time() + (cpu_seconds(pid) if pid else 0.0) - cpu)
    return statistics.median(walls), statistics.median(cpus), result


def backfill(store: Store, start: float, end: float, root: Path, scrape_config: Path) -> EngineProcess:
    """The month into Prometheus's blocks, then Prometheus on them.

    promtool reads its whole input once per 2-hour block it writes: a month in one file is
    372 passes over it (about 4 minutes for 20 components here). So the export goes in
    day slices, 12 passes each, one promtool run per slice.
    """
    data = root / "prom" / "data"
    size, t0 = 0, time.perf_counter()
    for lo in range(int(start // SLICE * SLICE), int(end), SLICE):
        piece = root / "slice.openmetrics"
        with piece.open("w", encoding="utf-8") as out:
            write_series(store, max(start, lo), min(end, lo + SLICE), out, agent="paris")
        size += piece.stat().st_size
        subprocess.run(
            ["promtool", "tsdb", "create-blocks-from", "openmetrics", "-q", str(piece), str(data)],
            check=True,
            capture_output=True,
        )
    print(f"export (openmetrics, day slices) and promtool tsdb create-blocks-from openmetrics: "
          f"{size / 1e6:.0f} MB in {time.perf_counter() - t0:.1f} s")  # fmt: skip
    return EngineProcess("prometheus", scrape_config, root / "prom", ("--storage.tsdb.retention.time=30y",))


def monthly(args: argparse.Namespace, root: Path) -> None:
    """Steps 1-3."""
    cfg = config(args.components, args.step)
    dec = month(2017, 12, PARIS)
    days = round(dec.seconds / 86400)
    names = [c.id for c in cfg.components]
    path = root / "vigie.db"
    t0 = time.perf_counter()
    with Store.of_config(cfg, path) as store:
        for rows in history(names, dec.start_ts, days, step=int(args.step)):
            # Each result under its component's configured probe, so the store and the engine
            # both know its interval.
            store.append_rows([(r[0], f"{r[0]}-p0", *r[2:]) for r in rows])
        stored = store.count()
    print(
        f"store: {stored:,} results of {args.components} components written in {time.perf_counter() - t0:.1f} s"
    )
    (root / "scrape-nothing.yml").write_text("scrape_configs: []\n", encoding="utf-8")
    engines: dict[str, EngineProcess] = {}
    try:
        _engines(args, cfg, dec, root, path, engines)
    finally:
        for engine in engines.values():
            engine.stop()


def _engines(
    args: argparse.Namespace,
    cfg: ProbesConfig,
    dec: Period,
    root: Path,
    path: Path,
    engines: dict[str, EngineProcess],
) -> None:
    """The month into each engine (started into ``engines``), then the SLA through each."""
    empty = root / "scrape-nothing.yml"
    with Store.of_config(cfg, path) as store:
        if "prometheus" in args.engines:
            engines["prometheus"] = backfill(store, dec.start_ts, dec.end_ts, root, empty)
        if "victoriametrics" in args.engines:
            exported = root / "export.prometheus"
            t0 = time.perf_counter()
            with exported.open("w", encoding="utf-8") as out:
                write_series(store, dec.start_ts, dec.end_ts, out, agent="paris", spelling="prometheus")
            print(
                f"export for VictoriaMetrics: {exported.stat().st_size / 1e6:.0f} MB in {time.perf_counter() - t0:.1f} s"
            )
    if "victoriametrics" in args.engines:
        engines["victoriametrics"] = EngineProcess(
            "victoriametrics", empty, root / "vm", ("-retentionPeriod=30y",)
        )
    if "victoriametrics" in engines:
        vm = engines["victoriametrics"].url
        t0 = time.perf_counter()
        with (root / "export.prometheus").open("rb") as body:
            requests.post(f"{vm}/api/v1/import/prometheus", data=body, timeout=600).raise_for_status()
        requests.get(f"{vm}/internal/force_flush", timeout=600)
        print(f"VictoriaMetrics import: {time.perf_counter() - t0:.1f} s")
    now = dec.end_ts
    with Store.of_config(cfg, path) as store:
        wall, cpu, rollups = median(lambda: sla_report(store, cfg, dec, now=now, recompute=True), args.runs)
        print(f"\nmonthly SLA of {args.components} components, December 2017, step {args.step:g} s "
              f"(median of {args.runs}; CPU: Vigie's and the engine's)")  # fmt: skip
        print(f"  {'source':<26}{'wall':>9}{'CPU':>9}{'queries':>9}  {'figures':<11} target {SLA_TARGET:g} s")
        print(f"  {'SQLite rollups':<26}{wall:>8.2f}s{cpu:>8.2f}s{'-':>9}  {'reference':<11} -")
        for kind, engine in engines.items():
            source = PromQLSource(PromClient(MeasurementsConfig("prometheus", engine.url, timeout=600)), cfg)
            before = source.client.queries
            wall, cpu, through = median(
                partial(sla_report, store, cfg, dec, now=now, recompute=True, source=source),
                args.runs,
                engine.process.pid,
            )
            queries = (source.client.queries - before) // args.runs
            same = "identical" if _comparable(through) == _comparable(rollups) else "DIFFERENT"
            met = verdict(wall, cpu, SLA_TARGET)
            print(f"  {'PromQL, ' + kind:<26}{wall:>8.2f}s{cpu:>8.2f}s{queries:>9}  {same:<11} {met}")
            source.close()


def verdict(wall: float, cpu: float, target: float) -> str:
    """Whether a time target is met, in wall time and in CPU time (as bench/sla.py says it)."""
    if wall <= target:
        return "met"
    return "met in CPU time only (wall time: machine load)" if cpu <= target else "MISSED"


def _comparable(report: list[Any]) -> list[Any]:
    """Each component's figures and incidents' times: an incident's cause (the probe's detail,
    'HTTP 503') is not a label the agents serve, so the engine does not have it."""
    return [(c.figures, [(i.start, i.end, i.downtime_s) for i in c.incidents]) for c in report]


def scrape(args: argparse.Namespace) -> None:
    """Step 4: one agent's exposition with P probes."""
    cfg = config(args.probes, 30.0)
    now = time.time()
    collector = AgentCollector("paris", cfg.probes, clock=lambda: now)
    statuses = (Status.UP,) * 97 + (Status.DEGRADED, Status.DOWN, Status.DOWN)
    collector.remember(
        {
            p.id: ProbeResult(p.component, p.id, now - 5, statuses[i % len(statuses)], 40.0 + i % 200)
            for i, p in enumerate(cfg.probes)
        }
    )
    registry = CollectorRegistry(auto_describe=False)
    registry.register(collector)
    wall, cpu, body = median(lambda: generate_latest(registry), args.runs)
    series = sum(1 for line in body.splitlines() if line and not line.startswith(b"#"))
    budget = SERIES_PER_PROBE * args.probes + 1
    print(f"\none agent with {args.probes:,} probes (median of {args.runs}):")
    print(f"  /metrics: {len(body) / 1e6:.2f} MB, {series:,} series; budget {budget:,}: "
          f"{'met' if series <= budget else 'OVER'}")  # fmt: skip
    print(f"  rendered in {wall * 1000:.0f} ms wall, {cpu * 1000:.0f} ms CPU; target {SCRAPE_TARGET * 1000:.0f} ms: "
          f"{verdict(wall, cpu, SCRAPE_TARGET)}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--components", type=int, default=250)
    parser.add_argument("--step", type=float, default=300.0, help="seconds between results (default 300)")
    parser.add_argument(
        "--probes", type=int, default=10_000, help="probes of the agent whose scrape is timed"
    )
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--engines", nargs="+", choices=ENGINES, default=list(ENGINES))
    parser.add_argument("--keep", metavar="DIR", help="work in DIR and keep it")
    args = parser.parse_args()
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} cores")
    if args.keep:
        Path(args.keep).mkdir(parents=True, exist_ok=True)
        monthly(args, Path(args.keep))
    else:
        # In memory where there is a /dev/shm: the figures are the engines', not the disk's.
        with tempfile.TemporaryDirectory(dir="/dev/shm" if Path("/dev/shm").is_dir() else None) as folder:
            monthly(args, Path(folder))
    scrape(args)
    print(f"load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
