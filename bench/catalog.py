"""Application map: catalog load time and query latency, on the sample and on a generated catalog.

Prints medians of wall time and of process CPU time (the machine is shared: wall time also
counts other jobs' turns, CPU time only this process's work), and p95 for per-query latencies.
Run with `make bench` or `.venv/bin/python bench/catalog.py [--apps N --interfaces M]`: by
default the issue's large case, 100,000 applications and 500,000 interfaces (targets: sample
load under 0.2 s; large load and graph together under 10 s; depth-3 impact p95 under 50 ms
in both directions; every `vigie map` command's answer under 10 s from its launch, measured
on the real process). `--keep DIR` writes the generated catalog there once and reuses it.

The catalog's forms (`vigie catalog export|import`) are timed apart, once each on the large
catalog (`--forms-runs N`; `--no-forms` skips them): the export as a workbook (xlsx), CSV and
JSON, and the import of the workbook back into the catalog it came from (reading, merging,
checking, the difference: what `--dry-run` does).
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from vigie.catalog.forms import plan_import, write_catalog
from vigie.catalog.graph import (
    ImpactDirection,
    betweenness_sample,
    build_graph,
    critical_nodes,
    impact,
    shortest_path,
)
from vigie.catalog.loader import load_catalog, write_csv, write_json
from vigie.catalog.model import (
    Application,
    Catalog,
    Category,
    Criticality,
    Interface,
    Lifecycle,
    Ministry,
    Phase,
    Protocol,
    Zone,
)
from vigie.console.demo.sample_catalog import SIFE_DOMAINS
from vigie.kernel.gcpause import one_shot
from vigie.kernel.text.language import Language

SAMPLE = Path(__file__).resolve().parent.parent / "catalog"
#: Above this many applications, JSON loading and critical nodes are not timed (minutes each).
LARGE = 10_000


def timed(action: Callable[[], object], runs: int) -> tuple[list[float], list[float]]:
    """Wall-clock and process CPU seconds of each run."""
    walls, cpus = [], []
    for _ in range(runs):
        wall, cpu = time.perf_counter(), time.process_time()
        action()
        cpus.append(time.process_time() - cpu)
        walls.append(time.perf_counter() - wall)
    return walls, cpus


def p95(values: list[float]) -> float:
    """The 95th percentile (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]


def seconds(walls: list[float], cpus: list[float]) -> str:
    """Medians of a few long runs."""
    return (
        f"median {statistics.median(walls):.3f} s wall, {statistics.median(cpus):.3f} s CPU (of {len(walls)})"
    )


def latency(walls: list[float], cpus: list[float]) -> str:
    """Median and p95 of many short queries, in milliseconds."""
    return (
        f"median {statistics.median(walls) * 1000:.3f} ms wall / {statistics.median(cpus) * 1000:.3f} ms CPU, "
        f"p95 {p95(walls) * 1000:.3f} ms wall / {p95(cpus) * 1000:.3f} ms CPU"
    )


