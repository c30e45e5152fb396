"""The live state (what alerts, /metrics and the console show) follows the accounting's rules:
fed the same results, :class:`LiveState` reports exactly the transitions of the timeline that
:func:`effective_timeline` builds for the SLA figures."""

from __future__ import annotations

import math
from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from vigie.accounting.results import STORED_STATUSES, ProbeResult, Status
from vigie.accounting.state import (
    LiveState,
    Transition,
    current_state,
    effective_timeline,
    site_failures,
)
from vigie.accounting.terms import Policy
from vigie.accounting.timeline import StateSpan, segments_from_results
from vigie.kernel.spans import Span, clip, normalise


def timeline_transitions(timeline: list[StateSpan], start: float) -> list[tuple[Status, Status, float]]:
    """Every change of state along a timeline (gaps are unknown), from ``start`` on."""
    out: list[tuple[Status, Status, float]] = []
    state, end = Status.UNKNOWN, None
    for span in timeline:
        if span.end <= start:
            continue
        if end is not None and end < span.start and state is not Status.UNKNOWN:
            out.append((state, Status.UNKNOWN, end))
            state = Status.UNKNOWN
        if span.state is not state:
            out.append((state, span.state, max(span.start, start)))
            state = span.state
        end = span.end
    if end is not None and state is not Status.UNKNOWN:
        out.append((state, Status.UNKNOWN, end))
    return out


@st.composite
def histories(draw: st.DrawFn) -> tuple[dict[str, float], list[ProbeResult], Policy, list[Span]]:
    count = draw(st.integers(1, 3))
    intervals = {f"p{i}": float(draw(st.sampled_from([5, 10, 30]))) for i in range(count)}
    results = []
    for index, (probe, interval) in enumerate(intervals.items()):
        # Probes never report at the same instant (the daemon spreads them): ts = 4k + index.
        ts = 4 * draw(st.integers(0, 10)) + index
        for _ in range(draw(st.integers(1, 25))):
            status = draw(st.sampled_from(STORED_STATUSES))
            results.append(ProbeResult("svc", probe, float(ts), status, None, f"{probe} {status} {ts}"))
            ts += 4 * draw(st.integers(1, int(interval)))
    policy = Policy(
        confirm_after=draw(st.integers(1, 4)),
        pending_counts_as_down=draw(st.booleans()),
        ignore_blips_shorter_than=float(draw(st.sampled_from([0, 7, 15, 60]))),
    )
    windows = normalise(
        (float(a), float(a + length))
        for a, length in draw(st.lists(st.tuples(st.integers(0, 600), st.integers(1, 120)), max_size=2))
    )
    return intervals, sorted(results, key=lambda r: r.ts), policy, windows


