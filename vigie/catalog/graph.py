"""The application map as a networkx graph, and the architects' queries over it.

Nodes are application ids; an edge ``a -> b`` means data flows from ``a`` to ``b`` through one
or more interfaces (a bidirectional interface gives both edges). Every query here is a pure
function of the graph (or the catalog) and returns plain dataclasses the CLI, the reports and
the TUI render as they like.

Impact reads the edges as dependencies: if ``a`` stops, ``b`` misses its data, so ``b`` is
*downstream* of ``a``; what feeds ``a`` is *upstream*.
"""

from __future__ import annotations

import difflib
import itertools
import operator
import random
import unicodedata
from collections import Counter, deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from itertools import repeat
from operator import attrgetter, itemgetter, not_, setitem
from typing import TYPE_CHECKING, Any

from vigie.catalog.model import Catalog, Category, Criticality, Direction, Phase, Protocol, Zone
from vigie.kernel.gcpause import gc_paused

if TYPE_CHECKING:
    # Imported where a graph is built or searched: a fifth of a second the console's
    # start and the commands that never draw the map do without.
    import networkx as nx


class ImpactDirection(StrEnum):
    """Which way an impact analysis walks."""

    DOWN = "down"  # who is affected if the application stops
    UP = "up"  # what the application depends on
    BOTH = "both"


class UnknownApplication(LookupError):
    """An application name or id that is not in the map; the message has a did-you-mean."""

    def __str__(self) -> str:
        return str(self.args[0])


def build_graph(catalog: Catalog, *, include_decommissioned: bool = False) -> nx.DiGraph:
    """The map: every application is a node; interfaces become edges.

    Node attributes: name, ministry, domain, zone, category, criticality, phase, core,
    placeholder, personal_data. Edge attributes: ``interfaces`` (ids), ``protocols``,
    ``volume`` (known monthly volumes summed; None when none is known), ``personal_data``. Decommissioned interfaces are
    left out unless ``include_decommissioned``.
    """
    with gc_paused():  # half the build time at 500,000 interfaces was the collector's
        return _build_graph(catalog, include_decommissioned)


def _build_graph(catalog: Catalog, include_decommissioned: bool) -> nx.DiGraph:
    import networkx as nx

    graph = nx.DiGraph()
    # The graph's own dicts are filled directly (node -> attributes, node -> neighbour ->
    # edge data, one data dict shared by both directions, as networkx keeps them): its
    # add_nodes_from and add_edges_from cost a Python call per item and per attribute, two
    # thirds of the build on 500,000 interfaces.
    nodes, succ, pred = graph._node, graph._succ, graph._pred
    value = _VALUES.__getitem__  # an enum's .value is a Python-level descriptor
    for app in catalog.applications.values():
        nodes[app.id] = {
            "name": app.name,
            "ministry": app.ministry,
            "domain": app.domain,
            "zone": value(app.zone),
            "category": value(app.category),
            "criticality": value(app.criticality),
            "phase": value(app.lifecycle.phase),
            "core": app.core,
            "placeholder": app.placeholder,
            "personal_data": app.personal_data,
        }
        succ[app.id] = {}
        pred[app.id] = {}
    links = list(catalog.interfaces.values())
    if not include_decommissioned:
        retired = Phase.DECOMMISSIONED
        links = [link for link in links if link.lifecycle.phase is not retired]
    # Each edge in the order its first interface comes (a bidirectional one gives both ways),
    # with the interface it comes from.
    pairs: list[tuple[str, str]] = list(map(attrgetter("source", "target"), links))
    owners: Sequence[int] = range(len(links))
    if Direction.BIDIRECTIONAL in map(attrgetter("direction"), links):
        pairs, owners = [], []
        for index, link in enumerate(links):
            pairs.append((link.source, link.target))
            owners.append(index)
            if link.direction is Direction.BIDIRECTIONAL:
                pairs.append((link.target, link.source))
                owners.append(index)
    ends = set(map(itemgetter(0), pairs))
    ends.update(map(itemgetter(1), pairs))
    if not ends <= nodes.keys():
        for a, b in pairs:
            # Ends that are no application (a catalog made by hand) become bare nodes.
            if a not in nodes:
                nodes[a], succ[a], pred[a] = {}, {}, {}
            if b not in nodes:
                nodes[b], succ[b], pred[b] = {}, {}, {}
    # Most pairs of applications have one interface: their edges are made at once, column by
    # column (C-level calls only), and the few later interfaces of a pair added after. The
    # volume stays None until an interface of the edge states one: unknown, not zero.
    count = len(pairs)
    # Each pair's first position (written last, going backwards), and whether each comes first.
    firsts = dict(zip(reversed(pairs), range(count - 1, -1, -1), strict=True))
    first = list(map(operator.eq, map(firsts.__getitem__, pairs), range(count)))
    edges = pairs
    made_links = links
    if len(firsts) < count or not isinstance(owners, range):
        edges = list(itertools.compress(pairs, first))
        made_links = list(map(links.__getitem__, itertools.compress(owners, first)))
    columns = zip(
        zip(map(attrgetter("id"), made_links)),
        map(_PROTOCOLS.__getitem__, map(attrgetter("protocol"), made_links)),
        map(attrgetter("monthly_volume"), made_links),
        map(attrgetter("personal_data"), made_links),
        strict=True,
    )
    data = list(map(dict, map(zip, repeat(_EDGE_KEYS), columns)))
    deque(map(setitem, map(succ.__getitem__, map(itemgetter(0), edges)), map(itemgetter(1), edges), data), 0)
    deque(map(setitem, map(pred.__getitem__, map(itemgetter(1), edges)), map(itemgetter(0), edges), data), 0)
    if len(firsts) < count:
        for (a, b), owner in itertools.compress(zip(pairs, owners, strict=True), map(not_, first)):
            link = links[owner]
            edge = succ[a][b]
            edge["interfaces"] += (link.id,)
            protocol = link.protocol.value
            if protocol not in edge["protocols"]:
                edge["protocols"] += (protocol,)
            if link.monthly_volume is not None:
                edge["volume"] = (edge["volume"] or 0) + link.monthly_volume
            edge["personal_data"] = edge["personal_data"] or link.personal_data
    return graph


