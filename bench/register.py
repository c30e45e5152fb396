"""Homologation register and decommissioning progress over a synthetic 2,500-application catalog.

Prints medians of several runs; run with `make bench` or `.venv/bin/python bench/register.py`.
"""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Callable
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from prometheus_client import CollectorRegistry, generate_latest

from vigie.catalog import homologation, lifecycle
from vigie.catalog.metrics import CatalogCollector
from vigie.catalog.model import (
    Application,
    Catalog,
    Category,
    Criticality,
    Decision,
    DossierProgress,
    Homologation,
    Interface,
    Lifecycle,
    Ministry,
    Phase,
    ProgressContract,
    Protocol,
    Reserve,
    Zone,
)

APPS, INTERFACES, MINISTRIES, RUNS = 2_500, 6_000, 30, 7
AS_OF = date(2018, 1, 1)


def synthetic(seed: int = 2017) -> Catalog:
    """A catalog shaped like the SIFE's, scaled up: a tenth retiring, most apps homologated."""
    rng = random.Random(seed)
    ministries = {f"m{i:02d}": Ministry(f"m{i:02d}", f"Ministère {i}") for i in range(MINISTRIES)}
    apps = {}
    for i in range(APPS):
        roll = rng.random()
        off_on = date(2008, 1, 1) + timedelta(days=rng.randrange(0, 4_000))
        if roll < 0.06:
            life = Lifecycle(Phase.DECOMMISSIONED, decommission_on=off_on)
        elif roll < 0.12:
            life = Lifecycle(Phase.PHASE_OUT, phase_out_on=date(2015, 1, 1), decommission_on=off_on)
        else:
            life = Lifecycle(Phase.ACTIVE)
        apps[f"a{i}"] = Application(
            id=f"a{i}",
            name=f"APP-{i}",
            ministry=f"m{rng.randrange(MINISTRIES):02d}",
            domain=f"d{rng.randrange(24)}",
            zone=Zone.METIER,
            category=Category.METIER,
            criticality=rng.choice(list(Criticality)),
            lifecycle=life,
            personal_data=rng.random() < 0.3,
        )
    ids = list(apps)
    interfaces = {
        f"i{n}": Interface(
            f"i{n}", *rng.sample(ids, 2), protocol=Protocol.EDI, personal_data=rng.random() < 0.2
        )
        for n in range(INTERFACES)
    }
    homologations = {}
    for n, app in enumerate(ids):
        if rng.random() < 0.15:
            continue
        commission = date(2014, 1, 1) + timedelta(days=rng.randrange(0, 1_500))
        decided = rng.random() < 0.9
        homologations[f"h{n}"] = Homologation(
            id=f"h{n}",
            applications=(app,),
            authority="COS SIFE",
            progress=DossierProgress.DECIDED if decided else DossierProgress.STARTED,
            commission_on=commission,
            decision=rng.choice([Decision.FAVOURABLE, Decision.WITH_RESERVES]) if decided else None,
            validity_months=rng.choice([6, 12, 24, 36]),
            reserves=tuple(
                Reserve(f"réserve {k}", "MOE", commission + timedelta(days=90 * (k + 1)), rng.random() < 0.5)
                for k in range(rng.randrange(0, 4))
            ),
        )
    retiring = [a for a in ids if apps[a].lifecycle.phase is not Phase.ACTIVE]
    contracts = {
        f"cp-{m}": ProgressContract(
            f"cp-{m}", m, tuple(a for a in retiring if apps[a].ministry == m), target_on=date(2018, 12, 31)
        )
        for m in ministries
    }
    return Catalog(ministries, apps, interfaces, homologations, progress_contracts=contracts)


def median_ms(work: Callable[[], object]) -> float:
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def main() -> None:
    catalog = synthetic()
    registry = CollectorRegistry()
    registry.register(CatalogCollector(lambda: catalog, ZoneInfo("Europe/Paris"), lambda: AS_OF))
    print(
        f"synthetic catalog: {len(catalog.applications):,} applications, {len(catalog.interfaces):,} "
        f"interfaces, {len(catalog.homologations):,} homologations (median of {RUNS} runs)"
    )
    figures = {
        "register status (all 2,500 applications)": lambda: homologation.register(
            catalog, AS_OF, everything=True
        ),
        "decom progress by ministry": lambda: lifecycle.progress(catalog, AS_OF, by="ministry"),
        "decom progress by domain": lambda: lifecycle.progress(catalog, AS_OF, by="domain"),
        "decom burn-down (monthly since 2008)": lambda: lifecycle.burn_down(catalog, AS_OF),
        "decom integrity findings": lambda: lifecycle.integrity(catalog, AS_OF),
        "metrics scrape (generate_latest)": lambda: generate_latest(registry),
    }
    for name, work in figures.items():
        print(f"{name}: {median_ms(work):.1f} ms")


if __name__ == "__main__":
    main()
