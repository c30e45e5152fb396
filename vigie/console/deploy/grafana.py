"""``grafana/vigie.json``: a classic Grafana dashboard (schemaVersion 39, importable and
provisionable) with a datasource variable: the agents at the top, then per component a stat
of the quorum verdict's availability over 30 days, a state timeline of the verdict and of each
agent's view, and the probes' duration per agent.

The figures are the engine's (no schedule, no maintenance window): an operations view, not the
report's availability.
"""

from __future__ import annotations

import json
from typing import Any

from vigie.catalog.model import Catalog
from vigie.console.deploy.common import AGENT_SUCCESS, COMPONENT_SUCCESS, catalog_labels
from vigie.console.settings import Settings

PATH = "grafana/vigie.json"
DATASOURCE = {"type": "prometheus", "uid": "${datasource}"}
UP_DOWN = [
    {"type": "value", "options": {"0": {"text": "down", "color": "red", "index": 0}}},
    {"type": "value", "options": {"1": {"text": "up", "color": "green", "index": 1}}},
]


def _target(expr: str, legend: str, ref: str = "A") -> dict[str, Any]:
    return {"datasource": DATASOURCE, "expr": expr, "legendFormat": legend, "refId": ref}


class _Panels:
    """Panels laid out on Grafana's 24-column grid, with unique ids."""

    def __init__(self) -> None:
        self.panels: list[dict[str, Any]] = []
        self.y = 0

    def row(self, title: str) -> None:
        self._add({"type": "row", "title": title, "collapsed": False, "panels": []}, 0, 24, 1)
        self.y += 1

    def add(self, panel: dict[str, Any], x: int, w: int, h: int) -> None:
        self._add({"datasource": DATASOURCE, **panel}, x, w, h)

    def _add(self, panel: dict[str, Any], x: int, w: int, h: int) -> None:
        panel["id"] = len(self.panels) + 1
        panel["gridPos"] = {"h": h, "w": w, "x": x, "y": self.y}
        self.panels.append(panel)


def dashboard(settings: Settings, catalog: Catalog | None) -> dict[str, Any]:
    """The dashboard as a JSON-ready dict."""
    grid = _Panels()
    grid.add(
        {
            "type": "stat",
            "title": "Agents",
            "targets": [_target("max by (agent) (vigie_agent_info)", "{{agent}}")],
            "fieldConfig": {"defaults": {"mappings": UP_DOWN, "noValue": "absent"}, "overrides": []},
            "options": {"colorMode": "background", "graphMode": "none", "textMode": "name"},
        },
        0,
        24,
        3,
    )
    grid.y += 3
    for comp in settings.probes.components:
        app = catalog_labels(comp, catalog).get("application")
        grid.row(f"{comp.name} ({app})" if app and app != comp.name else comp.name)
        verdict = f'{COMPONENT_SUCCESS}{{component="{comp.id}"}}'
        grid.add(
            {
                "type": "stat",
                "title": f"{comp.name}: 30 days (target {comp.target * 100:g} %)",
                "targets": [_target(f"avg_over_time({verdict}[30d])", "{{component}}")],
                "fieldConfig": {
                    "defaults": {
                        "unit": "percentunit",
                        "decimals": 3,
                        "thresholds": {
                            "mode": "absolute",
                            "steps": [
                                {"color": "red", "value": None},
                                {"color": "green", "value": comp.target},
                            ],
                        },
                    },
                    "overrides": [],
                },
                "options": {
                    "colorMode": "value",
                    "graphMode": "area",
                    "reduceOptions": {"calcs": ["lastNotNull"]},
                },
            },
            0,
            6,
            6,
        )
        grid.add(
            {
                "type": "state-timeline",
                "title": f"{comp.name}: verdict and each agent's view",
                "targets": [
                    _target(verdict, "quorum", "A"),
                    _target(f'{AGENT_SUCCESS}{{component="{comp.id}"}}', "{{agent}}", "B"),
                ],
                "fieldConfig": {"defaults": {"mappings": UP_DOWN}, "overrides": []},
                "options": {"showValue": "never", "mergeValues": True},
            },
            6,
            12,
            6,
        )
        grid.add(
            {
                "type": "timeseries",
                "title": f"{comp.name}: check duration by agent",
                "targets": [
                    _target(
                        f'max by (agent) (vigie_probe_duration_seconds{{component="{comp.id}"}})', "{{agent}}"
                    )
                ],
                "fieldConfig": {"defaults": {"unit": "s"}, "overrides": []},
            },
            18,
            6,
            6,
        )
        grid.y += 6
    return {
        "__inputs": [
            {
                "name": "DS_PROMETHEUS",
                "label": "Prometheus",
                "type": "datasource",
                "pluginId": "prometheus",
                "pluginName": "Prometheus",
            }
        ],
        "__requires": [
            {"type": "grafana", "id": "grafana", "name": "Grafana", "version": "10.0.0"},
            {"type": "datasource", "id": "prometheus", "name": "Prometheus", "version": "1.0.0"},
            {"type": "panel", "id": "stat", "name": "Stat", "version": ""},
            {"type": "panel", "id": "state-timeline", "name": "State timeline", "version": ""},
            {"type": "panel", "id": "timeseries", "name": "Time series", "version": ""},
        ],
        "uid": "vigie-components",
        "title": "Vigie: components and agents",
        "tags": ["vigie"],
        "timezone": settings.timezone.key,
        "schemaVersion": 39,
        "version": 1,
        "editable": True,
        "refresh": "30s",
        "time": {"from": "now-24h", "to": "now"},
        "templating": {
            "list": [
                {
                    "name": "datasource",
                    "label": "Datasource",
                    "type": "datasource",
                    "query": "prometheus",
                    "current": {},
                    "hide": 0,
                }
            ]
        },
        "annotations": {"list": []},
        "panels": grid.panels,
    }


def artefacts(settings: Settings, catalog: Catalog | None) -> dict[str, str]:
    """The dashboard file."""
    return {PATH: json.dumps(dashboard(settings, catalog), ensure_ascii=False, indent=2) + "\n"}
