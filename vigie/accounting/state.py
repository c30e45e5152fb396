"""The component's state over time: the rules every part of Vigie applies to probe results.

Inputs are one component's probe timelines (:class:`~vigie.accounting.timeline.Segment`
lists, from the store or built from raw results with
:func:`~vigie.accounting.timeline.segments_from_results`), its policy and its maintenance
windows. The rules, in the order they apply:

1. **Coverage.** A probe result covers ``[t, next result)``, at most ``2 x interval``;
   time no result covers is ``unknown``.
2. **confirm_after N** (per probe): a run of consecutive down results shorter than N
   is not an outage and counts as ``up``. A confirmed run is down from its first failure
   when ``pending_counts_as_down`` (the default), else from its N-th failure (the time
   before counts as ``up``).
3. **Several probes of one component** (its availability-role probes): at each instant
   the component takes the worst state among the probes that have data then
   (``up`` < ``degraded`` < ``down`` < ``maintenance``); it is ``unknown`` only when none
   has data. So the component is down when any of its probes says it is down.
   **Several agents** (sites probing the same component): rule 3 gives each agent's view,
   then the component takes the state that a quorum of the agents with data see (the
   policy's ``quorum``: the N-th worst view, N being :func:`~vigie.accounting.terms.quorum_needed`).
   With the default majority, one site seeing the component down while the others see it
   up is that site's problem (:func:`site_failures`), not an outage. With one agent (or
   none named, on a single machine) this is rule 3 alone.
4. **Blips**: a maximal down interval shorter than ``ignore_blips_shorter_than`` counts
   as ``up`` (its wall-clock length decides, whatever the schedule).
5. **Maintenance windows** (declared in the config) override every state, unknown
   included: the time is ``maintenance``.

The SLA figures over a period (:mod:`vigie.accounting.figures`) then count only the
time inside the service schedule (rule 6).
"""

from __future__ import annotations

import math
from bisect import insort
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise

from vigie.accounting.results import ProbeResult, Status
from vigie.accounting.terms import Policy, quorum_needed
from vigie.accounting.timeline import Segment, StateSpan, TimelineBuilder
from vigie.kernel.spans import Span, clip, normalise

SEVERITY = {Status.UP: 0, Status.DEGRADED: 1, Status.DOWN: 2, Status.MAINTENANCE: 3}
"""Which state wins when a component's probes disagree (the highest)."""


def _merge(spans: Sequence[StateSpan]) -> list[StateSpan]:
    """Merge touching spans of the same state (a later detail wins unless empty)."""
    out: list[StateSpan] = []
    for span in spans:
        if span.end <= span.start:
            continue
        if out and out[-1].state == span.state and out[-1].end == span.start:
            prev = out[-1]
            out[-1] = StateSpan(prev.start, span.end, span.state, span.detail or prev.detail)
        else:
            out.append(span)
    return out


def confirmed(segments: Sequence[Segment], policy: Policy) -> list[StateSpan]:
    """One probe's segments with ``confirm_after`` applied (rule 2)."""
    n = policy.confirm_after
    out: list[StateSpan] = []
    for seg in segments:
        if seg.status != Status.DOWN or n <= 1:
            out.append(StateSpan(seg.start, seg.end, seg.status, seg.detail))
        elif seg.checks < n:
            out.append(StateSpan(seg.start, seg.end, Status.UP, ""))
        elif policy.pending_counts_as_down:
            out.append(StateSpan(seg.start, seg.end, Status.DOWN, seg.detail))
        else:
            onset = seg.confirm_ts[n - 1]
            out.append(StateSpan(seg.start, onset, Status.UP, ""))
            out.append(StateSpan(onset, seg.end, Status.DOWN, seg.detail))
    return _merge(out)


