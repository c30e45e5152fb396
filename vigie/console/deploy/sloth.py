"""``sloth/COMPONENT.yml``: a Sloth ``prometheus/v1`` spec per component, objective = its
target, a raw SLI on the quorum verdict (``{{.window}}`` is Sloth's), page and ticket alerts.

Sloth cannot exclude maintenance or follow a service schedule (slok/sloth#529): these SLOs
are an alerting aid, the contractual figures come from Vigie's accounting.
"""

from __future__ import annotations

from vigie.catalog.model import Catalog
from vigie.console.deploy import yaml
from vigie.console.deploy.common import COMPONENT_SUCCESS, catalog_labels, header
from vigie.console.settings import Settings


def error_ratio_query(component: str) -> str:
    """The SLI: the share of the window the quorum saw the component down."""
    return f'1 - avg_over_time({COMPONENT_SUCCESS}{{component="{component}"}}[{{{{.window}}}}])'


def artefacts(settings: Settings, catalog: Catalog | None) -> dict[str, str]:
    """One spec per component."""
    out = {}
    for comp in settings.probes.components:
        labels = {"owner": "vigie", "component": comp.id, **catalog_labels(comp, catalog)}
        spec = {
            "version": "prometheus/v1",
            "service": comp.id,
            "labels": labels,
            "slos": [
                {
                    "name": "availability",
                    "objective": round(comp.target * 100, 6),
                    "description": f"{comp.name}: share of time up, seen from a quorum of the agents",
                    "sli": {"raw": {"error_ratio_query": error_ratio_query(comp.id)}},
                    "alerting": {
                        "name": "VigieSloBurn",
                        "labels": {"component": comp.id},
                        "annotations": {"summary": f"{comp.name} burns its error budget"},
                        "page_alert": {"labels": {"severity": "page"}},
                        "ticket_alert": {"labels": {"severity": "ticket"}},
                    },
                }
            ],
        }
        out[f"sloth/{comp.id}.yml"] = yaml.dump(spec, header(settings, catalog))
    return out
