"""Report time. Part 1: the yearly (and a monthly) report of the nine core components built
from a store holding a year of 5-minute checks (rollups written by `Store.append`), flows
and tickets, through the same path as `vigie report`. Part 2: rendering alone, every
format, for 9 and 250 components. Prints medians; no assertion (machines are noisy).

    .venv/bin/python bench/report.py [--keep DIR] [--skip-render] [--components N] [--step S]

The issue's scale, 250 components with a year of rollups (hourly checks keep the import short):
``--components 250 --step 3600 --skip-render``.

``--keep DIR`` leaves the demo store and its config.toml in DIR, e.g. to look at the report:
``vigie report monthly 2017-07 --config DIR/config.toml``.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from vigie.accounting.figures import SlaFigures
from vigie.accounting.results import ProbeResult, Status
from vigie.console.cmd_report import build
from vigie.console.settings import load_settings
from vigie.kernel.text.language import Language
from vigie.probes.config import Capacity
from vigie.probes.store import Store
from vigie.probes.tickets.model import Ticket
from vigie.probes.tickets.store import TicketStore
from vigie.reports import collect, content
from vigie.reports.content import Absent, ComponentRef, IncidentRow, Report
from vigie.reports.render_csv import render_csv
from vigie.reports.render_html import render_html
from vigie.reports.render_json import render_json
from vigie.reports.render_markdown import render_markdown
from vigie.reports.throughput import throughput_row

PARIS = ZoneInfo("Europe/Paris")
RUNS = 5
ROOT = Path(__file__).resolve().parent.parent
STEP = 300  # seconds between checks in the demo store
# Hours down over 2017 per component, roughly the activity report's yearly averages
# (99.9 % for most, 99.2 % for Chorus Formulaires), plus one bad month each for two of them.
DOWN_HOURS = {
    "chorus-coeur": 8, "infocentre": 8, "chorus-formulaires": 70, "systeme-echanges": 17,
    "chorus-dt": 6, "chorus-portail-pro": 9, "chorus-pro": 7, "place": 40, "orme": 12,
}  # fmt: skip
BAD_MONTH = {"chorus-formulaires": (3, 18), "place": (7, 9)}  # component: (month, hours down)
CAUSES = ("HTTP 503", "timeout after 5s", "connection refused", "HTTP 500", "TLS handshake failed")
FLOWS = """
[[probes]]
id = "systeme-echanges-flux"
component = "systeme-echanges"
kind = "http"
url = "http://127.0.0.1:18110/flux"
interval = "1h"
timeout = "5s"
role = "throughput"

[[probes]]
id = "chorus-pro-api"
component = "chorus-pro"
kind = "http"
url = "http://127.0.0.1:18111/api-calls"
interval = "1h"
timeout = "5s"
role = "throughput"
"""
# SE Chorus flows per month (30,000 to 55,000; over the 50,000 capacity in July) and
# Chorus Pro API calls per day (nearly 6 million; over in December).
MONTHLY_FLOWS = (
    31_000,
    33_000,
    41_000,
    38_000,
    40_000,
    47_000,
    55_500,
    36_000,
    44_000,
    46_000,
    45_000,
    49_000,
)
DAILY_CALLS = (4.6e6, 4.8e6, 5.1e6, 5.0e6, 5.2e6, 5.4e6, 5.3e6, 4.4e6, 5.5e6, 5.6e6, 5.8e6, 6.3e6)


def _outages(
    rng: random.Random, hours_down: float, bad_month: tuple[int, int] | None, start: float, end: float
) -> list[tuple[float, float]]:
    spans = []
    budget = hours_down * 3600.0
    while budget > 0:
        length = min(budget, rng.choice([600, 1800, 3600, 2 * 3600]))
        t0 = rng.uniform(start, end - length)
        spans.append((t0, t0 + length))
        budget -= length
    if bad_month is not None:
        month_no, hours = bad_month
        t0 = datetime(2017, month_no, 14, 9, tzinfo=PARIS).timestamp()
        spans.append((t0, t0 + hours * 3600))
    return sorted(spans)


def _extra_components(count: int, step: int) -> str:
    """Placeholder components beyond the nine core ones, one HTTP probe each."""
    return "".join(
        f"""
[[components]]
id = "composant-{n:03d}"
name = "Composant {n:03d}"
target = 98

