"""Report rendering time: a monthly and a yearly report for 9 and 250 components, in every
format (PDF when WeasyPrint is installed). Prints medians; no assertion (machines are noisy).

    .venv/bin/python bench/bench_report.py
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from vigie.probes.config import Capacity
from vigie.reports import collect, content
from vigie.reports.content import Absent, ComponentRef, IncidentRow, Report
from vigie.reports.i18n import Language
from vigie.reports.render_csv import render_csv
from vigie.reports.render_html import render_html
from vigie.reports.render_json import render_json
from vigie.reports.render_markdown import render_markdown
from vigie.reports.throughput import throughput_row

PARIS = ZoneInfo("Europe/Paris")
RUNS = 5


@dataclass(frozen=True)
class Figures:
    """The SLA accounting's figures for one component and month (synthetic)."""

    component: str
    target: float
    availability: float | None
    up_s: float
    degraded_s: float
    down_s: float
    maintenance_s: float
    unknown_s: float
    scheduled_s: float
    coverage: float
    budget_s: float
    budget_remaining_s: float
    incidents: int
    breached: bool


def _figures(rng: random.Random, comp: ComponentRef) -> Figures:
    scheduled = 31 * 86400.0
    down = rng.choice([0.0, 300.0, 3600.0, 6 * 3600.0, 20 * 3600.0])
    measured = scheduled - 7200
    availability = int((measured - down) / measured * 100_000) / 100_000
    budget = (1 - comp.target) * scheduled
    return Figures(
        comp.id, comp.target, availability, measured - down, 0.0, down, 7200.0, 0.0, scheduled, 1.0,
        budget, budget - down, 1 if down else 0, availability < comp.target,
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
        tickets=Absent("absent.no_tickets"),
        homologations=Absent("absent.no_catalog"),
        decommissioning=Absent("absent.no_catalog"),
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


def main() -> int:
    """Print the medians."""
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