def synthetic(apps: int, interfaces: int, seed: int = 7) -> Catalog:
    """A hub-and-spoke catalog like the real one: most flows go through a few exchange hubs."""
    rng = random.Random(seed)
    ministries = {f"m{i:02d}": Ministry(f"m{i:02d}", f"Ministère {i:02d}") for i in range(30)}
    domains = [(zone, name) for zone, name, _ in SIFE_DOMAINS]
    hubs = [f"app-{i:06d}" for i in range(max(3, apps // 250))]
    hub_set = set(hubs)
    catalog_apps = {}
    for i in range(apps):
        ident = f"app-{i:06d}"
        zone, domain = rng.choice(domains)
        catalog_apps[ident] = Application(
            id=ident,
            name=f"Application {i:06d}",
            ministry=rng.choice(list(ministries)),
            domain=domain,
            zone=zone if ident not in hub_set else Zone.ECHANGES,
            category=rng.choice(list(Category)),
            criticality=rng.choice(list(Criticality)),
            lifecycle=Lifecycle(Phase.ACTIVE),
            core=ident in hub_set,
        )
    ids = list(catalog_apps)
    links = {}
    for i in range(interfaces):
        source = rng.choice(ids)
        target = rng.choice(hubs) if rng.random() < 0.6 else rng.choice(ids)
        if target == source:
            target = hubs[0] if source != hubs[0] else hubs[1]
        if rng.random() < 0.5:
            source, target = target, source
        links[f"if-{i:07d}"] = Interface(
            f"if-{i:07d}", source, target, rng.choice(list(Protocol)), monthly_volume=rng.randint(1, 2000)
        )
    return Catalog(ministries, catalog_apps, links, {})


def queries(label: str, fn: Callable[[str, str], object], pairs: list[tuple[str, str]]) -> None:
    """Time ``fn`` once per pair and print the latencies."""
    walls, cpus = [], []
    for a, b in pairs:
        wall, cpu = timed(lambda a=a, b=b: fn(a, b), 1)
        walls += wall
        cpus += cpu
    print(f"{label}: {latency(walls, cpus)} (over {len(pairs)})")


def bench_catalog(label: str, folder: Path, runs: int, count: int, small: bool) -> None:
    """Load (CSV, JSON), build the graph, and time impact, shortest path and critical nodes."""
    loads = timed(lambda: load_catalog(folder), runs)
    catalog = load_catalog(folder)
    print(
        f"{label}: load {len(catalog.applications):,} applications + {len(catalog.interfaces):,} interfaces "
        f"(CSV): {seconds(*loads)}"
    )
    both = timed(lambda: build_graph(load_catalog(folder)), runs)
    print(f"{label}: load and graph together: {seconds(*both)} (target < 10 s)")
    if small:
        with tempfile.TemporaryDirectory() as tmp:
            json_path = write_json(catalog, Path(tmp) / "catalog.json")
            print(f"{label}: load (JSON): {seconds(*timed(lambda: load_catalog(json_path), runs))}")
    else:
        print(f"{label}: load (JSON): skipped above {LARGE:,} applications")
    print(f"{label}: build graph: {seconds(*timed(lambda: build_graph(catalog), runs))}")
    graph = build_graph(catalog)
    nodes = random.Random(1).sample(sorted(graph.nodes), min(count, graph.number_of_nodes()))
    for direction in (ImpactDirection.DOWN, ImpactDirection.BOTH):
        queries(
            f"{label}: impact {direction.value} depth 3",
            lambda a, _b, d=direction: impact(graph, a, d, 3),
            [(n, n) for n in nodes],
        )
    queries(
        f"{label}: shortest path",
        lambda a, b: shortest_path(graph, a, b),
        list(zip(nodes, reversed(nodes), strict=True)),
    )
    sample = betweenness_sample(graph)
    how = "exact" if sample is None else f"sampled from {sample} sources"
    crit = timed(lambda: critical_nodes(graph), 5 if sample is None else 1)
    print(f"{label}: critical nodes (articulation points + betweenness {how}): {seconds(*crit)}")


def bench_forms(label: str, folder: Path, runs: int) -> None:
    """Export the catalog in each form, then import the workbook back into it (a dry run)."""
    catalog = load_catalog(folder)
    now = datetime.now(UTC)
    with tempfile.TemporaryDirectory() as tmp:
        for name in ("catalog.xlsx", "catalog.json", "csv"):
            target = Path(tmp) / name
            took = timed(lambda target=target: write_catalog(catalog, target, Language("fr"), now), runs)
            size = sum(p.stat().st_size for p in ([target] if target.is_file() else target.iterdir()))
            print(f"{label}: export {target.suffix or 'CSV'}: {seconds(*took)}, {size / 1e6:.1f} MB")
        book = Path(tmp) / "catalog.xlsx"
        took = timed(lambda: plan_import(book, folder), runs)
        changed = plan_import(book, folder).plan.changed
        print(
            f"{label}: import .xlsx --dry-run (read, merge, check, diff): {seconds(*took)}, changes: {changed}"
        )


MAP_COMMANDS = (
    ("stats", ["map", "stats"]),
    ("impact down depth 3", ["map", "impact", "app-000123", "--depth", "3"]),
    ("impact both depth 3", ["map", "impact", "app-000123", "--depth", "3", "--direction", "both"]),
    ("neighbors", ["map", "neighbors", "app-000123"]),
    ("path", ["map", "path", "app-000001", "app-000999"]),
    ("critical", ["map", "critical"]),
    *(
        (f"export {fmt}", ["map", "export", "--format", fmt, "--out", f"{{tmp}}/map.{fmt}"])
        for fmt in ("json", "graphml", "gexf", "dot", "mermaid", "svg")
    ),
)


def commands(folder: Path, runs: int) -> None:
    """Each `vigie map` command as a user runs it: the real process, timed from its launch
    to its exit (wall, and its CPU), output to a file. Every run is cold: nothing parsed is
    kept between processes (the files themselves are in the system's page cache); the load
    average is printed beside each figure (the machine may be shared)."""
    vigie = shutil.which("vigie", path=str(Path(sys.executable).parent)) or "vigie"
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "config.toml"
        config.write_text(f'[catalog]\npath = "{folder}"\n', encoding="utf-8")
        for label, argv in MAP_COMMANDS:
            walls, cpus = [], []
            for _ in range(runs):
                before = resource.getrusage(resource.RUSAGE_CHILDREN)
                start = time.perf_counter()
                with open(os.devnull, "w") as sink:
                    done = subprocess.run(
                        [vigie, *(a.format(tmp=tmp) for a in argv), "--config", str(config)],
                        stdout=sink,
                        stderr=subprocess.PIPE,
                        check=False,
                    )
                walls.append(time.perf_counter() - start)
                after = resource.getrusage(resource.RUSAGE_CHILDREN)
                cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
                if done.returncode not in (0, 1):
                    print(f"vigie {' '.join(argv)}: exit {done.returncode}: {done.stderr.decode()[-300:]}")
            load = os.getloadavg()[0]
            print(
                f"command `vigie {' '.join(argv[:2])}` ({label}), cold, from launch: {seconds(walls, cpus)} "
                f"(target < 10 s), load {load:.2f}"
            )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--apps", type=int, default=100_000)
    parser.add_argument("--interfaces", type=int, default=500_000)
    parser.add_argument("--runs", type=int, default=3, help="loads of the generated catalog (default 3)")
    parser.add_argument("--keep", type=Path, help="folder for the generated catalog, reused if present")
    parser.add_argument(
        "--forms-runs", type=int, default=1, help="exports and imports of each form (default 1)"
    )
    parser.add_argument("--no-forms", action="store_true", help="skip the export and import timings")
    args = parser.parse_args()
    # As every `vigie map` process does: what the loads build leaves the collector's walks
    # (without it, the first collection after each load walked the whole map again, and the
    # in-process graph build read 3.1 s where the command's takes 1.8 s).
    one_shot()
    bench_catalog("sample", SAMPLE, runs=15, count=200, small=True)
    if not args.no_forms:
        bench_forms("sample", SAMPLE, runs=5)
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.keep or Path(tmp)
        if not (folder / "interfaces.csv").exists():
            start = time.perf_counter()
            write_csv(synthetic(args.apps, args.interfaces), folder)
            print(
                f"generated {args.apps:,} applications / {args.interfaces:,} interfaces "
                f"in {time.perf_counter() - start:.1f} s"
            )
        bench_catalog("synthetic", folder, runs=args.runs, count=200, small=args.apps <= LARGE)
        commands(folder, runs=args.runs)
        if not args.no_forms:
            bench_forms("synthetic", folder, runs=args.forms_runs)


if __name__ == "__main__":
    main()
