"""Exports of the application map: GraphML, GEXF, DOT, Mermaid, JSON and the SVG "marguerite".

GraphML and GEXF come from networkx's writers (lists become ``|``-joined strings, which both
formats require); DOT and Mermaid are written from the graph's data so that no Graphviz
binding is needed; the marguerite is drawn here (plain SVG, no script).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape, quoteattr

import networkx as nx
import orjson

from vigie.catalog.graph import build_graph
from vigie.catalog.model import Application, Catalog, Phase, Zone
from vigie.kernel.gcpause import gc_paused
from vigie.kernel.text.language import Language

FORMATS = ("graphml", "gexf", "dot", "mermaid", "json", "svg")

#: One colour per POS zone (petals, domain bands, DOT fills).
ZONE_COLOURS: dict[str, str] = {
    Zone.METIER.value: "#2f6db3",
    Zone.PILOTAGE.value: "#8a4fb0",
    Zone.RESSOURCES.value: "#2e8b57",
    Zone.DONNEES.value: "#d4871c",
    Zone.ECHANGES.value: "#c23b3b",
}
GREY = "#b8b8b8"


def _flat(data: dict[str, Any]) -> dict[str, Any]:
    """Attributes as GraphML and GEXF take them: lists joined by ``|``, unknown ones left out."""
    return {
        k: "|".join(map(str, v)) if isinstance(v, list | tuple) else v
        for k, v in data.items()
        if v is not None
    }


_XML_TYPES = {bool: "boolean", int: "long", float: "double", str: "string"}


def _declared(items: list[dict[str, Any]], first: int) -> dict[str, tuple[str, str]]:
    """Each attribute name, in first-seen order, with its id (numbered from ``first``) and XML
    type (``string`` when its values are of several types)."""
    types: dict[str, set[type]] = {}
    for data in items:
        for name, value in data.items():
            types.setdefault(name, set()).add(type(value))
    return {
        name: (str(first + k), _XML_TYPES.get(next(iter(seen)), "string") if len(seen) == 1 else "string")
        for k, (name, seen) in enumerate(types.items())
    }


def _flat_graph(graph: nx.DiGraph) -> tuple[list[Any], list[Any], dict[str, Any], dict[str, Any]]:
    """The nodes and links with flat attributes, and the node then link attributes declared
    (numbered on from the nodes'), as GraphML and GEXF both want them."""
    nodes = [(node, _flat(attrs)) for node, attrs in graph._node.items()]
    edges = [
        (source, target, _flat(attrs))
        for source, targets in graph._succ.items()
        for target, attrs in targets.items()
    ]
    node_keys = _declared([attrs for _, attrs in nodes], 0)
    edge_keys = _declared([attrs for _, _, attrs in edges], len(node_keys))
    return nodes, edges, node_keys, edge_keys


def _text(value: Any) -> str:
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


def _attvalues(keys: dict[str, tuple[str, str]], attrs: dict[str, Any]) -> list[str]:
    """A GEXF node's or link's values (nothing when it has none)."""
    if not attrs:
        return []
    values = [
        f'          <attvalue for="{keys[k][0]}" value={quoteattr(_text(v))} />' for k, v in attrs.items()
    ]
    return ["        <attvalues>", *values, "        </attvalues>"]


def to_graphml(graph: nx.DiGraph) -> str:
    """GraphML (yEd, Gephi, Cytoscape), written line by line: networkx's writer builds an
    element tree first (30 s for a 500,000-link map)."""
    with gc_paused():  # a few strings per node and link, none in a cycle
        nodes, edges, node_keys, edge_keys = _flat_graph(graph)
        lines = [
            "<?xml version='1.0' encoding='utf-8'?>",
            '<graphml xmlns="http://graphml.graphdrawing.org/xmlns" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
            'xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns '
            'http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">',
        ]
        for kind, keys in (("node", node_keys), ("edge", edge_keys)):
            lines += [
                f'  <key id="d{key}" for="{kind}" attr.name={quoteattr(name)} attr.type="{xml_type}" />'
                for name, (key, xml_type) in keys.items()
            ]
        lines.append('  <graph edgedefault="directed">')
        for node, attrs in nodes:
            lines.append(f"    <node id={quoteattr(str(node))}>")
            lines += [
                f'      <data key="d{node_keys[k][0]}">{escape(_text(v))}</data>' for k, v in attrs.items()
            ]
            lines.append("    </node>")
        for source, target, attrs in edges:
            lines.append(f"    <edge source={quoteattr(str(source))} target={quoteattr(str(target))}>")
            lines += [
                f'      <data key="d{edge_keys[k][0]}">{escape(_text(v))}</data>' for k, v in attrs.items()
            ]
            lines.append("    </edge>")
        lines += ["  </graph>", "</graphml>", ""]
        return "\n".join(lines)


def to_gexf(graph: nx.DiGraph) -> str:
    """GEXF 1.2 (Gephi), written line by line (see :func:`to_graphml`)."""
    with gc_paused():
        nodes, edges, node_keys, edge_keys = _flat_graph(graph)
        lines = [
            "<?xml version='1.0' encoding='utf-8'?>",
            '<gexf xmlns="http://www.gexf.net/1.2draft" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
            'xsi:schemaLocation="http://www.gexf.net/1.2draft http://www.gexf.net/1.2draft/gexf.xsd" version="1.2">',
            '  <graph defaultedgetype="directed" mode="static" name="">',
        ]
        for kind, keys in (("edge", edge_keys), ("node", node_keys)):
            lines.append(f'    <attributes mode="static" class="{kind}">')
            lines += [
                f'      <attribute id="{key}" title={quoteattr(name)} type="{xml_type}" />'
                for name, (key, xml_type) in keys.items()
            ]
            lines.append("    </attributes>")
        lines.append("    <nodes>")
        for node, attrs in nodes:
            ident = quoteattr(str(node))
            lines += [
                f"      <node id={ident} label={ident}>",
                *_attvalues(node_keys, attrs),
                "      </node>",
            ]
        lines.append("    </nodes>")
        lines.append("    <edges>")
        for number, (source, target, attrs) in enumerate(edges):
            lines.append(
                f'      <edge source={quoteattr(str(source))} target={quoteattr(str(target))} id="{number}">'
            )
            lines += [*_attvalues(edge_keys, attrs), "      </edge>"]
        lines += ["    </edges>", "  </graph>", "</gexf>", ""]
        return "\n".join(lines)


def to_json(graph: nx.DiGraph) -> str:
    """networkx node-link JSON (``nodes`` and ``edges``)."""
    # networkx's node_link_data, from the graph's own dicts (its views cost a Python call
    # per item: 2 s on a 500,000-link map); the same document. A dict per link, none in a
    # cycle: the collector paused (it walked them again and again, another second).
    with gc_paused():
        return _node_link_json(graph)


def _node_link_json(graph: nx.DiGraph) -> str:
    data = {
        "directed": True,
        "multigraph": False,
        "graph": graph.graph,
        "nodes": [{**attrs, "id": node} for node, attrs in graph._node.items()],
        "edges": [
            {**attrs, "source": source, "target": target}
            for source, targets in graph._succ.items()
            for target, attrs in targets.items()
        ],
    }
    # orjson: the standard encoder with an indent is pure Python, 5 s for a 500,000-link map.
    return orjson.dumps(data, option=orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE).decode("utf-8")


def _dot_quote(text: str) -> str:
    """A DOT double-quoted string: backslashes, quotes and line breaks escaped."""
    cleaned = text.replace("\\", "\\\\").replace('"', '\\"').replace("\r", "").replace("\n", "\\n")
    return f'"{cleaned}"'


def to_dot(graph: nx.DiGraph) -> str:
    """Graphviz DOT: nodes filled by zone (grey when decommissioned), edges labelled by protocol."""
    lines = [
        "digraph vigie {",
        "  graph [rankdir=LR, overlap=false, splines=true];",
        '  node [shape=box, style="rounded,filled", fontname="Helvetica", fontcolor=white];',
        '  edge [fontname="Helvetica", fontsize=9];',
    ]
    for node, data in graph.nodes(data=True):
        colour = (
            GREY
            if data.get("phase") == Phase.DECOMMISSIONED.value
            else ZONE_COLOURS.get(data.get("zone", ""), GREY)
        )
        attrs = {
            "label": str(data.get("name", node)),
            "fillcolor": colour,
            "tooltip": f"{data.get('domain', '')} — {data.get('ministry', '')}",
        }
        if data.get("core"):
            attrs["penwidth"] = "3"
        rendered = ", ".join(f"{k}={_dot_quote(v)}" for k, v in attrs.items())
        lines.append(f"  {_dot_quote(str(node))} [{rendered}];")
    for source, target, data in graph.edges(data=True):
        label = "/".join(data.get("protocols", []))
        if data.get("volume"):
            label += f" {data['volume']}/mois"
        tooltip = ", ".join(data.get("interfaces", []))
        lines.append(
            f"  {_dot_quote(str(source))} -> {_dot_quote(str(target))} "
            f"[label={_dot_quote(label)}, tooltip={_dot_quote(tooltip)}];"
        )
    lines.append("}")
    return "\n".join(lines) + "\n"


def _mermaid_text(text: str) -> str:
    """Text inside a Mermaid quoted label: quotes and markup characters as entity codes."""
    for char, code in (("&", "#amp;"), ('"', "#quot;"), ("<", "#lt;"), (">", "#gt;"), ("|", "#124;")):
        text = text.replace(char, code)
    return text


def to_mermaid(graph: nx.DiGraph) -> str:
    """A Mermaid flowchart, one subgraph per zone (node ids are generated: ids may hold any character)."""
    ids = {node: f"n{i}" for i, node in enumerate(graph.nodes)}
    lines = ["flowchart LR"]
    by_zone: dict[str, list[str]] = {}
    for node, data in graph.nodes(data=True):
        by_zone.setdefault(str(data.get("zone", "")), []).append(node)
    for number, (zone, nodes) in enumerate(by_zone.items()):
        lines.append(f'  subgraph z{number}["{_mermaid_text(zone)}"]')
        for node in nodes:
            name = _mermaid_text(str(graph.nodes[node].get("name", node)))
            lines.append(f'    {ids[node]}["{name}"]')
        lines.append("  end")
    for source, target, data in graph.edges(data=True):
        label = _mermaid_text("/".join(data.get("protocols", [])))
        arrow = f"-->|{label}|" if label else "-->"
        lines.append(f"  {ids[source]} {arrow} {ids[target]}")
    for node, data in graph.nodes(data=True):
        if data.get("phase") == Phase.DECOMMISSIONED.value:
            lines.append(f"  style {ids[node]} fill:{GREY},stroke-dasharray:4 2")
    return "\n".join(lines) + "\n"


# --- the marguerite -----------------------------------------------------------------------


@dataclass(frozen=True)
class _Petal:
    app: Application
    angle: float  # degrees, 0 = east, clockwise (SVG)
    volume: int  # monthly flows exchanged with the central system
    connected: bool


def _central_ids(catalog: Catalog) -> set[str]:
    """Core components and whatever shares their domain (e.g. the second exchange system)."""
    core_domains = {a.domain for a in catalog.applications.values() if a.core}
    return {a.id for a in catalog.applications.values() if a.core or a.domain in core_domains}


def _layout(
    catalog: Catalog, graph: nx.DiGraph, central: set[str]
) -> tuple[list[_Petal], list[tuple[str, str, float, float]]]:
    """Petal angles grouped by zone then domain, with gaps; and each domain's arc (zone, name, start, end)."""
    zone_order = [z.value for z in Zone]
    domain_order = list(catalog.domains)
    members: dict[tuple[str, str], list[Application]] = {}
    for app in catalog.applications.values():
        if app.id in central:
            continue
        entry = catalog.domains.get(app.domain)
        zone = entry.zone.value if entry else app.zone.value
        members.setdefault((zone, app.domain), []).append(app)
    groups = sorted(
        members,
        key=lambda k: (
            zone_order.index(k[0]),
            domain_order.index(k[1]) if k[1] in domain_order else len(domain_order),
            k[1],
        ),
    )
    domain_gap, zone_gap = 1.0, 3.0
    zones = list(dict.fromkeys(zone for zone, _ in groups))
    slots = sum(len(members[g]) for g in groups) + domain_gap * len(groups) + zone_gap * len(zones)
    step = 360.0 / slots if slots else 0.0  # every application central: the heart alone
    petals: list[_Petal] = []
    arcs: list[tuple[str, str, float, float]] = []
    position = -90.0 + zone_gap * step / 2  # start at the top
    previous_zone = None
    for zone, domain in groups:
        if previous_zone is not None and zone != previous_zone:
            position += zone_gap * step
        previous_zone = zone
        start = position
        apps = sorted(members[(zone, domain)], key=lambda a: (a.placeholder, a.name.casefold()))
        for app in apps:
            volume = 0
            connected = False
            # The application's own links to the centre (not every central one tried: a
            # large map has thousands of each).
            for links in (graph._succ.get(app.id, {}), graph._pred.get(app.id, {})):
                for other in sorted(links.keys() & central):
                    connected = True
                    volume += int(links[other].get("volume") or 0)
            petals.append(_Petal(app, position + step / 2, volume, connected))
            position += step
        arcs.append((zone, domain, start, position))
        position += domain_gap * step
    return petals, arcs


def _polar(cx: float, cy: float, radius: float, angle: float) -> tuple[float, float]:
    rad = math.radians(angle)
    return cx + radius * math.cos(rad), cy + radius * math.sin(rad)


def _arc_path(cx: float, cy: float, r_in: float, r_out: float, start: float, end: float) -> str:
    large = 1 if end - start > 180 else 0
    x1, y1 = _polar(cx, cy, r_out, start)
    x2, y2 = _polar(cx, cy, r_out, end)
    x3, y3 = _polar(cx, cy, r_in, end)
    x4, y4 = _polar(cx, cy, r_in, start)
    return (
        f"M{x1:.1f},{y1:.1f} A{r_out},{r_out} 0 {large} 1 {x2:.1f},{y2:.1f} "
        f"L{x3:.1f},{y3:.1f} A{r_in},{r_in} 0 {large} 0 {x4:.1f},{y4:.1f} Z"
    )


def _radial_text(cx: float, cy: float, radius: float, angle: float, text: str, attrs: str) -> str:
    """Text along the radius, starting at ``radius``, flipped on the left half to stay upright."""
    x, y = _polar(cx, cy, radius, angle)
    left = 90 < (angle % 360) < 270
    rotation = angle + 180 if left else angle
    anchor = "end" if left else "start"
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" transform="rotate({rotation:.2f} {x:.1f} {y:.1f})" '
        f'text-anchor="{anchor}" dominant-baseline="central" {attrs}>{escape(text)}</text>'
    )


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def to_svg(
    catalog: Catalog,
    graph: nx.DiGraph | None = None,
    *,
    title: str | None = None,
    lang: Language | None = None,
) -> str:
    """The marguerite: the central system in the middle, applications as petals around it.

    Petals are grouped by domain (the inner band, named) and zone (the colour); a filled petal
    exchanges with the central system, its length growing with the monthly flows; decommissioned
    applications are grey, phase-out ones dashed; the report's named applications are in bold.
    Words and figures are in ``lang`` (French by default).
    """
    lang = Language() if lang is None else lang
    graph = build_graph(catalog) if graph is None else graph
    central = _central_ids(catalog)
    petals, arcs = _layout(catalog, graph, central)
    size, cx, cy = 1500, 750.0, 770.0
    r_core, r_band_in, r_band_out = 150.0, 392.0, 404.0
    r_petal, r_label = 410.0, 478.0
    peak = max((p.volume for p in petals), default=1) or 1
    step = 360.0 / max(len(petals), 1)
    out: list[str] = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size + 40}" width="{size}" '
        f'height="{size + 40}" font-family="Helvetica, Arial, sans-serif">',
        f'<rect width="{size}" height="{size + 40}" fill="#ffffff"/>',
    ]
    live = sum(1 for i in catalog.interfaces.values() if i.lifecycle.phase is not Phase.DECOMMISSIONED)
    heading = title or lang.t(
        "catalog.svg.title", applications=lang.number(len(catalog.applications)), interfaces=lang.number(live)
    )
    out.append(f'<text x="24" y="36" font-size="22" font-weight="bold" fill="#222">{escape(heading)}</text>')

    # Domain bands with their names along the radius, inside the petal ring.
    for index, (zone, domain, start, end) in enumerate(arcs):
        colour = ZONE_COLOURS.get(zone, GREY)
        opacity = "0.95" if index % 2 == 0 else "0.6"
        out.append(
            f'<path d="{_arc_path(cx, cy, r_band_in, r_band_out, start, end)}" fill="{colour}" '
            f'fill-opacity="{opacity}"><title>{escape(domain)} ({zone})</title></path>'
        )
        middle = (start + end) / 2
        out.append(_domain_label(cx, cy, r_band_in - 6, middle, _shorten(domain, 42), colour))

    for petal in petals:
        out.append(_petal_svg(cx, cy, petal, r_petal, peak, step, lang))
        app = petal.app
        weight = ' font-weight="bold"' if not app.placeholder else ""
        fill = (
            "#888" if app.lifecycle.phase is Phase.DECOMMISSIONED else ("#555" if app.placeholder else "#111")
        )
        out.append(
            _radial_text(
                cx, cy, r_label, petal.angle, _shorten(app.name, 40), f'font-size="8.5" fill="{fill}"{weight}'
            )
        )

    out.extend(_centre(catalog, central, cx, cy, r_core, sum(p.volume for p in petals), lang))
    out.extend(_legend(size, lang))
    out.append("</svg>")
    return "\n".join(out) + "\n"


