"""Flow tracking at the SI Chorus's volume: ingest rate, trace, stuck, monthly report, size.

The demo's invoice simulator writes, once, into a temporary folder, the activity report's
full volume (about 30,000 invoices a day, 78 % EDI, about twelve events each: a month is
about a million invoices) for as many days of July 2017 as make ``--events`` (default 10
million). Then, on a fresh flow store:

- ``vigie flows ingest`` of that file (events per second, wall and CPU);
- the store's size per million events;
- ``trace`` of random invoices, and of a file (the invoices it carried listed);
- ``stuck`` now and as things stood two days before the end;
- the monthly integration report of July.

Prints each figure beside its target, and the machine's load.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import tempfile
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from vigie.console.demo.invoices import write_invoices
from vigie.probes.flows.ingest import EventReader, ingest_file
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
EVENTS_PER_DAY = 330_000  # the simulator at full volume, measured
END = datetime(2017, 7, 31, 23, 0, tzinfo=PARIS)


def timed(action):  # type: ignore[no-untyped-def]
    """The action's result, its wall time and its CPU time (seconds)."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = action()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--events", type=int, default=10_000_000, help="about how many events (default 10 million)"
    )
    parser.add_argument("--traces", type=int, default=200, help="random traces timed")
    args = parser.parse_args()
    days = max(1, round(args.events / EVENTS_PER_DAY))
    with tempfile.TemporaryDirectory(prefix="vigie-flows-bench-") as folder:
        events_file = Path(folder) / "events.jsonl"
        written, wall, _ = timed(
            lambda: write_invoices(events_file, END.timestamp(), 2017, scale=1, days=days)
        )
        size_mb = events_file.stat().st_size / 1e6
        print(
            f"generated: {written.events:,} events, {written.invoices:,} invoices, {written.files:,} EDI files "
            f"over {days} days ({size_mb:,.0f} MB of JSON Lines) in {wall:.0f} s"
        )
        store_path = Path(folder) / "flows.db"
        with FlowStore(store_path) as store:
            done, wall, cpu = timed(lambda: ingest_file(events_file, store, ROUTES, EventReader(ROUTES)))
            rate = done.result.events / wall
            print(
                f"ingest: {done.result.events:,} events, {done.result.new_flows:,} flows in {wall:.1f} s wall, "
                f"{cpu:.1f} s CPU: {rate:,.0f} events/s (target >= 200,000 on 2 cores; "
                f"{done.result.events / cpu:,.0f} per CPU second)"
            )
            store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            size = sum(p.stat().st_size for p in Path(folder).glob("flows.db*"))
            print(
                f"store: {size / 1e6:,.0f} MB, {size / done.result.events * 1e6 / 1e6:,.1f} MB per million events"
            )
            events_file.unlink()
        rng = random.Random(1)
        with FlowStore(store_path) as store:
            keys = [f"CPP-{n:08d}" for n in rng.sample(range(1, written.invoices + 1), args.traces)]
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
                stuck, wall, cpu = timed(lambda as_of=as_of: stuck_flows(store, ROUTES, as_of))
                print(
                    f"stuck ({label}): {len(stuck):,} flows in {wall * 1000:.0f} ms wall, "
                    f"{cpu * 1000:.0f} ms CPU (target < 1 s)"
                )
            since = datetime(2017, 7, 1, tzinfo=PARIS).timestamp()
            until = datetime(2017, 8, 1, tzinfo=PARIS).timestamp()
            report, wall, cpu = timed(lambda: integration_report(store, ROUTES, since, until, now, "2017-07"))
            print(
                f"monthly report: {report.total.received:,} flows of July 2017 in {wall:.2f} s wall, "
                f"{cpu:.2f} s CPU (target < 2 s)"
            )
    print(
        f"load: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f} on {os.cpu_count()} cores"
    )


if __name__ == "__main__":
    main()
