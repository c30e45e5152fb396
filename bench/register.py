"""Homologation register and decommissioning progress over a synthetic 2,500-application catalog.

Prints medians of several runs; run with `make bench` or `PYTHONPATH=. .venv/bin/python bench/register.py`
(the catalog is built with the register tests' factory, `tests/catalog_factory.py`).
"""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Callable
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from prometheus_client import CollectorRegistry, generate_latest

from tests.catalog_factory import app, catalog, homologation, link
from vigie.catalog import lifecycle
from vigie.catalog.homologation import register
from vigie.catalog.metrics import CatalogCollector
from vigie.catalog.model import (
    Catalog,
    Criticality,
    Decision,
    DossierProgress,
    Phase,
    ProgressContract,
    Reserve,
)

APPS, INTERFACES, MINISTRIES, RUNS = 2_500, 6_000, 30, 7
AS_OF = date(2018, 1, 1)


def synthetic(seed: int = 2017) -> Catalog:
    """A catalog shaped like the SIFE's, scaled up: a tenth retiring, most apps homologated."""
    rng = random.Random(seed)
    apps = []
    for i in range(APPS):
        roll = rng.random()
        off_on = date(2008, 1, 1) + timedelta(days=rng.randrange(0, 4_000))
        phase, phase_out_on, decommission_on = Phase.ACTIVE, None, None
        if roll < 0.06:
            phase, decommission_on = Phase.DECOMMISSIONED, off_on
        elif roll < 0.12:
            phase, phase_out_on, decommission_on = Phase.PHASE_OUT, date(2015, 1, 1), off_on
        apps.append(
            app(
                f"a{i}",
                ministry=f"m{rng.randrange(MINISTRIES):02d}",
                domain=f"d{rng.randrange(24)}",
                criticality=rng.choice(list(Criticality)),
                personal_data=rng.random() < 0.3,
                phase=phase,
                phase_out_on=phase_out_on,
                decommission_on=decommission_on,
                core=False,
            )
        )
    ids = [a.id for a in apps]
    links = [link(f"i{n}", *rng.sample(ids, 2), personal_data=rng.random() < 0.2) for n in range(INTERFACES)]
    homologations = []
    for n, app_id in enumerate(ids):
        if rng.random() < 0.15:
            continue
        commission = date(2014, 1, 1) + timedelta(days=rng.randrange(0, 1_500))
        decided = rng.random() < 0.9
        homologations.append(
            homologation(
                f"h{n}",
                app_id,
                progress=DossierProgress.DECIDED if decided else DossierProgress.STARTED,
                commission_on=commission,
                decision=rng.choice([Decision.FAVOURABLE, Decision.WITH_RESERVES]) if decided else None,
                validity_months=rng.choice([6, 12, 24, 36]),
                reserves=[
                    Reserve(
                        f"réserve {k}", "MOE", commission + timedelta(days=90 * (k + 1)), rng.random() < 0.5
                    )
                    for k in range(rng.randrange(0, 4))
                ],
            )
        )
    retiring = [a for a in apps if a.lifecycle.phase is not Phase.ACTIVE]
    contracts = [
        ProgressContract(
            f"cp-{m}", m, tuple(a.id for a in retiring if a.ministry == m), target_on=date(2018, 12, 31)
        )
        for m in sorted({a.ministry for a in apps})
    ]
    return catalog(apps, links, homologations, contracts)


def median_ms(work: Callable[[], object]) -> float:
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def main() -> None:
    cat = synthetic()
    registry = CollectorRegistry()
    registry.register(CatalogCollector(lambda: cat, ZoneInfo("Europe/Paris"), lambda: AS_OF))
    print(
        f"synthetic catalog: {len(cat.applications):,} applications, {len(cat.interfaces):,} "
        f"interfaces, {len(cat.homologations):,} homologations (median of {RUNS} runs)"
    )
    figures = {
        "register status (all 2,500 applications)": lambda: register(cat, AS_OF, everything=True),
        "decom progress by ministry": lambda: lifecycle.progress(cat, AS_OF, by="ministry"),
        "decom progress by domain": lambda: lifecycle.progress(cat, AS_OF, by="domain"),
        "decom burn-down (monthly since 2008)": lambda: lifecycle.burn_down(cat, AS_OF),
        "decom integrity findings": lambda: lifecycle.integrity(cat, AS_OF),
        "metrics scrape (generate_latest)": lambda: generate_latest(registry),
    }
    for name, work in figures.items():
        print(f"{name}: {median_ms(work):.1f} ms")


if __name__ == "__main__":
    main()
