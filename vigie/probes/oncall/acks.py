"""Acknowledging, silencing and the maintenance sync, on either backend, with the audit.

An acknowledgement is a silence whose matchers are exactly the alert's labels, created by
the operator, commented ``ACK #<ticket>: text``; :class:`AckKeeper` (run by the daemon)
renews it while the alert fires and expires it once the alert has resolved. Every change is
written to the local audit table (``oncall_audit``), whichever backend holds the silence.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from zoneinfo import ZoneInfo

from vigie.accounting.schedules import window_spans
from vigie.accounting.terms import MaintenanceWindow
from vigie.kernel.localtime import aware
from vigie.probes.oncall.backend import Backend
from vigie.probes.oncall.model import MAINTENANCE, Ack, AlertView, Matcher, Silence, equal_matchers
from vigie.probes.oncall.store import AuditEntry, OnCallStore, StoredAlert

VIGIE = "vigie"
"""``createdBy`` of what the daemon and the maintenance sync do on their own."""

MIN_ID = 4
"""The shortest prefix of an alert or silence id accepted on the command line."""


class OnCallError(Exception):
    """A request the on-call commands cannot carry out (one line for the operator)."""


def _by_prefix(ident: str, ids: Sequence[str], what: str) -> str | None:
    ident = ident.strip().lower()
    if len(ident) < MIN_ID:
        raise OnCallError(f"{what} id '{ident}' is too short: give at least {MIN_ID} characters")
    hits = sorted({i for i in ids if i.lower().startswith(ident)})
    if len(hits) > 1:
        raise OnCallError(f"{what} id '{ident}' is ambiguous ({len(hits)} {what}s start with it): give more")
    return hits[0] if hits else None


def find_alert(alerts: Sequence[AlertView], ident: str, known: Sequence[StoredAlert] = ()) -> AlertView:
    """The firing alert whose id (fingerprint) starts with ``ident``; OnCallError naming why
    not (unknown, resolved, ambiguous). ``known`` are the daemon's stored alerts, resolved
    ones included, so a resolved alert is called resolved rather than unknown."""
    found = _by_prefix(ident, [a.fingerprint for a in alerts], "alert")
    if found is not None:
        return next(a for a in alerts if a.fingerprint == found)
    gone = _by_prefix(ident, [a.fingerprint for a in known], "alert")
    if gone is not None:
        alert = next(a for a in known if a.fingerprint == gone)
        name = alert.labels.get("alertname", "")
        where = alert.labels.get("component") or alert.labels.get("application", "")
        raise OnCallError(f"alert {gone} ({name} {where}) has resolved: there is nothing to acknowledge")
    raise OnCallError(f"no firing alert has the id '{ident}' (vigie alerts lists them)")


def is_ack_of(silence: Silence, alert: AlertView) -> bool:
    """True when the silence acknowledges exactly this alert (its matchers are its labels)."""
    return silence.ack is not None and set(silence.matchers) == set(equal_matchers(alert.labels))


@dataclass(frozen=True)
class Disposition:
    """What is done about a firing alert: ``open`` (nothing yet), ``acknowledged``,
    ``silenced`` or ``inhibited``, with the silence that says so."""

    kind: str
    silence: Silence | None = None


def disposition(alert: AlertView, silences: Sequence[Silence]) -> Disposition:
    """How a firing alert stands: an acknowledgement first, then any silence muting it (as
    its backend says), then inhibition."""
    active = [s for s in silences if s.id in alert.silenced_by]
    for silence in active:
        if is_ack_of(silence, alert):
            return Disposition("acknowledged", silence)
    if active:
        return Disposition("silenced", active[0])
    if alert.inhibited_by:
        return Disposition("inhibited")
    return Disposition("open")


def acknowledge(
    backend: Backend,
    audit: OnCallStore,
    alert: AlertView,
    *,
    by: str,
    text: str,
    ticket: str | None,
    duration: float,
    now: float,
) -> Silence:
    """Acknowledge a firing alert: create (or renew, if it has one) its ACK silence for
    ``duration`` seconds; the audit keeps who, when and why."""
    if not text.strip():
        raise OnCallError("an acknowledgement needs a comment (-m TEXT)")
    if ticket is not None and not ticket.isdigit():
        raise OnCallError(f"--ticket: '{ticket}' is not a ticket number")
    current = next(
        (s for s in backend.silences() if s.state(now) == "active" and is_ack_of(s, alert)),
        None,
    )
    silence = Silence(
        id=current.id if current else "",
        matchers=equal_matchers(alert.labels),
        starts_at=current.starts_at if current else now,
        ends_at=now + duration,
        created_by=by,
        comment=Ack(ticket, text.strip()).comment,
    )
    sid = backend.put_silence(silence, now)
    audit.audit(
        AuditEntry(now, by, "ack", backend.name, sid, alert.fingerprint, silence.comment, silence.ends_at)
    )
    return replace(silence, id=sid)


def add_silence(
    backend: Backend,
    audit: OnCallStore,
    matchers: Sequence[Matcher],
    *,
    by: str,
    text: str,
    starts_at: float,
    ends_at: float,
    now: float,
) -> Silence:
    """Create a silence; it needs matchers, an end after its start and now, and a comment."""
    if not matchers:
        raise OnCallError("a silence needs at least one matcher (--component, --alertname or --match)")
    if not text.strip():
        raise OnCallError("a silence needs a comment (-m TEXT)")
    if ends_at <= max(starts_at, now):
        raise OnCallError("a silence must end after it starts and after now")
    silence = Silence("", tuple(matchers), starts_at, ends_at, by, text.strip())
    sid = backend.put_silence(silence, now)
    audit.audit(AuditEntry(now, by, "silence", backend.name, sid, "", silence.comment, ends_at))
    return replace(silence, id=sid)


def find_silence(silences: Sequence[Silence], ident: str) -> Silence:
    """The silence whose id starts with ``ident``."""
    found = _by_prefix(ident, [s.id for s in silences], "silence")
    if found is None:
        raise OnCallError(f"no silence has the id '{ident}' (vigie silence list shows them)")
    return next(s for s in silences if s.id == found)


def expire(backend: Backend, audit: OnCallStore, ident: str, *, by: str, now: float) -> Silence:
    """Expire a silence (or an acknowledgement) now."""
    silence = find_silence(backend.silences(), ident)
    if silence.state(now) == "expired":
        raise OnCallError(f"silence {silence.id} has already expired")
    backend.expire_silence(silence.id, now)
    audit.audit(AuditEntry(now, by, "expire", backend.name, silence.id, "", silence.comment, now))
    return silence


class AckKeeper:
    """Keeps acknowledgements in step with their alerts (the daemon runs it periodically).

    An ACK silence whose alert still fires is renewed for ``ack_for`` when less than half of
    that is left, and its comment gains the incident's ticket once one is opened. One whose
    alert is gone is expired: gone on two runs in a row, so an Alertmanager that has just
    restarted (and not yet been sent the alerts again) does not lose the acknowledgements.
    """

    def __init__(self, ack_for: float) -> None:
        self.ack_for = ack_for
        self._missing: set[str] = set()

    def run(self, backend: Backend, audit: OnCallStore, now: float, tickets: Mapping[str, str]) -> None:
        """One pass; ``tickets`` gives the open incident's ticket by component."""
        alerts = backend.alerts(now)
        missing: set[str] = set()
        for silence in backend.silences():
            ack = silence.ack
            if ack is None or silence.state(now) != "active":
                continue
            targets = [a for a in alerts if is_ack_of(silence, a)]
            if not targets:
                if silence.id in self._missing:
                    backend.expire_silence(silence.id, now)
                    audit.audit(
                        AuditEntry(now, VIGIE, "expire", backend.name, silence.id, "", silence.comment, now)
                    )
                else:
                    missing.add(silence.id)
                continue
            alert = targets[0]
            ticket = ack.ticket or tickets.get(alert.labels.get("component", ""))
            comment = Ack(ticket, ack.text).comment
            if silence.ends_at - now < self.ack_for / 2 or comment != silence.comment:
                renewed = replace(silence, ends_at=max(silence.ends_at, now + self.ack_for), comment=comment)
                sid = backend.put_silence(renewed, now)
                audit.audit(
                    AuditEntry(
                        now, VIGIE, "renew", backend.name, sid, alert.fingerprint, comment, renewed.ends_at
                    )
                )
        self._missing = missing


