"""Small hand-built catalogs for the register and decommissioning tests (and bench/register.py)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

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


def app(
    id: str,
    *,
    ministry: str = "MEF",
    domain: str = "Dépense",
    phase: Phase = Phase.ACTIVE,
    phase_out_on: date | None = None,
    decommission_on: date | None = None,
    replaced_by: str | None = None,
    criticality: Criticality = Criticality.MEDIUM,
    personal_data: bool = False,
    core: bool = True,
) -> Application:
    """An application with only what these tests look at (core: in the register's scope)."""
    return Application(
        id=id,
        name=id.upper(),
        ministry=ministry,
        domain=domain,
        zone=Zone.METIER,
        category=Category.METIER,
        criticality=criticality,
        lifecycle=Lifecycle(
            phase=phase, phase_out_on=phase_out_on, decommission_on=decommission_on, replaced_by=replaced_by
        ),
        personal_data=personal_data,
        core=core,
    )


def link(
    id: str,
    source: str,
    target: str,
    *,
    personal_data: bool = False,
    phase: Phase = Phase.ACTIVE,
    decommission_on: date | None = None,
) -> Interface:
    """An EDI interface from ``source`` to ``target``."""
    return Interface(
        id=id,
        source=source,
        target=target,
        protocol=Protocol.EDI,
        personal_data=personal_data,
        lifecycle=Lifecycle(phase=phase, decommission_on=decommission_on),
    )


def homologation(
    id: str,
    *apps: str,
    commission_on: date | None = date(2017, 3, 15),
    decision: Decision | None = Decision.FAVOURABLE,
    validity_months: int | None = 36,
    until: date | None = None,
    expires_on: date | None = None,
    progress: DossierProgress = DossierProgress.DECIDED,
    reserves: Iterable[Reserve] = (),
) -> Homologation:
    """A homologation record (decided, favourable, 36 months by default)."""
    return Homologation(
        id=id,
        applications=apps,
        authority="COS SIFE",
        progress=progress,
        commission_on=commission_on,
        decision=decision,
        validity_months=validity_months,
        until=until,
        expires_on=expires_on,
        reserves=tuple(reserves),
    )


def catalog(
    apps: Iterable[Application],
    interfaces: Iterable[Interface] = (),
    homologations: Iterable[Homologation] = (),
    contracts: Iterable[ProgressContract] = (),
) -> Catalog:
    """A catalog from lists."""
    apps = list(apps)
    return Catalog(
        ministries={m: Ministry(m, m) for m in {a.ministry for a in apps}},
        applications={a.id: a for a in apps},
        interfaces={i.id: i for i in interfaces},
        homologations={h.id: h for h in homologations},
        progress_contracts={c.id: c for c in contracts},
    )
