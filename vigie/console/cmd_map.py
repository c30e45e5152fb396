"""`vigie map ...`: the application map for architects (stats, impact, neighbours, paths, exports)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

import networkx as nx

from vigie.catalog.export import FORMATS, export
from vigie.catalog.graph import (
    BETWEENNESS_SAMPLE,
    EXACT_BETWEENNESS_LIMIT,
    GROUPINGS,
    ImpactDirection,
    Route,
    UnknownApplication,
    all_paths,
    build_graph,
    counts,
    critical_nodes,
    find_application,
    flow_matrix,
    impact,
    neighbours,
    shortest_path,
)
from vigie.catalog.loader import load_catalog
from vigie.catalog.model import Catalog, Phase
from vigie.console.output import print_json, print_table
from vigie.console.settings import config_path, load_settings
from vigie.kernel.problems import ConfigError, Problem
from vigie.kernel.text.language import Language

EXIT_OK, EXIT_FINDING, EXIT_USAGE = 0, 1, 2

# What `vigie map` says to people, by `[vigie] language`; --json keeps the English keys.
WORDS: dict[str, dict[str, Any]] = {
    "fr": {
        "groupings": {
            "domain": "Domaine",
            "zone": "Zone",
            "ministry": "Ministère",
            "category": "Catégorie",
            "criticality": "Criticité",
            "phase": "Cycle de vie",
            "protocol": "Protocole",
        },
        "stats_columns": [
            "Applications",
            "En service",
            "En extinction",
            "Décommissionnées",
            "En projet/déploiement",
            "Interfaces",
            "Flux/mois",
        ],
        "total": "Total",
        "phases": {
            "plan": "en projet",
            "phase-in": "en déploiement",
            "active": "en service",
            "phase-out": "en extinction",
            "decommissioned": "décommissionnée",
        },
        "criticalities": {"low": "faible", "medium": "moyenne", "high": "élevée", "critical": "critique"},
        "protocols": {"edi": "EDI (fichiers)", "api": "API", "cre": "CRE (comptes rendus)", "other": "autre"},
        "directions": {"down": "en aval", "up": "en amont", "both": "en amont et en aval"},
        "apps": ("{n} application", "{n} applications"),
        "impact": "{name} ({id}) — impact {direction}, {depth}\u00a0: {count}",
        "any_depth": "sans limite de distance",
        "depth": ("jusqu'à {n} saut", "jusqu'à {n} sauts"),
        "impact_columns": ["Sens", "Sauts", "Application", "Nom", "Via", "Interfaces"],
        "neighbours": "{name} ({id})\u00a0: {incoming} en amont, {outgoing} en aval",
        "incoming": "En amont (lui envoient des flux)",
        "outgoing": "En aval (reçoivent ses flux)",
        "neighbour_columns": ["Application", "Nom", "Interfaces", "Protocoles", "Flux/mois"],
        "no_path": "aucun chemin de {source} vers {target} en suivant le sens des flux",
        "hops": ("{n} saut\u00a0: ", "{n} sauts\u00a0: "),
        "critical": "Applications critiques (points de défaillance unique d'abord, puis intermédiarité)",
        "critical_columns": [
            "Application",
            "Nom",
            "Point de défaillance unique",
            "Applications isolées",
            "Intermédiarité",
        ],
        "sampled": "note\u00a0: intermédiarité estimée à partir de {n} sources (grande cartographie)\n",
        "yes": "oui",
        "no": "non",
        "flows": "Flux par {by}",
        "flows_by": {"zone": "zone", "domain": "domaine", "ministry": "ministère", "category": "catégorie"},
        "flow_columns": ["De", "Vers", "Interfaces", "Flux/mois"],
        "show_columns": ["Rubrique", "Valeur"],
        "placeholder": " (provisoire)",
        "dates": {
            "phase-in": "déploiement",
            "active": "mise en service",
            "phase-out": "extinction",
            "decommission": "décommissionnement",
        },
        "fields": [
            "Identifiant",
            "Nom",
            "Description",
            "Ministère",
            "Domaine / zone",
            "Catégorie / criticité",
            "Composant du système central",
            "Cycle de vie",
            "Remplacée par",
            "Besoins de sécurité D/I/C/T",
            "RTO / RPO (heures)",
            "Données personnelles",
            "Interfaces",
            "Homologations",
        ],
        "exported": "{out}\u00a0: {format}, {nodes} applications, {edges} liens\n",
    },
    "en": {
        "groupings": {
            "domain": "Domain",
            "zone": "Zone",
            "ministry": "Ministry",
            "category": "Category",
            "criticality": "Criticality",
            "phase": "Phase",
            "protocol": "Protocol",
        },
        "stats_columns": [
            "Applications",
            "Active",
            "Phase-out",
            "Decommissioned",
            "Plan/phase-in",
            "Interfaces",
            "Flows/month",
        ],
        "total": "Total",
        "phases": {
            "plan": "plan",
            "phase-in": "phase-in",
            "active": "active",
            "phase-out": "phase-out",
            "decommissioned": "decommissioned",
        },
        "criticalities": {"low": "low", "medium": "medium", "high": "high", "critical": "critical"},
        "protocols": {"edi": "edi", "api": "api", "cre": "cre", "other": "other"},
        "directions": {"down": "down", "up": "up", "both": "both"},
        "apps": ("{n} application", "{n} applications"),
        "impact": "{name} ({id}) — impact {direction}, {depth}: {count}",
        "any_depth": "any depth",
        "depth": ("depth {n}", "depth {n}"),
        "impact_columns": ["Direction", "Hops", "Application", "Name", "Via", "Interfaces"],
        "neighbours": "{name} ({id}): {incoming} incoming, {outgoing} outgoing",
        "incoming": "Incoming (sends to it)",
        "outgoing": "Outgoing (receives from it)",
        "neighbour_columns": ["Application", "Name", "Interfaces", "Protocols", "Flows/month"],
        "no_path": "no path from {source} to {target} following the flows",
        "hops": ("{n} hop: ", "{n} hops: "),
        "critical": "Critical applications (articulation points first, then betweenness)",
        "critical_columns": ["Application", "Name", "Single point of failure", "Cuts off", "Betweenness"],
        "sampled": "note: betweenness estimated from {n} sources (large map)\n",
        "yes": "yes",
        "no": "no",
        "flows": "Flows by {by}",
        "flows_by": {"zone": "zone", "domain": "domain", "ministry": "ministry", "category": "category"},
        "flow_columns": ["From", "To", "Interfaces", "Flows/month"],
        "show_columns": ["Field", "Value"],
        "placeholder": " (placeholder)",
        "dates": {
            "phase-in": "phase-in",
            "active": "active",
            "phase-out": "phase-out",
            "decommission": "decommission",
        },
        "fields": [
            "Id",
            "Name",
            "Description",
            "Ministry",
            "Domain / zone",
            "Category / criticality",
            "Core component",
            "Lifecycle",
            "Replaced by",
            "Security needs D/I/C/T",
            "RTO / RPO (hours)",
            "Personal data",
            "Interfaces",
            "Homologations",
        ],
        "exported": "{out}: {format}, {nodes} applications, {edges} links\n",
    },
}


def register(sub: Any) -> None:
    """Add `vigie map ...` to the CLI."""
    parser = sub.add_parser("map", help="query and export the application map (catalog)")
    commands = parser.add_subparsers(dest="map_command", metavar="COMMAND", parser_class=type(parser))

    def command(
        name: str, help_text: str, handler: Callable[[argparse.Namespace], int]
    ) -> argparse.ArgumentParser:
        cmd: argparse.ArgumentParser = commands.add_parser(name, help=help_text, description=help_text)
        cmd.add_argument("--config", metavar="FILE", default=argparse.SUPPRESS, help="configuration file")
        cmd.add_argument("--json", action="store_true", help="print JSON for scripts")
        cmd.set_defaults(handler=_guarded(handler))
        return cmd

    stats = command("stats", "count applications and interfaces by domain, zone, ministry...", run_stats)
    stats.add_argument("--by", choices=GROUPINGS, default="domain", help="grouping (default: domain)")

    imp = command("impact", "what stops if APP stops (down), what APP depends on (up), or both", run_impact)
    imp.add_argument("app", metavar="APP", help="application id or name (any case)")
    imp.add_argument("--direction", choices=[d.value for d in ImpactDirection], default="down")
    imp.add_argument(
        "--depth", type=_positive, default=None, metavar="N", help="at most N hops (default: no limit)"
    )

    near = command(
        "neighbors", "the applications APP exchanges with, and through which interfaces", run_neighbors
    )
    near.add_argument("app", metavar="APP", help="application id or name")

    path = command("path", "how data gets from FROM to TO (shortest path, or --all)", run_path)
    path.add_argument("source", metavar="FROM", help="application id or name")
    path.add_argument("target", metavar="TO", help="application id or name")
    path.add_argument("--all", action="store_true", help="every simple path, shortest first")
    path.add_argument("--max-hops", type=_positive, default=6, metavar="N", help="with --all (default 6)")
    path.add_argument("--limit", type=_positive, default=20, metavar="N", help="with --all (default 20)")

    critical = command(
        "critical", "single points of failure (articulation points) and busiest hubs", run_critical
    )
    critical.add_argument("--top", type=_positive, default=20, metavar="N", help="how many (default 20)")

    flows = command("flows", "flow matrix: interfaces and monthly volumes from group to group", run_flows)
    flows.add_argument("--by", choices=("zone", "domain", "ministry", "category"), default="zone")

    show = command("show", "everything the catalog says about APP", run_show)
    show.add_argument("app", metavar="APP", help="application id or name")

    exp = command("export", "write the map as GraphML, GEXF, DOT, Mermaid, JSON or SVG", run_export)
    exp.add_argument("--format", choices=FORMATS, required=True)
    exp.add_argument("--out", metavar="FILE", help="output file (default: standard output)")
    exp.add_argument(
        "--include-decommissioned", action="store_true", help="keep decommissioned interfaces as edges"
    )
    parser.set_defaults(handler=lambda args: parser.print_help() or EXIT_USAGE)


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} must be at least 1")
    return value


def _guarded(handler: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """An unknown application is the user's mistake: one line with suggestions, exit 2."""

    def run(args: argparse.Namespace) -> int:
        try:
            return handler(args)
        except UnknownApplication as exc:
            sys.stderr.write(f"vigie: error: {exc}\n")
            return EXIT_USAGE

    return run


