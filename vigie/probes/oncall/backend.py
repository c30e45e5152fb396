"""Where alerts and silences live: Alertmanager, or Vigie's built-in notifier (its tables).

Both answer the same calls in the same shapes, so acknowledging, silencing and listing are
written once (:mod:`vigie.probes.oncall.acks`) for either.
"""

from __future__ import annotations

from typing import Protocol

from vigie.probes.config import AlertsConfig
from vigie.probes.oncall.alertmanager import AlertmanagerClient
from vigie.probes.oncall.model import AlertView, Silence
from vigie.probes.oncall.store import OnCallStore


class Backend(Protocol):
    """Alerts and silences, Alertmanager's way; ``name`` is ``alertmanager`` or ``vigie``."""

    name: str

    @property
    def where(self) -> str:
        """The address (or file) it reads, for messages."""
        ...

    def alerts(self, now: float) -> list[AlertView]:
        """The alerts firing at ``now``, silenced ones included (``state`` suppressed)."""
        ...

    def silences(self) -> list[Silence]:
        """Every silence it holds."""
        ...

    def put_silence(self, silence: Silence, now: float) -> str:
        """Create a silence (empty id) or update one; returns its id."""
        ...

    def expire_silence(self, sid: str, now: float) -> bool:
        """End a silence now; False when it holds none with this id."""
        ...

    def close(self) -> None:
        """Release connections."""
        ...


class AlertmanagerBackend:
    """Alertmanager's API v2 (the first of the list that answers)."""

    name = "alertmanager"

    def __init__(self, client: AlertmanagerClient) -> None:
        self.client = client

    @property
    def where(self) -> str:
        """The Alertmanager that answered last."""
        return self.client.url

    def alerts(self, now: float) -> list[AlertView]:
        """Alertmanager's unresolved alerts."""
        return self.client.alerts()

    def silences(self) -> list[Silence]:
        """Alertmanager's silences."""
        return self.client.silences()

    def put_silence(self, silence: Silence, now: float) -> str:
        """``POST /api/v2/silences``."""
        return self.client.put_silence(silence)

    def expire_silence(self, sid: str, now: float) -> bool:
        """``DELETE /api/v2/silence/{id}``."""
        return self.client.expire_silence(sid)

    def close(self) -> None:
        """Close the HTTP connections."""
        self.client.close()


class LocalBackend:
    """The built-in notifier: the daemon's alerts and Vigie's own silences, in the store."""

    name = "vigie"

    def __init__(self, store: OnCallStore) -> None:
        self.store = store

    @property
    def where(self) -> str:
        """The store's file."""
        return str(self.store.path)

    def alerts(self, now: float) -> list[AlertView]:
        """The daemon's firing alerts; one that an active silence matches is suppressed."""
        with self.store.snapshot():
            stored = self.store.alerts(now)
            silences = [s for s in self.store.silences() if s.state(now) == "active"]
        views = []
        for alert in stored:
            by = tuple(s.id for s in silences if s.matches(alert.labels))
            views.append(
                AlertView(
                    alert.labels,
                    alert.annotations,
                    alert.starts_at,
                    "suppressed" if by else "active",
                    silenced_by=by,
                    fingerprint=alert.fingerprint,
                )
            )
        return views

    def silences(self) -> list[Silence]:
        """The store's silences."""
        return self.store.silences()

    def put_silence(self, silence: Silence, now: float) -> str:
        """Write the silence to the store."""
        return self.store.put_silence(silence, now)

    def expire_silence(self, sid: str, now: float) -> bool:
        """End the silence in the store."""
        return self.store.expire_silence(sid, now)

    def close(self) -> None:
        """Nothing of its own to release (the store is the caller's)."""


def open_backend(alerts: AlertsConfig, store: OnCallStore) -> Backend:
    """Alertmanager when ``[alerts] alertmanager`` lists some, else the built-in notifier."""
    if alerts.alertmanager:
        return AlertmanagerBackend(AlertmanagerClient(alerts.alertmanager, alerts.timeout))
    return LocalBackend(store)
