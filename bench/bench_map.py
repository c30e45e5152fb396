"""Application map: catalog load time and query latency, on the sample and on a generated catalog.

Prints medians (and p95 for per-query latencies); run with `make bench` or
`.venv/bin/python bench/bench_map.py [--apps N --interfaces M]` (default 2,500 applications and
10,000 interfaces; the issue's large case is `--apps 100000 --interfaces 500000`, minutes long).
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from vigie.catalog.graph import (
    BETWEENNESS_SAMPLE,
    EXACT_BETWEENNESS_LIMIT,
    ImpactDirection,
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
from vigie.catalog.sample import SIFE_DOMAINS

SAMPLE = Path(__file__).resolve().parent.parent / "catalog"


def timed(action: Callable[[], object], runs: int) -> list[float]:
    """Wall-clock seconds of each run."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return times


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]


def synthetic(apps: int, interfaces: int, seed: int = 7) -> Catalog:
    """A hub-and-spoke catalog like the real one: most flows go through a few exchange hubs."""
    rng = random.Random(seed)
    ministries = {f"m{i:02d}": Ministry(f"m{i:02d}", f"Ministère {i:02d}") for i in range(30)}
    domains = [(zone, name) for zone, name, _ in SIFE_DOMAINS]
    hubs = [f"app-{i:06d}" for i in range(max(3, apps // 250))]
    catalog_apps = {}
    for i in range(apps):
        ident = f"app-{i:06d}"
        zone, domain = rng.choice(domains)
        catalog_apps[ident] = Application(
            id=ident,
            name=f"Application {i:06d}",
            ministry=rng.choice(list(ministries)),
            domain=domain,
            zone=zone if ident not in hubs else Zone.ECHANGES,
            category=rng.choice(list(Category)),
            criticality=rng.choice(list(Criticality)),
            lifecycle=Lifecycle(Phase.ACTIVE),
            core=ident in hubs,
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


def bench_catalog(label: str, folder: Path, runs: int, queries: int, betweenness_runs: int) -> None:
    loads = timed(lambda: load_catalog(folder), runs)
    catalog = load_catalog(folder)
    print(
        f"{label}: load {len(catalog.applications):,} applications + {len(catalog.interfaces):,} interfaces "
        f"(CSV): median {statistics.median(loads):.3f} s (of {runs})"
    )
    with tempfile.TemporaryDirectory() as tmp:
        json_path = write_json(catalog, Path(tmp) / "catalog.json")
        json_loads = timed(lambda: load_catalog(json_path), runs)
    print(f"{label}: load (JSON): median {statistics.median(json_loads):.3f} s")
    builds = timed(lambda: build_graph(catalog), runs)
    graph = build_graph(catalog)
    print(f"{label}: build graph: median {statistics.median(builds):.3f} s")
    rng = random.Random(1)
    nodes = rng.sample(sorted(graph.nodes), min(queries, graph.number_of_nodes()))
    for direction in (ImpactDirection.DOWN, ImpactDirection.BOTH):
        latencies = [t for n in nodes for t in timed(lambda n=n, d=direction: impact(graph, n, d, 3), 1)]
        print(
            f"{label}: impact {direction.value} depth 3: median {statistics.median(latencies) * 1000:.2f} ms, "
            f"p95 {p95(latencies) * 1000:.2f} ms (over {len(nodes)} applications)"
        )
    pairs = list(zip(nodes, reversed(nodes), strict=True))
    latencies = [t for a, b in pairs for t in timed(lambda a=a, b=b: shortest_path(graph, a, b), 1)]
    print(
        f"{label}: shortest path: median {statistics.median(latencies) * 1000:.2f} ms, "
        f"p95 {p95(latencies) * 1000:.2f} ms (over {len(pairs)} pairs)"
    )
    exact = graph.number_of_nodes() <= EXACT_BETWEENNESS_LIMIT
    how = "exact" if exact else f"sampled from {BETWEENNESS_SAMPLE} sources"
    crit = timed(lambda: critical_nodes(graph), betweenness_runs)
    print(
        f"{label}: critical nodes (articulation points + betweenness {how}): "
        f"median {statistics.median(crit):.3f} s (of {betweenness_runs})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--apps", type=int, default=2_500)
    parser.add_argument("--interfaces", type=int, default=10_000)
    args = parser.parse_args()
    bench_catalog("sample", SAMPLE, runs=15, queries=200, betweenness_runs=5)
    large = args.apps > 10_000
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        write_csv(synthetic(args.apps, args.interfaces), tmp)
        print(
            f"generated {args.apps:,} applications / {args.interfaces:,} interfaces in {time.perf_counter() - start:.1f} s"
        )
        bench_catalog("synthetic", Path(tmp), runs=1 if large else 3, queries=200, betweenness_runs=1)


if __name__ == "__main__":
    main()
