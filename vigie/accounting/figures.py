"""A component's SLA figures over a period, from its effective timeline (pure).

Only time inside the component's service schedule and the period counts (rule 6 after
the state rules of :mod:`vigie.accounting.state`). Figures (:class:`SlaFigures`):
``availability = (up + degraded) / (up + degraded + down)``, with ``maintenance`` added to
the denominator as unavailable time when the policy does not exclude maintenance;
``coverage = measured / elapsed`` scheduled time; ratios are floored to 0.001 % (never
rounded up). The error budget is counted on the availability's own base, the time in its
denominator (scheduled time less what the policy leaves out: maintenance when excluded,
unknown time): ``budget_s = (1 - target) x (available + unavailable)``, ``budget_used_s``
is the unavailable time and ``budget_remaining_s = budget_s - budget_used_s``, so "target
missed" and "budget left < 0" are always the same statement (``breached``). ``burn_rate`` =
budget used / budget (1.0 = spending exactly the budget). For a period still running
(``now`` inside it), everything stops at ``now``: ``elapsed_s`` is the scheduled time so
far, ``scheduled_s`` the whole period's.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, fields
from fractions import Fraction
from typing import Any

from vigie.accounting.incidents import Incident, find_incidents, incident_stats
from vigie.accounting.results import Status
from vigie.accounting.state import SEVERITY
from vigie.accounting.terms import Accountable
from vigie.accounting.timeline import StateSpan
from vigie.kernel.spans import Span, clip, overlap, total

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


_NAMES = [f.name for f in fields(SlaFigures)]
CONTRACT_FIELDS = tuple(_NAMES[: _NAMES.index("breached") + 1])
"""The figures `vigie sla --json` promises (DESIGN.md §7), in their order: the first ones declared."""


@dataclass(frozen=True)
class ComponentSla:
    """A component's figures and incidents over a period; ``frozen_at`` is when they were
    frozen (a closed month read back as stored, target of that day included), else None."""

    figures: SlaFigures
    incidents: list[Incident]
    frozen_at: float | None = None


def account(
    component: Accountable,
    timeline: Sequence[StateSpan],
    schedule: Sequence[Span],
    start: float,
    end: float,
    now: float | None = None,
) -> SlaFigures:
    """The SLA figures of ``timeline`` (see :func:`vigie.accounting.state.effective_timeline`) over ``[start, end)``.

    ``schedule`` holds the service schedule's spans over the period (see
    :func:`vigie.accounting.schedules.schedule_spans`); ``now`` stops the elapsed time.
    """
    until = end if now is None else max(start, min(end, now))
    scheduled = clip(schedule, start, end)
    counted = clip(scheduled, start, until)
    seconds = dict.fromkeys(SEVERITY, 0.0)
    hint = 0
    for span in timeline:
        covered, hint = overlap(counted, span.start, span.end, hint)
        seconds[span.state] += covered
    # A period still running at ``now``: a down span going on past it is ongoing.
    incidents = find_incidents(
        component.id, timeline, counted, start, until, now if now is not None and now <= end else None
    )
    return figures(component, seconds, incidents, total(scheduled), total(counted))


def figures(
    component: Accountable,
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
    counted = available + unavailable
    budget = _times(spare, target.denominator, counted)
    stats = incident_stats(incidents, available)
    # budget - unavailable, exactly: its sign is the verdict, its float keeps that sign.
    c_num, c_den = float(counted).as_integer_ratio()
    u_num, u_den = float(unavailable).as_integer_ratio()
    left_num = spare * c_num * u_den - target.denominator * c_den * u_num
    left = left_num / (target.denominator * c_den * u_den)
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
        budget_remaining_s=left,
        incidents=stats.count,
        breached=left_num < 0,
        elapsed_s=elapsed_s,
        budget_used_s=unavailable,
        burn_rate=unavailable / budget if budget > 0 else None,
        longest_incident_s=stats.longest_s,
        mttr_s=stats.mttr_s,
        mtbf_s=stats.mtbf_s,
    )