def combine(probes: Sequence[Sequence[StateSpan]]) -> list[StateSpan]:
    """The component's timeline from its probes' timelines: the worst known state (rule 3).

    A sweep over the instants where some probe's span starts or ends: at each, only the
    probes with a span starting or ending there are looked at again (the daemon combines
    dozens of probes per result; looking at every probe at every instant was quadratic).
    Among probes in the worst state, the first one's detail is kept.
    """
    lists = [p for p in probes if p]
    if len(lists) <= 1:
        return _merge(lists[0]) if lists else []
    touched: dict[float, list[int]] = {}
    for k, spans in enumerate(lists):
        for span in spans:
            touched.setdefault(span.start, []).append(k)
            touched.setdefault(span.end, []).append(k)
    cursors = [0] * len(lists)
    current: list[StateSpan | None] = [None] * len(lists)
    # The probes whose current span is in each state, by severity (worst last).
    active: list[set[int]] = [set() for _ in SEVERITY]
    levels = range(len(SEVERITY) - 1, -1, -1)
    out: list[StateSpan] = []
    worst: StateSpan | None = None
    # The span being built (merged as _merge would: same state, touching, the later
    # non-empty detail), rather than one span per instant merged afterwards.
    run_start, run_end, run_state, run_detail = 0.0, -math.inf, Status.UP, ""
    for a, b in pairwise(sorted(touched)):
        changed = False
        for k in touched[a]:
            spans, i = lists[k], cursors[k]
            while i < len(spans) and spans[i].end <= a:
                i += 1
            cursors[k] = i
            holding = spans[i] if i < len(spans) and spans[i].start <= a else None
            old = current[k]
            if old is not holding:
                if old is not None:
                    active[SEVERITY[old.state]].discard(k)
                if holding is not None:
                    active[SEVERITY[holding.state]].add(k)
                current[k] = holding
                changed = True
        if changed:
            worst = None
            for level in levels:
                if active[level]:
                    worst = current[min(active[level])]
                    break
        if worst is None:
            continue
        if run_end == a and worst.state == run_state:
            run_end, run_detail = b, worst.detail or run_detail
            continue
        if run_end > run_start:
            out.append(StateSpan(run_start, run_end, run_state, run_detail))
        run_start, run_end, run_state, run_detail = a, b, worst.state, worst.detail
    if run_end > run_start:
        out.append(StateSpan(run_start, run_end, run_state, run_detail))
    return out


@dataclass(frozen=True)
class SiteFailure:
    """A span where some agents, but fewer than a quorum of those with data, saw the
    component down: a problem of those sites (their network, their resolver), not an outage."""

    start: float
    end: float
    agents: tuple[str, ...]

    @property
    def duration(self) -> float:
        """Length in seconds."""
        return self.end - self.start


AgentSpans = tuple[str, Sequence[StateSpan]]
"""One probe's timeline after rule 2, with the agent that measured it."""


def _agent_views(keyed: Sequence[AgentSpans]) -> list[tuple[str, list[StateSpan]]]:
    """Each agent's view of the component: the worst state of its probes (rule 3), by agent name."""
    groups: dict[str, list[Sequence[StateSpan]]] = {}
    for agent, spans in keyed:
        groups.setdefault(agent, []).append(spans)
    return [(agent, combine(lists)) for agent, lists in sorted(groups.items())]


