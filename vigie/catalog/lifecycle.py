"""Decommissioning ("décommissionnement"): progress, burn-down and integrity, as of a date.

Pure functions over a :class:`~vigie.catalog.model.Catalog`; no I/O.

Rules (also in docs/reference.md):

- By ministry means by top-level ministry: a directorate's applications (DGFiP, préfectures)
  count for its ministry (Finances, Intérieur), which signs the progress contract.
- An application is **in scope** when it is phased out ("en extinction") or decommissioned,
  has a decommissioning date, or is listed in its ministry's progress contract.
- ``decommission_on`` is the planned date until the phase is ``decommissioned``, then the
  actual date. As of a day, an in-scope application is **switched off** (decommissioned on
  or before that day), **planned** (date today or ahead), **late** (date passed, still
  running) or **unscheduled** (no date yet).
- The burn-down counts, at each month's end, the in-scope applications still running
  (actual, up to the day asked about) and those that should be, by their dates (plan).
- Integrity: every live interface touching an application being retired must be removed,
  or rerouted to the replacement when the other side stays in service, before the
  extinction date; a live application still wired to a switched-off one is an error.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from vigie.catalog.homologation import add_months, interface_is_live, is_decommissioned
from vigie.catalog.model import Application, Catalog, Phase, ProgressContract


class DecomState(StrEnum):
    """Where an in-scope application stands on a date."""

    SWITCHED_OFF = "switched-off"
    LATE = "late"
    PLANNED = "planned"
    UNSCHEDULED = "unscheduled"


GROUPINGS = ("ministry", "domain")


def contracted_applications(catalog: Catalog) -> dict[str, ProgressContract]:
    """Each application listed in a progress contract, with that contract."""
    return {
        app: contract for contract in catalog.progress_contracts.values() for app in contract.applications
    }


def in_scope(app: Application, contracted: Iterable[str] = ()) -> bool:
    """True when the application is being (or has been) decommissioned."""
    life = app.lifecycle
    return (
        life.phase in (Phase.PHASE_OUT, Phase.DECOMMISSIONED)
        or life.decommission_on is not None
        or app.id in contracted
    )


def decom_state(app: Application, as_of: date) -> DecomState:
    """The state of an in-scope application on ``as_of``."""
    if is_decommissioned(app, as_of):
        return DecomState.SWITCHED_OFF
    planned = app.lifecycle.decommission_on
    if planned is None:
        return DecomState.UNSCHEDULED
    # A decommissioned application's date is its actual one: it was on plan before that day.
    if app.lifecycle.phase is not Phase.DECOMMISSIONED and planned < as_of:
        return DecomState.LATE
    return DecomState.PLANNED


def is_retiring(app: Application, as_of: date) -> bool:
    """True when the application is phased out or switched off on ``as_of``."""
    life = app.lifecycle
    if is_decommissioned(app, as_of):
        return True
    return life.phase in (Phase.PHASE_OUT, Phase.DECOMMISSIONED) and (
        life.phase_out_on is None or life.phase_out_on <= as_of
    )


@dataclass(frozen=True)
class GroupProgress:
    """Decommissioning progress of one ministry or domain."""

    key: str
    total: int
    counts: dict[DecomState, int]
    late: tuple[str, ...]  # ids of the late applications
    contract: ProgressContract | None = None
    contract_done: int = 0  # contract applications switched off
    contract_late: bool = False  # the contract's target date passed with applications still running

    @property
    def ratio(self) -> float:
        """Share of in-scope applications switched off (0 when there are none)."""
        return self.counts[DecomState.SWITCHED_OFF] / self.total if self.total else 0.0

    def to_json(self) -> dict[str, object]:
        """A JSON-ready dict."""
        contract = self.contract
        return {
            "key": self.key,
            "total": self.total,
            **{state.value.replace("-", "_"): self.counts[state] for state in DecomState},
            "ratio": self.ratio,
            "late_applications": list(self.late),
            "contract": None
            if contract is None
            else {
                "id": contract.id,
                "reference": contract.reference,
                "signed_on": _iso(contract.signed_on),
                "target_on": _iso(contract.target_on),
                "applications": len(contract.applications),
                "switched_off": self.contract_done,
                "earlier_switched_off": contract.earlier_switched_off,
                "late": self.contract_late,
            },
        }


def _iso(day: date | None) -> str | None:
    return None if day is None else day.isoformat()


def scope(catalog: Catalog) -> list[Application]:
    """The in-scope applications, by id."""
    contracted = contracted_applications(catalog)
    return sorted((a for a in catalog.applications.values() if in_scope(a, contracted)), key=lambda a: a.id)


def ministry_root(catalog: Catalog, ministry: str) -> str:
    """The top-level ministry a directorate or service belongs to (itself when it has no parent)."""
    seen = {ministry}
    current = catalog.ministries.get(ministry)
    while current is not None and current.parent is not None and current.parent not in seen:
        seen.add(current.parent)
        ministry = current.parent
        current = catalog.ministries.get(ministry)
    return ministry


def progress(catalog: Catalog, as_of: date, by: str = "ministry") -> list[GroupProgress]:
    """Progress per top-level ministry (with its contract) or per domain, lowest ratio first."""
    if by not in GROUPINGS:
        raise ValueError(f"unknown grouping '{by}' (choose from {', '.join(GROUPINGS)})")
    key: Callable[[Application], str] = (
        (lambda a: ministry_root(catalog, a.ministry)) if by == "ministry" else (lambda a: a.domain)
    )
    groups: dict[str, list[Application]] = {}
    for app in scope(catalog):
        groups.setdefault(key(app), []).append(app)
    contracts = (
        {ministry_root(catalog, c.ministry): c for c in catalog.progress_contracts.values()}
        if by == "ministry"
        else {}
    )
    for ministry in contracts:
        groups.setdefault(ministry, [])
    result = []
    for name, apps in groups.items():
        states = {a.id: decom_state(a, as_of) for a in apps}
        counts = dict.fromkeys(DecomState, 0)
        for state in states.values():
            counts[state] += 1
        contract = contracts.get(name)
        done = 0
        contract_late = False
        if contract is not None:
            done = sum(
                1
                for a in contract.applications
                if a in catalog.applications and is_decommissioned(catalog.applications[a], as_of)
            )
            contract_late = (
                contract.target_on is not None
                and contract.target_on < as_of
                and done < len(contract.applications)
            )
        result.append(
            GroupProgress(
                key=name,
                total=len(apps),
                counts=counts,
                late=tuple(a for a, s in states.items() if s is DecomState.LATE),
                contract=contract,
                contract_done=done,
                contract_late=contract_late,
            )
        )
    result.sort(key=lambda g: (g.ratio, -g.counts[DecomState.LATE], g.key))
    return result


def earlier_switched_off(catalog: Catalog) -> int:
    """Applications the progress contracts switched off before the catalog listed them."""
    return sum(c.earlier_switched_off for c in catalog.progress_contracts.values())


def overall(catalog: Catalog, as_of: date) -> GroupProgress:
    """Progress over the whole catalog."""
    apps = scope(catalog)
    counts = dict.fromkeys(DecomState, 0)
    late = []
    for app in apps:
        state = decom_state(app, as_of)
        counts[state] += 1
        if state is DecomState.LATE:
            late.append(app.id)
    return GroupProgress(key="*", total=len(apps), counts=counts, late=tuple(late))


@dataclass(frozen=True)
class BurnDownPoint:
    """One month of the burn-down: applications still running at the month's end."""

    month: str  # YYYY-MM
    month_end: date
    remaining_planned: int  # by the dates in the catalog
    remaining_actual: int | None  # None for months after the day asked about
    switched_off: int | None  # cumulated; None for months after the day asked about

    def to_json(self) -> dict[str, object]:
        """A JSON-ready dict."""
        return {
            "month": self.month,
            "remaining_planned": self.remaining_planned,
            "remaining_actual": self.remaining_actual,
            "switched_off": self.switched_off,
        }


