"""Incidents: maximal down intervals of a component's effective timeline.

Definitions (also in docs/reference.md):

- An **incident** is a maximal interval during which the component is ``down`` after the
  accounting policy is applied (``confirm_after``, ignored blips, maintenance windows; see
  :mod:`vigie.accounting.state`), that overlaps the component's service schedule
  within the period. ``start``/``end`` are cut to the period; ``duration_s`` is wall-clock
  (``end - start``); ``downtime_s`` is the part inside the service schedule, the part that
  counts against the SLA; ``cause`` is the detail of the last failed check. An incident
  of a running period still down now is **ongoing**: its ``end`` is now, its duration
  the time so far.
- **MTTR** (mean time to restore) = mean ``duration_s`` of the period's incidents.
- **MTBF** (mean time between failures) = available scheduled time (up + degraded seconds)
  divided by the number of incidents.

Both are ``None`` when there is no incident.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from vigie.accounting.results import Status
from vigie.accounting.timeline import StateSpan
from vigie.kernel.spans import Span, overlap


@dataclass(frozen=True)
class Incident:
    """One down interval of a component, cut to the period (``ongoing``: still down now,
    ``end`` being now)."""

    component: str
    start: float
    end: float
    downtime_s: float
    cause: str
    ongoing: bool = False

    @property
    def duration_s(self) -> float:
        """Wall-clock duration in seconds."""
        return self.end - self.start

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form (times in epoch seconds, durations in seconds)."""
        return {**asdict(self), "duration_s": self.duration_s}


@dataclass(frozen=True)
class IncidentStats:
    """Counts and means over a period's incidents (definitions in the module docstring)."""

    count: int
    longest_s: float
    mttr_s: float | None
    mtbf_s: float | None


def find_incidents(
    component: str,
    timeline: Sequence[StateSpan],
    counted: Sequence[Span],
    start: float,
    end: float,
    now: float | None = None,
) -> list[Incident]:
    """The down spans of ``timeline`` that overlap ``counted`` (scheduled time in the period).

    ``timeline`` must be merged (see :func:`vigie.accounting.state.effective_timeline`),
    so that each down span is maximal. ``now`` is given when the period is still running
    (``end`` is then now): a down span going on past it is ongoing.
    """
    out: list[Incident] = []
    hint = 0
    for span in timeline:
        if span.state != Status.DOWN:
            continue
        downtime, hint = overlap(counted, span.start, span.end, hint)
        if downtime > 0:
            ongoing = now is not None and span.end > now
            out.append(
                Incident(
                    component, max(span.start, start), min(span.end, end), downtime, span.detail, ongoing
                )
            )
    return out


def incident_stats(incidents: Sequence[Incident], available_s: float) -> IncidentStats:
    """Count, longest, MTTR and MTBF; ``available_s`` is up + degraded scheduled seconds."""
    if not incidents:
        return IncidentStats(0, 0.0, None, None)
    durations = [i.duration_s for i in incidents]
    return IncidentStats(
        count=len(incidents),
        longest_s=max(durations),
        mttr_s=sum(durations) / len(incidents),
        mtbf_s=available_s / len(incidents),
    )