def load_map(args: argparse.Namespace) -> tuple[Catalog, str]:
    """The catalog named by ``[catalog] path`` of the configuration (ConfigError when broken),
    with the language of ``[vigie] language`` for what the command prints."""
    settings = load_settings(config_path(getattr(args, "config", None)))
    if settings.catalog.path is None:
        raise ConfigError(
            [Problem(str(settings.file), None, "catalog.path", "not set: where is the catalog?")]
        )
    return load_catalog(settings.catalog.path), settings.language


def _name(catalog: Catalog, app: str) -> str:
    return catalog.applications[app].name if app in catalog.applications else app


def _count(words: dict[str, Any], key: str, n: int, language: str) -> str:
    """``words[key]`` (singular, plural) for ``n``: French takes the singular for 0 and 1."""
    one, many = words[key]
    singular = n <= 1 if language == "fr" else n == 1
    return str(one if singular else many).format(n=n)


def _group_label(words: dict[str, Any], by: str, key: str, label: str) -> str:
    """A group's name for people: phases, criticalities and protocols in the language."""
    table = {"phase": "phases", "criticality": "criticalities", "protocol": "protocols"}.get(by)
    return str(words[table].get(key, key)) if table else label


def run_stats(args: argparse.Namespace) -> int:
    """`vigie map stats`."""
    catalog, language = load_map(args)
    groups = counts(catalog, args.by)
    if args.json:
        print_json([asdict(g) for g in groups])
        return EXIT_OK
    words, lang = WORDS[language], Language(language)
    phases = [Phase.ACTIVE.value, Phase.PHASE_OUT.value, Phase.DECOMMISSIONED.value]
    columns = words["stats_columns"]
    rows = []
    for g in groups:
        other = g.applications - sum(g.phases.get(p, 0) for p in phases)
        figures = [g.applications, *(g.phases.get(p, 0) for p in phases), other, g.interfaces]
        head = (
            [g.zone or "", g.key] if args.by == "domain" else [_group_label(words, args.by, g.key, g.label)]
        )
        rows.append([*head, *(lang.number(f) for f in figures), lang.number(g.monthly_volume)])
    headings = words["groupings"]
    head_columns = [headings["zone"], headings["domain"]] if args.by == "domain" else [headings[args.by]]
    if args.by != "protocol":
        total_apps = lang.number(len(catalog.applications))
        live = sum(1 for i in catalog.interfaces.values() if i.lifecycle.phase is not Phase.DECOMMISSIONED)
        rows.append(
            [
                *([""] * (len(head_columns) - 1)),
                words["total"],
                total_apps,
                "",
                "",
                "",
                "",
                lang.number(live),
                "",
            ]
        )
    first = len(head_columns)
    print_table([*head_columns, *columns], rows, right=tuple(range(first, first + len(columns))))
    return EXIT_OK