def _length(window: MaintenanceWindow, timezone: ZoneInfo) -> float:
    if window.duration is not None:
        return window.duration.total_seconds()
    assert window.start is not None and window.end is not None
    return aware(window.end, timezone).timestamp() - aware(window.start, timezone).timestamp()


def _component_matcher(components: Sequence[str]) -> Matcher:
    if "*" in components:
        return Matcher("component", ".+", is_regex=True)
    if len(components) == 1:
        return Matcher("component", components[0])
    # Ids are [a-z0-9_.-]: only the dot means something to a regex (RE2's as Python's).
    return Matcher("component", "|".join(c.replace(".", "\\.") for c in components), is_regex=True)


@dataclass(frozen=True)
class SyncResult:
    """What a maintenance sync did."""

    created: tuple[Silence, ...]
    kept: int
    expired: tuple[Silence, ...]


def sync_maintenance(
    backend: Backend,
    audit: OnCallStore,
    windows: Sequence[MaintenanceWindow],
    timezone: ZoneInfo,
    *,
    by: str,
    now: float,
    ahead: float,
) -> SyncResult:
    """Make the backend's maintenance silences (comment ``MAINT <window id>: reason``) the
    windows of config.toml that run now or start within ``ahead`` seconds: missing ones are
    created, those of windows no longer planned are expired, the rest is left alone."""
    wanted: dict[tuple[str, int, int], Silence] = {}
    for window in windows:
        # Asked over a range wider by the window's length, so no occurrence comes back cut:
        # a running window keeps its own start, and so the same key on every sync.
        length = _length(window, timezone)
        for start, end in window_spans(window, now - length, now + ahead + length, timezone):
            if end <= now or start >= now + ahead:
                continue
            silence = Silence(
                "",
                (_component_matcher(window.components),),
                start,
                end,
                by,
                f"MAINT {window.id}: {window.reason or window.id}",
            )
            wanted[(window.id, round(start), round(end))] = silence
    existing: dict[tuple[str, int, int], Silence] = {}
    for silence in backend.silences():
        match = MAINTENANCE.fullmatch(silence.comment)
        if match and silence.state(now) != "expired":
            existing[(match.group(1), round(silence.starts_at), round(silence.ends_at))] = silence
    created = []
    for key, silence in wanted.items():
        if key in existing:
            continue
        sid = backend.put_silence(silence, now)
        audit.audit(AuditEntry(now, by, "sync", backend.name, sid, "", silence.comment, silence.ends_at))
        created.append(replace(silence, id=sid))
    expired = []
    for key, silence in existing.items():
        if key in wanted:
            continue
        backend.expire_silence(silence.id, now)
        audit.audit(AuditEntry(now, by, "expire", backend.name, silence.id, "", silence.comment, now))
        expired.append(silence)
    return SyncResult(tuple(created), len(wanted) - len(created), tuple(expired))
