"""SLA of the configured components over a period, read from the store's rollups.

This is the composition the CLI, the reports and the TUI call: it reads each component's
timeline segments (never raw rows), expands its schedule and maintenance windows, and
applies :mod:`vigie.accounting`. An exact calendar month that was frozen
(:mod:`vigie.reports.frozen`) is read back as frozen unless asked to recompute.

The segments come from a :class:`~vigie.probes.sources.MetricsSource`: the SQLite store
(with the agents' stores), or Prometheus (:mod:`vigie.probes.promql`); the accounting is
the same code on both. Frozen months are always read from, and written to, the store.

Which probes count: every probe stored for the component except those configured with
``role = "throughput"`` — its availability probes, imported history (probe ``ingest``)
and probes since removed from the config, so history is not lost by renaming a probe.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from vigie.accounting.figures import ComponentSla, SlaFigures, account, figures
from vigie.accounting.incidents import find_incidents
from vigie.accounting.results import Status
from vigie.accounting.schedules import maintenance_spans, schedule_spans
from vigie.accounting.state import SiteFailure, effective_timeline, site_failures
from vigie.accounting.timeline import StateSpan
from vigie.kernel.spans import Span, clip, total
from vigie.probes.config import Component, ProbesConfig
from vigie.probes.rollups import Hourly
from vigie.probes.sources import MetricsSource
from vigie.probes.state import availability_segments
from vigie.probes.store import Store
from vigie.reports.frozen import frozen_month
from vigie.reports.periods import Period


def component_timeline(
    store: MetricsSource, config: ProbesConfig, component: Component, start: float, end: float
) -> list[StateSpan]:
    """The component's effective timeline around ``[start, end)`` (rules 1-5 of the accounting)."""
    # Read past the period by the blip threshold: a down interval running that far
    # outside the period is not a blip, whatever lies beyond.
    margin = component.policy.ignore_blips_shorter_than
    probes = availability_segments(store, config, component, start - margin, end + margin)
    maintenance = maintenance_spans(config.maintenance, component.id, config.timezone, start, end)
    return effective_timeline(probes, component.policy, maintenance)


def component_site_failures(
    store: MetricsSource, config: ProbesConfig, component: Component, start: float, end: float
) -> list[SiteFailure]:
    """Where some agents saw the component down without a quorum, inside ``[start, end)``."""
    probes = availability_segments(store, config, component, start, end)
    return [
        SiteFailure(max(f.start, start), min(f.end, end), f.agents)
        for f in site_failures(probes, component.policy)
        if f.end > start and f.start < end
    ]


def compute_sla(
    store: MetricsSource,
    config: ProbesConfig,
    component: Component,
    period: Period,
    now: float | None = None,
    summed: bool = True,
) -> ComponentSla:
    """Figures and incidents of one component, computed from the rollups.

    The common case (see :func:`_summed_sla`) is summed by SQLite; ``summed=False``
    always builds the whole timeline (the tests compare both).
    """
    start, end = period.start_ts, period.end_ts
    until = end if now is None else max(start, min(end, now))
    schedule = schedule_spans(component.schedule, start, end)
    if summed and (fast := _summed_sla(store, config, component, schedule, start, end, until, now)):
        return fast
    timeline = component_timeline(store, config, component, start, end)
    accounted = account(component, timeline, schedule, start, end, now)
    incidents = find_incidents(
        component.id, timeline, clip(schedule, start, until), start, until, running(end, now)
    )
    return ComponentSla(accounted, incidents)


def running(end: float, now: float | None) -> float | None:
    """``now`` when the period still runs at ``now`` (its incidents may be ongoing), else None."""
    return now if now is not None and now <= end else None