def _reach_json(catalog: Catalog, reach: Any) -> dict[str, Any]:
    return {
        "app": reach.app,
        "name": _name(catalog, reach.app),
        "direction": reach.direction.value,
        "distance": reach.distance,
        "via": reach.via,
        "interfaces": list(reach.interfaces),
    }


def run_impact(args: argparse.Namespace) -> int:
    """`vigie map impact APP`."""
    catalog, language = load_map(args)
    graph = build_graph(catalog)
    app = find_application(graph, args.app)
    direction = ImpactDirection(args.direction)
    found = impact(graph, app, direction, args.depth)
    if args.json:
        print_json(
            {
                "app": app,
                "name": _name(catalog, app),
                "direction": direction.value,
                "depth": args.depth,
                "reached": [_reach_json(catalog, r) for r in found],
            }
        )
        return EXIT_OK
    words = WORDS[language]
    directions = words["directions"]
    depth = words["any_depth"] if args.depth is None else _count(words, "depth", args.depth, language)
    summary = words["impact"].format(
        name=_name(catalog, app),
        id=app,
        direction=directions[direction.value],
        depth=depth,
        count=_count(words, "apps", len(found), language),
    )
    print(summary)
    rows = [
        [
            directions[r.direction.value],
            r.distance,
            r.app,
            _name(catalog, r.app),
            r.via,
            ", ".join(r.interfaces),
        ]
        for r in found
    ]
    if rows:
        print_table(words["impact_columns"], rows, right=(1,))
    return EXIT_OK


