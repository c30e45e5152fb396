"""One probe's results as a timeline of state segments (run-length encoded, exact).

A result at ``ts`` stands for its probe's state from ``ts`` until the probe's next result,
at most ``2 x interval`` later; beyond that the time is unknown (no segment covers it).
The interval is the probe's, or the result's own step when it has one (history imported
from another tool at its own pace: ``interval_s`` of ``vigie ingest samples``).
Consecutive results with the same status and no such gap form one :class:`Segment`.

The store keeps these segments next to the raw results and extends them as results
arrive, so that SLA accounting over a month or a year reads a handful of segments per
component instead of 86,400 raw rows, stays exact to the second for any service schedule,
maintenance window or policy (all applied when reading), and survives the deletion of
raw rows by retention. This module is pure; the reports and the console use it to
account from raw results the same way.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from operator import sub

from vigie.accounting.results import ProbeResult, Status

DEFAULT_INTERVAL = 30.0
"""Interval assumed for a probe the store was not told about (the config's default)."""

MAX_CONFIRM = 100
"""A down segment remembers its first results' times up to this many (``confirm_after`` max)."""


@dataclass(slots=True)
class Segment:
    """A run of one probe's results with the same status, without an unknown gap.

    ``end`` is exclusive: the next result's time, or ``last_ts + 2 x interval`` when the
    next result came later (or has not come yet: the newest segment of a probe is "open"
    and grows as results arrive). ``detail`` is the last result's detail (for a down
    segment: the last error). ``confirm_ts`` holds, for a down segment, the times of its
    first results (up to :data:`MAX_CONFIRM`) so ``confirm_after`` can be applied later.
    ``agent`` is the site whose probe it is (empty on a single machine).
    """

    component: str
    probe: str
    start: float
    end: float
    last_ts: float
    status: Status
    checks: int
    detail: str = ""
    confirm_ts: list[float] = field(default_factory=list)
    agent: str = ""


class TimelineBuilder:
    """Turns one probe's results, fed oldest first, into segments.

    ``open`` is the newest segment (it may still grow); :meth:`add` returns the segment
    it closes, if any. Start from a stored open segment to continue a timeline: its last
    result keeps the cover it was stored with (its ``end - last_ts``), whatever the
    interval of the results that follow.
    """

    def __init__(
        self,
        component: str,
        probe: str,
        interval: float,
        open_segment: Segment | None = None,
        agent: str = "",
    ):
        self.component = component
        self.probe = probe
        self.agent = agent
        self.cap = 2 * interval
        self.open = open_segment
        # How far the newest result reaches: an open segment ends there.
        self._last_cap = self.cap if open_segment is None else self._cover(open_segment)

    def _cover(self, seg: Segment) -> float:
        """The cover of a stored segment's last result (the builder's own when it is that one
        within float rounding, so equal steps compare equal)."""
        cover = seg.end - seg.last_ts
        return self.cap if cover <= 0 or abs(cover - self.cap) <= 1e-6 * self.cap else cover

    def add(self, ts: float, status: str, detail: str = "", cap: float | None = None) -> Segment | None:
        """Add the next result (``ts`` must be later than every result added before).

        ``status`` is a :class:`Status` or its text (``"up"``...). ``cap`` is how long the
        result may stand for at most (twice its own step; None: twice the interval).
        """
        if cap is None:
            cap = self.cap
        seg = self.open
        if seg is not None:
            if ts <= seg.last_ts:
                raise ValueError(f"result at {ts} is not after {seg.last_ts} for probe {self.probe}")
            if ts - seg.last_ts <= self._last_cap and status == seg.status:
                seg.last_ts = ts
                seg.end = ts + cap
                seg.checks += 1
                seg.detail = detail
                self._last_cap = cap
                if status == "down" and len(seg.confirm_ts) < MAX_CONFIRM:
                    seg.confirm_ts.append(ts)
                return None
            seg.end = min(ts, seg.last_ts + self._last_cap)
        state = Status(status)
        self._last_cap = cap
        self.open = Segment(
            self.component,
            self.probe,
            ts,
            ts + cap,
            ts,
            state,
            1,
            detail,
            [ts] if state == Status.DOWN else [],
            self.agent,
        )
        return seg

    def add_run(self, stamps: Sequence[float], status: str, details: Sequence[str]) -> list[Segment]:
        """:meth:`add` of results sharing one status, oldest first; returns the segments closed.

        Bulk imports hand over long runs of one status: when the run has no gap longer than
        the cap, it extends one segment at once instead of result by result.
        """
        closed: list[Segment] = []
        if len(stamps) > 1:
            steps = list(map(sub, stamps[1:], stamps[:-1]))
            if min(steps) <= 0 or max(steps) > self.cap:
                # A gap or a disorder: result by result, so add() cuts or raises as usual.
                for ts, detail in zip(stamps, details, strict=True):
                    seg = self.add(ts, status, detail)
                    if seg is not None:
                        closed.append(seg)
                return closed
        seg = self.add(stamps[0], status, details[0])
        if seg is not None:
            closed.append(seg)
        if len(stamps) > 1:
            run = self.open
            assert run is not None
            run.last_ts = stamps[-1]
            run.end = stamps[-1] + self.cap
            run.checks += len(stamps) - 1
            run.detail = details[-1]
            room = MAX_CONFIRM - len(run.confirm_ts)
            if run.status == Status.DOWN and room > 0:
                run.confirm_ts.extend(stamps[1 : 1 + room])
        return closed


def segments_from_results(results: Iterable[ProbeResult], interval: float) -> list[Segment]:
    """The segments of one probe's results (sorted by time), the open one included; a
    result with its own step (``interval_s``) covers twice that step."""
    out: list[Segment] = []
    builder: TimelineBuilder | None = None
    for r in results:
        if builder is None:
            builder = TimelineBuilder(r.component, r.probe, interval, agent=r.agent)
        cap = None if r.interval_s is None else 2 * r.interval_s
        closed = builder.add(r.ts, r.status, r.detail, cap)
        if closed is not None:
            out.append(closed)
    if builder is not None and builder.open is not None:
        out.append(builder.open)
    return out


def split_by_probe(results: Iterable[ProbeResult]) -> Iterator[list[ProbeResult]]:
    """Group results by (component, probe, agent), each group sorted by time."""
    groups: dict[tuple[str, str, str], list[ProbeResult]] = {}
    for r in results:
        groups.setdefault((r.component, r.probe, r.agent), []).append(r)
    for key in sorted(groups):
        yield sorted(groups[key], key=lambda r: r.ts)


@dataclass(frozen=True, slots=True)
class StateSpan:
    """A component's state over ``[start, end)``; ``detail`` is the last result's detail."""

    start: float
    end: float
    state: Status
    detail: str = ""

    @property
    def duration(self) -> float:
        """Length in seconds."""
        return self.end - self.start
