"""Where availability is computed: the SLA accounting rules, as pure functions.

Inputs are one component's probe timelines (:class:`~vigie.probes.timeline.Segment`
lists, from the store or built from raw results with
:func:`~vigie.probes.timeline.segments_from_results`), its target, schedule and policy,
its maintenance windows and a period. The rules, in the order they apply:

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
6. **Service schedule**: only time inside the component's schedule and the period counts.

Figures (:class:`SlaFigures`): ``availability = (up + degraded) / (up + degraded + down)``,
with ``maintenance`` added to the denominator as unavailable time when the policy does not
exclude maintenance; ``coverage = measured / elapsed`` scheduled time; ratios are floored
to 0.001 % (never rounded up). Error budget ``budget_s = (1 - target) x scheduled_s``;
``budget_used_s`` is the unavailable time; ``burn_rate`` = budget used / the budget's
pro-rata share of the elapsed scheduled time (1.0 = on course to spend exactly the
budget). For a period still running (``now`` inside it), ``elapsed_s`` stops at ``now``
while ``scheduled_s`` and ``budget_s`` cover the whole period.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from fractions import Fraction
from itertools import pairwise
from typing import Any

from vigie.probes.config import Component, Policy
from vigie.probes.results import Status
from vigie.probes.timeline import Segment
from vigie.reports.incidents import Incident, find_incidents, incident_stats
from vigie.reports.spans import Span, StateSpan, clip, overlap, total

SEVERITY = {Status.UP: 0, Status.DEGRADED: 1, Status.DOWN: 2, Status.MAINTENANCE: 3}
FLOOR_DIGITS = 5
"""Ratios are floored to 10^-5, i.e. 0.001 %."""


def floor_ratio(numerator: float, denominator: float) -> float | None:
    """``numerator / denominator`` floored to 0.001 % (exact, no float rounding up)."""
    if denominator <= 0:
        return None
    scale = 10**FLOOR_DIGITS
    # Exact integer arithmetic on the floats' ratios (Fraction's gcd steps are not needed).
    n_num, n_den = numerator.as_integer_ratio()
    d_num, d_den = denominator.as_integer_ratio()
    return (n_num * d_den * scale) // (n_den * d_num) / scale


def _times(numerator: int, denominator: int, seconds: float) -> float:
    """``numerator / denominator x seconds``, correctly rounded (like ``float(Fraction)``)."""
    s_num, s_den = float(seconds).as_integer_ratio()
    return numerator * s_num / (denominator * s_den)


@functools.lru_cache(maxsize=1024)
def target_fraction(target: float) -> Fraction:
    """The target as an exact fraction (0.99 means 99/100, not the nearest float)."""
    return Fraction(target).limit_denominator(10**9)


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


@dataclass(frozen=True)
class SlaFigures:
    """A component's SLA figures over a period. Ratios are 0..1 and floored; durations are seconds.

    The first fields are the `vigie sla --json` contract (DESIGN.md §7).
    """

    component: str
    target: float
    availability: float | None
    up_s: float
    degraded_s: float
    down_s: float
    maintenance_s: float
    unknown_s: float
    scheduled_s: float
    coverage: float | None
    budget_s: float
    budget_remaining_s: float
    incidents: int
    breached: bool
    elapsed_s: float
    budget_used_s: float
    burn_rate: float | None
    longest_incident_s: float
    mttr_s: float | None
    mtbf_s: float | None

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return asdict(self)


@dataclass(frozen=True)
class ComponentSla:
    """A component's figures and incidents over a period."""

    figures: SlaFigures
    incidents: list[Incident]


def account(
    component: Component,
    timeline: Sequence[StateSpan],
    schedule: Sequence[Span],
    start: float,
    end: float,
    now: float | None = None,
) -> SlaFigures:
    """The SLA figures of ``timeline`` (see :func:`effective_timeline`) over ``[start, end)``.

    ``schedule`` holds the service schedule's spans over the period (see
    :func:`vigie.reports.wallclock.schedule_spans`); ``now`` stops the elapsed time.
    """
    until = end if now is None else max(start, min(end, now))
    scheduled = clip(schedule, start, end)
    counted = clip(scheduled, start, until)
    seconds = dict.fromkeys(SEVERITY, 0.0)
    hint = 0
    for span in timeline:
        covered, hint = overlap(counted, span.start, span.end, hint)
        seconds[span.state] += covered
    incidents = find_incidents(component.id, timeline, counted, start, until)
    return figures(component, seconds, incidents, total(scheduled), total(counted))


def figures(
    component: Component,
    seconds: Mapping[Status, float],
    incidents: Sequence[Incident],
    scheduled_s: float,
    elapsed_s: float,
) -> SlaFigures:
    """The figures from the seconds per state inside the counted scheduled time and the incidents.

    ``seconds`` maps states to seconds, missing ones being 0; ``scheduled_s`` is the
    scheduled time of the whole period, ``elapsed_s`` the part before ``now``, where
    ``seconds`` were counted. Comparisons with the target are exact (integer ratios).
    """
    up, degraded, down, maint = (seconds.get(s, 0.0) for s in SEVERITY)
    unknown = elapsed_s - (up + degraded + down + maint)
    unavailable = down + (0.0 if component.policy.exclude_maintenance else maint)
    available = up + degraded
    availability = floor_ratio(available, available + unavailable)
    target = target_fraction(component.target)
    spare = target.denominator - target.numerator  # 1 - target = spare / denominator
    budget = _times(spare, target.denominator, scheduled_s)
    pro_rata = _times(spare, target.denominator, elapsed_s)
    stats = incident_stats(incidents, available)
    # available / (available + unavailable) < target, compared as integers.
    a_num, a_den = float(available).as_integer_ratio()
    t_num, t_den = float(available + unavailable).as_integer_ratio()
    breached = (
        bool(available + unavailable)
        and a_num * t_den * target.denominator < target.numerator * a_den * t_num
    )
    return SlaFigures(
        component=component.id,
        target=component.target,
        availability=availability,
        up_s=up,
        degraded_s=degraded,
        down_s=down,
        maintenance_s=maint,
        unknown_s=unknown,
        scheduled_s=scheduled_s,
        coverage=floor_ratio(elapsed_s - unknown, elapsed_s),
        budget_s=budget,
        budget_remaining_s=budget - unavailable,
        incidents=stats.count,
        breached=breached,
        elapsed_s=elapsed_s,
        budget_used_s=unavailable,
        burn_rate=unavailable / pro_rata if pro_rata > 0 else None,
        longest_incident_s=stats.longest_s,
        mttr_s=stats.mttr_s,
        mtbf_s=stats.mtbf_s,
    )
