"""Flows against the map, one flow's trace, and the monthly integration report.

- :func:`routes_on_map` gives each ``[[flows]]`` route the moves the catalog's interfaces
  carry for its type (an interface that lists no flow type carries any), so a flow that goes
  where the map has no interface is flagged ``off-map``; :func:`path_problems` says which
  paths name an unknown application or a step no interface carries.
- :func:`trace` is one flow's hop timeline: the time from event to event, where it is now,
  what is next and by when, what each event changed (its stage, its flags).
- :func:`integration_report` is the "compte rendu" of a month: per flow type and partner the
  flows received, sent, acknowledged, rejected, suspended and still pending; rejects by
  reason; the time per hop (p50, p95); duplicates; acknowledgements missing.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from vigie.catalog.model import Catalog, Direction, Phase
from vigie.kernel.problems import Problem, unknown
from vigie.probes.flows.config import FlowsConfig
from vigie.probes.flows.lifecycle import (
    STAGES,
    Flag,
    Progress,
    Route,
    Stage,
    due_at,
    flag_names,
    next_hop,
    start,
    step,
)
from vigie.probes.flows.lifecycle import Event as RuleEvent
from vigie.probes.flows.store import Flow, FlowStore, Month, ReportFile, StoredEvent
from vigie.probes.flows.stuck import stuck_flows

MAX_LISTED = 50
"""Flows listed when a reference (a file name, a control number) names several."""


def links(catalog: Catalog, flow_type: str) -> frozenset[tuple[str, str]]:
    """The moves (source, target) the catalog's live interfaces carry for ``flow_type``."""
    moves = set()
    for interface in catalog.interfaces.values():
        if interface.lifecycle.phase is Phase.DECOMMISSIONED:
            continue
        if interface.flows and flow_type not in interface.flows:
            continue
        moves.add((interface.source, interface.target))
        if interface.direction is Direction.BIDIRECTIONAL:
            moves.add((interface.target, interface.source))
    return frozenset(moves)


def routes_on_map(flows: FlowsConfig, catalog: Catalog | None) -> dict[str, Route]:
    """The configured routes, each with the catalog's moves for its type (none without a catalog)."""
    if catalog is None:
        return dict(flows.routes)
    return {kind: replace(route, links=links(catalog, kind)) for kind, route in flows.routes.items()}


def path_problems(flows: FlowsConfig, catalog: Catalog, file: str | Path) -> list[Problem]:
    """Paths naming an application the catalog does not have, or a step no interface carries."""
    problems = []
    applications = catalog.applications
    for kind, route in flows.routes.items():
        line = flows.lines.get(kind)
        where = f"flows.{kind}.path"
        for hop in route.path:
            if hop not in applications:
                problems.append(Problem(str(file), line, where, unknown("application", hop, applications)))
        moves = links(catalog, kind)
        for source, target in zip(route.path, route.path[1:], strict=False):
            if source in applications and target in applications and (source, target) not in moves:
                problems.append(
                    Problem(
                        str(file),
                        line,
                        where,
                        f"no interface of the catalog carries '{kind}' from '{source}' to '{target}'",
                    )
                )
    return problems


# --- one flow's trace ------------------------------------------------------------------------


@dataclass(frozen=True)
class TraceStep:
    """One event of the trace: when, where, what, what it changed."""

    event: StoredEvent
    since_previous_s: float | None
    stage: Stage
    new_flags: tuple[str, ...]


@dataclass(frozen=True)
class Trace:
    """A flow end to end: its events, where it is, what is next and by when."""

    flow: Flow
    route: Route | None
    steps: tuple[TraceStep, ...]
    hop: str | None
    next_hop: str | None
    due_at: float | None
    stuck: bool
    flags: tuple[str, ...]
    keys: tuple[tuple[str, str], ...]
    references: tuple[tuple[str, str], ...]
    carried_by: tuple[str, ...]
    carries: int
    carried: tuple[str, ...]
    reports: tuple[ReportFile, ...]

    @property
    def total_s(self) -> float:
        """From the first event to the last."""
        return self.flow.progress.last_at - self.flow.progress.first_at


@dataclass(frozen=True)
class Found:
    """What a text names: one flow's trace, or several flows (a shared reference), or nothing."""

    trace: Trace | None
    flows: tuple[Flow, ...] = ()
    total: int = 0