def vote(
    views: Sequence[tuple[str, Sequence[StateSpan]]], quorum: str | int
) -> tuple[list[StateSpan], list[SiteFailure]]:
    """The component's timeline from its agents' views (rule 3, several agents), and the spans
    where some agents saw it down without a quorum.

    At each instant, the views with data are ranked worst first (agents in name order
    within one state); the component takes the state of rank ``quorum_needed``. A failure
    touching an outage of the component (sites never see it start at the same instant) is
    the outage's edge, not a site failure.
    """
    lists = [(agent, spans) for agent, spans in views if spans]
    if len(lists) <= 1:
        return (_merge(lists[0][1]) if lists else []), []
    bounds = sorted({t for _, spans in lists for s in spans for t in (s.start, s.end)})
    cursors = [0] * len(lists)
    out: list[StateSpan] = []
    failures: list[SiteFailure] = []
    for a, b in pairwise(bounds):
        seen: list[tuple[str, StateSpan]] = []
        for k, (agent, spans) in enumerate(lists):
            i = cursors[k]
            while i < len(spans) and spans[i].end <= a:
                i += 1
            cursors[k] = i
            if i < len(spans) and spans[i].start <= a:
                seen.append((agent, spans[i]))
        if not seen:
            continue
        seen.sort(key=lambda view: -SEVERITY[view[1].state])
        verdict = seen[quorum_needed(quorum, len(seen)) - 1][1]
        out.append(StateSpan(a, b, verdict.state, verdict.detail))
        down = tuple(agent for agent, span in seen if span.state is Status.DOWN)
        if down and verdict.state is not Status.DOWN:
            last = failures[-1] if failures else None
            if last is not None and last.end == a and last.agents == down:
                failures[-1] = SiteFailure(last.start, b, down)
            else:
                failures.append(SiteFailure(a, b, down))
    timeline = _merge(out)
    # Sites seeing the outage a moment before (or after) the quorum does: the outage's edge,
    # not those sites' own problem. Runs of touching failures go together.
    edges = {t for span in timeline if span.state is Status.DOWN for t in (span.start, span.end)}
    kept: list[SiteFailure] = []
    run: list[SiteFailure] = []
    for failure in [*failures, None]:
        if failure is not None and run and run[-1].end == failure.start:
            run.append(failure)
            continue
        if run and run[0].start not in edges and run[-1].end not in edges:
            kept.extend(run)
        run = [failure] if failure is not None else []
    return timeline, kept


def _verdict(keyed: Sequence[AgentSpans], quorum: str | int) -> list[StateSpan]:
    """Rule 3 over every probe's confirmed timeline: the worst probe, or the agents' vote."""
    if len({agent for agent, _ in keyed}) <= 1:
        return combine([spans for _, spans in keyed])
    return vote(_agent_views(keyed), quorum)[0]


def _confirmed_by_agent(probe_segments: Sequence[Sequence[Segment]], policy: Policy) -> list[AgentSpans]:
    return [(segs[0].agent if segs else "", confirmed(segs, policy)) for segs in probe_segments if segs]


def site_failures(probe_segments: Sequence[Sequence[Segment]], policy: Policy) -> list[SiteFailure]:
    """Where some agents saw the component down but the quorum did not (rules 1-3): each
    span with the agents that saw it down. Empty with a single agent."""
    keyed = _confirmed_by_agent(probe_segments, policy)
    if len({agent for agent, _ in keyed}) <= 1:
        return []
    return vote(_agent_views(keyed), policy.quorum)[1]


def drop_blips(timeline: Sequence[StateSpan], shorter_than: float) -> list[StateSpan]:
    """Down spans shorter than ``shorter_than`` seconds become up (rule 4)."""
    if shorter_than <= 0:
        return list(timeline)
    return _merge(
        [
            StateSpan(s.start, s.end, Status.UP, "")
            if s.state == Status.DOWN and s.duration < shorter_than
            else s
            for s in timeline
        ]
    )


def overlay_maintenance(timeline: Sequence[StateSpan], windows: Sequence[Span]) -> list[StateSpan]:
    """Declared maintenance windows (normalised spans) override every state (rule 5)."""
    if not windows:
        return list(timeline)
    out: list[StateSpan] = [StateSpan(s, e, Status.MAINTENANCE, "") for s, e in windows]
    w = 0
    for span in timeline:
        cursor = span.start
        while w < len(windows) and windows[w][1] <= cursor:
            w += 1
        k = w
        while k < len(windows) and windows[k][0] < span.end:
            if windows[k][0] > cursor:
                out.append(StateSpan(cursor, windows[k][0], span.state, span.detail))
            cursor = max(cursor, windows[k][1])
            k += 1
        if cursor < span.end:
            out.append(StateSpan(cursor, span.end, span.state, span.detail))
    out.sort(key=lambda s: s.start)
    return _merge(out)


def effective_timeline(
    probe_segments: Sequence[Sequence[Segment]], policy: Policy, maintenance: Sequence[Span]
) -> list[StateSpan]:
    """Rules 1-5: a component's state over time, gaps being unknown."""
    combined = _verdict(_confirmed_by_agent(probe_segments, policy), policy.quorum)
    return overlay_maintenance(drop_blips(combined, policy.ignore_blips_shorter_than), maintenance)


