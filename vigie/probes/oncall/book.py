"""The daemon's firing alerts, as Alertmanager (or the built-in notifier) should know them.

The :class:`~vigie.probes.alerts.Alerter` decides *when* something is news (confirmed
transitions, flapping held back, capacity); the book turns its notices into alerts that
fire and resolve: ``VigieComponentDown`` fires on ``down`` and resolves on recovery, and so
on. Certificates soon expired and what the console adds (homologations expiring, from the
catalog) are judged again on each pass. Labels come from the configuration only (component,
probe, severity, the catalog's application, ministry and domain, ``[alerts.labels]``), never
from what a probe measured, so one alert keeps one identity; words go to the annotations,
in the configured language.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from vigie.kernel.text.language import Language
from vigie.probes.alerts import Alert
from vigie.probes.config import Component, HttpOptions, ProbesConfig
from vigie.probes.oncall.model import fingerprint
from vigie.probes.oncall.store import StoredAlert

DOWN = "VigieComponentDown"
DEGRADED = "VigieComponentDegraded"
FLAPPING = "VigieComponentFlapping"
CAPACITY = "VigieCapacityExceeded"
CERTIFICATE = "VigieCertificateExpiring"
HOMOLOGATION = "VigieHomologationExpiring"

_KEYS = {
    DOWN: "down",
    DEGRADED: "degraded",
    FLAPPING: "flapping",
    CAPACITY: "capacity",
    CERTIFICATE: "certificate",
}

# The alert a notice speaks of while it fires (a reminder: the outage still on).
_NOTICE_ALERTS = {
    "down": DOWN,
    "reminder": DOWN,
    "degraded": DEGRADED,
    "flapping": FLAPPING,
    "capacity": CAPACITY,
}

ComponentLabels = Callable[[Component], Mapping[str, str]]
"""The catalog's labels of a component (application, ministry, domain), from the console."""


@dataclass(frozen=True)
class ExtraAlert:
    """An alert judged outside the probes (a homologation expiring), firing while listed."""

    labels: Mapping[str, str]
    annotations: Mapping[str, str]
    starts_at: float


ExtraSource = Callable[[float], Iterable[ExtraAlert]]
"""What the console adds: the extra alerts firing at a moment."""


@dataclass
class _Entry:
    labels: dict[str, str]
    annotations: dict[str, str]
    starts_at: float
    resolved_at: float | None = None  # resolved and not yet delivered (then forgotten)


