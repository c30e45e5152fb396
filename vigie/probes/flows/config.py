"""The flows' part of `config.toml`: expected paths (``[[flows]]``) and ``[flow_tracking]``.

A ``[[flows]]`` table names a flow type, its path as catalog application ids and the
deadline to reach each next hop: ``deadline`` for every step or ``deadlines``, one per
step; ``statuses`` maps a source's own status codes onto the life cycle, besides Chorus
Pro's. Whether the path's applications and interfaces exist is the catalog's to say: the
console checks that (this package does not read the catalog).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from vigie.kernel.durations import parse_duration
from vigie.kernel.problems import unknown
from vigie.kernel.tomlfile import Document, Section
from vigie.probes.config import ID_PATTERN
from vigie.probes.flows.lifecycle import CHORUS_PRO, STAGES, Route, Stage
from vigie.probes.secrets import Secret

DEFAULT_PATH = "flows.db"
_STAGE_CODES = tuple(s.value for s in STAGES)


@dataclass(frozen=True)
class FlowsConfig:
    """Flow types with their routes, where the flow store is, and the token of POST /events.

    ``lines`` gives the line of each type's ``path`` in the config file (for the catalog's
    checks); ``token`` None leaves POST /events off.
    """

    routes: Mapping[str, Route] = field(default_factory=dict)
    lines: Mapping[str, int | None] = field(default_factory=dict)
    path: str = DEFAULT_PATH
    token: Secret | None = None


def load_flows_config(doc: Document) -> FlowsConfig:
    """Read ``[[flows]]`` and ``[flow_tracking]``; problems are recorded on ``doc``."""
    routes: dict[str, Route] = {}
    lines: dict[str, int | None] = {}
    seen: dict[str, int] = {}
    for index, sec in enumerate(doc.array("flows")):
        route = _route(sec)
        if route is None:
            continue
        if route.type in seen:
            sec.problem("type", f"duplicate type '{route.type}' (first at flows[{seen[route.type] + 1}])")
            continue
        seen[route.type] = index
        routes[route.type] = route
        lines[route.type] = doc.line_of(("flows", index, "path"))
    tracking = doc.section("flow_tracking")
    path = tracking.string("path", DEFAULT_PATH) or DEFAULT_PATH
    token = tracking.string("token")
    if token is not None and not Secret(token).variables:
        tracking.problem(
            "token", 'must be an environment reference like "${VIGIE_EVENTS_TOKEN}", not a literal token'
        )
        token = None
    tracking.done()
    return FlowsConfig(
        routes=MappingProxyType(routes),
        lines=MappingProxyType(lines),
        path=path,
        token=None if token is None else Secret(token),
    )


def _route(sec: Section) -> Route | None:
    kind = sec.string("type", required=True, pattern=ID_PATTERN, what="an id (a-z, 0-9, '.', '_', '-')")
    path = sec.string_list("path")
    if path is None:
        if "path" not in sec:
            sec.problem(None, "missing required key 'path'")
        path = []
    elif len(path) < 2:
        sec.problem("path", "must name at least two applications (where the flow starts and ends)")
    deadlines = _deadlines(sec, len(path) - 1)
    statuses = _statuses(sec)
    sec.done()
    if kind is None or len(path) < 2 or deadlines is None:
        return None
    return Route(kind, tuple(path), deadlines, statuses)


def _deadlines(sec: Section, steps: int) -> tuple[float, ...] | None:
    one = sec.duration("deadline", minimum=1)
    listed = sec.raw("deadlines")
    if ("deadline" in sec) == ("deadlines" in sec):
        sec.problem(None, "give either 'deadline' (every step) or 'deadlines' (one per step)")
        return None
    if one is not None:
        return (one,) * max(steps, 0)
    if listed is None:
        return None
    if not isinstance(listed, list) or not all(isinstance(d, str) for d in listed):
        sec.problem("deadlines", 'must be an array of durations like ["30m", "4h"]')
        return None
    if steps >= 1 and len(listed) != steps:
        sec.problem("deadlines", f"{len(listed)} deadlines for {steps} steps (one per step between hops)")
        return None
    values = []
    for text in listed:
        seconds = _duration(sec, text)
        if seconds is None:
            return None
        values.append(seconds)
    return tuple(values)


def _duration(sec: Section, text: str) -> float | None:
    try:
        seconds = parse_duration(text)
    except ValueError as exc:
        sec.problem("deadlines", str(exc))
        return None
    if seconds < 1:
        sec.problem("deadlines", f"'{text}' is out of range (must be at least 1s)")
        return None
    return seconds


def _statuses(sec: Section) -> Mapping[str, Stage]:
    table = sec.table("statuses")
    if table is None:
        return CHORUS_PRO
    own: dict[str, Stage] = dict(CHORUS_PRO)
    for code in table.data:
        stage = table.string(code)
        if stage is None:
            continue
        if stage not in _STAGE_CODES:
            table.problem(code, unknown("stage", stage, _STAGE_CODES))
            continue
        own[code.upper()] = Stage(stage)
    return MappingProxyType(own)