def _domain_label(cx: float, cy: float, radius: float, angle: float, text: str, colour: str) -> str:
    """A domain's name along the radius, ending at the band (read from the centre outwards)."""
    x, y = _polar(cx, cy, radius, angle)
    left = 90 < (angle % 360) < 270
    rotation = angle + 180 if left else angle
    anchor = "start" if left else "end"
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" transform="rotate({rotation:.2f} {x:.1f} {y:.1f})" '
        f'text-anchor="{anchor}" dominant-baseline="central" font-size="8.5" fill="{colour}">'
        f"{escape(text)}</text>"
    )


def _petal_svg(
    cx: float, cy: float, petal: _Petal, r_petal: float, peak: int, step: float, lang: Language
) -> str:
    app = petal.app
    length = 26.0 + (36.0 * math.log1p(petal.volume) / math.log1p(peak) if petal.volume else 0.0)
    if not petal.connected:
        length = 20.0
    half_width = max(2.0, min(6.0, math.radians(step) * r_petal * 0.42))
    colour = GREY if app.lifecycle.phase is Phase.DECOMMISSIONED else ZONE_COLOURS.get(app.zone.value, GREY)
    mx, my = _polar(cx, cy, r_petal + length / 2, petal.angle)
    fill = colour if petal.connected else "#ffffff"
    dash = ' stroke-dasharray="2 1.5"' if app.lifecycle.phase is Phase.PHASE_OUT else ""
    volume = lang.t("catalog.svg.petal_volume", volume=lang.number(petal.volume)) if petal.volume else ""
    phase = lang.label("catalog.phase", app.lifecycle.phase)
    tip = f"{app.name} — {app.domain} — {app.ministry} — {phase}{volume}"
    return (
        f'<ellipse cx="{mx:.1f}" cy="{my:.1f}" rx="{length / 2:.1f}" ry="{half_width:.1f}" '
        f'transform="rotate({petal.angle:.2f} {mx:.1f} {my:.1f})" fill="{fill}" stroke="{colour}" '
        f'stroke-width="1"{dash}><title>{escape(tip)}</title></ellipse>'
    )


