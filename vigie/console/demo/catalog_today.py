"""The demo's catalog, coherent with the demo's clock: the 2017 sample catalog, lived on to today.

The bundled catalog (``catalog/``) reads as of 31 December 2017, as the activity report saw
it. The live demo runs today, so read as is it would open on "13 expirées" and every
application "en retard". The demo writes its own copy into its directory at each start,
with what happened since 2017, every date after 2017 so that a view of 2017
(``--as-of 2017-12-29``, the 2017 reports) reads as before:

- **Homologations**: each 2017 record is renewed before it expires, one record after the
  other, up to a last one set against today: most valid, two expiring soon (PLACE and its
  six months, Diapason), SATURNE expired last month and not renewed, Chorus Pro with a
  reserve past due. ORME and PLEIADE, in progress in 2017, were decided in 2018; CRISTAL,
  refused in 2017, was accepted in 2018.
- **Decommissioning**: the 2017 plan was carried out, each application switched off on its
  planned day with its interfaces, except two re-planned in the coming months and one
  still running past its date (late); Chorus DT's end of service was pushed back; the
  progress contracts keep their targets.

Deterministic for a given day: the same demo directory written twice the same day is the same.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

from vigie.catalog.homologation import WARNING_MONTHS, add_months, expiry
from vigie.catalog.loader import load_catalog, write_csv
from vigie.catalog.model import (
    Application,
    Catalog,
    Decision,
    DossierProgress,
    Homologation,
    Interface,
    Lifecycle,
    Phase,
    Reserve,
)

HISTORY_END = date(2017, 12, 31)
"""The day the bundled catalog reads as of: nothing on or before it changes."""

# What each 2017 record's family comes to today: days from today to the last record's end.
EXPIRED = "saturne"
EXPIRING = {"place": 40, "diapason": 75}
OVERDUE_RESERVE = "chorus-pro"
# Decided in 2018: the dossiers in progress, the refusal reconsidered.
DECIDED_2018 = {"orme": date(2018, 1, 23), "pleiade": date(2018, 3, 15), "cristal": date(2018, 5, 22)}
RENEWAL_LEAD_DAYS = 30
"""A renewal commission sits this long before the record it renews expires."""

# Decommissioning since 2017: re-planned (months from today) and still running late.
# Chorus DT's end of service (2019 in 2017) was pushed back: it still runs in the demo.
REPLANNED = {"documentation-01": 4, "equipements-06": 10, "chorus-dt": 30}
LATE = "finances-45"


def write_demo_catalog(bundled: Path, target: Path, today: date) -> Path:
    """Write the catalog as of ``today`` into ``target`` (a folder); returns it."""
    write_csv(catalog_as_of(load_catalog(bundled), today), target)
    return target


def catalog_as_of(catalog: Catalog, today: date) -> Catalog:
    """The 2017 catalog with its homologations and decommissioning carried on to ``today``."""
    applications, interfaces = _decommissioning(catalog, today)
    return replace(
        catalog,
        applications=applications,
        interfaces=interfaces,
        homologations=_homologations(catalog, today),
    )


def _homologations(catalog: Catalog, today: date) -> dict[str, Homologation]:
    records = dict(catalog.homologations)
    for record in list(records.values()):
        apps = record.applications
        key = apps[0]
        if key in DECIDED_2018:
            first = _decided_2018(record, DECIDED_2018[key])
            records[first.id] = first
            record = first
        elif record.progress is not DossierProgress.DECIDED or record.decision is None:
            continue
        if any(_switched_off(catalog, app, today) for app in apps):
            continue  # it leaves the register: nothing to renew
        for renewal in _renewals(record, today):
            records[renewal.id] = renewal
    return records


def _decided_2018(record: Homologation, day: date) -> Homologation:
    """The 2017 dossier decided (a new record when 2017 had a decision, e.g. a refusal)."""
    decided = replace(
        record,
        progress=DossierProgress.DECIDED,
        commission_on=day,
        decision=Decision.FAVOURABLE,
        validity_months=record.validity_months or 24,
        documents=("analyse-de-risques.pdf", "dossier-homologation.pdf"),
    )
    if record.decision is None:
        return decided
    return replace(decided, id=f"hom-{day.isoformat()}-{record.applications[0]}", reserves=())


def _renewals(record: Homologation, today: date) -> list[Homologation]:
    """The records renewing ``record`` after 2017, the last one ending where the family's
    fate today puts it; each commission a month before the previous record expires."""
    key = record.applications[0]
    months = record.validity_months if record.validity_months in WARNING_MONTHS else 24
    warning = WARNING_MONTHS[months]
    if key == EXPIRED:
        last_end = today - timedelta(days=45)
    elif key in EXPIRING:
        last_end = today + timedelta(days=EXPIRING[key])
    else:
        # Valid: past the middle of its validity, well before its warning window.
        last_end = add_months(today, warning + 1 + _spread(key, months - warning - 2))
    chain = [add_months(last_end, -months)]
    previous_end = expiry(record) or HISTORY_END
    while True:
        earlier = add_months(chain[0] + timedelta(days=RENEWAL_LEAD_DAYS), -months)
        if earlier <= max(previous_end - timedelta(days=RENEWAL_LEAD_DAYS), HISTORY_END):
            break
        chain.insert(0, earlier)
    out = []
    for index, commission in enumerate(chain):
        if commission <= HISTORY_END:
            continue
        last = index == len(chain) - 1
        reserves = _reserves(key, commission, today) if last else ()
        out.append(
            replace(
                record,
                id=f"hom-{commission.isoformat()}-{key}",
                progress=DossierProgress.DECIDED,
                commission_on=commission,
                decision=Decision.WITH_RESERVES if reserves else Decision.FAVOURABLE,
                validity_months=months,
                until=None,
                expires_on=None,
                reserves=reserves,
                documents=("analyse-de-risques.pdf", "dossier-homologation.pdf"),
            )
        )
    return out


def _reserves(key: str, commission: date, today: date) -> tuple[Reserve, ...]:
    """The last record's reserves: Chorus Pro's, one closed, one past due."""
    if key != OVERDUE_RESERVE:
        return ()
    return (
        Reserve(
            "Auditer le code des API exposées", "AIFE / Chorus Pro", commission + timedelta(days=60), True
        ),
        Reserve(
            "Chiffrer les sauvegardes hors site",
            "AIFE / exploitation",
            max(commission + timedelta(days=30), today - timedelta(days=25)),
            False,
        ),
    )


def _spread(key: str, span: int) -> int:
    """A stable number of months in ``[0, span]`` per application (renewals out of step)."""
    return sum(map(ord, key)) % (max(span, 0) + 1)


def _switched_off(catalog: Catalog, app_id: str, today: date) -> bool:
    app = catalog.applications.get(app_id)
    if app is None or app.id in REPLANNED or app.id == LATE:
        return False
    life = app.lifecycle
    return life.phase in (Phase.PHASE_OUT, Phase.DECOMMISSIONED) and (
        life.decommission_on is not None and life.decommission_on <= today
    )


def _decommissioning(catalog: Catalog, today: date) -> tuple[dict[str, Application], dict[str, Interface]]:
    """Applications switched off on their planned day (interfaces with them), two re-planned,
    one late."""
    apps = dict(catalog.applications)
    switched: dict[str, date] = {}
    for app in catalog.applications.values():
        life = app.lifecycle
        if life.phase is Phase.DECOMMISSIONED or life.decommission_on is None:
            continue
        if app.id in REPLANNED:
            apps[app.id] = replace(
                app, lifecycle=replace(life, decommission_on=add_months(today, REPLANNED[app.id]))
            )
        elif life.phase is Phase.PHASE_OUT and app.id != LATE and life.decommission_on <= today:
            apps[app.id] = replace(app, lifecycle=replace(life, phase=Phase.DECOMMISSIONED))
            switched[app.id] = life.decommission_on
    interfaces = dict(catalog.interfaces)
    for interface in catalog.interfaces.values():
        ends = [switched[e] for e in (interface.source, interface.target) if e in switched]
        life = interface.lifecycle
        if not ends or (life.phase is Phase.DECOMMISSIONED and life.decommission_on is not None):
            continue
        day = min(ends)
        if life.decommission_on is not None and life.decommission_on < day:
            # Its own planned end, if earlier, but never inside 2017 (the report's view).
            day = max(life.decommission_on, HISTORY_END + timedelta(days=1))
        interfaces[interface.id] = replace(
            interface,
            lifecycle=Lifecycle(
                Phase.DECOMMISSIONED, life.phase_in_on, life.active_on, life.phase_out_on or day, day, None
            ),
        )
    return apps, interfaces
