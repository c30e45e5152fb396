"""Graph queries on small hand-built maps where the answers are known, and on the sample."""

from __future__ import annotations

import pytest

from tests.conftest import ROOT
from vigie.catalog.graph import (
    ImpactDirection,
    Reach,
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
from vigie.catalog.model import (
    Application,
    Catalog,
    Category,
    Criticality,
    Direction,
    Domain,
    Interface,
    Lifecycle,
    Ministry,
    Phase,
    Protocol,
    Zone,
)

DOWN, UP, BOTH = ImpactDirection.DOWN, ImpactDirection.UP, ImpactDirection.BOTH


def make_catalog(
    edges: list[tuple[str, str]],
    *,
    bidirectional: tuple[str, ...] = (),
    decommissioned: tuple[str, ...] = (),
    zones: dict[str, Zone] | None = None,
) -> Catalog:
    """Applications named by the edges' ends; interface ids are ``src>dst``."""
    zones = zones or {}
    names = sorted({n for edge in edges for n in edge})
    apps = {
        n: Application(
            id=n,
            name=n.upper(),
            ministry="m2" if n in zones else "m1",
            domain="Finances" if zones.get(n, Zone.RESSOURCES) is Zone.RESSOURCES else "Fiscalité",
            zone=zones.get(n, Zone.RESSOURCES),
            category=Category.METIER,
            criticality=Criticality.MEDIUM,
            lifecycle=Lifecycle(Phase.ACTIVE),
        )
        for n in names
    }
    links = {}
    for src, dst in edges:
        ident = f"{src}>{dst}"
        links[ident] = Interface(
            ident,
            src,
            dst,
            Protocol.EDI,
            Direction.BIDIRECTIONAL if ident in bidirectional else Direction.OUTBOUND,
            monthly_volume=10,
            lifecycle=Lifecycle(Phase.DECOMMISSIONED if ident in decommissioned else Phase.ACTIVE),
        )
    ministries = {"m1": Ministry("m1", "Un"), "m2": Ministry("m2", "Deux")}
    domains = {"Finances": Domain("Finances", Zone.RESSOURCES), "Fiscalité": Domain("Fiscalité", Zone.METIER)}
    return Catalog(ministries, apps, links, {}, domains=domains)


CHAIN = [("a", "b"), ("b", "c"), ("c", "d"), ("b", "e"), ("f", "b")]


def reached(items: list[Reach], direction: ImpactDirection | None = None) -> dict[str, int]:
    return {r.app: r.distance for r in items if direction is None or r.direction is direction}


def test_impact_downstream_respects_depth() -> None:
    graph = build_graph(make_catalog(CHAIN))
    assert reached(impact(graph, "a", DOWN, 1)) == {"b": 1}
    assert reached(impact(graph, "a", DOWN, 2)) == {"b": 1, "c": 2, "e": 2}
    assert reached(impact(graph, "a", DOWN)) == {"b": 1, "c": 2, "e": 2, "d": 3}
    assert reached(impact(graph, "d", DOWN)) == {}


def test_impact_upstream_and_both_with_interfaces() -> None:
    graph = build_graph(make_catalog(CHAIN))
    up = impact(graph, "c", UP)
    assert reached(up) == {"b": 1, "a": 2, "f": 2}
    a = next(r for r in up if r.app == "a")
    assert (a.via, a.interfaces) == ("b", ("a>b",))
    both = impact(graph, "b", BOTH, 1)
    assert reached(both, DOWN) == {"c": 1, "e": 1}
    assert reached(both, UP) == {"a": 1, "f": 1}
    assert [r.direction for r in both] == [DOWN, DOWN, UP, UP]


def test_bidirectional_interfaces_go_both_ways_and_decommissioned_ones_are_gone() -> None:
    catalog = make_catalog([("a", "b"), ("b", "c")], bidirectional=("a>b",), decommissioned=("b>c",))
    graph = build_graph(catalog)
    assert reached(impact(graph, "b", DOWN)) == {"a": 1}
    assert graph.number_of_edges() == 2
    assert build_graph(catalog, include_decommissioned=True).number_of_edges() == 3


def test_neighbours_list_interfaces_both_ways() -> None:
    graph = build_graph(make_catalog(CHAIN))
    near = neighbours(graph, "b")
    assert [(link.app, link.interfaces) for link in near.incoming] == [("a", ("a>b",)), ("f", ("f>b",))]
    assert [link.app for link in near.outgoing] == ["c", "e"]
    assert near.outgoing[0].volume == 10 and near.outgoing[0].protocols == ("edi",)


def test_paths_shortest_and_all_simple() -> None:
    graph = build_graph(make_catalog([*CHAIN, ("a", "c")]))
    best = shortest_path(graph, "a", "d")
    assert best is not None and best.apps == ("a", "c", "d") and best.length == 2
    assert best.hops == (("a>c",), ("c>d",))
    assert [p.apps for p in all_paths(graph, "a", "d")] == [("a", "c", "d"), ("a", "b", "c", "d")]
    assert [p.apps for p in all_paths(graph, "a", "d", cutoff=2)] == [("a", "c", "d")]
    assert len(all_paths(graph, "a", "d", limit=1)) == 1
    assert shortest_path(graph, "d", "a") is None
    assert all_paths(graph, "d", "a") == []


def test_articulation_points_and_what_they_cut_off() -> None:
    # A hub with three spokes, one of which continues: h and z are the single points of failure.
    graph = build_graph(make_catalog([("x", "h"), ("y", "h"), ("h", "z"), ("z", "w")]))
    found = {c.app: c for c in critical_nodes(graph, top=None)}
    assert {a for a, c in found.items() if c.articulation} == {"h", "z"}
    assert found["h"].cut_off == 2 and found["z"].cut_off == 1
    assert critical_nodes(graph, top=1)[0].app == "h"
    assert found["h"].betweenness > found["z"].betweenness > 0


def test_a_cycle_has_no_articulation_point() -> None:
    graph = build_graph(make_catalog([("a", "b"), ("b", "c"), ("c", "a")]))
    assert not any(c.articulation for c in critical_nodes(graph, top=None))


def test_counts_and_flow_matrix() -> None:
    catalog = make_catalog(CHAIN, zones={"d": Zone.METIER}, decommissioned=("f>b",))
    by_domain = {g.key: g for g in counts(catalog, "domain")}
    assert by_domain["Finances"].applications == 5 and by_domain["Fiscalité"].applications == 1
    assert by_domain["Fiscalité"].zone == "Métier"
    assert by_domain["Fiscalité"].interfaces == 1 and by_domain["Finances"].interfaces == 4
    by_ministry = {g.key: g for g in counts(catalog, "ministry")}
    assert by_ministry["m1"].label == "Un"
    protocol = counts(catalog, "protocol")
    assert [(g.key, g.interfaces, g.monthly_volume) for g in protocol] == [("edi", 4, 40)]
    matrix = flow_matrix(catalog, "zone")
    assert matrix.volume == {
        ("Ressources et support", "Ressources et support"): 30,
        ("Ressources et support", "Métier"): 10,
    }
    assert matrix.total() == 40
    with pytest.raises(ValueError, match="cannot group"):
        counts(catalog, "colour")


def test_find_application_by_id_or_name_with_suggestions() -> None:
    graph = build_graph(load_catalog(ROOT / "catalog"))
    assert find_application(graph, "Chorus Cœur") == "chorus-coeur"
    assert find_application(graph, "chorus coeur") == "chorus-coeur"
    assert find_application(graph, "pleiade") == "pleiade"
    with pytest.raises(UnknownApplication, match=r"unknown application 'plieade' \(did you mean 'pleiade'"):
        find_application(graph, "plieade")


def test_on_the_sample_the_exchange_system_is_the_main_single_point_of_failure() -> None:
    catalog = load_catalog(ROOT / "catalog")
    graph = build_graph(catalog)
    top = critical_nodes(graph, top=3)[0]
    assert top.app == "systeme-echanges" and top.articulation and top.cut_off > 50
    down = impact(graph, "farandole", DOWN, 1)
    assert [r.app for r in down] == ["systeme-echanges"]
    assert len(impact(graph, "farandole", DOWN, 2)) > 10
    path = shortest_path(graph, "saturne", "infocentre")
    assert path is not None and path.apps == ("saturne", "systeme-echanges", "chorus-coeur", "infocentre")
    rows = {g.key: g.applications for g in counts(catalog, "domain")}
    assert rows["Finances"] == 48 and rows["Fiscalité"] == 17 and rows["Ressources humaines"] == 24