@st.composite
def agent_histories(draw: st.DrawFn) -> tuple[dict[str, float], list[ProbeResult], Policy, list[Span]]:
    """Like :func:`histories`, with one to three agents running the probes and a quorum."""
    intervals, _, policy, windows = draw(histories())
    agents = ["lyon", "paris", "lille"][: draw(st.integers(1, 3))]
    series = [(agent, probe) for agent in agents for probe in intervals if draw(st.booleans())]
    results = []
    for index, (agent, probe) in enumerate(series or [(agents[0], next(iter(intervals)))]):
        # Series never report at the same instant: ts = 8k + index.
        ts = 8 * draw(st.integers(0, 10)) + index
        for _ in range(draw(st.integers(1, 20))):
            status = draw(st.sampled_from(STORED_STATUSES))
            results.append(
                ProbeResult("svc", probe, float(ts), status, None, f"{agent} {status}", agent=agent)
            )
            ts += 8 * draw(st.integers(1, int(intervals[probe]) // 2 + 1))
    quorum = draw(st.sampled_from(["majority", "any", "all", 1, 2, 3]))
    return intervals, sorted(results, key=lambda r: r.ts), replace(policy, quorum=quorum), windows


def segments_of(results: list[ProbeResult], intervals: dict[str, float]) -> list[list]:  # type: ignore[type-arg]
    """Each (agent, probe)'s segments, as the store or the engine hand them over."""
    keys = sorted({(r.agent, r.probe) for r in results})
    return [
        segments_from_results([r for r in results if (r.agent, r.probe) == key], intervals[key[1]])
        for key in keys
    ]


@settings(max_examples=400, deadline=None)
@given(histories())
def test_live_transitions_are_the_timelines(history: tuple) -> None:
    check_live_transitions(history)


@settings(max_examples=300, deadline=None)
@given(agent_histories())
def test_live_transitions_are_the_timelines_with_agents_and_a_quorum(history: tuple) -> None:
    check_live_transitions(history)


def check_live_transitions(history: tuple) -> None:
    intervals, results, policy, windows = history
    live = LiveState("svc", policy, intervals, maintenance=lambda a, b: clip(windows, a, b))
    reported = []
    for result in results:
        reported += live.feed(result)
    reported += live.flush()
    segments = segments_of(results, intervals)
    first = results[0].ts
    last = max(s[-1].end for s in segments)
    timeline = effective_timeline(segments, policy, clip(windows, first, last))
    expected = timeline_transitions(timeline, first)
    assert [(t.old, t.new, t.ts) for t in reported] == expected
    assert all(isinstance(t, Transition) and t.component == "svc" for t in reported)


@settings(max_examples=200, deadline=None)
@given(histories(), st.integers(0, 800))
def test_the_state_now_is_the_timelines_at_that_moment(history: tuple, now: int) -> None:
    """The console's state at ``now`` is the live state once every result up to then is in."""
    check_state_now(history, now)


@settings(max_examples=200, deadline=None)
@given(agent_histories(), st.integers(0, 800))
def test_the_state_now_with_agents_is_the_timelines_at_that_moment(history: tuple, now: int) -> None:
    check_state_now(history, now)


def check_state_now(history: tuple, now: int) -> None:
    intervals, results, policy, windows = history
    known = [r for r in results if r.ts <= now]
    live = LiveState("svc", policy, intervals, maintenance=lambda a, b: clip(windows, a, b))
    for result in known:
        live.feed(result)
    live.flush(math.nextafter(now, math.inf))
    segments = segments_of(known, intervals)
    state = current_state(segments, policy, windows, float(now))
    assert state.state is live.current.state
    # The sites seeing it down alone are named when the component is up or degraded. What is
    # not known by `now` does not count: a site's failure that will touch an outage only once
    # the other sites' last results expire is still a site failure now.
    until = math.nextafter(now, math.inf)
    seen = [[replace(s, end=min(s.end, until)) for s in segs if s.start < until] for segs in segments]
    failing = [f.agents for f in site_failures(seen, policy) if f.start <= now < f.end]
    expected = failing[0] if failing and state.state in (Status.UP, Status.DEGRADED) else ()
    assert state.site_down == expected


def test_a_site_down_now_is_named_though_the_others_expire_first() -> None:
    """Found by hypothesis: Lyon up at 0, Paris down at 1 (majority of two). Paris alone will
    see the component, and so decide it down, once Lyon's result expires at 10; at 1 that is
    not known yet, and Paris is a site seeing it down alone."""
    policy = Policy(quorum="majority")
    results = [
        ProbeResult("svc", "p0", 0.0, Status.UP, detail="lyon up", agent="lyon"),
        ProbeResult("svc", "p0", 1.0, Status.DOWN, detail="paris down", agent="paris"),
    ]
    check_state_now(({"p0": 5.0}, results, policy, []), 1)
    state = current_state(segments_of(results, {"p0": 5.0}), policy, [], 1.0)
    assert state.state is Status.UP and state.site_down == ("paris",)


def test_a_confirmed_outage_starts_at_its_first_failure() -> None:
    live = LiveState("svc", Policy(confirm_after=3), {"p": 10.0})
    changes = [
        c
        for ts, status in enumerate([Status.UP, Status.DOWN, Status.DOWN, Status.DOWN])
        for c in live.feed(ProbeResult("svc", "p", ts * 10.0, status, None, str(status)))
    ]
    assert [(c.old, c.new, c.ts) for c in changes] == [
        (Status.UNKNOWN, Status.UP, 0.0),
        (Status.UP, Status.DOWN, 10.0),  # known at 30 s, down from the first failure
    ]


def test_memory_stays_small_over_a_long_uptime() -> None:
    live = LiveState("svc", Policy(ignore_blips_shorter_than=60), {"a": 10.0, "b": 30.0})
    for i in range(20_000):
        live.feed(ProbeResult("svc", "a", i * 10.0, Status.UP))
        if i % 3 == 0:
            live.feed(ProbeResult("svc", "b", i * 10.0 + 1, Status.DEGRADED if i % 2 else Status.UP))
    kept = sum(len(v) for v in live._closed.values())
    assert kept < 10
    assert live.current.state is Status.DEGRADED or live.current.state is Status.UP
    assert math.isfinite(live.current.since or 0.0)


@settings(max_examples=200, deadline=None)
@given(histories(), st.floats(0, 1))
def test_a_restart_resumes_from_the_stored_segments(history: tuple, cut: float) -> None:
    """A daemon restarted mid-history, resuming from the store, reports what one that never
    stopped reports."""
    check_restart(history, cut)


@settings(max_examples=150, deadline=None)
@given(agent_histories(), st.floats(0, 1))
def test_a_restart_with_agents_resumes_from_the_stored_segments(history: tuple, cut: float) -> None:
    check_restart(history, cut)


def check_restart(history: tuple, cut: float) -> None:
    intervals, results, policy, windows = history
    before, after = results[: int(len(results) * cut)], results[int(len(results) * cut) :]

    def fresh() -> LiveState:
        return LiveState("svc", policy, intervals, maintenance=lambda a, b: clip(windows, a, b))

    steady = fresh()
    expected = [c for r in results for c in steady.feed(r)] + steady.flush()
    restarted = fresh()
    reported = restarted.resume(segments_of(before, intervals))
    reported += [c for r in after for c in restarted.feed(r)] + restarted.flush()
    assert [(c.old, c.new, c.ts) for c in reported] == [(c.old, c.new, c.ts) for c in expected]