def _centre(
    catalog: Catalog, central: set[str], cx: float, cy: float, radius: float, volume: int, lang: Language
) -> list[str]:
    """The central system: its components listed in a disc, with the flows it exchanges."""
    apps = sorted((catalog.applications[i] for i in central), key=lambda a: (not a.core, a.name.casefold()))
    line = 15.0
    height = 34 + line * len(apps) + 28
    top = cy - height / 2
    out = [
        f'<circle cx="{cx}" cy="{cy}" r="{radius}" fill="#fff6d8" stroke="#d9a400" stroke-width="3"/>',
        f'<text x="{cx}" y="{top + 14:.1f}" text-anchor="middle" font-size="17" font-weight="bold" '
        f'fill="#7a5a00">SI Chorus</text>',
    ]
    for index, app in enumerate(apps):
        style = ' font-weight="bold"' if app.core else ' font-style="italic"'
        out.append(
            f'<text x="{cx}" y="{top + 40 + index * line:.1f}" text-anchor="middle" font-size="12" fill="#333"{style}>'
            f"{escape(app.name)}</text>"
        )
    out.append(
        f'<text x="{cx}" y="{top + 40 + len(apps) * line + 12:.1f}" text-anchor="middle" font-size="11" '
        f'fill="#7a5a00">{escape(lang.t("catalog.svg.flows", volume=lang.number(volume)))}</text>'
    )
    return out


