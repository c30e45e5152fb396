"""``prometheus/rules/vigie.yml``: recording rules per component (each agent's view, the
verdict by the component's quorum, its target, error ratios over the burn-rate windows) and
the alerts: component down, multi-window burn rates (14.4/6 page, 3/1 ticket, on the
component's own target), and ``absent_over_time`` so a dead agent or an unmeasured component
pages as unknown instead of falling silent.

The verdict follows the accounting's quorum (:func:`vigie.accounting.terms.quorum_needed`):
the component is down when at least the quorum of the agents with data see it down. What
the rules cannot know (service schedules, maintenance windows) is why these alerts are an
aid and the reports' figures come from Vigie's accounting.
"""

from __future__ import annotations

from typing import Any

from vigie.catalog.model import Catalog
from vigie.console.deploy import yaml
from vigie.console.deploy.common import (
    AGENT_SUCCESS,
    COMPONENT_SUCCESS,
    ERROR_RATIO,
    OBJECTIVE,
    WINDOWS,
    header,
    needed,
)
from vigie.console.settings import Settings

PATH = "prometheus/rules/vigie.yml"
ABSENT_AFTER = "10m"

# (severity, long-window factor pairs): Google's SRE workbook, over a 30-day budget.
BURN_RATES = (
    ("page", (("5m", "1h", 14.4), ("30m", "6h", 6.0)), "2m"),
    ("ticket", (("2h", "1d", 3.0), ("6h", "3d", 1.0)), "15m"),
)


def _burn(short: str, long: str, factor: float) -> str:
    budget = f"on (component) ({factor:g} * (1 - {OBJECTIVE}))"
    return f"({ERROR_RATIO}{short} > {budget} and {ERROR_RATIO}{long} > {budget})"


def recording_rules(settings: Settings) -> list[dict[str, Any]]:
    """Each agent's view, then per component its verdict and its target, then the error ratios."""
    rules: list[dict[str, Any]] = [
        {"record": AGENT_SUCCESS, "expr": "min by (component, agent) (vigie_probe_success)"}
    ]
    for comp in settings.probes.components:
        views = f'{AGENT_SUCCESS}{{component="{comp.id}"}}'
        voters = f"count by (component) ({views})"
        down = f"(count by (component) ({views} == 0) or {voters} * 0)"
        rules.append(
            {
                "record": COMPONENT_SUCCESS,
                "expr": f"1 - ({down} >= bool {needed(comp, voters)})",
                # The expression keeps the component label; naming it tells the rules apart.
                "labels": {"component": comp.id},
            }
        )
        rules.append(
            {"record": OBJECTIVE, "expr": f"vector({comp.target:g})", "labels": {"component": comp.id}}
        )
    for window in WINDOWS:
        rules.append(
            {"record": f"{ERROR_RATIO}{window}", "expr": f"1 - avg_over_time({COMPONENT_SUCCESS}[{window}])"}
        )
    return rules


def alerting_rules(settings: Settings) -> list[dict[str, Any]]:
    """Down, burn rates, and silence paged as unknown."""
    rules: list[dict[str, Any]] = [
        {
            "alert": "VigieComponentDown",
            "expr": f"{COMPONENT_SUCCESS} == 0",
            "for": "1m",
            "labels": {"severity": "page"},
            "annotations": {
                "summary": "{{ $labels.component }} is down, seen from a quorum of its agents",
            },
        }
    ]
    for severity, pairs, wait in BURN_RATES:
        rules.append(
            {
                "alert": "VigieErrorBudgetBurn",
                "expr": " or ".join(_burn(*pair) for pair in pairs),
                "for": wait,
                "labels": {"severity": severity},
                "annotations": {
                    "summary": "{{ $labels.component }} burns its error budget too fast",
                    "description": "Burn rate over the windows "
                    + ", ".join(f"{s}/{lo} above {f:g}" for s, lo, f in pairs)
                    + ". Contractual figures: vigie sla.",
                },
            }
        )
    for agent in settings.probes.agents:
        rules.append(
            {
                "alert": "VigieAgentAbsent",
                "expr": f'absent_over_time(vigie_agent_info{{agent="{agent.name}"}}[{ABSENT_AFTER}])',
                "labels": {"severity": "page", "agent": agent.name, "state": "unknown"},
                "annotations": {
                    "summary": f"agent {agent.name} sends nothing: its view is unknown, not up",
                },
            }
        )
    for comp in settings.probes.components:
        rules.append(
            {
                "alert": "VigieComponentUnmeasured",
                "expr": f'absent_over_time(vigie_probe_success{{component="{comp.id}"}}[{ABSENT_AFTER}])',
                "labels": {"severity": "page", "component": comp.id, "state": "unknown"},
                "annotations": {"summary": f"no agent measures {comp.id}: its state is unknown"},
            }
        )
    return rules


def artefacts(settings: Settings, catalog: Catalog | None) -> dict[str, str]:
    """The rule file, recording rules first (evaluated in order, in one group)."""
    groups = [
        {"name": "vigie-records", "rules": recording_rules(settings)},
        {"name": "vigie-alerts", "rules": alerting_rules(settings)},
    ]
    return {PATH: yaml.dump({"groups": groups}, header(settings, catalog))}
