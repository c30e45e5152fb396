"""The GraphML and GEXF writers, attribute by attribute, write what the item-by-item writers
they replaced wrote (kept here as the oracle; the headers are shared), byte for byte, on drawn
graphs: attributes in several orders, unknown (None) values, booleans beside integers, lists,
markup characters."""

from __future__ import annotations

from typing import Any
from xml.sax.saxutils import escape, quoteattr

import networkx as nx
from hypothesis import given, settings
from hypothesis import strategies as st

from vigie.catalog.export import gexf_head, graphml_head, to_gexf, to_graphml


def _flat_attrs(data: dict[str, Any]) -> dict[str, Any]:
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
    nodes = [(node, _flat_attrs(attrs)) for node, attrs in graph._node.items()]
    edges = [
        (source, target, _flat_attrs(attrs))
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


def graphml_item_by_item(graph: nx.DiGraph) -> str:
    """GraphML (yEd, Gephi, Cytoscape), written line by line: networkx's writer builds an
    element tree first (30 s for a 500,000-link map)."""
    if True:
        nodes, edges, node_keys, edge_keys = _flat_graph(graph)
        lines = graphml_head(node_keys, edge_keys)
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


def gexf_item_by_item(graph: nx.DiGraph) -> str:
    """GEXF 1.2 (Gephi), written line by line (see :func:`to_graphml`)."""
    if True:
        nodes, edges, node_keys, edge_keys = _flat_graph(graph)
        lines = gexf_head(node_keys, edge_keys)
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


VALUES = st.sampled_from(
    [None, None, "", "a", "x & y", "<b>", 'q"q', "l\nl", True, False, 1, 0, 2.5, ("i1", "i2"), ["p"], ()]
)
NAMES = st.sampled_from(["name", "zone", "core", "volume", "interfaces"])
NODES = st.sampled_from(["a", "b", "c & d", "é", 'e"'])


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.tuples(NODES, st.lists(st.tuples(NAMES, VALUES), max_size=4)), max_size=5),
    st.lists(st.tuples(NODES, NODES, st.lists(st.tuples(NAMES, VALUES), max_size=4)), max_size=8),
)
def test_graphml_and_gexf_are_what_the_item_by_item_writers_wrote(
    nodes: list[tuple[str, list[tuple[str, Any]]]], edges: list[tuple[str, str, list[tuple[str, Any]]]]
) -> None:
    graph = nx.DiGraph()
    for node, attrs in nodes:
        graph.add_node(node, **dict(attrs))
    for source, target, attrs in edges:
        graph.add_edge(source, target, **dict(attrs))
    assert to_graphml(graph) == graphml_item_by_item(graph)
    assert to_gexf(graph) == gexf_item_by_item(graph)


FULL = st.sampled_from(["", "a", "x & y", 'q"q', True, False, 1, 2.5, ("i1", "i2")])


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.tuples(NODES, FULL, FULL), min_size=1, max_size=5),
    st.lists(st.tuples(NODES, NODES, FULL), max_size=8),
)
def test_items_that_all_give_every_attribute_are_written_as_before(
    nodes: list[tuple[str, Any, Any]], edges: list[tuple[str, str, Any]]
) -> None:
    # Every item has every attribute, in one order: each is written whole by one format call.
    graph = nx.DiGraph()
    for node, name, zone in nodes:
        graph.add_node(node, name=name, zone=zone)
    for source, target, volume in edges:
        graph.add_node(source, name="n", zone="z")
        graph.add_node(target, name="n", zone="z")
        graph.add_edge(source, target, volume=volume)
    assert to_graphml(graph) == graphml_item_by_item(graph)
    assert to_gexf(graph) == gexf_item_by_item(graph)
