"""`vigie deploy`: configuration for the engines people already run, written from config.toml
and the catalog. Each module of :data:`ARTEFACTS` has ``artefacts(settings, catalog)``, which
returns ``{relative path: file text}``; `vigie deploy --out DIR` writes them all.
"""

from __future__ import annotations

from vigie.console.deploy import alertmanager, grafana, prometheus, pyrra, rules, sloth

ARTEFACTS = (prometheus, rules, alertmanager, sloth, pyrra, grafana)
"""The artefact modules `vigie deploy` writes, in this order."""
