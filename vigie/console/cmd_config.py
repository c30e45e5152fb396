"""`vigie config check`: validate config.toml and the catalog it names."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from vigie.catalog.loader import load_catalog
from vigie.catalog.model import Catalog
from vigie.console.output import print_json, print_table
from vigie.console.settings import Settings, config_path, load_settings
from vigie.kernel.durations import format_duration
from vigie.kernel.text.language import Language
from vigie.probes.secrets import Secret

# What `vigie config check` says to people, by `[vigie] language`; --json keeps the English keys.
WORDS: dict[str, dict[str, Any]] = {
    "fr": {
        "summary": "{file}\u00a0: OK — {components} composants, {probes} sondes, "
        "{windows} fenêtres de maintenance, fuseau horaire {tz}",
        "columns": ["Composant", "Identifiant", "Cible", "Plage de service", "Capacité nominale", "Sondes"],
        "catalog": "{path}\u00a0: OK — {applications} applications ({core} du système central), "
        "{interfaces} interfaces, {ministries} ministères, {domains} domaines, {homologations} homologations",
    },
    "en": {
        "summary": "{file}: OK — {components} components, {probes} probes, "
        "{windows} maintenance windows, time zone {tz}",
        "columns": ["Component", "Id", "Target", "Schedule", "Nominal capacity", "Probes"],
        "catalog": "{path}: OK — {applications} applications ({core} core), "
        "{interfaces} interfaces, {ministries} ministries, {domains} domains, {homologations} homologations",
    },
}


def register(sub: Any) -> None:
    """Add `vigie config ...` to the CLI."""
    config = sub.add_parser("config", help="check the configuration")
    config_sub = config.add_subparsers(dest="config_command", metavar="COMMAND", parser_class=type(config))
    check = config_sub.add_parser(
        "check",
        help="validate config.toml and print the components with their SLA targets",
        description="Validate the configuration file; every problem is printed as "
        "file:line: key: message, and the exit status is 2 when there is any.",
    )
    check.add_argument("--config", metavar="FILE", default=argparse.SUPPRESS, help="configuration file")
    check.add_argument("--json", action="store_true", help="print the components as JSON")
    check.set_defaults(handler=run_check)
    config.set_defaults(handler=lambda args: config.print_help() or 2)


def run_check(args: argparse.Namespace) -> int:
    """Validate the configuration and print a summary of what it describes."""
    settings = load_settings(config_path(getattr(args, "config", None)))
    for warning in unset_secret_warnings(settings):
        sys.stderr.write(f"warning: {warning}\n")
    probes = settings.probes
    catalog = None
    if settings.catalog.path is not None and settings.catalog.path.exists():
        catalog = load_catalog(settings.catalog.path)
    elif settings.catalog.path is not None:
        # Not an error: probes and reports work without the map; `vigie map` says so loudly.
        sys.stderr.write(f"warning: {settings.catalog.path}: catalog not found (needed by `vigie map`)\n")
    if args.json:
        print_json([_component_json(settings, c.id) for c in probes.components])
        return 0
    words, lang = WORDS[settings.language], Language(settings.language)
    summary = words["summary"].format(
        file=settings.file,
        components=len(probes.components),
        probes=len(probes.probes),
        windows=len(probes.maintenance),
        tz=settings.timezone.key,
    )
    print(summary)
    rows = []
    for comp in probes.components:
        count = sum(1 for p in probes.probes if p.component == comp.id)
        cap = "-"
        if comp.capacity:  # `per` is one of the periods the catalogue names (checked on load)
            unit = lang.t(f"unit.per.{comp.capacity.per}")
            cap = f"{lang.number(comp.capacity.value)} {comp.capacity.unit}/{unit}"
        target = lang.target(comp.target) if settings.language == "fr" else f"{comp.target * 100:g} %"
        rows.append([comp.name, comp.id, target, comp.schedule.describe(), cap, count])
    print_table(words["columns"], rows, right=(2, 5))
    if catalog is not None:
        print(catalog_summary(catalog, settings.catalog.path, settings.language))
    return 0


def catalog_summary(catalog: Catalog, path: object, language: str = "fr") -> str:
    """One line: how many of each thing the catalog at ``path`` holds."""
    return str(WORDS[language]["catalog"]).format(
        path=path,
        applications=len(catalog.applications),
        core=sum(1 for a in catalog.applications.values() if a.core),
        interfaces=len(catalog.interfaces),
        ministries=len(catalog.ministries),
        domains=len(catalog.domains),
        homologations=len(catalog.homologations),
    )


def _component_json(settings: Settings, component_id: str) -> dict[str, Any]:
    comp = settings.probes.component(component_id)
    return {
        "id": comp.id,
        "name": comp.name,
        "target": comp.target,
        "schedule": comp.schedule.describe(),
        "capacity": None
        if comp.capacity is None
        else {"value": comp.capacity.value, "unit": comp.capacity.unit, "per": comp.capacity.per},
        "probes": [p.id for p in settings.probes.probes if p.component == comp.id],
        "latency_threshold_s": comp.latency_threshold,
        "maintenance": [
            m.id for m in settings.probes.maintenance if comp.id in m.components or "*" in m.components
        ],
        "retention": format_duration(settings.probes.store.retention),
    }


def unset_secret_warnings(settings: Settings) -> list[str]:
    """Secrets whose environment variables are not set now (names only, never values)."""
    secrets: list[tuple[str, Secret | None]] = []
    for probe in settings.probes.probes:
        for name, value in getattr(probe.options, "headers", ()):
            secrets.append((f"probe '{probe.id}' header {name}", value))
        secrets.append((f"probe '{probe.id}' token", getattr(probe.options, "token", None)))
    secrets.append(("[alerts] webhook", settings.probes.alerts.webhook))
    glpi = settings.tickets.glpi
    if glpi is not None:
        secrets += [("tickets.glpi user_token", glpi.user_token), ("tickets.glpi app_token", glpi.app_token)]
    return [
        f"{label} uses ${{{var}}}, which is not set"
        for label, secret in secrets
        if isinstance(secret, Secret)
        for var in secret.variables
        if var not in os.environ
    ]
