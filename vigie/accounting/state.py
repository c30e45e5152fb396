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
from vigie.accounting.terms import Policy
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
    combined = combine([confirmed(segs, policy) for segs in probe_segments])
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
    """A component's state at one instant, since when, and the last result's detail."""

    state: Status
    since: float | None
    detail: str


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
    for segments in probe_segments:
        live.load(_clipped(segments, until))
    live.flush(until)
    return live.current


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
        self._builders: dict[str, TimelineBuilder] = {}
        self._closed: dict[str, list[Segment]] = {}
        # Each probe's spans after rule 2, kept until that probe's segments change: a result
        # changes one probe's, and the others' were a third of the daemon's work per result.
        # Keyed by the probe's version (bumped as its segments grow) and the segments kept.
        self._versions: dict[str, int] = {}
        self._probes: list[str] = []  # those with segments, sorted
        self._confirmed: dict[str, tuple[tuple[int, int], list[StateSpan]]] = {}
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
        builder = self._builders.get(result.probe)
        if builder is None:
            builder = self._builders[result.probe] = TimelineBuilder(self.component, result.probe, interval)
        try:
            closed = builder.add(result.ts, result.status, result.detail)
        except ValueError:
            return []
        if closed is not None:
            self._closed.setdefault(result.probe, []).append(closed)
        self._changed(result.probe)
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
            self._closed.setdefault(last.probe, []).extend(closed)
            self._builders[last.probe] = TimelineBuilder(self.component, last.probe, interval, last)
            self._changed(last.probe)
            self._now = max(self._now, last.last_ts)
        return self._settle(self._horizon(), final=False)

    def load(self, segments: Sequence[Segment]) -> None:
        """Take one probe's segments as they are (oldest first), without settling anything."""
        if segments:
            self._closed.setdefault(segments[0].probe, []).extend(segments)
            self._changed(segments[0].probe)

    def _changed(self, probe: str) -> None:
        version = self._versions.get(probe)
        if version is None:
            insort(self._probes, probe)
        self._versions[probe] = 1 if version is None else version + 1

    def flush(self, until: float = math.inf) -> list[Transition]:
        """Settle everything up to ``until`` as if no more result were coming: pending
        failures stay unconfirmed, a short down interval stays a blip, and a probe's last
        result covers no later than ``until``."""
        return self._settle((until, False), final=True)

    def _horizon(self) -> tuple[float, bool]:
        """Up to where the results so far settle the timeline: (time, inclusive)."""
        horizon = self._now
        for probe, builder in self._builders.items():
            seg = builder.open
            # A probe silent for longer than its cover and one more interval holds nothing back.
            if seg is not None and self._now <= seg.last_ts + builder.cap + self._intervals[probe]:
                horizon = min(horizon, seg.last_ts)
        return horizon, True

    def _combined(self, until: float) -> list[StateSpan]:
        """Rules 1-3 over the kept segments, after the settled past."""
        probes = []
        for probe in self._probes:
            segments = [s for s in self._closed.get(probe, ()) if s.end > self._trim]
            # The kept closed segments are the newest ones: their count tells them apart.
            key = (self._versions[probe], len(segments))
            cached = self._confirmed.get(probe)
            if until == math.inf and cached is not None and cached[0] == key:
                probes.append(cached[1])
                continue
            builder = self._builders.get(probe)
            if builder is not None and builder.open is not None:
                segments.append(builder.open)
            if until < math.inf:
                segments = _clipped(segments, until)
            spans = confirmed(segments, self.policy)
            if until == math.inf:
                self._confirmed[probe] = (key, spans)
            probes.append(spans)
        combined = combine(probes)
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
