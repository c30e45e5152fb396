"""The homologation register: expiry, status as of a date, urgency, reserves, personal data.

Pure functions over a :class:`~vigie.catalog.model.Catalog`; no I/O.

Rules (also in docs/reference.md):

- ``expires_on`` is the **last day** a homologation is valid. When the record does not store
  it, it is the commission date plus the validity in calendar months (clamped to the end of
  a shorter month: 31 August + 6 months = 28 or 29 February), or ``until`` for a
  homologation granted until the end of the application's service (Chorus DT: 2019-12-31).
- "Expiring soon" starts 2, 2, 4 or 6 months before ``expires_on`` for a 6, 12, 24 or
  36-month validity. For an ``until`` homologation (or a stored expiry without validity)
  the window is the one of the shortest standard validity at least as long as the span
  from the commission to the expiry (6 months when the span is unknown or longer than
  36 months): a long grant gets the long notice.
- A record is "in progress" until its dossier is decided with a decision on a commission
  date on or before the day asked about; an unfavourable decision is "refused".
- An application's status is that of its latest decided record; with none, "in progress"
  when a dossier is open, else "not done". Decommissioned applications leave the register.
- The register tracks the central system's applications (``core``) and those a record
  covers; the rest of the catalog on request.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from vigie.catalog.model import (
    Application,
    Catalog,
    Criticality,
    Decision,
    DossierProgress,
    Homologation,
    Interface,
    Phase,
    Reserve,
)
from vigie.kernel.text.language import Language
from vigie.kernel.text.messages import LANGUAGES

STANDARD_VALIDITIES = (6, 12, 24, 36)
# Months of notice before expiry, by validity length (the register's rule).
WARNING_MONTHS = {6: 2, 12: 2, 24: 4, 36: 6}


class Status(StrEnum):
    """An application's (or a record's) homologation status as of a date."""

    EXPIRED = "expired"
    REFUSED = "refused"
    EXPIRING = "expiring"
    NOT_DONE = "not-done"
    IN_PROGRESS = "in-progress"
    VALID = "valid"


# Most urgent first: running without a valid homologation, then soon without one.
URGENCY = {status: rank for rank, status in enumerate(Status)}

_CRITICALITY_RANK = {Criticality.CRITICAL: 0, Criticality.HIGH: 1, Criticality.MEDIUM: 2, Criticality.LOW: 3}


def parse_status(text: str) -> Status:
    """A status from its code or its French/English label; ValueError names the choices."""
    wanted = text.strip().casefold()
    for status in Status:
        names = {
            status.value,
            *(Language(code).label("catalog.status", status).casefold() for code in LANGUAGES),
        }
        if wanted in names:
            return status
    raise ValueError(f"unknown status '{text}' (choose from {', '.join(s.value for s in Status)})")


def add_months(day: date, months: int) -> date:
    """``day`` moved by ``months`` calendar months, clamped to the end of a shorter month."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def expiry(record: Homologation) -> date | None:
    """The last day ``record`` is valid: stored, else derived; None when it grants nothing."""
    if record.decision is Decision.UNFAVOURABLE:
        return None
    if record.expires_on is not None:
        return record.expires_on
    if record.until is not None:
        return record.until
    if record.commission_on is not None and record.validity_months is not None:
        return add_months(record.commission_on, record.validity_months)
    return None


def warning_months(record: Homologation) -> int:
    """How many months before expiry the record is "expiring soon" (see the module rules)."""
    if record.validity_months in WARNING_MONTHS:
        return WARNING_MONTHS[record.validity_months]
    end = expiry(record)
    if record.commission_on is None or end is None:
        return WARNING_MONTHS[36]
    for months in STANDARD_VALIDITIES:
        if end <= add_months(record.commission_on, months):
            return WARNING_MONTHS[months]
    return WARNING_MONTHS[36]


def warning_starts(record: Homologation) -> date | None:
    """First day of the "expiring soon" window, or None when nothing expires."""
    end = expiry(record)
    return None if end is None else add_months(end, -warning_months(record))


