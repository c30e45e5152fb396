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

from collections.abc import Sequence
from itertools import pairwise

from vigie.accounting.results import Status
from vigie.accounting.terms import Policy
from vigie.accounting.timeline import Segment, StateSpan
from vigie.kernel.spans import Span

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
    """The component's timeline from its probes' timelines: the worst known state (rule 3)."""
    lists = [p for p in probes if p]
    if len(lists) <= 1:
        return _merge(lists[0]) if lists else []
    bounds = sorted({t for spans in lists for s in spans for t in (s.start, s.end)})
    cursors = [0] * len(lists)
    out: list[StateSpan] = []
    for a, b in pairwise(bounds):
        worst: StateSpan | None = None
        for k, spans in enumerate(lists):
            i = cursors[k]
            while i < len(spans) and spans[i].end <= a:
                i += 1
            cursors[k] = i
            if (
                i < len(spans)
                and spans[i].start <= a
                and (worst is None or SEVERITY[spans[i].state] > SEVERITY[worst.state])
            ):
                worst = spans[i]
        if worst is not None:
            out.append(StateSpan(a, b, worst.state, worst.detail))
    return _merge(out)


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