[[probes]]
id = "composant-{n:03d}-http"
component = "composant-{n:03d}"
kind = "http"
url = "http://127.0.0.1:18200/{n}"
interval = "{step}s"
timeout = "5s"
"""
        for n in range(10, count + 1)
    )


def fill_demo_store(folder: Path, components: int = 9, step: int = STEP) -> tuple[Path, int]:
    """A config and a store with 2017's checks, flows and tickets; returns (config, results)."""
    config = folder / "config.toml"
    text = (
        (ROOT / "config.toml")
        .read_text(encoding="utf-8")
        .replace('interval = "30s"', f'interval = "{step}s"')
    )
    text = text.replace('path = "catalog"', f'path = "{ROOT / "catalog"}"')  # the bundled sample catalog
    config.write_text(text + FLOWS + _extra_components(components, step), encoding="utf-8")
    settings = load_settings(config)
    rng = random.Random(2017)
    start = datetime(2017, 1, 1, tzinfo=PARIS).timestamp()
    end = datetime(2018, 1, 1, tzinfo=PARIS).timestamp()
    count = 0
    with Store.of_config(settings.probes, settings.store_path()) as store:
        for comp in settings.probes.components:
            down = _outages(rng, DOWN_HOURS.get(comp.id, 10), BAD_MONTH.get(comp.id), start, end)
            cause = {t0: rng.choice(CAUSES) for t0, _ in down}
            batch = []
            ts, k = start, 0
            while ts < end:
                while k < len(down) and down[k][1] <= ts:
                    k += 1
                is_down = k < len(down) and down[k][0] <= ts
                status = Status.DOWN if is_down else Status.UP
                batch.append(
                    ProbeResult(
                        comp.id, f"{comp.id}-http", ts, status, 80.0, cause[down[k][0]] if is_down else ""
                    )
                )
                ts += step
            count += store.append(batch)
        for probe, per_month, scale in (
            ("systeme-echanges-flux", MONTHLY_FLOWS, 30 * 86400),
            ("chorus-pro-api", DAILY_CALLS, 86400),
        ):
            component = probe.rsplit("-", 1)[0] if probe.startswith("systeme") else "chorus-pro"
            rates = []
            ts = start
            while ts < end:
                month_no = datetime.fromtimestamp(ts, PARIS).month
                rate = per_month[month_no - 1] / scale * rng.uniform(0.9, 1.1)
                rates.append(ProbeResult(component, probe, ts, Status.UP, 50.0, "", rate))
                ts += 3600
            count += store.append(rates)
    tickets = []
    for year, per_month in ((2016, 350), (2017, 1260)):
        for n in range(per_month * 12):
            opened = datetime(year, 1, 1, tzinfo=PARIS) + timedelta(seconds=rng.uniform(0, 364 * 86400))
            app = rng.choices(
                ("Chorus Pro", "Chorus Cœur", "Chorus DT", "Chorus Portail Pro"), (81, 9, 7, 3)
            )[0]
            channel = rng.choices(("phone", "chat", "chatbot", "web", "email"), (50, 20, 15, 10, 5))[0]
            solved = opened + timedelta(hours=rng.uniform(0.1, 48))
            tickets.append(
                Ticket(
                    "demo",
                    f"{year}-{n}",
                    app,
                    opened,
                    solved,
                    None,
                    "solved",
                    channel,
                    "",
                    1,
                    rng.random() < 0.9,
                )
            )
    with TicketStore(settings.store_path()) as ticket_store:
        ticket_store.upsert(tickets)
    return config, count


def _figures(rng: random.Random, comp: ComponentRef) -> SlaFigures:
    scheduled = 31 * 86400.0
    down = rng.choice([0.0, 300.0, 3600.0, 6 * 3600.0, 20 * 3600.0])
    measured = scheduled - 7200
    availability = int((measured - down) / measured * 100_000) / 100_000
    budget = (1 - comp.target) * scheduled
    return SlaFigures(
        comp.id, comp.target, availability, measured - down, 0.0, down, 7200.0, 0.0, scheduled, 1.0,
        budget, budget - down, 1 if down else 0, availability < comp.target,
        scheduled, down, down / budget, down, down or None, None,
    )  # fmt: skip


