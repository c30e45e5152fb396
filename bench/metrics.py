"""Cost of one /metrics scrape of `vigie run`'s exporter on the demo's store (a year of history).

Times each collector the daemon registers (probes, catalog, tickets, availability) and a
whole scrape (`generate_latest` over all of them) on a copy of the store `vigie demo`
writes: nine components with a year of 5-minute results and 153,100 tickets. Scrapes are
taken as of the end of that year (so every availability window is full of history) and
as of the real now. Prints the median of R scrapes after one warm-up scrape.

With ``--baseline REF``, the same measurement runs first with the code of git REF (on its
own copy of the store, so the current code's migrations do not touch it) and both columns
are printed side by side. The store must have been written by REF's Vigie or an older one
(a newer schema refuses to open with older code): make it with REF's `vigie demo`.
Without a store in ``--dir``, the bench first writes one with the current `vigie demo`.

Then the scrape as Prometheus sees it, under load: the daemon's HTTP server with the same
collectors, scraped 20 times over HTTP while ``--load`` busy processes (4 by default, each
stopping by itself after a bounded time) keep the machine's CPUs busy; prints the median
and the slowest scrape against the 1 s target (issue 15, item 15).

    .venv/bin/python bench/metrics.py [--dir /tmp/perfdemo] [--baseline main] [--runs R] [--load N]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
YEAR_END = datetime(2017, 12, 31, 12, tzinfo=ZoneInfo("Europe/Paris")).timestamp()
"""The demo's history is 2017: its last day has every window (1h to the month) full."""


def _median_ms(action: Callable[[], object], runs: int) -> float:
    action()  # warm-up: connections opened, pages cached
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def measure(config_file: Path, runs: int) -> dict[str, float]:
    """Median milliseconds per collector and per whole scrape, with the code importable now."""
    from prometheus_client import generate_latest
    from prometheus_client.registry import Collector, CollectorRegistry

    from vigie.console.catalog_input import catalog_collectors
    from vigie.console.settings import load_settings
    from vigie.probes.exporter import VigieCollector
    from vigie.probes.tickets.metrics import TicketCollector
    from vigie.reports.metrics import AvailabilityCollector

    settings = load_settings(config_file)
    config, path = settings.probes, settings.store_path()
    out: dict[str, float] = {}
    for label, at in (("2017-12-31", YEAR_END), ("now", None)):
        clock = time.time if at is None else (lambda at=at: at)
        collectors: dict[str, Collector] = {
            "probes": VigieCollector(config, path),
            "catalog": catalog_collectors(settings)[0],
            "tickets": TicketCollector(path, config.store.busy_timeout),
            "availability": AvailabilityCollector(config, path, clock=clock),
        }
        whole = CollectorRegistry(auto_describe=False)
        for name, collector in collectors.items():
            whole.register(collector)
            if at is None or name == "availability":
                alone = CollectorRegistry(auto_describe=False)
                alone.register(collector)
                out[f"{name} ({label})"] = _median_ms(lambda r=alone: generate_latest(r), runs)
        out[f"whole scrape ({label})"] = _median_ms(lambda r=whole: generate_latest(r), runs)
        for collector in collectors.values():
            close = getattr(collector, "close", None)
            if close is not None:
                close()
    return out


SCRAPES = 20
BUSY = "import time\nend = time.time() + {seconds}\nwhile time.time() < end:\n    pass\n"


def scrapes_under_load(config_file: Path, load: int) -> dict[str, float]:
    """Median and slowest of SCRAPES scrapes over HTTP while ``load`` busy processes run."""
    import urllib.request

    from vigie.console.catalog_input import catalog_collectors
    from vigie.console.settings import load_settings
    from vigie.probes.checks.heartbeat import Heartbeats
    from vigie.probes.exporter import VigieCollector, build_registry
    from vigie.probes.server import ProbeServer
    from vigie.probes.tickets.metrics import TicketCollector
    from vigie.reports.metrics import AvailabilityCollector

    settings = load_settings(config_file)
    config, path = settings.probes, settings.store_path()
    extra = (*catalog_collectors(settings), TicketCollector(path), AvailabilityCollector(config, path))
    server = ProbeServer("127.0.0.1", 0, build_registry(VigieCollector(config, path), extra), Heartbeats(()))
    server.start()
    url = f"{server.url}/metrics"
    urllib.request.urlopen(url, timeout=30).read()  # warm-up: connections opened, pages cached
    # Each busy process ends by itself: an interrupted bench leaves no spinning process behind.
    busy = [subprocess.Popen([sys.executable, "-c", BUSY.format(seconds=120)]) for _ in range(load)]
    times = []
    try:
        time.sleep(1.0)  # the load settles
        for _ in range(SCRAPES):
            started = time.perf_counter()
            urllib.request.urlopen(url, timeout=30).read()
            times.append(time.perf_counter() - started)
    finally:
        for process in busy:
            process.kill()
            process.wait()
        server.stop()
    return {"median": statistics.median(times) * 1000, "max": max(times) * 1000}