_VALUES: dict[Any, str] = {
    member: member.value for kind in (Zone, Category, Criticality, Phase) for member in kind
}
_PROTOCOLS = {protocol: (protocol.value,) for protocol in Protocol}
_EDGE_KEYS = ("interfaces", "protocols", "volume", "personal_data")


def find_application(graph: nx.DiGraph, text: str) -> str:
    """The id of the application named ``text`` (an id or a name, any case).

    Raises :class:`UnknownApplication` with the closest ids and names as suggestions.
    """
    wanted = _fold(text)
    if text in graph:
        return text
    for node, data in graph.nodes(data=True):
        if _fold(node) == wanted or _fold(str(data.get("name", ""))) == wanted:
            return str(node)
    wanted = text.strip().casefold()
    labels = {str(d.get("name", "")).casefold(): str(n) for n, d in graph.nodes(data=True)}
    labels.update({str(n).casefold(): str(n) for n in graph.nodes})
    close = difflib.get_close_matches(wanted, list(labels), n=4, cutoff=0.6)
    ids = list(dict.fromkeys(labels[c] for c in close))[:3]
    hint = f" (did you mean {', '.join(repr(i) for i in ids)}?)" if ids else ""
    raise UnknownApplication(f"unknown application '{text}'{hint}")


def _fold(text: str) -> str:
    """``"Chorus Cœur"`` and ``"chorus-coeur"`` both fold to ``"choruscoeur"``."""
    plain = unicodedata.normalize("NFKD", text.replace("œ", "oe").replace("Œ", "OE"))
    return "".join(c for c in plain.casefold() if c.isalnum())


# --- impact -------------------------------------------------------------------------------


@dataclass(slots=True)
class Reach:
    """An application reached by an impact analysis, and how."""

    app: str
    direction: ImpactDirection  # DOWN (affected) or UP (depended on)
    distance: int
    via: str  # the application one step closer to the origin
    interfaces: tuple[str, ...]  # the interfaces of that last step