# --- the state now, and as it changes --------------------------------------------------


@dataclass(frozen=True)
class Transition:
    """A change of a component's state. ``ts`` is when the new state began in the timeline
    (for an outage confirmed after N failures, counted from the first: its first failure)."""

    component: str
    old: Status
    new: Status
    ts: float
    detail: str


@dataclass(frozen=True)
class CurrentState:
    """A component's state at one instant, since when, and the last result's detail;
    ``site_down`` names the agents that see it down then without a quorum (see :class:`SiteFailure`)."""

    state: Status
    since: float | None
    detail: str
    site_down: tuple[str, ...] = ()


def _clipped(segments: Sequence[Segment], until: float) -> list[Segment]:
    """Segments cut at ``until`` (what is known of a probe by then)."""
    out = []
    for seg in segments:
        if seg.start >= until:
            break
        if seg.end > until:
            seg = Segment(
                seg.component,
                seg.probe,
                seg.start,
                until,
                seg.last_ts,
                seg.status,
                seg.checks,
                seg.detail,
                seg.confirm_ts,
                seg.agent,
            )
        out.append(seg)
    return out


def current_state(
    probe_segments: Sequence[Sequence[Segment]], policy: Policy, maintenance: Sequence[Span], now: float
) -> CurrentState:
    """The component's state at ``now`` by rules 1-5, from each probe's segments up to ``now``.

    What is not known by ``now`` does not count: a failure not yet confirmed by
    ``confirm_after`` results is not an outage, nor is a down interval shorter than
    ``ignore_blips_shorter_than`` so far. The state is ``unknown`` when no probe's last
    result still covers ``now``. The console and the exporter read the state this way;
    the daemon's alerts follow the same rules result by result (:class:`LiveState`).
    """
    # A result at `now` itself counts: the state at the instant, not just before it.
    until = math.nextafter(now, math.inf)
    live = LiveState("", policy, maintenance=lambda start, end: clip(maintenance, start, end))
    known = [_clipped(segments, until) for segments in probe_segments]
    for segments in known:
        live.load(segments)
    live.flush(until)
    current = live.current
    if current.state in (Status.UP, Status.DEGRADED):
        for failure in site_failures(known, policy):
            if failure.start <= now < failure.end:
                return CurrentState(current.state, current.since, current.detail, failure.agents)
    return current


MaintenanceSource = Callable[[float, float], Sequence[Span]]
"""The component's maintenance spans inside ``[start, end)``."""


