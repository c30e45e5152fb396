"""The large-map fast paths read exactly what the careful paths read: plain interface rows,
the graph's impact walk (against a plain breadth-first walk), and big tables printed line by line."""

from __future__ import annotations

import io
from contextlib import redirect_stdout

import networkx as nx
from hypothesis import given, settings
from hypothesis import strategies as st

from vigie.catalog import loader
from vigie.catalog.graph import ImpactDirection, Reach, _cut_off, _sampled_betweenness, impact
from vigie.catalog.loader import COLUMNS, _interface, _plain_interface
from vigie.console import output
from vigie.kernel.table import CsvFile

CELLS = {
    "id": ["if-1", "if 1", "", "x:y.z", "é"],
    "source": ["a", "b", "", "a b", "a"],
    "target": ["b", "a", "", "c", "a"],
    "protocol": ["api", "API", "edi", "cre", "ftp", "", "other"],
    "direction": ["", "outbound", "bidirectional", "Inbound", "both"],
    "frequency": ["", "daily", " hourly "],
    "monthly_volume": ["", "0", "12", "007", "1 000", "-3", "1e3", "9" * 16, "²"],
    "personal_data": ["", "true", "oui", "X", "0", "maybe", "FALSE"],
    "phase": ["", "active", "phase-out", "decommissioned", "Active", "retired"],
    "description": ["", "flux", " x "],
}


@settings(max_examples=600, deadline=None)
@given(st.fixed_dictionaries({column: st.sampled_from(values) for column, values in CELLS.items()}))
def test_a_plain_interface_row_reads_as_the_careful_reader_reads_it(row: dict[str, str]) -> None:
    header = list(COLUMNS["interfaces"])
    line = ",".join(f'"{row.get(column, "")}"' for column in header)
    sheet = CsvFile("interfaces.csv", io.StringIO(",".join(header) + "\n" + line + "\n"))
    sheet.use_columns(COLUMNS["interfaces"], loader.REQUIRED["interfaces"])
    [(number, cells)] = list(sheet.rows())
    record = sheet.row(number, cells)
    assert record is not None
    careful = _interface(record)
    plain = _plain_interface([row[c].strip() if c in row else "" for c in loader._PLAIN_INTERFACE])
    if plain is not None:
        assert sheet.problems == [] and plain == careful


APPLICATION_CELLS = {
    "id": ["app-1", "app 1", "", "é"],
    "name": ["Chorus Pro", "", " ORME ", "'=cmd", "'-3"],
    "ministry": ["m01", "m 1", ""],
    "domain": ["Aides", "", "Santé des forces"],
    "zone": ["metier", "Metier", "pilotage", "", "nowhere"],
    "category": ["application", "", "Application", "x"],
    "criticality": ["critical", "high", "", "CRITICAL", "extreme"],
    "phase": ["active", "phase-out", "", "retired"],
    "description": ["", "flux"],
    "personal_data": ["", "oui", "maybe"],
    "core": ["", "true", "2"],
    "placeholder": ["", "x", "non"],
    "need_availability": ["", "", "3", "9"],
    "rto_hours": ["", "", "4"],
    "active_on": ["", "", "2017-01-01"],
}


@settings(max_examples=600, deadline=None)
@given(
    st.fixed_dictionaries({column: st.sampled_from(values) for column, values in APPLICATION_CELLS.items()})
)
def test_a_plain_application_row_reads_as_the_careful_reader_reads_it(row: dict[str, str]) -> None:
    header = list(COLUMNS["applications"])
    line = ",".join(f'"{row.get(column, "")}"' for column in header)
    sheet = CsvFile("applications.csv", io.StringIO(",".join(header) + "\n" + line + "\n"))
    sheet.use_columns(COLUMNS["applications"], loader.REQUIRED["applications"])
    entries = list(loader._plain_entries(sheet, loader._PLAIN_APPLICATION, loader._plain_application))
    [(number, cells)] = [(e.line, e.cells) for e in entries if isinstance(e, loader.Plain)] or [(None, None)]
    if number is None:
        return
    record = sheet.row(number, cells)
    assert record is not None
    careful = loader._application(record)
    assert sheet.problems == [] and entries[0].item == careful  # type: ignore[union-attr]


