"""What the CLI and the console share about alerts: the backend the configuration names
(Alertmanager, else the built-in notifier), the firing alerts with what is done about them,
acknowledging one, and who is acting.

Every failure is a :class:`~vigie.console.errors.UserError` (one line, exit 2): an
Alertmanager that does not answer, an unknown or resolved alert, a silence without a
comment or an end.
"""

from __future__ import annotations

import getpass
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from vigie.console.errors import UserError
from vigie.console.settings import Settings
from vigie.probes.oncall import acks
from vigie.probes.oncall.acks import Disposition, OnCallError
from vigie.probes.oncall.alertmanager import AlertmanagerError
from vigie.probes.oncall.backend import Backend, open_backend
from vigie.probes.oncall.model import AlertView, Silence
from vigie.probes.oncall.service import STATUS
from vigie.probes.oncall.store import DeliveryStatus, OnCallStore
from vigie.probes.tickets.incidents import PENDING, IncidentTicketStore


def operator(explicit: str | None = None) -> str:
    """Who is acting: ``--by``, else ``$VIGIE_OPERATOR``, else the login name."""
    if explicit and explicit.strip():
        return explicit.strip()
    name = os.environ.get("VIGIE_OPERATOR", "").strip()
    if name:
        return name
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


@contextmanager
def session(settings: Settings) -> Iterator[tuple[Backend, OnCallStore]]:
    """The configured backend and the local on-call tables (the audit lives there whatever
    the backend); a refusal of either is a UserError."""
    store = OnCallStore(settings.store_path(), settings.probes.store.busy_timeout)
    backend = open_backend(settings.probes.alerts, store)
    try:
        yield backend, store
    except (AlertmanagerError, OnCallError) as exc:
        raise UserError(str(exc)) from None
    finally:
        backend.close()
        store.close()


@dataclass(frozen=True)
class IncidentLink:
    """The ticket of a component's ongoing incident: its number once opened, or pending."""

    ticket: str | None
    pending: bool


def incident_links(settings: Settings, now: float) -> dict[str, IncidentLink]:
    """The tickets of ongoing incidents, by component."""
    with IncidentTicketStore(settings.store_path(), settings.probes.store.busy_timeout) as store:
        links = store.links(since=now)
    return {k.component: IncidentLink(k.ticket, k.state == PENDING) for k in links if k.ended_at is None}


@dataclass(frozen=True)
class AlertLine:
    """A firing alert, what is done about it, and the ticket it is linked to (the
    acknowledgement's, else the incident's)."""

    alert: AlertView
    disposition: Disposition
    ticket: str | None
    ticket_pending: bool = False

    @property
    def short_id(self) -> str:
        """The first digits of its id, enough to name it (``vigie alerts ack``)."""
        return self.alert.fingerprint[:8]


@dataclass(frozen=True)
class AlertsReading:
    """The alerts firing now, where they were read, and how the daemon's deliveries go."""

    lines: tuple[AlertLine, ...]
    backend: str
    where: str
    delivery: DeliveryStatus | None


def read_alerts(settings: Settings, now: float | None = None) -> AlertsReading:
    """The firing alerts, open ones first, then by start."""
    now = time.time() if now is None else now
    links = incident_links(settings, now)
    with session(settings) as (backend, store):
        alerts = backend.alerts(now)
        silences = backend.silences()
        delivery = store.status(STATUS) if backend.name == "alertmanager" else None
        where = backend.where
    lines = []
    for alert in alerts:
        disposition = acks.disposition(alert, silences)
        ack = disposition.silence.ack if disposition.silence is not None else None
        link = links.get(alert.labels.get("component", ""))
        ticket = ack.ticket if ack is not None and ack.ticket else (link.ticket if link else None)
        lines.append(AlertLine(alert, disposition, ticket, bool(link and link.pending and not ticket)))
    order = {"open": 0, "acknowledged": 1, "silenced": 2, "inhibited": 3}
    lines.sort(key=lambda line: (order[line.disposition.kind], line.alert.starts_at))
    return AlertsReading(tuple(lines), backend.name, where, delivery)


def acknowledge(
    settings: Settings,
    ident: str,
    *,
    by: str,
    text: str,
    ticket: str | None = None,
    duration: float | None = None,
    now: float | None = None,
) -> tuple[AlertView, Silence]:
    """Acknowledge the firing alert whose id starts with ``ident``. Without ``ticket``, the
    ticket of the component's ongoing incident (when one was opened) goes in the comment."""
    now = time.time() if now is None else now
    with session(settings) as (backend, store):
        alert = acks.find_alert(backend.alerts(now), ident, store.alerts(now, firing_only=False))
        if ticket is None:
            link = incident_links(settings, now).get(alert.labels.get("component", ""))
            ticket = link.ticket if link is not None else None
        silence = acks.acknowledge(
            backend,
            store,
            alert,
            by=by,
            text=text,
            ticket=ticket,
            duration=settings.probes.alerts.ack_for if duration is None else duration,
            now=now,
        )
    return alert, silence