class LiveState:
    """One component's state as its probes' results arrive, by the rules of
    :func:`effective_timeline`: the transitions it reports are the transitions of the
    timeline built from the same results, each reported as soon as no later result can
    change it.

    A result settles the component's state up to the oldest of its probes' latest results
    (a probe's next result always comes after its latest), except what is still pending:
    a failure not yet confirmed by ``confirm_after`` results (when pending time counts as
    down, the outage would start at its first failure) and a down interval shorter than
    ``ignore_blips_shorter_than`` so far. Segments that can no longer change anything are
    dropped, the settled past being summed up by one span, so memory and time per result
    stay small whatever the uptime.
    """

    def __init__(
        self,
        component: str,
        policy: Policy,
        intervals: Mapping[str, float] | None = None,
        maintenance: MaintenanceSource | None = None,
    ) -> None:
        self.component = component
        self.policy = policy
        self._intervals = dict(intervals or {})
        self._maintenance = maintenance
        # Keyed by (agent, probe): several sites may run the same probe.
        self._builders: dict[tuple[str, str], TimelineBuilder] = {}
        self._closed: dict[tuple[str, str], list[Segment]] = {}
        # Each probe's spans after rule 2, kept until that probe's segments change: a result
        # changes one probe's, and the others' were a third of the daemon's work per result.
        # Keyed by the probe's version (bumped as its segments grow) and the segments kept.
        self._versions: dict[tuple[str, str], int] = {}
        self._probes: list[tuple[str, str]] = []  # those with segments, sorted
        self._confirmed: dict[tuple[str, str], tuple[tuple[int, int], list[StateSpan]]] = {}
        self._state = Status.UNKNOWN
        self._since: float | None = None
        self._detail = ""
        self._now = -math.inf
        # Segments ending before `_trim` are gone; `_past` stands for what they said between
        # the current state's start and `_trim` (before the blip and maintenance rules).
        self._trim = -math.inf
        self._past: StateSpan | None = None

    @property
    def current(self) -> CurrentState:
        """The settled state: the last one reported."""
        return CurrentState(self._state, self._since, self._detail)

    def feed(self, result: ProbeResult) -> list[Transition]:
        """Account for one result (each probe's results in time order); the transitions it settles.

        A result of a probe this state was not told about, or not after that probe's
        previous result, changes nothing.
        """
        interval = self._intervals.get(result.probe)
        if interval is None:
            return []
        key = (result.agent, result.probe)
        builder = self._builders.get(key)
        if builder is None:
            builder = self._builders[key] = TimelineBuilder(
                self.component, result.probe, interval, agent=result.agent
            )
        try:
            closed = builder.add(result.ts, result.status, result.detail)
        except ValueError:
            return []
        if closed is not None:
            self._closed.setdefault(key, []).append(closed)
        self._changed(key)
        self._now = max(self._now, result.ts)
        return self._settle(self._horizon(), final=False)

    def resume(self, probe_segments: Sequence[Sequence[Segment]]) -> list[Transition]:
        """Continue from the probes' stored segments (one list per probe, oldest first, the
        last one still open), as after a restart; the transitions they settle."""
        for segments in probe_segments:
            interval = self._intervals.get(segments[0].probe) if segments else None
            if interval is None:
                continue
            *closed, last = segments
            key = (last.agent, last.probe)
            self._closed.setdefault(key, []).extend(closed)
            self._builders[key] = TimelineBuilder(self.component, last.probe, interval, last, last.agent)
            self._changed(key)
            self._now = max(self._now, last.last_ts)
        return self._settle(self._horizon(), final=False)

    def load(self, segments: Sequence[Segment]) -> None:
        """Take one probe's segments as they are (oldest first), without settling anything."""
        if segments:
            key = (segments[0].agent, segments[0].probe)
            self._closed.setdefault(key, []).extend(segments)
            self._changed(key)

    def _changed(self, key: tuple[str, str]) -> None:
        version = self._versions.get(key)
        if version is None:
            insort(self._probes, key)
        self._versions[key] = 1 if version is None else version + 1

    def flush(self, until: float = math.inf) -> list[Transition]:
        """Settle everything up to ``until`` as if no more result were coming: pending
        failures stay unconfirmed, a short down interval stays a blip, and a probe's last
        result covers no later than ``until``."""
        return self._settle((until, False), final=True)

    def _horizon(self) -> tuple[float, bool]:
        """Up to where the results so far settle the timeline: (time, inclusive)."""
        horizon = self._now
        for (_, probe), builder in self._builders.items():
            seg = builder.open
            # A probe silent for longer than its cover and one more interval holds nothing back.
            if seg is not None and self._now <= seg.last_ts + builder.cap + self._intervals[probe]:
                horizon = min(horizon, seg.last_ts)
        return horizon, True

    def _combined(self, until: float) -> list[StateSpan]:
        """Rules 1-3 over the kept segments, after the settled past."""
        probes: list[AgentSpans] = []
        for key in self._probes:
            segments = [s for s in self._closed.get(key, ()) if s.end > self._trim]
            # The kept closed segments are the newest ones: their count tells them apart.
            version = (self._versions[key], len(segments))
            cached = self._confirmed.get(key)
            if until == math.inf and cached is not None and cached[0] == version:
                probes.append((key[0], cached[1]))
                continue
            builder = self._builders.get(key)
            if builder is not None and builder.open is not None:
                segments.append(builder.open)
            if until < math.inf:
                segments = _clipped(segments, until)
            spans = confirmed(segments, self.policy)
            if until == math.inf:
                self._confirmed[key] = (version, spans)
            probes.append((key[0], spans))
        combined = _verdict(probes, self.policy.quorum)
        if self._trim == -math.inf:
            return combined
        kept = [
            StateSpan(max(s.start, self._trim), s.end, s.state, s.detail)
            for s in combined
            if s.end > self._trim
        ]
        return _merge([self._past, *kept]) if self._past is not None else kept

    def _settle(self, horizon: tuple[float, bool], final: bool) -> list[Transition]:
        until = horizon[0] if final else math.inf
        combined = self._combined(until)
        if not final:
            horizon = self._pending(horizon, combined)
        timeline = drop_blips(combined, self.policy.ignore_blips_shorter_than)
        if self._maintenance is not None:
            start = self._since if self._since is not None else (timeline[0].start if timeline else self._now)
            end = min(max(timeline[-1].end if timeline else start, self._now), until)
            timeline = overlay_maintenance(timeline, normalise(self._maintenance(start, end)))
        changes = self._changes(timeline, horizon)
        self._retire(horizon[0], combined)
        return changes

    def _pending(self, horizon: tuple[float, bool], combined: Sequence[StateSpan]) -> tuple[float, bool]:
        """The horizon moved back to the start of what later results may still change."""
        time, inclusive = horizon
        policy = self.policy
        if policy.confirm_after > 1 and policy.pending_counts_as_down:
            for builder in self._builders.values():
                seg = builder.open
                if seg is None or seg.status != Status.DOWN or seg.checks >= policy.confirm_after:
                    continue
                if seg.start < time or (seg.start == time and inclusive):
                    time, inclusive = seg.start, False
        threshold = policy.ignore_blips_shorter_than
        if threshold > 0:
            for span in combined:
                if (
                    span.state == Status.DOWN
                    and span.start <= time < span.end
                    and time - span.start < threshold
                ):
                    return span.start, False
        return time, inclusive

    def _changes(self, timeline: Sequence[StateSpan], horizon: tuple[float, bool]) -> list[Transition]:
        """The state changes of ``timeline`` from the current state's start up to the horizon."""
        limit, inclusive = horizon
        since = -math.inf if self._since is None else self._since
        points: list[tuple[float, Status, str]] = []
        end: float | None = None
        for span in timeline:
            if span.end <= since:
                continue
            if end is not None and end < span.start:
                points.append((end, Status.UNKNOWN, ""))
            points.append((max(span.start, since), span.state, span.detail))
            end = span.end
        if end is not None:
            points.append((end, Status.UNKNOWN, ""))
        elif self._state is not Status.UNKNOWN and self._since is not None:
            points.append((self._since, Status.UNKNOWN, ""))
        changes = []
        for ts, state, detail in points:
            if ts > limit or (ts == limit and not inclusive):
                break
            if state != self._state:
                changes.append(Transition(self.component, self._state, state, ts, detail))
                self._state, self._since = state, ts
            self._detail = detail
        return changes

    def _retire(self, settled: float, combined: Sequence[StateSpan]) -> None:
        """Drop the segments the settled past no longer needs.

        Up to ``settled``, the timeline since the current state began is that state; before
        the blip and maintenance rules it was the same state for up, degraded and down
        (the blip rule only turns short outages, all over by then, into up) and no data
        for unknown. Maintenance hides what lay under it: nothing is dropped then.
        """
        if self._since is None or self._state is Status.MAINTENANCE:
            return
        trim = min(settled, self._now)
        if trim <= self._trim or trim <= self._since:
            return
        start = self._since
        if self._state is Status.DOWN:
            # An outage that began under a maintenance window counts from its real start
            # for the blip rule: keep that start.
            start = next((s.start for s in combined if s.start <= self._since < s.end), start)
        self._past = (
            None if self._state is Status.UNKNOWN else StateSpan(start, trim, self._state, self._detail)
        )
        self._trim = trim
        for probe, segments in self._closed.items():
            if segments and segments[0].end <= trim:
                self._closed[probe] = [s for s in segments if s.end > trim]