def _copy_store(source: Path, into: Path) -> Path:
    """The demo's config and store copied to ``into`` (the config names the store relatively)."""
    into.mkdir(parents=True)
    for name in ("config.toml", "vigie.db", "vigie.db-wal"):
        if (source / name).exists():
            shutil.copy2(source / name, into / name)
    return into / "config.toml"


def _run_side(code: Path, config_file: Path, runs: int) -> dict[str, float]:
    """Measure in a child process importing `vigie` from ``code``."""
    env = {**os.environ, "PYTHONPATH": str(code)}
    command = [sys.executable, __file__, "--child", str(config_file), "--runs", str(runs)]
    done = subprocess.run(command, env=env, cwd=code, capture_output=True, text=True)
    if done.returncode != 0:
        # Typically a store written by a newer Vigie than the baseline: say so in one line.
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        sys.exit(f"measuring with the code in {code} failed: {last}")
    figures: dict[str, float] = json.loads(done.stdout)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--dir", type=Path, default=Path("/tmp/perfdemo"), help="the demo's folder")
    parser.add_argument("--baseline", metavar="REF", help="also measure git REF's code (before)")
    parser.add_argument("--runs", type=int, default=15, help="scrapes per figure (median)")
    parser.add_argument("--load", type=int, default=4, help="busy processes during the HTTP scrapes")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--child-load", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.child, args.runs)))
        return
    if args.child_load:
        print(json.dumps(scrapes_under_load(args.child_load, args.load)))
        return
    if not (args.dir / "vigie.db").exists():
        print(f"writing the demo's store in {args.dir} (vigie demo --headless --for 5s, 30-90 s)")
        demo = [sys.executable, "-m", "vigie", "demo", "--headless", "--for", "5s", "--dir", str(args.dir)]
        subprocess.run(demo, cwd=ROOT, capture_output=True, check=True)
    with tempfile.TemporaryDirectory(prefix="bench-metrics-") as tmp:
        sides: dict[str, dict[str, float]] = {}
        if args.baseline:
            code = Path(tmp) / "baseline"
            code.mkdir()
            archive = subprocess.run(
                ["git", "-C", str(ROOT), "archive", args.baseline], capture_output=True, check=True
            ).stdout
            subprocess.run(["tar", "-x", "-C", str(code)], input=archive, check=True)
            sides[f"before ({args.baseline})"] = _run_side(
                code, _copy_store(args.dir, Path(tmp) / "before"), args.runs
            )
        sides["after"] = _run_side(ROOT, _copy_store(args.dir, Path(tmp) / "after"), args.runs)
        command = [sys.executable, __file__, "--child-load", str(Path(tmp) / "after" / "config.toml")]
        loaded = json.loads(
            subprocess.run(
                [*command, "--load", str(args.load)], cwd=ROOT, capture_output=True, check=True
            ).stdout
        )
    print(f"/metrics scrape, median of {args.runs} (ms), store {args.dir}/vigie.db")
    heads = list(sides)
    print(f"{'':32}" + "".join(f"{h:>18}" for h in heads))
    for key in sides["after"]:
        print(f"{key:32}" + "".join(f"{sides[h].get(key, float('nan')):18.1f}" for h in heads))
    verdict = "met" if loaded["max"] < 1000 else "MISSED"
    print(
        f"/metrics over HTTP with {args.load} busy processes on {os.cpu_count()} CPUs (load average now "
        f"{os.getloadavg()[0]:.1f}), {SCRAPES} scrapes: median {loaded['median']:.0f} ms, slowest "
        f"{loaded['max']:.0f} ms; target: every scrape under 1,000 ms: {verdict}"
    )


if __name__ == "__main__":
    main()