def impact(
    graph: nx.DiGraph, app: str, direction: ImpactDirection = ImpactDirection.DOWN, depth: int | None = None
) -> list[Reach]:
    """Applications affected by ``app`` stopping (down), that it depends on (up), or both.

    Breadth first, so each application appears once per direction at its shortest distance,
    with the interfaces of the step that reached it; ``depth`` bounds the distance (None: no
    bound). Sorted by direction, distance, then id.
    """
    walks: list[ImpactDirection] = (
        [ImpactDirection.DOWN, ImpactDirection.UP] if direction is ImpactDirection.BOTH else [direction]
    )
    with gc_paused():  # up to 100,000s of new objects, none in a cycle: no collector walks
        return _impact(graph, app, walks, depth)


def _impact(graph: nx.DiGraph, app: str, walks: list[ImpactDirection], depth: int | None) -> list[Reach]:
    found: list[Reach] = []
    for walk in walks:
        # The adjacency dicts themselves (node -> neighbour -> edge data, the same data dict
        # both ways): networkx's views cost a Python call per access, too slow on a big map.
        adjacency = graph._succ if walk is ImpactDirection.DOWN else graph._pred
        seen = {app}
        frontier = [app]
        distance = 0
        # Level by level, each level in the order it was reached, neighbours by id: the first
        # application to reach another is its `via`. A depth-3 walk from a hub's neighbour
        # reaches most of a 100,000-application map, so the per-application work stays in
        # C-level set and dict operations, and each level is sorted once, as strings.
        while frontier and (depth is None or distance < depth):
            distance += 1
            # The last level is no frontier: its order does not matter, only its `via`s.
            last = distance == depth
            reached: list[str] = []
            via: dict[str, str] = {}
            for node in frontier:
                new = adjacency[node].keys() - seen
                if new:
                    seen |= new
                    if last:
                        via.update(dict.fromkeys(new, node))
                    else:
                        ordered = sorted(new)
                        reached += ordered
                        via.update(dict.fromkeys(ordered, node))
            apps = sorted(via)
            sources = list(map(via.__getitem__, apps))
            steps = [
                adjacency[source][other]["interfaces"] for source, other in zip(sources, apps, strict=True)
            ]
            found += map(Reach, apps, repeat(walk), repeat(distance), sources, steps)
            frontier = reached
    return found


# --- neighbours and paths -----------------------------------------------------------------


@dataclass(frozen=True)
class Link:
    """One neighbour of an application and the interfaces between them."""

    app: str
    interfaces: tuple[str, ...]
    protocols: tuple[str, ...]
    volume: int


@dataclass(frozen=True)
class Neighbours:
    """Who sends data to an application (incoming) and who receives from it (outgoing)."""

    app: str
    incoming: list[Link]
    outgoing: list[Link]


def _link(app: str, data: dict[str, Any]) -> Link:
    return Link(app, tuple(data["interfaces"]), tuple(data["protocols"]), int(data["volume"] or 0))


def neighbours(graph: nx.DiGraph, app: str) -> Neighbours:
    """The direct neighbours of ``app`` in both directions, sorted by id."""
    incoming = [_link(src, graph.edges[src, app]) for src in sorted(graph.predecessors(app))]
    outgoing = [_link(dst, graph.edges[app, dst]) for dst in sorted(graph.successors(app))]
    return Neighbours(app, incoming, outgoing)


@dataclass(frozen=True)
class Route:
    """A path through the map with the interfaces of each hop."""

    apps: tuple[str, ...]
    hops: tuple[tuple[str, ...], ...]  # interfaces between apps[i] and apps[i + 1]

    @property
    def length(self) -> int:
        """Number of hops."""
        return len(self.hops)


def _path(graph: nx.DiGraph, apps: list[str]) -> Route:
    hops = tuple(tuple(graph.edges[a, b]["interfaces"]) for a, b in itertools.pairwise(apps))
    return Route(tuple(apps), hops)


def shortest_path(graph: nx.DiGraph, source: str, target: str) -> Route | None:
    """The shortest path following the flows from ``source`` to ``target``, or None."""
    import networkx as nx

    try:
        return _path(graph, nx.shortest_path(graph, source, target))
    except nx.NetworkXNoPath:
        return None


def all_paths(
    graph: nx.DiGraph, source: str, target: str, *, cutoff: int = 6, limit: int = 20
) -> list[Route]:
    """Simple paths from ``source`` to ``target`` of at most ``cutoff`` hops, shortest first.

    At most ``limit`` paths are returned: on a hub-and-spoke map their number explodes.
    """
    import networkx as nx

    paths = nx.shortest_simple_paths(graph, source, target)
    found = []
    try:
        for apps in itertools.islice(paths, limit):
            if len(apps) - 1 > cutoff:
                break
            found.append(_path(graph, apps))
    except nx.NetworkXNoPath:
        return []
    return found