def run_neighbors(args: argparse.Namespace) -> int:
    """`vigie map neighbors APP`."""
    catalog, language = load_map(args)
    graph = build_graph(catalog)
    app = find_application(graph, args.app)
    near = neighbours(graph, app)

    def links(items: list[Any]) -> list[dict[str, Any]]:
        return [{**asdict(link), "name": _name(catalog, link.app)} for link in items]

    if args.json:
        print_json(
            {
                "app": app,
                "name": _name(catalog, app),
                "incoming": links(near.incoming),
                "outgoing": links(near.outgoing),
            }
        )
        return EXIT_OK
    words, lang = WORDS[language], Language(language)
    summary = words["neighbours"].format(
        name=_name(catalog, app),
        id=app,
        incoming=_count(words, "apps", len(near.incoming), language),
        outgoing=_count(words, "apps", len(near.outgoing), language),
    )
    print(summary)
    for title, items in ((words["incoming"], near.incoming), (words["outgoing"], near.outgoing)):
        if items:
            rows = [
                [
                    x.app,
                    _name(catalog, x.app),
                    ", ".join(x.interfaces),
                    "/".join(x.protocols),
                    lang.number(x.volume) if x.volume else "",
                ]
                for x in items
            ]
            print_table(words["neighbour_columns"], rows, title=title, right=(4,))
    return EXIT_OK


def _path_json(catalog: Catalog, path: Route) -> dict[str, Any]:
    return {
        "apps": list(path.apps),
        "names": [_name(catalog, a) for a in path.apps],
        "hops": [list(h) for h in path.hops],
        "length": path.length,
    }


def run_path(args: argparse.Namespace) -> int:
    """`vigie map path FROM TO`: exit 1 when no path exists."""
    catalog, language = load_map(args)
    graph = build_graph(catalog)
    source, target = find_application(graph, args.source), find_application(graph, args.target)
    if args.all:
        paths = all_paths(graph, source, target, cutoff=args.max_hops, limit=args.limit)
    else:
        best = shortest_path(graph, source, target)
        paths = [] if best is None else [best]
    if args.json:
        print_json([_path_json(catalog, p) for p in paths])
        return EXIT_OK if paths else EXIT_FINDING
    words = WORDS[language]
    if not paths:
        print(
            words["no_path"].format(
                source=f"{_name(catalog, source)} ({source})", target=f"{_name(catalog, target)} ({target})"
            )
        )
        return EXIT_FINDING
    for path in paths:
        steps = [_name(catalog, path.apps[0])]
        for hop, app in zip(path.hops, path.apps[1:], strict=True):
            steps.append(f"--[{', '.join(hop)}]--> {_name(catalog, app)}")
        print(_count(words, "hops", path.length, language) + " ".join(steps))
    return EXIT_OK


def run_critical(args: argparse.Namespace) -> int:
    """`vigie map critical`."""
    catalog, language = load_map(args)
    graph = build_graph(catalog)
    found = critical_nodes(graph, top=args.top)
    words, lang = WORDS[language], Language(language)
    if graph.number_of_nodes() > EXACT_BETWEENNESS_LIMIT:
        sys.stderr.write(words["sampled"].format(n=BETWEENNESS_SAMPLE))
    if args.json:
        print_json([{**asdict(c), "name": _name(catalog, c.app)} for c in found])
        return EXIT_OK
    rows = [
        [
            c.app,
            _name(catalog, c.app),
            words["yes"] if c.articulation else "",
            c.cut_off or "",
            lang.number(c.betweenness, 4),
        ]
        for c in found
    ]
    print_table(words["critical_columns"], rows, right=(3, 4), title=words["critical"])
    return EXIT_OK