class AlertBook:
    """Alerts firing and resolved-but-not-yet-delivered; safe across threads.

    Firing alerts carry an ``ends_at`` ``hold`` seconds ahead, pushed back on every pass
    (Alertmanager resolves them by itself if the daemon dies); a resolved alert is kept
    until it has been delivered once, at most ``queue`` of them (the oldest dropped).
    """

    def __init__(
        self,
        config: ProbesConfig,
        lang: Language,
        hold: float,
        component_labels: ComponentLabels | None = None,
        extra: ExtraSource | None = None,
    ) -> None:
        self.config = config
        self.lang = lang
        self.hold = hold
        self._components = {c.id: c for c in config.components}
        self._probes = {p.id: p for p in config.probes}
        self._component_labels = component_labels
        self._extra = extra
        self._static = dict(config.alerts.labels)
        self._entries: dict[str, _Entry] = {}
        self._extra_keys: set[str] = set()
        self._lock = threading.Lock()
        self.dropped = 0

    # --- what the daemon tells -----------------------------------------------------------

    def labels(self, alertname: str, component: Component, probe: str | None = None) -> dict[str, str]:
        """An alert's labels, from the configuration only."""
        labels = {**self._static}
        if self._component_labels is not None:
            labels.update(self._component_labels(component))
        labels.update(alertname=alertname, component=component.id)
        labels["severity"] = component.severity if alertname == DOWN else "ticket"
        if probe is not None:
            labels["probe"] = probe
        return labels

    def labels_of_notice(self, alert: Alert) -> dict[str, str] | None:
        """The labels of the alert a notice is about (None for a notice about no alert,
        such as a recovery), for silences to be matched against."""
        component = self._components.get(alert.component)
        name = _NOTICE_ALERTS.get(alert.kind)
        if component is None or name is None:
            return None
        return self.labels(name, component)

    def on_notice(self, alert: Alert) -> None:
        """A notice of the Alerter: fire or resolve the alerts it speaks of."""
        component = self._components.get(alert.component)
        if component is None:
            return
        with self._lock:
            if alert.kind in ("down", "degraded", "recovery", "maintenance"):
                self._settle(component, alert.state, alert.ts, alert.detail)
            elif alert.kind == "flapping":
                self._fire(FLAPPING, component, alert.ts, alert.detail)
            elif alert.kind == "stable":
                self._resolve(FLAPPING, component, alert.ts)
                self._settle(component, alert.state, alert.ts, alert.detail)
            elif alert.kind == "capacity":
                self._fire(CAPACITY, component, alert.ts, alert.detail)
            elif alert.kind == "capacity_ok":
                self._resolve(CAPACITY, component, alert.ts)

    def _settle(self, component: Component, state: str, ts: float, detail: str) -> None:
        for name, fires_on in ((DOWN, "down"), (DEGRADED, "degraded")):
            if state == fires_on:
                self._fire(name, component, ts, detail)
            else:
                self._resolve(name, component, ts)

    def _fire(
        self, name: str, component: Component, ts: float, detail: str, probe: str | None = None
    ) -> None:
        labels = self.labels(name, component, probe)
        key = fingerprint(labels)
        entry = self._entries.get(key)
        if entry is not None and entry.resolved_at is None:
            return  # already firing: it keeps its start
        self._entries[key] = _Entry(labels, self._annotations(name, component, ts, detail, probe), ts)

    def _resolve(self, name: str, component: Component, ts: float, probe: str | None = None) -> None:
        entry = self._entries.get(fingerprint(self.labels(name, component, probe)))
        if entry is not None and entry.resolved_at is None:
            entry.resolved_at = max(ts, entry.starts_at)

    def _annotations(
        self, name: str, component: Component, ts: float, detail: str, probe: str | None
    ) -> dict[str, str]:
        lang = self.lang
        key = _KEYS[name]
        since = lang.date_time(datetime.fromtimestamp(ts, self.config.timezone))
        values = {"name": component.name, "since": since, "detail": detail, "probe": probe or ""}
        annotations = {
            "summary": lang.t(f"probes.alert.{key}.summary", **values),
            "description": lang.t(f"probes.alert.{key}.description", **values),
        }
        if component.runbook:
            annotations["runbook_url"] = component.runbook
        return annotations

    def certificates(self, expiries: Mapping[str, float], now: float) -> None:
        """Fire a certificate alert for each HTTPS probe whose certificate expires within its
        ``cert_warning_days``, resolve the others."""
        with self._lock:
            for probe_id, expiry in expiries.items():
                probe = self._probes.get(probe_id)
                component = None if probe is None else self._components.get(probe.component)
                if probe is None or component is None or not isinstance(probe.options, HttpOptions):
                    continue
                days = (expiry - now) / 86400
                if days < probe.options.cert_warning_days:
                    on = self.lang.date(datetime.fromtimestamp(expiry, self.config.timezone).date())
                    self._fire(CERTIFICATE, component, now, on, probe_id)
                else:
                    self._resolve(CERTIFICATE, component, now, probe_id)

    # --- what the delivery reads ---------------------------------------------------------

    def snapshot(self, now: float) -> list[StoredAlert]:
        """The alerts to deliver now: every firing one (``ends_at`` pushed ``hold`` ahead)
        and every resolved one not delivered yet."""
        extra = list(self._extra(now)) if self._extra is not None else []
        with self._lock:
            self._merge_extra(extra, now)
            waiting = sorted(
                (k for k, e in self._entries.items() if e.resolved_at is not None),
                key=lambda k: self._entries[k].resolved_at or 0.0,
            )
            for key in waiting[: max(0, len(waiting) - self.config.alerts.queue)]:
                del self._entries[key]
                self.dropped += 1
            out = []
            for entry in self._entries.values():
                if entry.resolved_at is None:
                    out.append(
                        StoredAlert(entry.labels, entry.annotations, entry.starts_at, now + self.hold, False)
                    )
                else:
                    out.append(
                        StoredAlert(entry.labels, entry.annotations, entry.starts_at, entry.resolved_at, True)
                    )
            return out

    def _merge_extra(self, extra: list[ExtraAlert], now: float) -> None:
        keys = set()
        for alert in extra:
            labels = {**self._static, **alert.labels}
            key = fingerprint(labels)
            keys.add(key)
            entry = self._entries.get(key)
            if entry is None or entry.resolved_at is not None:
                self._entries[key] = _Entry(labels, dict(alert.annotations), alert.starts_at)
        for key in self._extra_keys - keys:
            entry = self._entries.get(key)
            if entry is not None and entry.resolved_at is None:
                entry.resolved_at = now
        self._extra_keys = keys

    def delivered(self, alerts: Iterable[StoredAlert]) -> None:
        """These alerts reached their destination: resolved ones are forgotten."""
        with self._lock:
            for alert in alerts:
                key = alert.fingerprint
                entry = self._entries.get(key)
                if entry is not None and alert.resolved and entry.resolved_at is not None:
                    del self._entries[key]
