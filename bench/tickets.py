"""Ticket import rate and statistics time, on a year shaped like the 2017 report.

The import of a million tickets shaped like 2017 is timed (a fresh store each run), then
`tickets stats --year 2017 --by application` (open the store, load, compute) on a year as
the report has it: 153,000 tickets (123,860 for Chorus Pro), against 42,500 in 2016
(+260 %). Prints median wall and CPU times. ``--count N`` and ``--year N`` scale them.
"""

from __future__ import annotations

import argparse
import csv
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from vigie.probes.tickets.config import TicketsConfig
from vigie.probes.tickets.csvimport import import_csv
from vigie.probes.tickets.model import CSV_HEADER
from vigie.probes.tickets.store import TicketStore
from vigie.reports.periods import year
from vigie.reports.tickets import TicketStats, previous_year, stats_from_facts

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


def _medians(samples: list[tuple[float, float]]) -> tuple[float, float]:
    """Median wall and CPU seconds: on a shared machine wall time includes waiting for a
    core, process CPU time does not."""
    return statistics.median(w for w, _ in samples), statistics.median(c for _, c in samples)


def _timed(run: Callable[[], object]) -> tuple[float, float]:
    began, cpu = time.perf_counter(), time.process_time()
    run()
    return time.perf_counter() - began, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=1_000_000, help="tickets imported (default 1000000)")
    parser.add_argument("--year", type=int, default=153_000, help="2017 tickets for stats (default 153000)")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    config = TicketsConfig()
    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder)
        big = base / "big.csv"
        write_year(big, 2017, args.count, 123_860 / 153_000, 17)
        imports = []
        for run in range(args.runs):
            with TicketStore(base / f"run{run}.db") as store:
                imports.append(_timed(lambda: import_csv(big, store, config, progress=False)))
        wall, cpu = _medians(imports)
        print(
            f"import: {args.count:,} tickets, median {args.count / wall:,.0f} tickets/s wall, "
            f"{args.count / cpu:,.0f} tickets/s CPU over {args.runs} runs (target 50,000)"
        )
        y2016, y2017 = base / "2016.csv", base / "2017.csv"
        write_year(y2016, 2016, round(args.year / 3.6), 0.70, 16)
        write_year(y2017, 2017, args.year, 123_860 / 153_000, 17)
        with TicketStore(base / "year.db") as store:
            import_csv(y2016, store, config, progress=False)
            import_csv(y2017, store, config, progress=False)
        period = year(2017, PARIS)
        stats: list[TicketStats] = []

        def query() -> None:
            # As `vigie tickets stats` does: a fresh connection, then load and compute.
            with TicketStore(base / "year.db") as store:
                facts = store.facts_for_period(previous_year(period).start, period.end)
                stats.append(stats_from_facts(facts, period, by="application", timezone=PARIS))

        wall, cpu = _medians([_timed(query) for _ in range(5)])
        print(
            f"stats --year 2017 --by application ({args.year:,} tickets): median {wall:.3f} s wall, "
            f"{cpu:.3f} s CPU over 5 runs (target 0.5 s)"
        )
        total = stats[-1].total
        pro = next(g for g in stats[-1].groups if g.key == "chorus-pro")
        print(
            f"  figures: {total.opened:,} tickets (2016: {total.previous:,}, growth {total.growth:+.0%}), "
            f"Chorus Pro {pro.opened:,}, first contact {total.first_contact_rate:.1%}, "
            f"median to resolve {timedelta(seconds=round(total.median_resolve_s or 0))}, "
            f"backlog {total.backlog:,}"
        )


if __name__ == "__main__":
    main()
