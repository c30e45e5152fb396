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
from vigie.kernel.problems import ConfigError, Problem
from vigie.kernel.text.language import MISSING, Language
from vigie.kernel.tomlfile import Document
from vigie.probes.secrets import Secret, literal_header_secret, literal_url_secret
from vigie.reports.flows import path_problems

COLUMNS = ("component", "id", "target", "schedule", "capacity", "probes")


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
    for warning in [*literal_secret_warnings(settings), *unset_secret_warnings(settings)]:
        sys.stderr.write(f"warning: {warning}\n")
    probes = settings.probes
    catalog = None
    if settings.catalog.path is not None and settings.catalog.path.exists():
        catalog = load_catalog(settings.catalog.path)
        # The [[flows]] paths against the map: applications it has, interfaces that carry them.
        problems = path_problems(settings.flows, catalog, settings.file)
        if problems:
            raise ConfigError(problems)
    elif settings.catalog.path is not None:
        # Not an error: probes and reports work without the map; `vigie map` says so loudly.
        sys.stderr.write(f"warning: {settings.catalog.path}: catalog not found (needed by `vigie map`)\n")
    if args.json:
        print_json([_component_json(settings, c.id) for c in probes.components])
        return 0
    lang = Language(settings.language)
    summary = lang.t(
        "cli.config.summary",
        file=settings.file,
        components=lang.number(len(probes.components)),
        probes=lang.number(len(probes.probes)),
        windows=lang.number(len(probes.maintenance)),
        tz=settings.timezone.key,
    )
    print(summary)
    rows = []
    for comp in probes.components:
        count = sum(1 for p in probes.probes if p.component == comp.id)
        cap = MISSING
        if comp.capacity:  # `per` is one of the periods the catalogue names (checked on load)
            cap = lang.t(
                "cli.config.capacity",
                value=lang.number(comp.capacity.value),
                unit=comp.capacity.unit,
                per=lang.t(f"unit.per.{comp.capacity.per}"),
            )
        rows.append(
            [
                comp.name,
                comp.id,
                lang.target(comp.target),
                comp.schedule.describe(lang),
                cap,
                lang.number(count),
            ]
        )
    print_table([lang.t(f"cli.config.col.{c}") for c in COLUMNS], rows, right=(2, 5))
    if catalog is not None:
        print(catalog_summary(catalog, settings.catalog.path, settings.language))
    return 0


def catalog_summary(catalog: Catalog, path: object, language: str = "fr") -> str:
    """One line: how many of each thing the catalog at ``path`` holds."""
    lang = Language(language)
    return lang.t(
        "cli.config.catalog",
        path=path,
        applications=lang.number(len(catalog.applications)),
        core=lang.number(sum(1 for a in catalog.applications.values() if a.core)),
        interfaces=lang.number(len(catalog.interfaces)),
        ministries=lang.number(len(catalog.ministries)),
        domains=lang.number(len(catalog.domains)),
        homologations=lang.number(len(catalog.homologations)),
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


USE_ENV = 'a literal secret: write it as "${ENV_VAR}" and set the variable in the environment'


def literal_secret_warnings(settings: Settings) -> list[Problem]:
    """Credentials written in the file itself (a probe's Authorization header, a webhook URL
    holding a token), each located by file and line."""
    doc = Document.load(settings.file)
    found: list[Problem] = []
    for index, probe in enumerate(doc.data.get("probes", [])):
        headers = probe.get("headers") if isinstance(probe, dict) else None
        for name, value in (headers or {}).items() if isinstance(headers, dict) else ():
            if isinstance(value, str) and literal_header_secret(name, Secret(value)):
                path = ("probes", index, "headers", name)
                found.append(
                    Problem(doc.file, doc.line_of(path), f"probes[{index + 1}].headers.{name}", USE_ENV)
                )
    alerts = doc.data.get("alerts")
    webhook = alerts.get("webhook") if isinstance(alerts, dict) else None
    if isinstance(webhook, str) and literal_url_secret(Secret(webhook)):
        found.append(Problem(doc.file, doc.line_of(("alerts", "webhook")), "alerts.webhook", USE_ENV))
    return sorted(found, key=lambda problem: problem.line or 0)
