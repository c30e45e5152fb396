"""The daemon's on-call side: its alerts delivered, its acknowledgements kept in step.

One thread, woken by each notice and at least every ``[alerts] resend_every``: it writes the
alert book to ``oncall_alerts``, posts it to Alertmanager when one is configured (firing
alerts again and again, resolved ones until one Alertmanager took them), and runs the
:class:`~vigie.probes.oncall.acks.AckKeeper`. An Alertmanager that cannot be reached or
answers 5xx is retried with exponential backoff (``[alerts] backoff``, at most
``resend_every``), the next of the list first; the daemon says so once in its log and in
``oncall_status`` (the console's header), and says again once it is delivered. Probing never
waits on any of this.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Mapping
from pathlib import Path

from vigie.kernel.text.language import Language
from vigie.probes.alerts import Alert
from vigie.probes.background import Background
from vigie.probes.config import ProbesConfig
from vigie.probes.oncall.acks import AckKeeper
from vigie.probes.oncall.alertmanager import AlertmanagerClient, AlertmanagerError
from vigie.probes.oncall.backend import AlertmanagerBackend, Backend, LocalBackend
from vigie.probes.oncall.book import AlertBook, ComponentLabels, ExtraSource
from vigie.probes.oncall.model import Silence, to_iso
from vigie.probes.oncall.store import OnCallStore, StoredAlert

log = logging.getLogger("vigie.oncall")

HOLD_PASSES = 4
"""A firing alert's ``endsAt`` is this many re-posts ahead (as Prometheus sets it)."""

STATUS = "alertmanager"
"""The ``oncall_status`` row of deliveries to Alertmanager."""


def _payload(alert: StoredAlert) -> dict[str, object]:
    return {
        "labels": dict(alert.labels),
        "annotations": dict(alert.annotations),
        "startsAt": to_iso(alert.starts_at),
        "endsAt": to_iso(alert.ends_at),
    }


class OnCall(Background):
    """Delivers the daemon's alerts and keeps acknowledgements in step (its own thread)."""

    THREAD = "vigie-oncall"

    def __init__(
        self,
        config: ProbesConfig,
        store_path: Path,
        lang: Language,
        *,
        component_labels: ComponentLabels | None = None,
        extra: ExtraSource | None = None,
        tickets: Callable[[], Mapping[str, str]] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__()
        self.config = config
        self.alerts = config.alerts
        self.store_path = store_path
        self.book = AlertBook(config, lang, HOLD_PASSES * self.alerts.resend_every, component_labels, extra)
        self.keeper = AckKeeper(self.alerts.ack_for)
        self._tickets = tickets
        self._clock = clock
        self._certs: dict[str, float] = {}
        self._silences: tuple[Silence, ...] = ()
        self._failures = 0
        self._retry_at = 0.0
        self._reached: str | None = None  # the Alertmanager that took the last delivery
        self._said_down = False
        self._dropped_said = 0

    @property
    def local(self) -> bool:
        """True for the built-in notifier (no Alertmanager configured)."""
        return not self.alerts.alertmanager

    # --- called from the daemon's threads ------------------------------------------------

    def notice(self, alert: Alert) -> None:
        """A notice of the Alerter: update the book, deliver soon."""
        self.book.on_notice(alert)
        self._wake.set()

    def certificates(self, expiries: Mapping[str, float]) -> None:
        """The certificates' expiries the probes last saw (judged on the next pass)."""
        self._certs = dict(expiries)

    def muted_by(self, alert: Alert) -> str | None:
        """The built-in notifier's silence muting this notice, if any (so the webhook stays
        quiet about it); None with Alertmanager, which mutes its own notifications."""
        if not self.local:
            return None
        labels = self.book.labels_of_notice(alert)
        if labels is None:
            return None
        now = alert.ts
        return next((s.id for s in self._silences if s.state(now) == "active" and s.matches(labels)), None)

    # --- the thread ----------------------------------------------------------------------

    def _run(self) -> None:
        # On close, one last pass delivers the recoveries the daemon saw last.
        store = OnCallStore(self.store_path, self.config.store.busy_timeout)
        backend: Backend = (
            LocalBackend(store)
            if self.local
            else AlertmanagerBackend(AlertmanagerClient(self.alerts.alertmanager, self.alerts.timeout))
        )
        try:
            while True:
                stopping = self._stop.is_set()
                self.run_pass(store, backend, self._clock())
                if stopping:
                    return
                now = self._clock()
                wait = self.alerts.resend_every if self._failures == 0 else max(0.0, self._retry_at - now)
                self._wake.wait(wait)
                self._wake.clear()
        finally:
            backend.close()
            store.close()

    def run_pass(self, store: OnCallStore, backend: Backend, now: float) -> None:
        """One pass: store the book, deliver it, keep the acknowledgements in step."""
        self.book.certificates(self._certs, now)
        alerts = self.book.snapshot(now)
        store.write_alerts(alerts, now)
        if self.book.dropped > self._dropped_said:
            log.warning(
                json.dumps({"event": "alerts_dropped", "count": self.book.dropped - self._dropped_said})
            )
            self._dropped_said = self.book.dropped
        reachable = True
        if isinstance(backend, AlertmanagerBackend):
            if now < self._retry_at:
                return
            reachable = self._deliver(store, backend.client, alerts, now)
        else:
            self.book.delivered(alerts)
        if not reachable:
            return
        try:
            self.keeper.run(backend, store, now, self._tickets() if self._tickets else {})
        except AlertmanagerError as exc:
            log.warning(json.dumps({"event": "acks_not_kept", "reason": str(exc)}))
        if self.local:
            self._silences = tuple(store.silences())

    def _deliver(
        self, store: OnCallStore, client: AlertmanagerClient, alerts: list[StoredAlert], now: float
    ) -> bool:
        try:
            if alerts:
                client.post_alerts([_payload(a) for a in alerts])
            else:
                client.alerts()  # nothing to say: still check that someone listens
        except AlertmanagerError as exc:
            self._failures += 1
            self._retry_at = now + min(
                self.alerts.resend_every, self.alerts.backoff * 2 ** (self._failures - 1)
            )
            if not self._said_down:
                self._said_down = True
                self._reached = None
                log.error(
                    json.dumps(
                        {"event": "alertmanager_unreachable", "reason": str(exc), "queued": len(alerts)}
                    )
                )
                store.set_status(STATUS, False, str(exc), now)
            return False
        self.book.delivered(alerts)
        self._failures, self._retry_at = 0, 0.0
        if self._said_down or self._reached != client.url:
            self._said_down = False
            self._reached = client.url
            log.info(json.dumps({"event": "alertmanager_reached", "url": client.url, "sent": len(alerts)}))
            store.set_status(STATUS, True, client.url, now)
        return True
