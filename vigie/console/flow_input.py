"""What the daemon needs of the flows: routes on the map, the recorder of events, the
/metrics collector of stuck flows (composed here: probes do not read the catalog)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from vigie.console.catalog_input import CatalogSource
from vigie.console.settings import Settings
from vigie.probes.flows.ingest import EventReader
from vigie.probes.flows.lifecycle import Route
from vigie.probes.flows.receiver import FlowRecorder
from vigie.reports.flows import routes_on_map

if TYPE_CHECKING:
    from vigie.probes.flows.metrics import FlowCollector


def daemon_routes(settings: Settings) -> tuple[dict[str, Route], frozenset[str] | None]:
    """The routes with the catalog's moves and the catalog's applications, when the catalog
    loads (a broken one is logged by :class:`CatalogSource`: events are then taken unchecked
    against it, as without a catalog)."""
    path = settings.catalog.path
    catalog = CatalogSource(path)() if path is not None and path.exists() else None
    hops = None if catalog is None else frozenset(catalog.applications)
    return routes_on_map(settings.flows, catalog), hops


def flow_recorder(settings: Settings, routes: dict[str, Route], hops: frozenset[str] | None) -> FlowRecorder:
    """The daemon's writer of flow events; POST /events is on when a token is configured
    (its environment variable is read now: unset, the daemon does not start)."""
    token = settings.flows.token
    return FlowRecorder(
        settings.flow_store_path(),
        routes,
        EventReader(routes, hops),
        None if token is None else token.reveal(),
        settings.probes.store.busy_timeout,
    )


def flow_collector(settings: Settings, routes: dict[str, Route]) -> FlowCollector:
    """``vigie_flows_stuck{type, hop}`` for /metrics."""
    from vigie.probes.flows.metrics import FlowCollector

    return FlowCollector(settings.flow_store_path(), routes, settings.probes.store.busy_timeout)