def month_end(day: date) -> date:
    """The last day of ``day``'s month."""
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def burn_down(
    catalog: Catalog, as_of: date, start: date | None = None, end: date | None = None
) -> list[BurnDownPoint]:
    """Monthly burn-down from ``start`` (default: the first decommissioning date) to ``end``.

    ``end`` defaults to the later of ``as_of`` and the last planned date; months after
    ``as_of`` carry the plan only.
    """
    apps = scope(catalog)
    dates = [a.lifecycle.decommission_on for a in apps if a.lifecycle.decommission_on is not None]
    if not apps:
        return []
    first = start or min(dates, default=as_of)
    last = end or max([as_of, *dates])
    points = []
    month = first.replace(day=1)
    while month <= last:
        close = month_end(month)
        planned_done = sum(
            1
            for a in apps
            if a.lifecycle.decommission_on is not None and a.lifecycle.decommission_on <= close
        )
        # The month holding ``as_of`` is counted up to that day, later months not at all.
        done = sum(1 for a in apps if is_decommissioned(a, min(close, as_of))) if month <= as_of else None
        points.append(
            BurnDownPoint(
                month=f"{month.year:04d}-{month.month:02d}",
                month_end=close,
                remaining_planned=len(apps) - planned_done,
                remaining_actual=None if done is None else len(apps) - done,
                switched_off=done,
            )
        )
        month = add_months(month, 1)
    return points