def is_decided(record: Homologation, as_of: date) -> bool:
    """True when the record carries a decision taken on or before ``as_of``."""
    return (
        record.progress is DossierProgress.DECIDED
        and record.decision is not None
        and (record.commission_on is None or record.commission_on <= as_of)
    )


def record_status(record: Homologation, as_of: date) -> Status:
    """The status ``record`` gives its applications on ``as_of``."""
    if not is_decided(record, as_of):
        return Status.IN_PROGRESS
    if record.decision is Decision.UNFAVOURABLE:
        return Status.REFUSED
    end = expiry(record)
    if end is None:
        return Status.VALID
    if as_of > end:
        return Status.EXPIRED
    start = warning_starts(record)
    if start is not None and as_of >= start:
        return Status.EXPIRING
    return Status.VALID


def overdue_reserves(record: Homologation, as_of: date) -> tuple[Reserve, ...]:
    """Open reserves whose due date has passed on ``as_of``."""
    return tuple(r for r in record.reserves if not r.closed and r.due_on is not None and r.due_on < as_of)


def open_reserves(record: Homologation) -> tuple[Reserve, ...]:
    """Reserves not yet closed."""
    return tuple(r for r in record.reserves if not r.closed)


def is_decommissioned(app: Application, as_of: date) -> bool:
    """True when the application is switched off on ``as_of``."""
    life = app.lifecycle
    return life.phase is Phase.DECOMMISSIONED and (
        life.decommission_on is None or life.decommission_on <= as_of
    )


def interface_is_live(interface: Interface, as_of: date) -> bool:
    """True when the interface still runs on ``as_of`` (not yet decommissioned)."""
    life = interface.lifecycle
    return not (
        life.phase is Phase.DECOMMISSIONED and (life.decommission_on is None or life.decommission_on <= as_of)
    )


def personal_data_flows(catalog: Catalog, as_of: date) -> dict[str, tuple[Interface, ...]]:
    """For each application, the live interfaces to or from it that carry personal data (RGPD)."""
    flows: dict[str, list[Interface]] = {}
    for interface in sorted(catalog.interfaces.values(), key=lambda i: i.id):
        if interface.personal_data and interface_is_live(interface, as_of):
            for end in dict.fromkeys((interface.source, interface.target)):
                flows.setdefault(end, []).append(interface)
    return {app: tuple(items) for app, items in flows.items()}


@dataclass(frozen=True)
class RegisterEntry:
    """One application's line in the register as of a date."""

    application: Application
    status: Status
    record: Homologation | None  # the record that sets the status (latest decided, else the open dossier)
    expires_on: date | None
    warning_from: date | None
    days_left: int | None  # days until the end of validity (negative once expired)
    pending: Homologation | None  # an open dossier (renewal) next to the deciding record
    open_reserves: tuple[Reserve, ...]
    overdue_reserves: tuple[Reserve, ...]
    personal_data: bool  # the application processes personal data
    personal_data_flows: tuple[Interface, ...]

    def to_json(self, language: str = "fr") -> dict[str, object]:
        """A JSON-ready dict (dates as ISO strings)."""
        record = self.record
        return {
            "application": self.application.id,
            "name": self.application.name,
            "ministry": self.application.ministry,
            "domain": self.application.domain,
            "criticality": self.application.criticality.value,
            "status": self.status.value,
            "label": Language(language).label("catalog.status", self.status),
            "homologation": None if record is None else record.id,
            "authority": None if record is None else record.authority,
            "progress": None if record is None else record.progress.value,
            "decision": None if record is None or record.decision is None else record.decision.value,
            "commission_on": _iso(None if record is None else record.commission_on),
            "validity_months": None if record is None else record.validity_months,
            "until": _iso(None if record is None else record.until),
            "expires_on": _iso(self.expires_on),
            "warning_from": _iso(self.warning_from),
            "days_left": self.days_left,
            "pending": None if self.pending is None else self.pending.id,
            "documents": [] if record is None else list(record.documents),
            "reserves": [] if record is None else [_reserve_json(r, self) for r in record.reserves],
            "open_reserves": len(self.open_reserves),
            "overdue_reserves": len(self.overdue_reserves),
            "personal_data": self.personal_data,
            "personal_data_flows": [
                {"interface": i.id, "source": i.source, "target": i.target, "protocol": i.protocol.value}
                for i in self.personal_data_flows
            ],
        }