def synthetic_report(kind: str, count: int) -> Report:
    """A report over ``count`` components with a year of monthly figures and daily throughput."""
    rng = random.Random(count)
    period = collect.ReportPeriod(kind, 2017, 7 if kind == "monthly" else None, PARIS)
    comps = [ComponentRef(f"c{i:03d}", f"Composant {i:03d}", rng.choice([0.98, 0.99])) for i in range(count)]
    months = content.month_window(period.year, period.month)
    monthly = {m: [_figures(rng, c) for c in comps] for m in months}
    figures = monthly[months[-1]]
    start = period.start
    incidents = tuple(
        IncidentRow(
            f.component,
            f.component,
            start + timedelta(hours=i),
            start + timedelta(hours=i, seconds=f.down_s),
            f.down_s,
            "HTTP 503",
        )
        for i, f in enumerate(figures)
        if f.down_s
    )
    buckets = period.buckets()
    flows = tuple(
        throughput_row(
            f"se{i}",
            f"Échanges {i}",
            Capacity(50_000, "flux", "month"),
            buckets,
            [(b.start.timestamp() + 60, rng.uniform(30_000, 60_000) / (30 * 86400)) for b in buckets],
        )
        for i in range(2)
    )
    return collect.assemble(
        period,
        comps,
        availability=content.availability_rows(comps, figures),
        trend=content.trend_rows(comps, months, monthly),
        incidents=incidents,
        throughput=flows,
        tickets=Absent("report.absent.no_tickets"),
        homologations=Absent("report.absent.no_catalog"),
        decommissioning=Absent("report.absent.no_catalog"),
        generated_at=datetime(2017, 8, 1, tzinfo=PARIS),
    )


def median_ms(work: Callable[[], object], runs: int = RUNS) -> float:
    """Median wall time of ``work`` in milliseconds."""
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        work()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def bench_store(folder: Path, components: int, step: int) -> None:
    """Part 1: reports built from the demo store, as `vigie report` builds them."""
    t0 = time.perf_counter()
    config, count = fill_demo_store(folder, components, step)
    print(
        f"demo store: {count:,} results ({components} components, 2017, checks every {step // 60} min) "
        f"in {time.perf_counter() - t0:.1f} s"
    )
    settings = load_settings(config)
    now = datetime(2018, 1, 15, tzinfo=PARIS)
    lang = Language("fr")
    print(f"report from the store (rollups), median of {RUNS} runs (ms)")
    for kind, month in (("yearly", None), ("monthly", 7)):
        period = collect.ReportPeriod(kind, 2017, month, PARIS)
        built = median_ms(lambda p=period: build(settings, p, now))
        report = build(settings, period, now)
        html = median_ms(lambda r=report: render_html(r, lang))
        print(f"  {kind:<8} 2017{'' if month is None else '-07'}: build {built:8.1f}   html {html:7.1f}")


def main() -> int:
    """Print the medians."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", metavar="DIR", help="leave the demo store and config.toml in DIR")
    parser.add_argument("--skip-render", action="store_true", help="only part 1")
    parser.add_argument("--components", type=int, default=9, help="components in the demo store (default 9)")
    parser.add_argument("--step", type=int, default=STEP, help=f"seconds between checks (default {STEP})")
    args = parser.parse_args()
    if args.keep:
        Path(args.keep).mkdir(parents=True, exist_ok=True)
        bench_store(Path(args.keep), args.components, args.step)
    else:
        with tempfile.TemporaryDirectory() as folder:
            bench_store(Path(folder), args.components, args.step)
    if args.skip_render:
        return 0
    lang = Language("fr")
    renderers: dict[str, Callable[[Report, Language], object]] = {
        "html": render_html,
        "md": render_markdown,
        "json": render_json,
        "csv": render_csv,
    }
    try:
        from vigie.reports.render_pdf import render_pdf

        __import__("weasyprint")
        renderers["pdf"] = render_pdf
    except ImportError:
        print("pdf: skipped (WeasyPrint not installed: make pdf-deps)")
    print(f"report rendering, median of {RUNS} runs (ms)")
    print(f"{'report':<22}{'assemble':>10}" + "".join(f"{name:>10}" for name in renderers))
    for kind in ("monthly", "yearly"):
        for count in (9, 250):
            report = synthetic_report(kind, count)
            cells = [median_ms(lambda k=kind, c=count: synthetic_report(k, c))]
            for name, render in renderers.items():
                # WeasyPrint takes tens of seconds for 250 components: one run is enough to see it.
                runs = (3 if count < 100 else 1) if name == "pdf" else RUNS
                cells.append(median_ms(lambda r=render, rep=report: r(rep, lang), runs))
            print(f"{kind + f' x {count}':<22}" + "".join(f"{c:>10.1f}" for c in cells))
    return 0


if __name__ == "__main__":
    sys.exit(main())
