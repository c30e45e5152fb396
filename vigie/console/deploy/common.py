"""What the artefacts of `vigie deploy` share: metric names, the component's quorum in PromQL,
labels from the catalog, the agents' scrape intervals."""

from __future__ import annotations

from vigie.catalog.model import Catalog
from vigie.console.settings import Settings
from vigie.probes.agent import agent_config
from vigie.probes.config import Component

AGENT_SUCCESS = "vigie:agent_component_success"
"""Recorded: 1 when all of an agent's probes of a component see it up (its view, rule 3)."""

COMPONENT_SUCCESS = "vigie:component_success"
"""Recorded: the component's verdict by its quorum of agents (1 up, 0 down)."""

OBJECTIVE = "vigie:objective:ratio"
"""Recorded: the component's SLA target as a ratio."""

ERROR_RATIO = "vigie:component_error:ratio_rate"
"""Recorded, suffixed by a window (``5m``...): 1 - the verdict's average over that window."""

WINDOWS = ("5m", "30m", "1h", "2h", "6h", "1d", "3d")

HEADER = (
    "# Written by `vigie deploy` from config.toml{catalog}: do not edit, run it again.\n"
    "# Vigie's own accounting (schedules, maintenance excluded, frozen months) makes the\n"
    "# contractual figures; what this file computes is an alerting aid.\n"
)


def header(settings: Settings, catalog: Catalog | None) -> str:
    """The comment at the top of every generated file."""
    return HEADER.format(catalog=" and the catalog" if catalog is not None else "")


def scrape_interval(settings: Settings, agent: str) -> float:
    """The agent's ``scrape_interval``, else the shortest interval of the probes it runs (30 s
    when it runs none): one sample per probe result at least."""
    config = settings.probes
    declared = next(a for a in config.agents if a.name == agent).scrape_interval
    if declared is not None:
        return declared
    return min((p.interval for p in agent_config(config, agent).probes), default=30.0)


def catalog_labels(component: Component, catalog: Catalog | None) -> dict[str, str]:
    """Labels the catalog gives a component: its application's name, domain and criticality."""
    if catalog is None or component.application is None:
        return {}
    app = catalog.applications.get(component.application)
    if app is None:
        return {}
    return {"application": app.name, "domain": app.domain, "criticality": str(app.criticality)}


def needed(component: Component, voters: str) -> str:
    """PromQL for how many of ``voters`` (an expression counting the agents with data) make the
    component's quorum (see :func:`vigie.accounting.terms.quorum_needed`)."""
    quorum = component.policy.quorum
    if quorum == "any":
        return "1"
    if quorum == "all":
        return voters
    if quorum == "majority":
        return f"(floor({voters} / 2) + 1)"
    return f"clamp_max({voters}, {int(quorum)})"
