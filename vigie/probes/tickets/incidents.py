"""GLPI tickets opened from incidents, and the table that links them (owner ``incident_tickets``).

An incident (a component down, from the first confirmed failure) that lasts past the
component's ``ticket_after`` (else ``[tickets.open] after``) opens an incident ticket in
GLPI with the incident's timeline in its description; its end adds a follow-up. GLPI
unreachable (or refusing) is retried every ``[tickets.open] retry_every``: meanwhile the
incident's ticket is *pending* (``vigie incidents`` says "ticket en attente"). The table
keeps, per incident (component, start), the ticket number, its state and the last error, so
a restarted daemon carries on where it was.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import sqlite_utils

from vigie.accounting.results import Status
from vigie.accounting.state import Transition
from vigie.kernel.text.language import Language
from vigie.probes.background import Background
from vigie.probes.config import ProbesConfig
from vigie.probes.db import OwnedTables, write_transaction
from vigie.probes.secrets import SecretError
from vigie.probes.tickets.config import TicketOpening, TicketsConfig

if TYPE_CHECKING:
    from vigie.probes.tickets.glpi import GlpiClient

log = logging.getLogger("vigie.tickets")

PENDING, OPEN, CLOSED = "pending", "open", "closed"
"""A linked incident's ticket: not opened yet (GLPI to be tried again), opened, followed up
at the incident's end."""

SAME_START = 1.0
"""Seconds within which two starts are the same incident's (the live and the stored view)."""


def _v1_incident_tickets(db: sqlite_utils.Database) -> None:
    db.execute(
        """
        CREATE TABLE incident_tickets (
            component  TEXT NOT NULL,
            started_at REAL NOT NULL,
            ended_at   REAL,
            state      TEXT NOT NULL CHECK (state IN ('pending', 'open', 'closed')),
            ticket     TEXT,
            attempts   INTEGER NOT NULL DEFAULT 0,
            error      TEXT NOT NULL DEFAULT '',
            timeline   TEXT NOT NULL,
            updated_at REAL NOT NULL,
            PRIMARY KEY (component, started_at)
        )
        """
    )


MIGRATIONS = [_v1_incident_tickets]

Step = tuple[float, str, str]
"""One line of an incident's timeline: when, the state it went to, the probes' detail."""


@dataclass(frozen=True)
class IncidentTicket:
    """One incident's link to its ticket."""

    component: str
    started_at: float
    ended_at: float | None
    state: str
    ticket: str | None
    attempts: int = 0
    error: str = ""
    timeline: tuple[Step, ...] = ()


class IncidentTicketStore(OwnedTables):
    """Reads and writes ``incident_tickets`` (migrated under the owner ``incident_tickets``)."""

    OWNER = "incident_tickets"
    MIGRATIONS = MIGRATIONS

    def put(self, link: IncidentTicket, now: float) -> None:
        """Write one incident's link."""
        with write_transaction(self.db.conn):
            self.db.conn.execute(
                "INSERT INTO incident_tickets (component, started_at, ended_at, state, ticket, attempts, error, "
                "timeline, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (component, started_at) "
                "DO UPDATE SET ended_at = excluded.ended_at, state = excluded.state, ticket = excluded.ticket, "
                "attempts = excluded.attempts, error = excluded.error, timeline = excluded.timeline, "
                "updated_at = excluded.updated_at",
                (
                    link.component,
                    link.started_at,
                    link.ended_at,
                    link.state,
                    link.ticket,
                    link.attempts,
                    link.error,
                    json.dumps([list(s) for s in link.timeline]),
                    now,
                ),
            )

    def links(self, since: float | None = None, until: float | None = None) -> list[IncidentTicket]:
        """The links of incidents that started before ``until`` and had not ended by ``since``."""
        rows = self.db.conn.execute(
            "SELECT component, started_at, ended_at, state, ticket, attempts, error, timeline "
            "FROM incident_tickets WHERE started_at < ? AND coalesce(ended_at, 1e300) >= ? ORDER BY started_at",
            (until if until is not None else 1e300, since if since is not None else 0.0),
        ).fetchall()
        return [
            IncidentTicket(c, s, e, st, t, a, err, tuple((ts, state, d) for ts, state, d in json.loads(tl)))
            for c, s, e, st, t, a, err, tl in rows
        ]

    def unfinished(self) -> list[IncidentTicket]:
        """Links with work left: a ticket to open, or a follow-up to add."""
        return [
            link for link in self.links() if link.state == PENDING or (link.state == OPEN and link.ended_at)
        ]


