"""Flow tracking at the SI Chorus's volume: ingest rate, trace, stuck, monthly report, size.

The demo's invoice simulator writes, once, into a temporary folder, the activity report's
full volume (about 30,000 invoices a day, 78 % EDI, about twelve events each: a month is
about a million invoices) for as many days of July 2017 as make ``--events`` (default 10
million). Then, on a fresh flow store:

- ``vigie flows ingest`` of that file cut in ``--parts`` files of consecutive lines (as
  daily imports would come; a flow's later events join it from the next part), each into
  the store the previous ones filled, each by the command as a user runs it (a process of
  its own, which reads and stores on both cores with two helper processes): events per
  second of each, wall and CPU (the command's and its helpers', from the children's
  resource usage), their median, and the whole;
- the store's size per million events;
- ``trace`` of random invoices, and of a file (the invoices it carried listed);
- ``stuck`` now and as things stood two days before the end (``--repeat`` times each);
- the monthly integration report of July (``--repeat`` times).

Prints each figure (medians) beside its target, wall and CPU time (the machine may be
shared: CPU time is what the work itself took), and the machine's load before and after.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from vigie.console.demo.invoices import write_invoices
from vigie.probes.flows.lifecycle import Route
from vigie.probes.flows.store import FlowStore
from vigie.probes.flows.stuck import stuck_flows
from vigie.reports.flows import find, integration_report

PARIS = ZoneInfo("Europe/Paris")
ROUTES = {
    "facture-edi": Route(
        "facture-edi",
        ("se-chorus-pro", "chorus-pro", "systeme-echanges", "chorus-coeur"),
        (1800.0, 7200.0, 14400.0),
    ),
    "facture-portail": Route(
        "facture-portail", ("chorus-pro", "systeme-echanges", "chorus-coeur"), (7200.0, 14400.0)
    ),
}
CONFIG = """
[vigie]
language = "en"

[[flows]]
type = "facture-edi"
path = ["se-chorus-pro", "chorus-pro", "systeme-echanges", "chorus-coeur"]
deadlines = ["30m", "2h", "4h"]

[[flows]]
type = "facture-portail"
path = ["chorus-pro", "systeme-echanges", "chorus-coeur"]
deadlines = ["2h", "4h"]

[flow_tracking]
path = "flows.db"
"""
EVENTS_PER_DAY = 330_000  # the simulator at full volume, measured
END = datetime(2017, 7, 31, 23, 0, tzinfo=PARIS)


def timed(action):  # type: ignore[no-untyped-def]
    """The action's result, its wall time and its CPU time (seconds)."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = action()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def children_cpu() -> float:
    """CPU seconds (user and system) of the children waited for so far, theirs included."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def ingest_command(part: Path, config: Path) -> tuple[int, float, float]:
    """``vigie flows ingest PART --json`` run as a user runs it: events, wall and CPU seconds."""
    wall, cpu = time.perf_counter(), children_cpu()
    done = subprocess.run(
        [sys.executable, "-m", "vigie", "flows", "ingest", str(part), "--json", "--config", str(config)],
        check=True,
        capture_output=True,
        text=True,
    )
    wall, cpu = time.perf_counter() - wall, children_cpu() - cpu
    return int(json.loads(done.stdout)[0]["events"]), wall, cpu


def load() -> str:
    """The machine's load averages (1, 5, 15 minutes) and its cores."""
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} cores"


def last_invoice(path: Path) -> int:
    """The number of the last invoice of a file the simulator wrote (it numbers them in order)."""
    with path.open("rb") as handle:
        handle.seek(max(0, path.stat().st_size - 65_536))
        return int(handle.read().rsplit(b'"CPP-', 1)[1][:8])


