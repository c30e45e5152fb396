"""`vigie map ...`: the application map for architects (stats, impact, neighbours, paths, exports)."""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

import networkx as nx

from vigie.catalog.export import FORMATS, export
from vigie.catalog.graph import (
    GROUPINGS,
    ImpactDirection,
    Route,
    UnknownApplication,
    all_paths,
    betweenness_sample,
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
from vigie.kernel.text.language import MISSING, Language

EXIT_OK, EXIT_FINDING, EXIT_USAGE = 0, 1, 2

STATS_COLUMNS = ("applications", "active", "phase_out", "decommissioned", "other", "interfaces", "volume")
IMPACT_COLUMNS = ("direction", "hops", "application", "name", "via", "interfaces")
NEIGHBOUR_COLUMNS = ("application", "name", "interfaces", "protocols", "volume")
CRITICAL_COLUMNS = ("application", "name", "articulation", "cut_off", "betweenness")
FLOW_COLUMNS = ("from", "to", "interfaces", "volume")
FIELDS = (
    "id",
    "name",
    "description",
    "ministry",
    "domain",
    "category",
    "core",
    "lifecycle",
    "replaced_by",
    "security",
    "recovery",
    "personal_data",
    "interfaces",
    "homologations",
)


def _columns(lang: Language, names: tuple[str, ...]) -> list[str]:
    return [lang.t(f"cli.map.col.{name}") for name in names]


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


def load_map(args: argparse.Namespace) -> tuple[Catalog, Language]:
    """The catalog named by ``[catalog] path`` of the configuration (ConfigError when broken),
    with the language of ``[vigie] language`` for what the command prints."""
    settings = load_settings(config_path(getattr(args, "config", None)))
    if settings.catalog.path is None:
        raise ConfigError(
            [Problem(str(settings.file), None, "catalog.path", "not set: where is the catalog?")]
        )
    return load_catalog(settings.catalog.path), Language(settings.language)


def _name(catalog: Catalog, app: str) -> str:
    return catalog.applications[app].name if app in catalog.applications else app


def _group_label(lang: Language, by: str, key: str, label: str) -> str:
    """A group's name for people: phases, criticalities and protocols in the language."""
    return lang.label(f"catalog.{by}", key) if by in ("phase", "criticality", "protocol") else label


def run_stats(args: argparse.Namespace) -> int:
    """`vigie map stats`."""
    catalog, lang = load_map(args)
    groups = counts(catalog, args.by)
    if args.json:
        print_json([asdict(g) for g in groups])
        return EXIT_OK
    phases = [Phase.ACTIVE.value, Phase.PHASE_OUT.value, Phase.DECOMMISSIONED.value]
    columns = _columns(lang, STATS_COLUMNS)
    rows = []
    for g in groups:
        other = g.applications - sum(g.phases.get(p, 0) for p in phases)
        figures = [g.applications, *(g.phases.get(p, 0) for p in phases), other, g.interfaces]
        head = [g.zone or "", g.key] if args.by == "domain" else [_group_label(lang, args.by, g.key, g.label)]
        rows.append([*head, *(lang.number(f) for f in figures), lang.number(g.monthly_volume)])
    head_columns = [
        lang.t(f"catalog.grouping.{by}") for by in (("zone", "domain") if args.by == "domain" else (args.by,))
    ]
    if args.by != "protocol":
        # Counted over the catalog, not summed over the groups: an interface between two
        # groups counts in each of them, but once here.
        by_phase = Counter(a.lifecycle.phase.value for a in catalog.applications.values())
        total_apps = len(catalog.applications)
        live = [i for i in catalog.interfaces.values() if i.lifecycle.phase is not Phase.DECOMMISSIONED]
        figures = [
            total_apps,
            *(by_phase.get(p, 0) for p in phases),
            total_apps - sum(by_phase.get(p, 0) for p in phases),
            len(live),
        ]
        rows.append(
            [
                *([""] * (len(head_columns) - 1)),
                lang.t("common.total"),
                *(lang.number(f) for f in figures),
                lang.number(sum(i.monthly_volume or 0 for i in live)),
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
    catalog, lang = load_map(args)
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
    depth = lang.t("cli.map.any_depth") if args.depth is None else lang.plural("cli.map.depth", args.depth)
    summary = lang.t(
        "cli.map.impact",
        name=_name(catalog, app),
        id=app,
        direction=lang.label("catalog.direction", direction),
        depth=depth,
        colon=lang.colon,
        count=lang.plural("cli.map.apps", len(found)),
    )
    print(summary)
    # Each direction's label and each distance formatted once (through Babel: 0.5 to 1 s
    # for the 140,000 rows of a large map's impact, formatted row by row).
    labels = {way: lang.label("catalog.direction", way) for way in {r.direction for r in found}}
    hops = {distance: lang.number(distance) for distance in {r.distance for r in found}}
    rows = [
        [
            labels[r.direction],
            hops[r.distance],
            r.app,
            _name(catalog, r.app),
            r.via,
            ", ".join(r.interfaces),
        ]
        for r in found
    ]
    if rows:
        print_table(_columns(lang, IMPACT_COLUMNS), rows, right=(1,))
    return EXIT_OK


def run_neighbors(args: argparse.Namespace) -> int:
    """`vigie map neighbors APP`."""
    catalog, lang = load_map(args)
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
    summary = lang.t(
        "cli.map.neighbours",
        name=_name(catalog, app),
        id=app,
        colon=lang.colon,
        incoming=lang.plural("cli.map.apps", len(near.incoming)),
        outgoing=lang.plural("cli.map.apps", len(near.outgoing)),
    )
    print(summary)
    for title, items in (
        (lang.t("cli.map.incoming"), near.incoming),
        (lang.t("cli.map.outgoing"), near.outgoing),
    ):
        if items:
            rows = [
                [
                    x.app,
                    _name(catalog, x.app),
                    ", ".join(x.interfaces),
                    "/".join(lang.label("catalog.protocol", p) for p in x.protocols),
                    lang.number(x.volume) if x.volume else "",
                ]
                for x in items
            ]
            print_table(_columns(lang, NEIGHBOUR_COLUMNS), rows, title=title, right=(4,))
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
    catalog, lang = load_map(args)
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
    if not paths:
        print(
            lang.t(
                "cli.map.no_path",
                source=f"{_name(catalog, source)} ({source})",
                target=f"{_name(catalog, target)} ({target})",
            )
        )
        return EXIT_FINDING
    for path in paths:
        steps = [_name(catalog, path.apps[0])]
        for hop, app in zip(path.hops, path.apps[1:], strict=True):
            steps.append(f"--[{', '.join(hop)}]--> {_name(catalog, app)}")
        print(lang.plural("cli.map.hops", path.length, colon=lang.colon) + " ".join(steps))
    return EXIT_OK


def run_critical(args: argparse.Namespace) -> int:
    """`vigie map critical`."""
    catalog, lang = load_map(args)
    graph = build_graph(catalog)
    sample = betweenness_sample(graph)
    found = critical_nodes(graph, top=args.top, sample=sample)
    if sample is not None:
        sys.stderr.write(lang.t("cli.map.sampled", n=lang.number(sample)) + "\n")
    if args.json:
        print_json([{**asdict(c), "name": _name(catalog, c.app)} for c in found])
        return EXIT_OK
    rows = [
        [
            c.app,
            _name(catalog, c.app),
            lang.t("common.yes") if c.articulation else "",
            lang.number(c.cut_off) if c.cut_off else "",
            lang.number(c.betweenness, 4),
        ]
        for c in found
    ]
    print_table(_columns(lang, CRITICAL_COLUMNS), rows, right=(3, 4), title=lang.t("cli.map.critical"))
    return EXIT_OK


def run_flows(args: argparse.Namespace) -> int:
    """`vigie map flows`: the flow matrix as a list of non-empty cells, largest first."""
    catalog, lang = load_map(args)
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
    rows = [
        [a, b, lang.number(matrix.interfaces[a, b]), lang.number(matrix.volume.get((a, b), 0))]
        for a, b in cells
    ]
    title = lang.t("cli.map.flows", by=lang.t(f"cli.map.flows_by.{args.by}"))
    print_table(_columns(lang, FLOW_COLUMNS), rows, right=(2, 3), title=title)
    return EXIT_OK


def run_show(args: argparse.Namespace) -> int:
    """`vigie map show APP`."""
    catalog, lang = load_map(args)
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
    ministry = catalog.ministries.get(app.ministry)
    life = app.lifecycle
    dates = ", ".join(
        f"{lang.t(f'cli.map.date.{label}')} {day}"
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
        app.name + (lang.t("cli.map.placeholder") if app.placeholder else ""),
        app.description,
        f"{ministry.name} ({app.ministry})" if ministry else app.ministry,
        f"{app.domain} / {app.zone.value}",
        f"{app.category.value} / {lang.label('catalog.criticality', app.criticality)}",
        lang.t("common.yes" if app.core else "common.no"),
        lang.label("catalog.phase", life.phase) + (f" ({dates})" if dates else ""),
        "" if replaced is None else f"{_name(catalog, replaced)} ({replaced})",
        ""
        if needs is None
        else f"{needs.availability}/{needs.integrity}/{needs.confidentiality}/{needs.traceability}",
        f"{_hours(app.rto_hours, lang)} / {_hours(app.rpo_hours, lang)}",
        lang.t("common.yes" if app.personal_data else "common.no"),
        ", ".join(i.id for i in interfaces),
        ", ".join(homologations),
    ]
    fields = [lang.t(f"cli.map.field.{name}") for name in FIELDS]
    print_table(_columns(lang, ("field", "value")), list(zip(fields, values, strict=True)))
    return EXIT_OK


def _hours(value: float | None, lang: Language) -> str:
    # As many decimals as given (4, 0,5), none made up.
    return MISSING if value is None else lang.number(value, len(f"{value:g}".partition(".")[2]))


def run_export(args: argparse.Namespace) -> int:
    """`vigie map export --format F [--out FILE]`."""
    catalog, lang = load_map(args)
    graph: nx.DiGraph = build_graph(catalog, include_decommissioned=args.include_decommissioned)
    text = export(catalog, graph, args.format, lang)
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
    nodes, edges = lang.number(graph.number_of_nodes()), lang.number(graph.number_of_edges())
    sys.stderr.write(
        lang.t("cli.map.exported", out=out, colon=lang.colon, format=args.format, nodes=nodes, edges=edges)
        + "\n"
    )
    return EXIT_OK