def _iso(day: date | None) -> str | None:
    return None if day is None else day.isoformat()


def _reserve_json(reserve: Reserve, entry: RegisterEntry) -> dict[str, object]:
    return {
        "text": reserve.text,
        "owner": reserve.owner,
        "due_on": _iso(reserve.due_on),
        "closed": reserve.closed,
        "overdue": reserve in entry.overdue_reserves,
    }


def records_by_application(catalog: Catalog) -> dict[str, list[Homologation]]:
    """Every record covering each application (a record may cover several)."""
    index: dict[str, list[Homologation]] = {}
    for record in catalog.homologations.values():
        for app in record.applications:
            index.setdefault(app, []).append(record)
    return index


def entry_for(
    app: Application, records: Iterable[Homologation], flows: tuple[Interface, ...], as_of: date
) -> RegisterEntry:
    """The register line of ``app`` given the records covering it and its personal-data flows."""
    records = list(records)
    decided = [r for r in records if is_decided(r, as_of)]
    # Latest decision wins; a record id breaks ties so the result never depends on file order.
    current = max(decided, key=lambda r: (r.commission_on or date.min, r.id), default=None)
    pending = [r for r in records if not is_decided(r, as_of)]
    open_dossier = min(pending, key=lambda r: r.id, default=None)
    if current is not None:
        status = record_status(current, as_of)
    elif open_dossier is not None:
        status = Status.IN_PROGRESS
    else:
        status = Status.NOT_DONE
    record = current if current is not None else open_dossier
    end = None if current is None else expiry(current)
    return RegisterEntry(
        application=app,
        status=status,
        record=record,
        expires_on=end,
        warning_from=None if current is None else warning_starts(current),
        days_left=None if end is None or status is Status.REFUSED else (end - as_of).days,
        pending=open_dossier if current is not None else None,
        open_reserves=() if current is None else open_reserves(current),
        overdue_reserves=() if current is None else overdue_reserves(current, as_of),
        personal_data=app.personal_data,
        personal_data_flows=flows,
    )


def urgency_key(entry: RegisterEntry) -> tuple[int, date, int, int, str]:
    """Sort key, most urgent first: status rank, soonest expiry, overdue reserves, criticality."""
    return (
        URGENCY[entry.status],
        entry.expires_on or date.max,
        -len(entry.overdue_reserves),
        _CRITICALITY_RANK[entry.application.criticality],
        entry.application.id,
    )


def register(catalog: Catalog, as_of: date, everything: bool = False) -> list[RegisterEntry]:
    """The register on ``as_of``, most urgent first.

    It covers the applications in service that the register tracks: the central system's
    own (``core``) and every application some record covers; ``everything`` adds the rest
    of the catalog (ministries' applications, homologated by their own authority, show as
    not done).
    """
    index = records_by_application(catalog)
    flows = personal_data_flows(catalog, as_of)
    entries = [
        entry_for(app, index.get(app.id, ()), flows.get(app.id, ()), as_of)
        for app in catalog.applications.values()
        if not is_decommissioned(app, as_of) and (everything or app.core or app.id in index)
    ]
    entries.sort(key=urgency_key)
    return entries


def status_counts(entries: Iterable[RegisterEntry]) -> dict[Status, int]:
    """How many applications are in each status (every status present, zero included)."""
    counts = dict.fromkeys(Status, 0)
    for entry in entries:
        counts[entry.status] += 1
    return counts


def needs_attention(entry: RegisterEntry) -> bool:
    """True for what `vigie homologations --check` reports: expired or expiring soon."""
    return entry.status in (Status.EXPIRED, Status.EXPIRING)