def link_for(links: list[IncidentTicket], component: str, started_at: float) -> IncidentTicket | None:
    """The link of the incident of ``component`` that started at ``started_at``, if any."""
    return next(
        (k for k in links if k.component == component and abs(k.started_at - started_at) < SAME_START), None
    )


@dataclass
class _Ongoing:
    component: str
    started_at: float
    timeline: list[Step] = field(default_factory=list)
    ended_at: float | None = None


class IncidentTickets(Background):
    """Opens and follows up GLPI tickets for the daemon's incidents (its own thread)."""

    THREAD = "vigie-tickets"

    def __init__(
        self,
        probes: ProbesConfig,
        tickets: TicketsConfig,
        store_path: Path,
        lang: Language,
        *,
        clock: Callable[[], float] = time.time,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        assert tickets.open is not None and tickets.glpi is not None
        super().__init__()
        self.probes = probes
        self.opening: TicketOpening = tickets.open
        self.glpi = tickets.glpi
        self.store_path = store_path
        self.lang = lang
        self._clock = clock
        self._environ = environ
        self._components = {c.id: c for c in probes.components}
        self._ongoing: dict[str, _Ongoing] = {}
        self._ended: list[_Ongoing] = []
        self._tickets: dict[str, str] = {}
        self._lock = threading.Lock()
        self._first_pass = True

    # --- called from the daemon's threads ------------------------------------------------

    def on_transition(self, change: Transition) -> None:
        """A confirmed state change: an incident starts, goes on or ends."""
        with self._lock:
            ongoing = self._ongoing.get(change.component)
            if ongoing is None:
                if change.new is Status.DOWN:
                    self._ongoing[change.component] = _Ongoing(
                        change.component, change.ts, [(change.ts, str(change.new), change.detail)]
                    )
                return
            ongoing.timeline.append((change.ts, str(change.new), change.detail))
            if change.new not in (Status.DOWN, Status.UNKNOWN):
                ongoing.ended_at = change.ts
                self._ended.append(self._ongoing.pop(change.component))
                self._wake.set()

    def open_tickets(self) -> dict[str, str]:
        """The ticket of each component's ongoing incident, once opened."""
        with self._lock:
            return dict(self._tickets)

    # --- the thread ----------------------------------------------------------------------

    def _run(self) -> None:
        store = IncidentTicketStore(self.store_path, self.probes.store.busy_timeout)
        try:
            while not self._stop.is_set():
                self.run_pass(store, self._clock())
                self._wake.wait(self.opening.retry_every)
                self._wake.clear()
        finally:
            store.close()

    def threshold(self, component: str) -> float:
        """How long an incident of ``component`` lasts before it opens a ticket."""
        comp = self._components.get(component)
        return comp.ticket_after if comp is not None and comp.ticket_after is not None else self.opening.after

    def run_pass(self, store: IncidentTicketStore, now: float) -> None:
        """Record the incidents past their threshold, then open and follow up what is due."""
        with self._lock:
            ongoing = [replace(o, timeline=list(o.timeline)) for o in self._ongoing.values()]
            ended, self._ended = self._ended, []
        links = store.links()
        if self._first_pass:
            # Incidents left open by a previous run whose component is no longer down: they
            # ended while nobody watched, found now.
            self._first_pass = False
            down = {o.component for o in ongoing}
            for link in links:
                if link.ended_at is None and link.component not in down:
                    store.put(replace(link, ended_at=now), now)
            links = store.links()
        for incident in [*ongoing, *ended]:
            known = link_for(links, incident.component, incident.started_at)
            if known is not None:
                if known.ended_at != incident.ended_at or len(known.timeline) != len(incident.timeline):
                    store.put(
                        replace(known, ended_at=incident.ended_at, timeline=tuple(incident.timeline)), now
                    )
            elif (incident.ended_at or now) - incident.started_at >= self.threshold(incident.component):
                new = IncidentTicket(
                    incident.component, incident.started_at, incident.ended_at, PENDING, None,
                    timeline=tuple(incident.timeline),
                )  # fmt: skip
                store.put(new, now)
        work = store.unfinished()
        if work:
            self._work(store, work, now)
        opened = {
            link.component: link.ticket
            for link in store.links(since=now)
            if link.ticket and link.ended_at is None
        }
        with self._lock:
            self._tickets = opened

    def _work(self, store: IncidentTicketStore, work: list[IncidentTicket], now: float) -> None:
        # Imported when GLPI is called (requests with it): the console reads the links
        # through this module and starts without them.
        from vigie.probes.tickets.glpi import GlpiClient, GlpiError

        try:
            client = GlpiClient(self.glpi, self._environ)
            client.open()
        except (GlpiError, SecretError) as exc:
            for link in work:
                self._failed(store, link, str(exc), now)
            return
        try:
            for link in work:
                try:
                    self._advance(store, client, link, now)
                except GlpiError as exc:
                    self._failed(store, link, str(exc), now)
        finally:
            client.close()

    def _advance(
        self, store: IncidentTicketStore, client: GlpiClient, link: IncidentTicket, now: float
    ) -> None:
        if link.state == PENDING:
            comp = self._components.get(link.component)
            place = self.opening.place_of(link.component, comp.application if comp else None)
            name = comp.name if comp else link.component
            ticket = client.create_ticket(
                name=self.lang.t("probes.ticket.title", name=name),
                content=self._description(link, now),
                category_id=place.category_id,
                entity_id=place.entity_id,
                urgency=self.opening.urgency,
            )
            link = replace(link, state=OPEN, ticket=ticket, error="")
            store.put(link, now)
            log.info(json.dumps({"event": "ticket_opened", "component": link.component, "ticket": ticket}))
        if link.state == OPEN and link.ended_at is not None and link.ticket is not None:
            client.add_followup(link.ticket, self._followup(link))
            store.put(replace(link, state=CLOSED, error=""), now)
            log.info(
                json.dumps(
                    {"event": "ticket_followed_up", "component": link.component, "ticket": link.ticket}
                )
            )

    def _failed(self, store: IncidentTicketStore, link: IncidentTicket, reason: str, now: float) -> None:
        store.put(replace(link, attempts=link.attempts + 1, error=reason), now)
        if link.attempts:
            return  # said once; the table keeps the count and the last reason
        log.error(
            json.dumps(
                {
                    "event": "ticket_failed",
                    "component": link.component,
                    "attempt": link.attempts + 1,
                    "reason": reason,
                }
            )
        )

    def _when(self, ts: float) -> str:
        return self.lang.date_time(datetime.fromtimestamp(ts, self.probes.timezone))

    def _timeline(self, link: IncidentTicket) -> str:
        t = self.lang.t
        return "\n".join(
            t("probes.ticket.step", when=self._when(ts), state=t(f"state.{state}"), detail=detail)
            for ts, state, detail in link.timeline
        )

    def _description(self, link: IncidentTicket, now: float) -> str:
        comp = self._components.get(link.component)
        cause = link.timeline[0][2] if link.timeline else ""
        return self.lang.t(
            "probes.ticket.description",
            name=comp.name if comp else link.component,
            component=link.component,
            start=self._when(link.started_at),
            tz=self.probes.timezone.key,
            duration=self.lang.duration((link.ended_at or now) - link.started_at),
            cause=cause,
            timeline=self._timeline(link),
        )

    def _followup(self, link: IncidentTicket) -> str:
        assert link.ended_at is not None
        return self.lang.t(
            "probes.ticket.followup",
            end=self._when(link.ended_at),
            duration=self.lang.duration(link.ended_at - link.started_at),
            timeline=self._timeline(link),
        )