def split(source: Path, parts: int, folder: Path) -> list[Path]:
    """The file cut in ``parts`` files of consecutive whole lines, written in ``folder``."""
    with source.open("rb") as handle:
        lines = handle.readlines()
    size = -(-len(lines) // parts)
    paths = []
    for n in range(parts):
        path = folder / f"part-{n + 1:02d}.jsonl"
        path.write_bytes(b"".join(lines[n * size : (n + 1) * size]))
        paths.append(path)
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--events", type=int, default=10_000_000, help="about how many events (default 10 million)"
    )
    parser.add_argument("--parts", type=int, default=10, help="files the events are ingested from")
    parser.add_argument(
        "--events-file",
        type=Path,
        help="events this script wrote before (read, not changed), to skip writing them",
    )
    parser.add_argument("--traces", type=int, default=200, help="random traces timed")
    parser.add_argument("--repeat", type=int, default=5, help="times stuck and the report are timed")
    args = parser.parse_args()
    print(f"load before: {load()}")
    days = max(1, round(args.events / EVENTS_PER_DAY))
    with tempfile.TemporaryDirectory(prefix="vigie-flows-bench-") as folder:
        events_file = args.events_file or Path(folder) / "events.jsonl"
        if args.events_file is None:
            written, wall, _ = timed(
                lambda: write_invoices(events_file, END.timestamp(), 2017, scale=1, days=days)
            )
            invoices = written.invoices
            print(
                f"generated: {written.events:,} events, {invoices:,} invoices, {written.files:,} EDI files "
                f"over {days} days ({events_file.stat().st_size / 1e6:,.0f} MB of JSON Lines) in {wall:.0f} s"
            )
        else:
            invoices = last_invoice(events_file)
            print(f"events of {events_file} ({events_file.stat().st_size / 1e6:,.0f} MB of JSON Lines)")
        parts = split(events_file, args.parts, Path(folder))
        if args.events_file is None:
            events_file.unlink()
        store_path = Path(folder) / "flows.db"
        config = Path(folder) / "config.toml"
        config.write_text(CONFIG, encoding="utf-8")
        rates, cpu_rates, loads = [], [], []
        total = total_wall = total_cpu = 0.0
        for part in parts:
            events, wall, cpu = ingest_command(part, config)
            loads.append(os.getloadavg()[0])
            rates.append(events / wall)
            cpu_rates.append(events / cpu)
            total += events
            total_wall += wall
            total_cpu += cpu
            part.unlink()
        print(
            f"ingest (`vigie flows ingest`, a process per file): {total:,.0f} events in {len(parts)} files, "
            f"median {statistics.median(rates):,.0f} events/s wall (target >= 200,000 on 2 cores), "
            f"{statistics.median(cpu_rates):,.0f} per CPU second; "
            f"whole: {total_wall:.1f} s wall, {total_cpu:.1f} s CPU, {total / total_wall:,.0f} events/s, "
            f"{total / total_cpu:,.0f} per CPU second"
        )
        print(f"  per file, events/s wall: {', '.join(f'{r:,.0f}' for r in rates)}")
        print(f"  per file, events per CPU second: {', '.join(f'{r:,.0f}' for r in cpu_rates)}")
        print(f"  per file, load (1 min) after it: {', '.join(f'{x:.2f}' for x in loads)}")
        with FlowStore(store_path) as store:
            print(f"  stored: {store.count()[0]:,} flows")
            store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            size = sum(p.stat().st_size for p in Path(folder).glob("flows.db*"))
            print(f"store: {size / 1e6:,.0f} MB, {size / total:,.1f} MB per million events")
        rng = random.Random(1)
        with FlowStore(store_path) as store:
            keys = [f"CPP-{n:08d}" for n in rng.sample(range(1, invoices + 1), args.traces)]
            times = []
            now = END.timestamp()
            for key in keys:
                found, wall, _ = timed(lambda key=key: find(store, ROUTES, key, now))
                assert found.trace is not None, key
                times.append(wall * 1000)
            times.sort()
            print(
                f"trace: {len(times)} random invoices, median {statistics.median(times):.2f} ms, "
                f"p95 {times[int(0.95 * len(times)) - 1]:.2f} ms, max {times[-1]:.2f} ms (target < 10 ms)"
            )
            _, wall, _ = timed(lambda: find(store, ROUTES, "FLUX_671942_000001.xml", now))
            print(f"trace of a file (its flow and what it carried): {wall * 1000:.2f} ms")
            for label, as_of in (("now", now), ("2 days before", now - 2 * 86400)):
                runs = [
                    timed(lambda as_of=as_of: stuck_flows(store, ROUTES, as_of)) for _ in range(args.repeat)
                ]
                print(
                    f"stuck ({label}): {len(runs[0][0]):,} flows, median of {len(runs)} "
                    f"{statistics.median(r[1] for r in runs) * 1000:.0f} ms wall, "
                    f"{statistics.median(r[2] for r in runs) * 1000:.0f} ms CPU (target < 1 s; "
                    f"first {runs[0][1] * 1000:.0f} ms wall)"
                )
            since = datetime(2017, 7, 1, tzinfo=PARIS).timestamp()
            until = datetime(2017, 8, 1, tzinfo=PARIS).timestamp()
            runs = [
                timed(lambda: integration_report(store, ROUTES, since, until, now, "2017-07"))
                for _ in range(args.repeat)
            ]
            print(
                f"monthly report: {runs[0][0].total.received:,} flows of July 2017, median of {len(runs)} "
                f"{statistics.median(r[1] for r in runs):.2f} s wall, "
                f"{statistics.median(r[2] for r in runs):.2f} s CPU (target < 2 s; first {runs[0][1]:.2f} s wall)"
            )
    print(f"load after: {load()}")


if __name__ == "__main__":
    main()