def find(store: FlowStore, routes: Mapping[str, Route], text: str, now: float) -> Found:
    """The flow known by ``text`` (its key or another key), else the flows that share it
    as a reference (a file name, an EDI control number...): one is traced, several listed."""
    flow_id = store.resolve_key(text)
    if flow_id is None:
        referring = store.referring(text, MAX_LISTED + 1)
        ids = list(dict.fromkeys(flow for _, flow in referring))
        if len(ids) == 1:
            flow_id = ids[0]
        elif ids:
            total = len(store.referring(text, 1_000_000))
            return Found(None, tuple(store.flows(ids[:MAX_LISTED])), total)
    if flow_id is None:
        return Found(None)
    return Found(trace(store, routes, flow_id, now))


def trace(store: FlowStore, routes: Mapping[str, Route], flow_id: int, now: float) -> Trace | None:
    """The trace of one stored flow at ``now``."""
    flow = store.flow(flow_id)
    if flow is None:
        return None
    route = routes.get(flow.type) if flow.type else None
    events = store.events(flow_id)
    steps = []
    progress: Progress | None = None
    previous: float | None = None
    for stored in events:
        rule = RuleEvent(stored.at, stored.hop, stored.kind, stored.status, stored.reason or "", stored.seq)
        before = 0 if progress is None else progress.flags
        if progress is None:
            progress = start(rule, route)
        step(progress, rule, route)
        steps.append(
            TraceStep(
                stored,
                None if previous is None else stored.at - previous,
                progress.stage,
                flag_names(progress.flags & ~before),
            )
        )
        previous = stored.at
    state = flow.progress
    due = due_at(state, route)
    keys, refs = store.names(flow_id)
    carried_by = tuple(value for name, value in refs if name == "batch")
    total, carried_ids = store.carried(flow.key, MAX_LISTED)
    return Trace(
        flow=flow,
        route=route,
        steps=tuple(steps),
        hop=route.path[state.pos] if route is not None and state.pos >= 0 else state.last_hop,
        next_hop=next_hop(state, route),
        due_at=due,
        stuck=due is not None and now > due,
        flags=flag_names(state.flags),
        keys=tuple((n, v) for n, v in keys if v != flow.key),
        references=tuple((n, v) for n, v in refs if n != "batch"),
        carried_by=carried_by,
        carries=total,
        carried=tuple(f.key for f in store.flows(carried_ids)),
        reports=tuple(store.reports_of(flow_id)),
    )


# --- the monthly integration report ------------------------------------------------------------


@dataclass(frozen=True)
class Counts:
    """Flows of one flow type and partner first seen in the period, by what became of them.

    ``pending`` flows are on their way (not settled, not suspended), ``stuck`` those of them
    past their deadline when the report was made; ``missing_ack`` were sent and never
    acknowledged; ``duplicates`` were received twice at one hop.
    """

    type: str
    partner: str
    received: int = 0
    sent: int = 0
    acknowledged: int = 0
    accepted: int = 0
    paid: int = 0
    rejected: int = 0
    suspended: int = 0
    withdrawn: int = 0
    pending: int = 0
    stuck: int = 0
    duplicates: int = 0
    missing_ack: int = 0
    flagged: int = 0


COUNTED = (
    "received",
    "sent",
    "acknowledged",
    "accepted",
    "paid",
    "rejected",
    "suspended",
    "withdrawn",
    "pending",
    "stuck",
    "duplicates",
    "missing_ack",
    "flagged",
)


SHOWN = (
    "received",
    "sent",
    "acknowledged",
    "rejected",
    "suspended",
    "pending",
    "stuck",
    "duplicates",
    "missing_ack",
)
"""The counts the report's tables show (the JSON has all of :data:`COUNTED`)."""


@dataclass(frozen=True)
class Reason:
    """Flows rejected (or suspended, or withdrawn) for one reason."""

    type: str
    stage: str
    reason: str
    count: int


@dataclass(frozen=True)
class HopTime:
    """Time from arriving at a hop to arriving at the next one, for one flow type."""

    type: str
    source: str
    target: str
    flows: int
    p50_s: float | None
    p95_s: float | None


