"""``pyrra/COMPONENT.yaml``: a Pyrra ``ServiceLevelObjective`` per component, target = its SLA
target, a ``bool_gauge`` indicator on the quorum verdict (1 up, 0 down), a 30-day window.

Like Sloth's, these objectives are an alerting aid: Pyrra knows no schedule or maintenance.
"""

from __future__ import annotations

from vigie.catalog.model import Catalog
from vigie.console.deploy import yaml
from vigie.console.deploy.common import COMPONENT_SUCCESS, catalog_labels, header
from vigie.console.settings import Settings

WINDOW = "30d"


def artefacts(settings: Settings, catalog: Catalog | None) -> dict[str, str]:
    """One objective per component."""
    out = {}
    for comp in settings.probes.components:
        # Kubernetes label values are restricted (no spaces): the catalog's words go in annotations.
        notes = {f"vigie.dev/{k}": v for k, v in catalog_labels(comp, catalog).items()}
        metadata = {
            "name": f"vigie-{comp.id}",
            "namespace": "monitoring",
            "labels": {"pyrra.dev/component": comp.id},
            **({"annotations": notes} if notes else {}),
        }
        objective = {
            "apiVersion": "pyrra.dev/v1alpha1",
            "kind": "ServiceLevelObjective",
            "metadata": metadata,
            "spec": {
                "description": f"{comp.name}: share of time up, seen from a quorum of the agents",
                "target": f"{comp.target * 100:g}",
                "window": WINDOW,
                "indicator": {"bool_gauge": {"metric": f'{COMPONENT_SUCCESS}{{component="{comp.id}"}}'}},
            },
        }
        out[f"pyrra/{comp.id}.yaml"] = yaml.dump(objective, header(settings, catalog))
    return out
