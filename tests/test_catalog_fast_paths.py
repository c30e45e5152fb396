"""The large-map fast paths read exactly what the careful paths read: plain interface and
application rows, whole catalogs (loaded with and without the plain paths), the graph's impact
walk (against a plain breadth-first walk), and big tables printed line by line."""

from __future__ import annotations

import csv
import io
import tempfile
from contextlib import redirect_stdout
from pathlib import Path
from unittest import mock

import networkx as nx
from hypothesis import given, settings
from hypothesis import strategies as st

from vigie.catalog import loader
from vigie.catalog.graph import ImpactDirection, Reach, _cut_off, _sampled_betweenness, impact
from vigie.catalog.loader import COLUMNS, _interface, load_catalog
from vigie.catalog.model import Catalog, Interface
from vigie.console import output
from vigie.kernel.problems import ConfigError
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


def _sheet(table: str, header: list[str], lines: list[str]) -> CsvFile:
    """A one-table CSV file's reader, its columns found."""
    sheet = CsvFile("table.csv", io.StringIO("\n".join([",".join(header), *lines]) + "\n"))
    sheet.use_columns(COLUMNS[table], loader.REQUIRED[table])
    return sheet


def _plain_item(table: str, header: list[str], line: str) -> object:
    """What the plain path makes of one row (None: it leaves the row to the careful reader)."""
    rows = loader._plain_rows(_sheet(table, header, [line]), table, *loader._PLAIN[table])
    assert isinstance(rows, loader.PlainRows) and len(rows) == 1
    return rows.items[0]


@settings(max_examples=600, deadline=None)
@given(st.fixed_dictionaries({column: st.sampled_from(values) for column, values in CELLS.items()}))
def test_a_plain_interface_row_reads_as_the_careful_reader_reads_it(row: dict[str, str]) -> None:
    header = list(COLUMNS["interfaces"])
    line = ",".join(f'"{row.get(column, "")}"' for column in header)
    sheet = _sheet("interfaces", header, [line])
    [(number, cells)] = list(sheet.rows())
    record = sheet.row(number, cells)
    assert record is not None
    careful = _interface(record)
    plain = _plain_item("interfaces", header, line)
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
    plain = _plain_item("applications", header, line)
    if plain is None:
        return
    sheet = _sheet("applications", header, [line])
    [(number, cells)] = list(sheet.rows())
    record = sheet.row(number, cells)
    assert record is not None
    careful = loader._application(record)
    assert sheet.problems == [] and plain == careful


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
    plain = _plain_item(
        "interfaces", ["id", "source", "target", "protocol", "monthly_volume"], "if-7,a,b,api,12"
    )
    assert (
        isinstance(plain, Interface)
        and plain.monthly_volume == 12
        and plain.lifecycle.phase.value == "active"
    )


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


SHAPES = ("row", "row", "row", "blank", "short", "stray", "line break")


def _lines(header: list[str], rows: list[tuple[str, dict[str, str]]]) -> str:
    """A CSV file of drawn rows, each in a drawn shape (blank, cut short, a stray cell, a
    quoted line break in its last cell)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for shape, row in rows:
        cells = [row.get(column, "") for column in header]
        if shape == "blank":
            cells = [""] * len(header)
        elif shape == "short":
            cells = cells[:-2]
        elif shape == "stray":
            cells.append("?")
        elif shape == "line break":
            cells[-1] += "\nsuite"
        writer.writerow(cells)
    return out.getvalue()


def _loaded(folder: Path) -> object:
    """The catalog loaded, or the problems it raised (as printed)."""
    try:
        return load_catalog(folder)
    except ConfigError as exc:
        return [str(problem) for problem in exc.problems]


INTERFACE_EXTRA = {"active_on": ["", "2017-01-01"], "flows": ["", "factures"]}
USUAL_INTERFACE = {"id": "if-1", "source": "a", "target": "b", "protocol": "api", "monthly_volume": "12"}
USUAL_APPLICATION = {
    "id": "x1", "name": "Appli", "ministry": "m01", "domain": "Aides", "zone": "Métier",
    "category": "métier", "criticality": "low", "phase": "active",
}  # fmt: skip


@st.composite
def rows(draw: st.DrawFn, usual: dict[str, str], cells: dict[str, list[str]]) -> tuple[str, dict[str, str]]:
    """A row in a drawn shape: the usual row, with up to two cells drawn among ``cells``
    (so that each odd value comes in a row the plain path would otherwise take)."""
    changed = draw(st.lists(st.sampled_from(sorted(cells)), max_size=2, unique=True))
    row = {**usual, **{column: draw(st.sampled_from(cells[column])) for column in changed}}
    return draw(st.sampled_from(SHAPES)), row


@settings(max_examples=300, deadline=None)
@given(
    st.lists(rows(USUAL_APPLICATION, {**APPLICATION_CELLS, "id": ["x1", "x2", "a", " x3 "]}), max_size=4),
    st.lists(rows(USUAL_INTERFACE, {**CELLS, **INTERFACE_EXTRA}), min_size=1, max_size=6),
)
def test_a_catalog_loads_the_same_with_and_without_the_plain_paths(
    apps: list[tuple[str, dict[str, str]]], links: list[tuple[str, dict[str, str]]]
) -> None:
    known = [("row", {**USUAL_APPLICATION, "id": ident}) for ident in "abc"]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "ministries.csv").write_text("id,name\nm01,Ministère\n", encoding="utf-8")
        (folder / "applications.csv").write_text(
            _lines(list(COLUMNS["applications"]), [*known, *apps]), encoding="utf-8"
        )
        (folder / "interfaces.csv").write_text(_lines(list(COLUMNS["interfaces"]), links), encoding="utf-8")
        fast = _loaded(folder)
        with mock.patch.dict(loader._PLAIN, clear=True):
            careful = _loaded(folder)
    assert fast == careful
    if not isinstance(fast, list):
        assert isinstance(careful, Catalog) and isinstance(fast, Catalog)
        assert list(fast.interfaces) == list(careful.interfaces)
        assert list(fast.applications) == list(careful.applications)
