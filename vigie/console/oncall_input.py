"""The daemon's on-call parts, wired with what only the console may read: the catalog.

The catalog gives a component's alerts their application, ministry and domain labels, and
its homologations expiring (or expired) become alerts of their own; ``probes`` never
imports the catalog, so both are handed to it as functions.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import date, datetime, time
from typing import TYPE_CHECKING

from vigie.catalog import homologation
from vigie.catalog.homologation import needs_attention
from vigie.catalog.model import Catalog
from vigie.console.catalog_input import CatalogSource, today
from vigie.console.settings import Settings
from vigie.kernel.text.language import Language
from vigie.probes.config import Component
from vigie.probes.oncall.book import HOMOLOGATION, ExtraAlert

if TYPE_CHECKING:
    from vigie.probes.oncall.service import OnCall
    from vigie.probes.tickets.incidents import IncidentTickets


class CatalogLabels:
    """A component's labels from the catalog: its application's id, ministry and domain."""

    def __init__(self, source: CatalogSource | None) -> None:
        self.source = source

    def __call__(self, component: Component) -> Mapping[str, str]:
        """The labels (none when the component names no application the catalog knows)."""
        catalog = self.source() if self.source is not None else None
        app = catalog.applications.get(component.application or "") if catalog is not None else None
        if app is None:
            return {}
        return {"application": app.id, "ministry": app.ministry, "domain": app.domain}


class HomologationAlerts:
    """The applications whose homologation is expiring or expired, as alerts (judged once a
    day, or when the catalog changes)."""

    def __init__(self, source: CatalogSource, settings: Settings, lang: Language) -> None:
        self.source = source
        self.settings = settings
        self.lang = lang
        self._components = {c.application: c.id for c in settings.probes.components if c.application}
        self._cache: tuple[Catalog, date, tuple[ExtraAlert, ...]] | None = None

    def __call__(self, now: float) -> Iterator[ExtraAlert]:
        """The alerts firing at ``now``."""
        catalog = self.source()
        if catalog is None:
            return iter(())
        as_of = today(self.settings)
        if self._cache is None or self._cache[0] is not catalog or self._cache[1] != as_of:
            self._cache = (catalog, as_of, tuple(self._alerts(catalog, as_of)))
        return iter(self._cache[2])

    def _alerts(self, catalog: Catalog, as_of: date) -> Iterator[ExtraAlert]:
        lang, zone = self.lang, self.settings.timezone
        for entry in homologation.register(catalog, as_of):
            if not needs_attention(entry):
                continue
            app = entry.application
            labels = {
                "alertname": HOMOLOGATION,
                "application": app.id,
                "ministry": app.ministry,
                "domain": app.domain,
                "severity": "ticket",
            }
            if app.id in self._components:
                labels["component"] = self._components[app.id]
            since = entry.warning_from or entry.expires_on or as_of
            status = lang.label("catalog.status", entry.status)
            yield ExtraAlert(
                labels,
                {
                    "summary": lang.t("probes.alert.homologation.summary", name=app.name, status=status),
                    "description": lang.t(
                        "probes.alert.homologation.description",
                        name=app.name,
                        ministry=app.ministry,
                        date=lang.date(entry.expires_on),
                    ),
                },
                datetime.combine(min(since, as_of), time(), zone).timestamp(),
            )


def oncall_parts(settings: Settings) -> tuple[OnCall, IncidentTickets | None]:
    """The daemon's alert delivery (Alertmanager or the built-in notifier) and, when
    ``[tickets.open]`` is set, the tickets of its incidents."""
    # Imported on use, like the daemon: requests is for `vigie run` alone.
    from vigie.probes.oncall.service import OnCall
    from vigie.probes.tickets.incidents import IncidentTickets

    lang = Language(settings.language)
    source = CatalogSource(settings.catalog.path) if settings.catalog.path is not None else None
    tickets = None
    if settings.tickets.open is not None and settings.tickets.glpi is not None:
        tickets = IncidentTickets(settings.probes, settings.tickets, settings.store_path(), lang)
    oncall = OnCall(
        settings.probes,
        settings.store_path(),
        lang,
        component_labels=CatalogLabels(source),
        extra=None if source is None else HomologationAlerts(source, settings, lang),
        tickets=None if tickets is None else tickets.open_tickets,
    )
    return oncall, tickets
