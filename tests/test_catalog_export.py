"""Every export of the map parses back with a real reader."""

from __future__ import annotations

import io
import json
import re
import xml.etree.ElementTree as ET
from dataclasses import replace

import networkx as nx
import pytest

from tests.conftest import ROOT
from tests.test_catalog_graph import make_catalog
from vigie.catalog.export import (
    FORMATS,
    _flat,
    export,
    to_dot,
    to_gexf,
    to_graphml,
    to_json,
    to_mermaid,
    to_svg,
)
from vigie.catalog.graph import build_graph
from vigie.catalog.loader import load_catalog
from vigie.catalog.model import Catalog

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def sample() -> Catalog:
    return load_catalog(ROOT / "catalog")


def test_graphml_loads_back_with_networkx(sample: Catalog) -> None:
    graph = build_graph(sample)
    back = nx.read_graphml(io.BytesIO(to_graphml(graph).encode("utf-8")))
    assert back.number_of_nodes() == graph.number_of_nodes()
    assert back.number_of_edges() == graph.number_of_edges()
    assert back.nodes["chorus-coeur"]["name"] == "Chorus Cœur"
    assert back.nodes["chorus-coeur"]["core"] is True
    edge = back.edges["saturne", "systeme-echanges"]
    assert edge["protocols"] == "cre" and edge["volume"] == 650


def test_gexf_loads_back_with_networkx(sample: Catalog) -> None:
    graph = build_graph(sample)
    back = nx.read_gexf(io.BytesIO(to_gexf(graph).encode("utf-8")))
    assert back.number_of_nodes() == graph.number_of_nodes()
    assert back.number_of_edges() == graph.number_of_edges()


def test_json_is_node_link(sample: Catalog) -> None:
    graph = build_graph(sample)
    data = json.loads(to_json(graph))
    back = nx.node_link_graph(data, edges="edges")
    assert back.number_of_edges() == graph.number_of_edges()
    assert back.edges["saturne", "systeme-echanges"]["interfaces"] == ["if-013"]


def test_dot_escapes_quotes_backslashes_and_newlines() -> None:
    graph = build_graph(make_catalog([("a", "b")]))
    graph.nodes["a"]["name"] = 'Le "grand" \\ livre\nsuite'
    text = to_dot(graph)
    assert '"a" [label="Le \\"grand\\" \\\\ livre\\nsuite"' in text
    assert '"a" -> "b" [label="edi 10/mois", tooltip="a>b"];' in text
    assert text.startswith("digraph vigie {") and text.rstrip().endswith("}")
    # Every line is a statement or a brace: no raw line break leaked out of a string.
    for line in text.splitlines()[1:-1]:
        assert line.endswith(";"), line


def test_mermaid_uses_safe_ids_and_escapes_labels() -> None:
    graph = build_graph(make_catalog([("a", "b")]))
    graph.nodes["a"]["name"] = 'Bons "plans" <x> | y'
    text = to_mermaid(graph)
    assert text.startswith("flowchart LR\n")
    assert 'n0["Bons #quot;plans#quot; #lt;x#gt; #124; y"]' in text
    assert "n0 -->|edi| n1" in text


def test_svg_is_well_formed_with_a_petal_per_application(sample: Catalog) -> None:
    root = ET.fromstring(to_svg(sample))
    assert root.tag == f"{SVG}svg"
    petals = root.findall(f"{SVG}ellipse")
    central = [a for a in sample.applications.values() if a.domain == "Système central Chorus"]
    assert len(petals) == len(sample.applications) - len(central)
    texts = "".join(t.text or "" for t in root.iter(f"{SVG}text"))
    for name in ("PLEIADE", "SATURNE", "Chorus Cœur", "Logistique", "Système d'échanges"):
        assert name in texts
    greys = [p for p in petals if p.get("stroke") == "#b8b8b8"]
    decommissioned = [a for a in sample.applications.values() if a.lifecycle.phase.value == "decommissioned"]
    assert len(greys) == len(decommissioned)


def test_svg_escapes_names() -> None:
    catalog = make_catalog([("a", "b")])
    svg = to_svg(catalog, title="R&D <map>")
    root = ET.fromstring(svg)
    assert any(t.text == "R&D <map>" for t in root.iter(f"{SVG}text"))


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_renders_the_small_map(fmt: str) -> None:
    catalog = make_catalog([("a", "b"), ("b", "c")])
    text = export(catalog, build_graph(catalog), fmt)
    assert text.endswith("\n") and re.search(r"\S", text)


def test_unknown_format_is_refused() -> None:
    catalog = make_catalog([("a", "b")])
    with pytest.raises(ValueError, match="unknown format 'png'"):
        export(catalog, build_graph(catalog), "png")


def test_json_is_networkx_s_own_node_link_document(sample: Catalog) -> None:
    graph = build_graph(sample)
    assert json.loads(to_json(graph)) == json.loads(json.dumps(nx.node_link_data(graph, edges="edges")))


def test_svg_of_a_map_all_central_is_its_heart_alone(sample: Catalog) -> None:
    """Every application in a core domain (a generated map): no petal, no division by zero."""
    core = next(a for a in sample.applications.values() if a.core)
    apps = {k: replace(a, domain=core.domain) for k, a in sample.applications.items()}
    catalog = replace(sample, applications=apps)
    root = ET.fromstring(to_svg(catalog, build_graph(catalog)))
    assert root.tag == f"{SVG}svg"


@pytest.mark.parametrize(
    ("ours", "theirs", "read"),
    [
        (to_graphml, lambda g, out: out.write("\n".join(nx.generate_graphml(g)).encode()), nx.read_graphml),
        (to_gexf, nx.write_gexf, nx.read_gexf),
    ],
)
def test_graphml_and_gexf_read_back_as_networkx_s_own_files(sample: Catalog, ours, theirs, read) -> None:  # type: ignore[no-untyped-def]
    """Written line by line for speed: networkx reads them back as it reads the files its own
    writers make of the same graph (attributes flattened the same way)."""
    graph = build_graph(sample)
    flat = nx.DiGraph()
    flat.add_nodes_from((n, _flat(d)) for n, d in graph.nodes(data=True))
    flat.add_edges_from((a, b, _flat(d)) for a, b, d in graph.edges(data=True))
    buffer = io.BytesIO()
    theirs(flat, buffer)
    expected = read(io.BytesIO(buffer.getvalue()))
    got = read(io.BytesIO(ours(graph).encode("utf-8")))
    assert dict(got.nodes(data=True)) == dict(expected.nodes(data=True))
    # (GEXF numbers links: its "id" is the writer's own.)
    assert {(a, b): {k: v for k, v in d.items() if k != "id"} for a, b, d in got.edges(data=True)} == {
        (a, b): {k: v for k, v in d.items() if k != "id"} for a, b, d in expected.edges(data=True)
    }