# --- critical nodes -----------------------------------------------------------------------


@dataclass(frozen=True)
class Critical:
    """An application whose failure cuts the map, or that many flows go through."""

    app: str
    articulation: bool  # removing it splits the (undirected) map
    cut_off: int  # applications it separates from the main part when it stops
    betweenness: float  # share of shortest paths going through it (0..1)


#: Above this many applications, betweenness is estimated from a sample of sources
#: (exact betweenness is O(nodes x edges): over a minute at 2,500 applications).
EXACT_BETWEENNESS_LIMIT = 1000
BETWEENNESS_SAMPLE = 200
#: The sample shrinks on large maps to about this many edges walked in all (at least
#: :data:`MIN_BETWEENNESS_SAMPLE` sources): 500,000 interfaces give 4 sources, about 1.5 s.
BETWEENNESS_BUDGET = 2_000_000
MIN_BETWEENNESS_SAMPLE = 4


def betweenness_sample(graph: nx.DiGraph) -> int | None:
    """How many sources betweenness is estimated from (None: exact)."""
    if graph.number_of_nodes() <= EXACT_BETWEENNESS_LIMIT:
        return None
    by_size = BETWEENNESS_BUDGET // max(1, graph.number_of_edges())
    return max(MIN_BETWEENNESS_SAMPLE, min(BETWEENNESS_SAMPLE, by_size))


def critical_nodes(graph: nx.DiGraph, *, top: int | None = 20, sample: int | None = None) -> list[Critical]:
    """Articulation points of the undirected map and the highest betweenness, most critical first.

    ``sample`` estimates betweenness from that many source nodes (seeded, so reproducible);
    by default it is exact up to :data:`EXACT_BETWEENNESS_LIMIT` applications and sampled
    above (:func:`betweenness_sample`).
    """
    import networkx as nx

    if sample is None:
        sample = betweenness_sample(graph)
    if sample is not None and sample >= graph.number_of_nodes():
        sample = None
    with gc_paused():  # millions of short-lived lists and ints, none in a cycle
        numbered = _numbered(graph)
        cut = _cut_off(graph, numbered)
        between = (
            nx.betweenness_centrality(graph)
            if sample is None
            else _sampled_betweenness(graph, sample, numbered)
        )
    # Only applications with a score can rank: on a large map most have none.
    ranked = sorted(cut.keys() | between.keys(), key=lambda n: (-cut.get(n, 0), -between.get(n, 0.0), n))
    items = [Critical(n, n in cut, cut.get(n, 0), round(between.get(n, 0.0), 6)) for n in ranked]
    items = [c for c in items if c.articulation or c.betweenness > 0]
    return items if top is None else items[:top]


_Numbered = tuple[list[str], list[list[int]], list[list[int]]]


def _numbered(graph: nx.DiGraph) -> _Numbered:
    """The map's applications numbered in order, with the successors and the predecessors of
    each by number: walks over lists of numbers run several times faster than over the
    graph's dicts of names (each list made in C-level passes)."""
    nodes = list(graph._succ)
    number = dict(zip(nodes, range(len(nodes)), strict=True)).__getitem__
    out = list(map(list, map(map, repeat(number), map(graph._succ.__getitem__, nodes))))
    into = list(map(list, map(map, repeat(number), map(graph._pred.__getitem__, nodes))))
    return nodes, out, into