@dataclass(frozen=True)
class IntegrationReport:
    """The integration report of a period: counts, rejects, times per hop."""

    label: str
    since: float
    until: float
    as_of: float
    rows: tuple[Counts, ...]
    by_type: tuple[Counts, ...]
    total: Counts
    reasons: tuple[Reason, ...]
    hop_times: tuple[HopTime, ...]
    flags: Mapping[str, int]


_STAGE_FIELD = {
    Stage.ACCEPTED: "accepted",
    Stage.PAID: "paid",
    Stage.REJECTED: "rejected",
    Stage.SUSPENDED: "suspended",
    Stage.WITHDRAWN: "withdrawn",
}
_REASONED = (Stage.REJECTED, Stage.SUSPENDED, Stage.WITHDRAWN)
_NONE = ""


def percentile(ordered: Sequence[float], share: float) -> float | None:
    """The nearest-rank percentile of sorted values (None for none)."""
    if not ordered:
        return None
    rank = max(1, math.ceil(share * len(ordered)))
    return ordered[rank - 1]


def integration_report(
    store: FlowStore, routes: Mapping[str, Route], since: float, until: float, as_of: float, label: str
) -> IntegrationReport:
    """The report of flows first seen in ``[since, until)``, in their state at ``as_of``.

    Counts are grouped in SQL and times per hop taken from each flow's arrival times: a
    month of the SI Chorus is a million flows, read in well under two seconds.
    """
    stuck_count = Counter(
        (s.type, s.partner or _NONE) for s in stuck_flows(store, routes, as_of) if since <= s.first_at < until
    )
    tallies: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    flags: Counter[str] = Counter()
    reasons: Counter[tuple[str, str, str]] = Counter()
    month = store.month(since, until)
    for (kind, partner, stage_index, sent, acked, flag_bits, unsettled, reason), count in month.groups(
        _REASONED
    ).items():
        kind = kind or _NONE
        tally = tallies[(kind, partner or _NONE)]
        tally["received"] += count
        stage = STAGES[stage_index]
        if sent:
            tally["sent"] += count
            if not acked:
                tally["missing_ack"] += count
        if acked:
            tally["acknowledged"] += count
        field = _STAGE_FIELD.get(stage)
        if field is not None:
            tally[field] += count
        if reason is not None:
            reasons[(kind, stage.value, reason)] += count
        if unsettled and stage is not Stage.SUSPENDED and kind in routes:
            tally["pending"] += count
        if flag_bits:
            tally["flagged"] += count
            if flag_bits & Flag.DUPLICATE:
                tally["duplicates"] += count
            for flag in flag_names(flag_bits):
                flags[flag] += count
    rows = []
    for (kind, partner), tally in sorted(tallies.items()):
        tally["stuck"] = stuck_count.get((kind, partner), 0)
        rows.append(Counts(kind, partner, **{f: tally[f] for f in COUNTED}))
    ordered = sorted(
        (Reason(kind, stage, reason, count) for (kind, stage, reason), count in reasons.items()),
        key=lambda r: (-r.count, r.type, r.stage, r.reason),
    )
    return IntegrationReport(
        label=label,
        since=since,
        until=until,
        as_of=as_of,
        rows=tuple(rows),
        by_type=tuple(
            _sum(kind, "", [r for r in rows if r.type == kind]) for kind in sorted({r.type for r in rows})
        ),
        total=_sum("", "", rows),
        reasons=tuple(ordered),
        hop_times=tuple(_hop_times(month, routes)),
        flags=dict(sorted(flags.items())),
    )


def _hop_times(month: Month, routes: Mapping[str, Route]) -> Iterator[HopTime]:
    for kind, route in routes.items():
        arrivals = month.arrivals(kind)
        for i, (source, target) in enumerate(zip(route.path, route.path[1:], strict=False)):
            # Clocks differ between systems: a next hop "before" this one took no time.
            values = sorted(
                max(0.0, there - here)
                for a in arrivals
                if (here := a[i]) is not None and (there := a[i + 1]) is not None
            )
            yield HopTime(
                kind, source, target, len(values), percentile(values, 0.5), percentile(values, 0.95)
            )


def _sum(kind: str, partner: str, rows: Iterable[Counts]) -> Counts:
    totals: Counter[str] = Counter()
    for row in rows:
        for field in COUNTED:
            totals[field] += getattr(row, field)
    return Counts(kind, partner, **{f: totals[f] for f in COUNTED})