class FindingKind(StrEnum):
    """What an integrity finding is about."""

    WIRED_TO_SWITCHED_OFF = "wired-to-switched-off"  # a live application still linked to a switched-off one
    WIRED_TO_PHASE_OUT = "wired-to-phase-out"  # a live application linked to one in extinction
    BETWEEN_RETIRING = "between-retiring"  # both ends are being retired: remove with them


@dataclass(frozen=True)
class Finding:
    """A live interface that must go, or be rerouted, before (or since) an extinction date."""

    kind: FindingKind
    interface: str
    retiring: str  # the application being retired
    counterpart: str  # the other end
    deadline: date | None  # the retiring application's (planned or actual) decommissioning date
    action: str  # "reroute" (to ``replacement``) or "remove"
    replacement: str | None
    overdue: bool  # the deadline has passed

    def to_json(self) -> dict[str, object]:
        """A JSON-ready dict."""
        return {
            "kind": self.kind.value,
            "interface": self.interface,
            "retiring": self.retiring,
            "counterpart": self.counterpart,
            "deadline": _iso(self.deadline),
            "action": self.action,
            "replacement": self.replacement,
            "overdue": self.overdue,
        }


def integrity(catalog: Catalog, as_of: date) -> list[Finding]:
    """Live interfaces touching a retiring application, errors first then by deadline."""
    apps = catalog.applications
    findings = []
    for interface in catalog.interfaces.values():
        if not interface_is_live(interface, as_of):
            continue
        ends = [apps[e] for e in (interface.source, interface.target) if e in apps]
        retiring = [a for a in ends if is_retiring(a, as_of)]
        if len(ends) < 2 or not retiring:
            continue
        if len(retiring) == 2:
            first = min(retiring, key=lambda a: (a.lifecycle.decommission_on or date.max, a.id))
            other = retiring[1] if first is retiring[0] else retiring[0]
            findings.append(_finding(FindingKind.BETWEEN_RETIRING, interface.id, first, other, as_of))
            continue
        old = retiring[0]
        live = ends[1] if old is ends[0] else ends[0]
        kind = (
            FindingKind.WIRED_TO_SWITCHED_OFF
            if is_decommissioned(old, as_of)
            else FindingKind.WIRED_TO_PHASE_OUT
        )
        findings.append(_finding(kind, interface.id, old, live, as_of))
    order = list(FindingKind)
    findings.sort(key=lambda f: (order.index(f.kind), f.deadline or date.max, f.interface))
    return findings


def _finding(kind: FindingKind, interface: str, old: Application, other: Application, as_of: date) -> Finding:
    deadline = old.lifecycle.decommission_on
    replacement = old.lifecycle.replaced_by
    reroute = kind is not FindingKind.BETWEEN_RETIRING and replacement is not None and replacement != other.id
    return Finding(
        kind=kind,
        interface=interface,
        retiring=old.id,
        counterpart=other.id,
        deadline=deadline,
        action="reroute" if reroute else "remove",
        replacement=replacement if reroute else None,
        overdue=kind is FindingKind.WIRED_TO_SWITCHED_OFF or (deadline is not None and deadline < as_of),
    )