def test_a_big_table_prints_as_rich_lays_it_out(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    rows = [["Chorus Pro", 1, "x"], ["ORME", 12, None], ["Système d'échanges", 3, "yy"]]

    def printed() -> str:
        out = io.StringIO()
        with redirect_stdout(out):
            output.print_table(["Nom", "Sauts", "Via"], rows, title="Impact", right=[1])
        return out.getvalue()

    laid_out = printed()
    monkeypatch.setattr(output, "PLAIN_ROWS", 0)
    assert printed() == laid_out


def test_the_usual_row_takes_the_plain_path() -> None:
    plain = _plain_interface(["if-7", "a", "b", "api", "", "", "12", "", "", ""])
    assert plain is not None and plain.monthly_volume == 12 and plain.lifecycle.phase.value == "active"


@st.composite
def maps(draw: st.DrawFn) -> nx.DiGraph:
    count = draw(st.integers(3, 30))
    graph = nx.DiGraph()
    graph.add_nodes_from(f"a{i:02d}" for i in range(count))
    for a, b in draw(st.lists(st.tuples(st.integers(0, count - 1), st.integers(0, count - 1)), max_size=60)):
        if a != b:
            graph.add_edge(f"a{a:02d}", f"a{b:02d}")
    return graph


@settings(max_examples=300, deadline=None)
@given(maps())
def test_cut_off_sizes_are_the_components_left_when_a_point_stops(graph: nx.DiGraph) -> None:
    undirected = graph.to_undirected()
    expected = {}
    for point in nx.articulation_points(undirected):
        rest = undirected.subgraph(n for n in nx.node_connected_component(undirected, point) if n != point)
        sizes = sorted((len(c) for c in nx.connected_components(rest)), reverse=True)
        expected[point] = sum(sizes[1:])
    assert _cut_off(graph) == expected


@settings(max_examples=200, deadline=None)
@given(maps(), st.integers(1, 5))
def test_sampled_betweenness_is_networkx_s_with_the_same_sources(graph: nx.DiGraph, sample: int) -> None:
    if sample >= graph.number_of_nodes():
        return
    expected = nx.betweenness_centrality(graph, k=sample, seed=0)
    got = _sampled_betweenness(graph, sample)
    # networkx gives nan where its rescaling divides by zero; the sampled sum is 0 there.
    assert {n: round(v, 9) for n, v in expected.items() if v and v == v} == {
        n: round(v, 9) for n, v in got.items()
    }


def _impact_oracle(graph: nx.DiGraph, app: str, walk: ImpactDirection, depth: int | None) -> list[Reach]:
    """A first-in first-out breadth-first walk, neighbours by id: the first to reach is the via."""
    adjacency = graph.succ if walk is ImpactDirection.DOWN else graph.pred
    queue, distance, via = [app], {app: 0}, {}
    for node in queue:
        if depth is not None and distance[node] >= depth:
            continue
        for other in sorted(adjacency[node]):
            if other not in distance:
                distance[other], via[other] = distance[node] + 1, node
                queue.append(other)
    reached = sorted(via, key=lambda n: (distance[n], n))
    return [Reach(n, walk, distance[n], via[n], adjacency[via[n]][n]["interfaces"]) for n in reached]


@settings(max_examples=300, deadline=None)
@given(maps(), st.data())
def test_impact_is_a_plain_breadth_first_walk(graph: nx.DiGraph, data: st.DataObject) -> None:
    for k, (a, b) in enumerate(sorted(graph.edges)):
        graph.edges[a, b]["interfaces"] = (f"if-{k}",)
    app = data.draw(st.sampled_from(sorted(graph.nodes)))
    depth = data.draw(st.none() | st.integers(1, 4))
    down = _impact_oracle(graph, app, ImpactDirection.DOWN, depth)
    up = _impact_oracle(graph, app, ImpactDirection.UP, depth)
    assert impact(graph, app, ImpactDirection.DOWN, depth) == down
    assert impact(graph, app, ImpactDirection.UP, depth) == up
    assert impact(graph, app, ImpactDirection.BOTH, depth) == down + up