def _summed_sla(
    store: MetricsSource,
    config: ProbesConfig,
    component: Component,
    schedule: list[Span],
    start: float,
    end: float,
    until: float,
    now: float | None = None,
) -> ComponentSla | None:
    """The SLA without building the timeline, or None when the rules need it.

    With one probe's data in the counted time, no ``confirm_after`` above 1, no ignored
    blips, no maintenance window and one stretch of scheduled time (a 24x7 component), the
    effective timeline is the probe's segments as they are (touching segments of one
    probe never share a status), so the figures only need each status's seconds, summed
    by SQLite over the month's hundreds of segments, and the down segments. A month of
    250 such components measured several times faster this way (bench/sla.py).
    """
    policy = component.policy
    if not isinstance(store, Store) or policy.confirm_after > 1 or policy.ignore_blips_shorter_than > 0:
        return None
    if maintenance_spans(config.maintenance, component.id, config.timezone, start, end):
        return None
    scheduled = clip(schedule, start, end)
    counted = clip(scheduled, start, until)
    if len(counted) > 1:
        return None
    seconds: dict[Status, float] = {}
    incidents = []
    if counted:
        (lo, hi), measured = counted[0], None
        throughput = config.throughput_probes(component.id)
        for probe in store.probes(component.id):
            if probe not in throughput and (found := store.seconds_by_status(component.id, probe, lo, hi)):
                if measured is not None:
                    return None  # several probes: their timelines combine
                measured, seconds = probe, found
        if measured is not None and seconds[Status.DOWN]:
            down = [
                StateSpan(a, b, Status.DOWN, detail)
                for a, b, detail in store.down_spans(component.id, measured, lo, hi)
            ]
            incidents = find_incidents(component.id, down, counted, start, until, running(end, now))
    return ComponentSla(figures(component, seconds, incidents, total(scheduled), total(counted)), incidents)


def sla_windows(
    store: MetricsSource,
    config: ProbesConfig,
    component: Component,
    periods: Mapping[str, Period],
    now: float,
) -> dict[str, SlaFigures]:
    """The component's figures over several (overlapping) periods, keyed like ``periods``.

    Each figure equals :func:`compute_sla`'s: summed by SQLite where that applies, else
    from one timeline read and built over the span of the remaining periods (the /metrics
    windows all nest in the last month or so) instead of once per period.
    """
    out: dict[str, SlaFigures] = {}
    rest: dict[str, tuple[Period, list[Span]]] = {}
    for name, p in periods.items():
        schedule = schedule_spans(component.schedule, p.start_ts, p.end_ts)
        until = max(p.start_ts, min(p.end_ts, now))
        summed = _summed_sla(store, config, component, schedule, p.start_ts, p.end_ts, until, now)
        if summed is not None:
            out[name] = summed.figures
        else:
            rest[name] = (p, schedule)
    if not rest:
        return out
    start = min(p.start_ts for p, _ in rest.values())
    end = max(p.end_ts for p, _ in rest.values())
    timeline = component_timeline(store, config, component, start, end)
    # The timeline is sorted and non-overlapping: each window accounts only the spans it
    # overlaps (the others add nothing), so the hour does not walk the month's spans.
    starts, ends = [s.start for s in timeline], [s.end for s in timeline]
    for name, (p, schedule) in rest.items():
        out[name] = account(
            component,
            timeline[bisect_right(ends, p.start_ts) : bisect_left(starts, p.end_ts)],
            schedule,
            p.start_ts,
            p.end_ts,
            now,
        )
    return {name: out[name] for name in periods}


@dataclass(frozen=True)
class LatencySummary:
    """Latency of a component's checks over a period, from the hourly rollups (milliseconds)."""

    checks: int
    measured: int
    min_ms: float | None
    avg_ms: float | None
    max_ms: float | None
    p95_ms: float | None


def latency_summary(store: Store, component: str, period: Period) -> LatencySummary:
    """Checks and latency min/avg/max/p95 over the UTC hours starting inside the period.

    Hours are whole UTC hours, so in a zone with a whole-hour offset a local month or day
    is exact; p95 comes from the merged 5 % histogram buckets (within 2.5 %).
    """
    rows = store.hourly(component, period.start_ts, period.end_ts)
    total = Hourly(component, "*", 0)
    for row in rows:
        total.merge(row)
    return LatencySummary(
        total.checks, total.lat_n, total.lat_min, total.lat_avg, total.lat_max, total.percentile(0.95)
    )


def sla_report(
    store: Store,
    config: ProbesConfig,
    period: Period,
    components: Sequence[str] | None = None,
    now: float | None = None,
    recompute: bool = False,
    source: MetricsSource | None = None,
) -> list[ComponentSla]:
    """Every configured component's SLA (or those named, KeyError for an unknown id), in config order.

    A frozen month is returned as frozen (from ``store``) unless ``recompute``; the rest is
    computed from ``source`` (default: ``store``).
    """
    chosen = [config.component(c) for c in components] if components else list(config.components)
    results = store if source is None else source
    # One state of the store for the whole report (and one read transaction, not one per query).
    with store.consistent():
        frozen = {} if recompute else frozen_month(store, period)
        return [frozen.get(c.id) or compute_sla(results, config, c, period, now) for c in chosen]