def _cut_off(graph: nx.DiGraph, numbered: _Numbered | None = None) -> dict[str, int]:
    """The articulation points of the undirected map, each with the applications it separates
    from the largest remaining part of its component when it stops.

    One depth-first walk (Tarjan's low points) with subtree sizes: the parts left when ``v``
    stops are the subtrees of its children that cannot reach above it, and the rest of its
    component. Linear in the map's size, where a walk of the component per point was quadratic.
    """
    nodes, out, into = _numbered(graph) if numbered is None else numbered
    # A neighbour both ways comes twice: harmless (the parent is skipped each time, and the
    # low point is a minimum), and cheaper than a set per application.
    around = list(map(operator.add, out, into))
    count = len(nodes)
    order = [-1] * count
    low = [0] * count
    size = [0] * count
    parts: dict[int, list[int]] = {}
    cut: dict[str, int] = {}
    visited = 0
    for root in range(count):
        if order[root] >= 0:
            continue
        order[root] = low[root] = visited
        visited += 1
        size[root] = 1
        stack = [(root, -1, iter(around[root]))]
        while stack:
            node, parent, neighbours = stack[-1]
            for other in neighbours:
                if order[other] < 0:
                    order[other] = low[other] = visited
                    visited += 1
                    size[other] = 1
                    stack.append((other, node, iter(around[other])))
                    break
                if other != parent and order[other] < low[node]:
                    low[node] = order[other]
            else:
                stack.pop()
                if stack:
                    above = stack[-1][0]
                    size[above] += size[node]
                    if low[node] < low[above]:
                        low[above] = low[node]
                    if low[node] >= order[above]:
                        parts.setdefault(above, []).append(size[node])
        total = size[root]
        for node, pieces in parts.items():
            if node == root:
                if len(pieces) < 2:
                    continue
            else:
                pieces.append(total - 1 - sum(pieces))
            cut[nodes[node]] = sum(pieces) - max(pieces)
        parts.clear()
    return cut


def _sampled_betweenness(
    graph: nx.DiGraph, sample: int, numbered: _Numbered | None = None
) -> dict[str, float]:
    """Betweenness estimated from ``sample`` sources drawn as networkx draws them (seed 0) and
    scaled as networkx 3.6 scales a sample (Brandes' accumulation, unweighted, directed).

    Nodes are numbered and each walk keeps lists, not dicts: several times faster than
    networkx's own sampled betweenness on a 100,000-application map.
    """
    nodes, out, into = _numbered(graph) if numbered is None else numbered
    count = len(nodes)
    score = [0.0] * count
    sources = random.Random(0).sample(range(count), sample)
    for source in sources:
        paths = [0] * count
        depth = [-1] * count
        paths[source], depth[source] = 1, 0
        seen = [source]
        level = [source]
        while level:
            following = []
            for v in level:
                step = depth[v] + 1
                for w in out[v]:
                    if depth[w] < 0:
                        depth[w] = step
                        following.append(w)
                    if depth[w] == step:
                        paths[w] += paths[v]
            seen += following
            level = following
        # Back from the farthest: a node's share goes to its predecessors on shortest paths,
        # found among its in-neighbours (one level closer), not kept in a list per node.
        share = [0.0] * count
        for w in reversed(seen[1:]):  # seen[0] is the source: no predecessor
            closer = depth[w] - 1
            part = (1 + share[w]) / paths[w]
            for v in into[w]:
                if depth[v] == closer:
                    share[v] += paths[v] * part
            score[w] += share[w]
    if count < 3:
        return {}
    # Each node's paths from the other sampled sources, over the pairs it could lie between
    # (networkx's estimator: a sampled source cannot lie on its own paths).
    scale = [1 / (sample * (count - 2))] * count
    for source in sources:
        scale[source] = 1 / ((sample - 1) * (count - 2)) if sample > 1 else 0.0
    return {nodes[i]: score[i] * scale[i] for i in range(count) if score[i] * scale[i]}


# --- counts and flows ---------------------------------------------------------------------

#: What `counts` can group by.
GROUPINGS = ("domain", "zone", "ministry", "category", "criticality", "phase", "protocol")


@dataclass
class Group:
    """Counts for one value of a grouping (one domain, one ministry, ...)."""

    key: str
    label: str
    zone: str | None = None  # for domains: the POS zone they belong to
    applications: int = 0
    phases: dict[str, int] = field(default_factory=dict)
    interfaces: int = 0
    monthly_volume: int = 0


