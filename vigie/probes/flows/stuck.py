"""Stuck flows: on their route, not settled, their last event older than their hop's deadline.

Read from the flows' states (one row per open flow), in their state at the instant asked
(the stored events up to then, for a flow that moved on since): the CLI's `vigie flows
stuck`, the console's list and the exporter's gauge all count through here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from vigie.probes.flows.lifecycle import Kind, Route, Stage, due_at, next_hop
from vigie.probes.flows.store import Flow, FlowStore


@dataclass(frozen=True)
class StuckFlow:
    """A flow past its deadline: where it is, where it should be by now, since when."""

    key: str
    type: str
    partner: str | None
    hop: str
    next_hop: str
    first_at: float
    last_at: float
    due_at: float
    overdue_s: float
    stage: Stage
    last_kind: Kind
    last_status: str


def stuck_flows(store: FlowStore, routes: Mapping[str, Route], as_of: float) -> list[StuckFlow]:
    """Every flow stuck at ``as_of``, by hop then oldest first."""
    found = []
    for flow in store.open_flows(routes, as_of, lambda flow: _could_be_stuck(flow, routes, as_of)):
        route = routes.get(flow.type) if flow.type else None
        progress = flow.progress
        due = due_at(progress, route)
        following = next_hop(progress, route)
        if route is None or due is None or following is None or as_of <= due:
            continue
        found.append(
            StuckFlow(
                key=flow.key,
                type=route.type,
                partner=flow.partner,
                hop=route.path[progress.pos],
                next_hop=following,
                first_at=progress.first_at,
                last_at=progress.last_at,
                due_at=due,
                overdue_s=as_of - due,
                stage=progress.stage,
                last_kind=progress.last_kind,
                last_status=progress.last_status,
            )
        )
    found.sort(key=lambda s: (s.type, routes[s.type].path.index(s.hop), s.last_at, s.key))
    return found


def _could_be_stuck(flow: Flow, routes: Mapping[str, Route], as_of: float) -> bool:
    """Whether a flow that moved on since ``as_of`` may have been stuck then, from the times
    it first reached each hop: at ``as_of`` it was at the furthest hop reached by then, and
    its last event was no earlier than its arrival there (so only a flow past that arrival
    plus the hop's deadline is folded again to know)."""
    route = routes.get(flow.type) if flow.type else None
    if route is None:
        return False
    reached = [i for i, at in enumerate(flow.progress.arrivals) if at is not None and at <= as_of]
    if not reached or reached[-1] >= len(route.deadlines):
        return False
    arrived = flow.progress.arrivals[reached[-1]]
    assert arrived is not None
    return as_of > arrived + route.deadlines[reached[-1]]
