"""``prometheus/prometheus.yml``: a scrape job per agent, external labels, the rule files.

Two identical Prometheus servers (high availability) differ only by their ``replica``
external label: set it to ``B`` on the second; Thanos, Mimir or VictoriaMetrics de-duplicate
on it (see docs/scaling.md).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from vigie.catalog.model import Catalog
from vigie.console.deploy import yaml
from vigie.console.deploy.common import header, scrape_interval
from vigie.console.settings import Settings
from vigie.kernel.durations import format_duration

PATH = "prometheus/prometheus.yml"


def alertmanagers(urls: tuple[str, ...]) -> list[dict[str, Any]]:
    """``[alerts] alertmanager``'s addresses (``scheme://host:port``) as Prometheus's alerting
    targets, one entry per scheme, so the rules' alerts reach the daemon's Alertmanager."""
    by_scheme: dict[str, list[str]] = {}
    for url in urls:
        parts = urlsplit(url)
        by_scheme.setdefault(parts.scheme, []).append(parts.netloc)
    return [{"scheme": scheme, "static_configs": [{"targets": hosts}]} for scheme, hosts in by_scheme.items()]


def artefacts(settings: Settings, catalog: Catalog | None) -> dict[str, str]:
    """The Prometheus configuration scraping every ``[[agents]]`` entry."""
    agents = settings.probes.agents
    intervals = {a.name: scrape_interval(settings, a.name) for a in agents}
    evaluation = min(intervals.values(), default=30.0)
    jobs = []
    for agent in agents:
        interval = intervals[agent.name]
        jobs.append(
            {
                "job_name": f"vigie-agent-{agent.name}",
                "scrape_interval": format_duration(interval),
                # A scrape never outlasts its interval: a late answer is a gap, not a shifted sample.
                "scrape_timeout": format_duration(min(interval, 10.0)),
                "metrics_path": "/metrics",
                "static_configs": [{"targets": [agent.target], "labels": {"site": agent.name}}],
            }
        )
    config = {
        "global": {
            "scrape_interval": format_duration(evaluation),
            "evaluation_interval": format_duration(max(evaluation, 1.0)),
            "external_labels": {"monitor": "vigie", "replica": "A"},
        },
        "rule_files": ["rules/*.yml"],
        "scrape_configs": jobs,
    }
    if settings.probes.alerts.alertmanager:
        config["alerting"] = {"alertmanagers": alertmanagers(settings.probes.alerts.alertmanager)}
    return {PATH: yaml.dump(config, header(settings, catalog))}