def run_flows(args: argparse.Namespace) -> int:
    """`vigie map flows`: the flow matrix as a list of non-empty cells, largest first."""
    catalog, language = load_map(args)
    matrix = flow_matrix(catalog, args.by)
    cells = sorted(matrix.interfaces, key=lambda c: (-matrix.volume.get(c, 0), -matrix.interfaces[c], c))
    if args.json:
        print_json(
            {
                "by": matrix.by,
                "keys": matrix.keys,
                "cells": [
                    {
                        "from": a,
                        "to": b,
                        "interfaces": matrix.interfaces[a, b],
                        "monthly_volume": matrix.volume.get((a, b), 0),
                    }
                    for a, b in cells
                ],
                "total_monthly_volume": matrix.total(),
            }
        )
        return EXIT_OK
    words, lang = WORDS[language], Language(language)
    rows = [
        [a, b, lang.number(matrix.interfaces[a, b]), lang.number(matrix.volume.get((a, b), 0))]
        for a, b in cells
    ]
    title = words["flows"].format(by=words["flows_by"][args.by])
    print_table(words["flow_columns"], rows, right=(2, 3), title=title)
    return EXIT_OK


def run_show(args: argparse.Namespace) -> int:
    """`vigie map show APP`."""
    catalog, language = load_map(args)
    graph = build_graph(catalog, include_decommissioned=True)
    app = catalog.applications[find_application(graph, args.app)]
    interfaces = [i for i in catalog.interfaces.values() if app.id in (i.source, i.target)]
    homologations = [h.id for h in catalog.homologations.values() if app.id in h.applications]
    if args.json:
        data = asdict(app)
        data["interfaces"] = [i.id for i in interfaces]
        data["homologations"] = homologations
        print_json(data)
        return EXIT_OK
    words = WORDS[language]
    ministry = catalog.ministries.get(app.ministry)
    life = app.lifecycle
    dates = ", ".join(
        f"{words['dates'][label]} {day}"
        for label, day in (
            ("phase-in", life.phase_in_on),
            ("active", life.active_on),
            ("phase-out", life.phase_out_on),
            ("decommission", life.decommission_on),
        )
        if day is not None
    )
    needs = app.security
    replaced = life.replaced_by
    values = [
        app.id,
        app.name + (words["placeholder"] if app.placeholder else ""),
        app.description,
        f"{ministry.name} ({app.ministry})" if ministry else app.ministry,
        f"{app.domain} / {app.zone.value}",
        f"{app.category.value} / {words['criticalities'][app.criticality.value]}",
        words["yes"] if app.core else words["no"],
        words["phases"][life.phase.value] + (f" ({dates})" if dates else ""),
        "" if replaced is None else f"{_name(catalog, replaced)} ({replaced})",
        ""
        if needs is None
        else f"{needs.availability}/{needs.integrity}/{needs.confidentiality}/{needs.traceability}",
        f"{_hours(app.rto_hours, language)} / {_hours(app.rpo_hours, language)}",
        words["yes"] if app.personal_data else words["no"],
        ", ".join(i.id for i in interfaces),
        ", ".join(homologations),
    ]
    print_table(words["show_columns"], list(zip(words["fields"], values, strict=True)))
    return EXIT_OK


def _hours(value: float | None, language: str) -> str:
    if value is None:
        return "-"
    text = f"{value:g}"
    return text.replace(".", ",") if language == "fr" else text


def run_export(args: argparse.Namespace) -> int:
    """`vigie map export --format F [--out FILE]`."""
    catalog, language = load_map(args)
    graph: nx.DiGraph = build_graph(catalog, include_decommissioned=args.include_decommissioned)
    text = export(catalog, graph, args.format)
    if args.out is None:
        sys.stdout.write(text)
        return EXIT_OK
    out = Path(args.out)
    try:
        # Written beside the target then renamed, so a failed export never leaves half a file.
        partial = out.with_name(out.name + ".partial")
        partial.write_text(text, encoding="utf-8")
        partial.replace(out)
    except OSError as exc:
        sys.stderr.write(f"vigie: error: {out}: cannot write: {exc.strerror or exc}\n")
        return EXIT_USAGE
    sys.stderr.write(
        WORDS[language]["exported"].format(
            out=out, format=args.format, nodes=graph.number_of_nodes(), edges=graph.number_of_edges()
        )
    )
    return EXIT_OK
