"""Ticket import rate and statistics time, on a year shaped like the 2017 report.

2017: 153,000 tickets (123,860 for Chorus Pro), against 42,500 in 2016 (+260 %); the
import of 2017's file is timed (fresh store each run), then `tickets stats --year 2017`
(load + compute, by application). Prints medians. ``--count N`` scales 2017 (e.g. 1000000).
"""

from __future__ import annotations

import argparse
import csv
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from vigie.probes.tickets.config import TicketsConfig
from vigie.probes.tickets.csvimport import import_csv
from vigie.probes.tickets.model import CSV_HEADER
from vigie.probes.tickets.store import TicketStore
from vigie.reports.periods import year
from vigie.reports.tickets import previous_year, stats_from_facts

PARIS = ZoneInfo("Europe/Paris")
OTHERS = ["chorus-coeur", "chorus-formulaires", "chorus-dt", "place", "orme", "infocentre"]
CHANNELS = (["phone"] * 55, ["chat"] * 20, ["web"] * 12, ["chatbot"] * 8, ["email"] * 5)
CHANNEL_POOL = [c for group in CHANNELS for c in group]


def write_year(path: Path, year: int, count: int, pro_share: float, seed: int) -> None:
    """A year of tickets in Vigie's CSV format; volumes grow through the year."""
    rng = random.Random(seed)
    start = datetime(year, 1, 1, tzinfo=PARIS).timestamp()
    span = datetime(year + 1, 1, 1, tzinfo=PARIS).timestamp() - start
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(CSV_HEADER)
        for number in range(count):
            opened = start + span * rng.random() ** 0.7  # more tickets late in the year
            level = 1 if rng.random() < 0.9 else 2
            first = level == 1 and rng.random() < 0.96
            delay = rng.expovariate(1 / (600 if first else 86400 * (1 if level == 1 else 4)))
            resolved = opened + delay
            still_open = resolved > start + span and rng.random() < 0.5
            stamp = datetime.fromtimestamp(opened, UTC).isoformat()
            done = "" if still_open else datetime.fromtimestamp(resolved, UTC).isoformat()
            writer.writerow(
                [
                    "glpi",
                    f"{year}-{number}",
                    "chorus-pro" if rng.random() < pro_share else rng.choice(OTHERS),
                    stamp,
                    done,
                    done,
                    "new" if still_open else "closed",
                    rng.choice(CHANNEL_POOL),
                    "",
                    level,
                    "true" if first and not still_open else "false",
                ]
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=153_000, help="2017 tickets (default 153000)")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder)
        y2016, y2017 = base / "2016.csv", base / "2017.csv"
        write_year(y2016, 2016, round(args.count / 3.6), 0.70, 16)
        write_year(y2017, 2017, args.count, 123_860 / 153_000, 17)
        config = TicketsConfig()
        rates, cpu_rates = [], []
        for run in range(args.runs):
            with TicketStore(base / f"run{run}.db") as store:
                began, cpu = time.perf_counter(), time.process_time()
                result = import_csv(y2017, store, config, progress=False)
                rates.append(result.rows / (time.perf_counter() - began))
                cpu_rates.append(result.rows / (time.process_time() - cpu))
        # On a shared machine wall time includes waiting for a core; CPU time does not.
        print(
            f"import: {args.count:,} tickets, median {statistics.median(rates):,.0f} tickets/s "
            f"({statistics.median(cpu_rates):,.0f} per CPU second) over {args.runs} runs"
        )
        with TicketStore(base / "run0.db") as store:
            import_csv(y2016, store, config, progress=False)
            period = year(2017, PARIS)
            times, cpu_times = [], []
            for _ in range(5):
                began, cpu = time.perf_counter(), time.process_time()
                stats = stats_from_facts(
                    store.facts_for_period(previous_year(period).start, period.end),
                    period,
                    by="application",
                    timezone=PARIS,
                )
                times.append(time.perf_counter() - began)
                cpu_times.append(time.process_time() - cpu)
        total = stats.total
        pro = next(g for g in stats.groups if g.key == "chorus-pro")
        print(
            f"stats --year 2017 --by application: median {statistics.median(times):.3f} s "
            f"({statistics.median(cpu_times):.3f} s CPU) over 5 runs"
        )
        print(
            f"  figures: {total.opened:,} tickets (2016: {total.previous:,}, growth {total.growth:+.0%}), "
            f"Chorus Pro {pro.opened:,}, first contact {total.first_contact_rate:.1%}, "
            f"median to resolve {timedelta(seconds=round(total.median_resolve_s or 0))}, "
            f"backlog {total.backlog:,}"
        )


if __name__ == "__main__":
    main()