def _legend(size: int, lang: Language) -> list[str]:
    x, y = 24.0, float(size) - 150
    out = [f'<g font-size="12" fill="#333" transform="translate({x},{y})">']
    for index, (zone, colour) in enumerate(ZONE_COLOURS.items()):
        out.append(f'<rect x="0" y="{index * 18}" width="12" height="12" fill="{colour}"/>')
        out.append(f'<text x="18" y="{index * 18 + 10}">{escape(zone)}</text>')
    notes = [lang.t(f"catalog.svg.{key}") for key in ("full", "empty", "dashed", "bold")]
    for index, note in enumerate(notes):
        out.append(f'<text x="230" y="{index * 18 + 10}">{escape(note)}</text>')
    out.append("</g>")
    return out


#: Writers by format name; each takes the catalog and its graph.
EXPORTERS: dict[str, Callable[[Catalog, nx.DiGraph, Language], str]] = {
    "graphml": lambda catalog, graph, lang: to_graphml(graph),
    "gexf": lambda catalog, graph, lang: to_gexf(graph),
    "dot": lambda catalog, graph, lang: to_dot(graph),
    "mermaid": lambda catalog, graph, lang: to_mermaid(graph),
    "json": lambda catalog, graph, lang: to_json(graph),
    "svg": lambda catalog, graph, lang: to_svg(catalog, graph, lang=lang),
}


def export(catalog: Catalog, graph: nx.DiGraph, fmt: str, lang: Language | None = None) -> str:
    """The map in one of :data:`FORMATS` (the SVG's words in ``lang``, French by default)."""
    if fmt not in EXPORTERS:
        raise ValueError(f"unknown format '{fmt}' (one of: {', '.join(FORMATS)})")
    return EXPORTERS[fmt](catalog, graph, Language() if lang is None else lang)