def counts(catalog: Catalog, by: str = "domain") -> list[Group]:
    """Applications (by lifecycle phase) and interfaces with their volumes, grouped by ``by``.

    Domains come in the order of the domains table (the report's), then any others;
    an interface counts for the group of each of its ends (once if both are in it).
    Grouping by protocol counts interfaces and the applications using each protocol.
    """
    if by not in GROUPINGS:
        raise ValueError(f"cannot group by '{by}' (one of: {', '.join(GROUPINGS)})")
    apps = catalog.applications
    live = [i for i in catalog.interfaces.values() if i.lifecycle.phase is not Phase.DECOMMISSIONED]
    phases = _group_keys(catalog, "phase")
    groups: dict[str, Group] = {}

    def group(key: str) -> Group:
        if key not in groups:
            label = key
            zone = None
            if by == "ministry" and key in catalog.ministries:
                label = catalog.ministries[key].name
            if by == "domain" and key in catalog.domains:
                zone = catalog.domains[key].zone.value
            groups[key] = Group(key, label, zone)
        return groups[key]

    if by == "protocol":
        users: dict[str, set[str]] = {}
        for interface in live:
            entry = group(interface.protocol.value)
            entry.interfaces += 1
            entry.monthly_volume += interface.monthly_volume or 0
            users.setdefault(entry.key, set()).update((interface.source, interface.target))
        for key, members in users.items():
            groups[key].applications = len(members)
            groups[key].phases = dict(Counter(phases[a] for a in members if a in apps))
        return sorted(groups.values(), key=lambda g: -g.interfaces)

    keys = _group_keys(catalog, by)
    if by == "domain":
        for name in catalog.domains:
            group(name)
    for app_id, key in keys.items():
        entry = group(key)
        entry.applications += 1
        phase = phases[app_id]
        entry.phases[phase] = entry.phases.get(phase, 0) + 1
    for interface in live:
        source, target = keys[interface.source], keys[interface.target]
        volume = interface.monthly_volume or 0
        entry = groups[source]
        entry.interfaces += 1
        entry.monthly_volume += volume
        if target != source:
            entry = groups[target]
            entry.interfaces += 1
            entry.monthly_volume += volume
    if by == "domain":
        return [g for g in groups.values() if g.applications or g.interfaces]
    return sorted(groups.values(), key=lambda g: (-g.applications, g.key))


_GROUP_OF = {
    "zone": attrgetter("zone"),
    "category": attrgetter("category"),
    "criticality": attrgetter("criticality"),
    "phase": attrgetter("lifecycle.phase"),
}


def _group_keys(catalog: Catalog, by: str) -> dict[str, str]:
    """Each application's group (its domain, zone, ministry...), by id.

    Codes are enum members whose ``.value`` is a Python-level descriptor: read once per
    member, not once per application and interface end (2.4 s of `map stats` on 500,000
    interfaces).
    """
    apps = catalog.applications
    if by in ("domain", "ministry"):
        return dict(zip(apps, map(attrgetter(by), apps.values()), strict=True))
    members = dict(zip(apps, map(_GROUP_OF[by], apps.values()), strict=True))
    values = {member: member.value for member in set(members.values())}
    return dict(zip(members, map(values.__getitem__, members.values()), strict=True))


@dataclass(frozen=True)
class FlowMatrix:
    """Monthly volumes and interface counts from one group (row) to another (column)."""

    by: str
    keys: list[str]
    volume: dict[tuple[str, str], int]
    interfaces: dict[tuple[str, str], int]

    def total(self) -> int:
        """All monthly volume in the matrix."""
        return sum(self.volume.values())


def flow_matrix(catalog: Catalog, by: str = "zone") -> FlowMatrix:
    """Volumes from source group to target group (zone, domain, ministry, ...) of live interfaces."""
    if by not in GROUPINGS or by == "protocol":
        raise ValueError(f"cannot group flows by '{by}'")
    attribute = {"zone": "zone", "domain": "domain", "ministry": "ministry", "category": "category"}.get(
        by, by
    )
    apps = catalog.applications

    def key_of(app_id: str) -> str:
        app = apps[app_id]
        if attribute == "phase":
            return app.lifecycle.phase.value
        value = getattr(app, attribute)
        return str(getattr(value, "value", value))

    volume: Counter[tuple[str, str]] = Counter()
    count: Counter[tuple[str, str]] = Counter()
    for interface in catalog.interfaces.values():
        if interface.lifecycle.phase is Phase.DECOMMISSIONED:
            continue
        cell = (key_of(interface.source), key_of(interface.target))
        volume[cell] += interface.monthly_volume or 0
        count[cell] += 1
    keys = sorted({k for cell in count for k in cell})
    return FlowMatrix(by, keys, dict(volume), dict(count))
