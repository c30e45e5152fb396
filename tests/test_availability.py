"""SLA accounting: hand-checked cases and a brute-force oracle (hypothesis), equal to the second."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from fractions import Fraction
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.sla_oracle import oracle
from vigie.accounting.figures import account, figures, floor_ratio
from vigie.accounting.incidents import find_incidents
from vigie.accounting.results import ProbeResult, Status
from vigie.accounting.schedules import maintenance_spans, schedule_spans
from vigie.accounting.state import effective_timeline, site_failures
from vigie.accounting.terms import MaintenanceWindow, Policy, Schedule, ScheduleWindow
from vigie.accounting.timeline import segments_from_results
from vigie.kernel.spans import clip, total
from vigie.kernel.text.language import Language
from vigie.probes.config import Component
from vigie.reports.periods import month

PARIS = ZoneInfo("Europe/Paris")
ALWAYS = Schedule((), PARIS)
DEFAULT_POLICY = Policy()
BUSINESS = Schedule((ScheduleWindow(frozenset(range(5)), time(8, 30), time(18, 30)),), PARIS)


def _component(
    schedule: Schedule = ALWAYS, policy: Policy = DEFAULT_POLICY, target: float = 0.99
) -> Component:
    return Component("chorus-pro", "Chorus Pro", target, schedule, policy)


def _figures(comp, results, start, end, windows=(), interval=30.0, now=None):  # type: ignore[no-untyped-def]
    segs = segments_from_results(results, interval)
    maint = maintenance_spans(list(windows), comp.id, PARIS, start, end)
    timeline = effective_timeline([segs], comp.policy, maint)
    schedule = schedule_spans(comp.schedule, start, end)
    return account(comp, timeline, schedule, start, end, now), timeline, schedule


def _every_30s(start: float, end: float, down: tuple[float, float] = (0, 0)) -> list[ProbeResult]:
    return [
        ProbeResult("chorus-pro", "p", float(t), Status.DOWN if down[0] <= t < down[1] else Status.UP)
        for t in range(int(start), int(end), 30)
    ]


def test_a_31_day_month_at_99_percent_allows_446_4_minutes_of_downtime() -> None:
    dec = month(2017, 12, PARIS)
    fig, _, _ = _figures(_component(), _every_30s(dec.start_ts, dec.end_ts), dec.start_ts, dec.end_ts)
    assert fig.scheduled_s == 31 * 86400
    assert fig.budget_s / 60 == 446.4
    assert fig.availability == 1.0 and fig.coverage == 1.0 and not fig.breached


def test_one_5_minute_outage_in_december_gives_99_988_percent_floored() -> None:
    dec = month(2017, 12, PARIS)
    t0 = dec.start_ts + 10 * 86400
    results = _every_30s(dec.start_ts, dec.end_ts, (t0, t0 + 300))
    fig, _, _ = _figures(_component(), results, dec.start_ts, dec.end_ts)
    assert fig.down_s == 300 and fig.incidents == 1
    assert fig.availability == 0.99988  # 0.9998879..., floored, not rounded to 0.99989
    assert Language("en").percent(fig.availability) == "99.988%"
    assert fig.budget_remaining_s == 26784 - 300
    assert fig.mttr_s == 300


def test_one_failed_check_in_a_month_never_shows_100_percent() -> None:
    dec = month(2017, 12, PARIS)
    t0 = dec.start_ts + 86400
    fig, _, _ = _figures(
        _component(), _every_30s(dec.start_ts, dec.end_ts, (t0, t0 + 30)), dec.start_ts, dec.end_ts
    )
    assert fig.down_s == 30
    assert fig.availability is not None and fig.availability < 1.0
    assert Language("en").percent(fig.availability) == "99.998%"
    assert floor_ratio(2678399, 2678400) == 0.99999


def test_an_outage_inside_maintenance_does_not_count() -> None:
    dec = month(2017, 12, PARIS)
    start = datetime(2017, 12, 30, 20, 0)  # local, like the config file's windows
    window = MaintenanceWindow("bascule", ("chorus-pro",), start=start, end=start + timedelta(hours=6))
    t0 = start.replace(tzinfo=PARIS).timestamp() + 3600
    results = _every_30s(dec.start_ts, dec.end_ts, (t0, t0 + 7200))
    fig, _, _ = _figures(_component(), results, dec.start_ts, dec.end_ts, [window])
    assert fig.down_s == 0 and fig.incidents == 0
    assert fig.maintenance_s == 6 * 3600
    assert fig.availability == 1.0


def test_maintenance_counts_as_unavailable_when_the_policy_says_so() -> None:
    dec = month(2017, 12, PARIS)
    weekly = MaintenanceWindow(
        "w", ("*",), weekly_days=frozenset({6}), weekly_at=time(2, 0), duration=timedelta(hours=2)
    )
    comp = _component(policy=Policy(exclude_maintenance=False))
    fig, _, _ = _figures(comp, _every_30s(dec.start_ts, dec.end_ts), dec.start_ts, dec.end_ts, [weekly])
    assert fig.maintenance_s == 5 * 2 * 3600  # five Sundays in December 2017
    assert fig.budget_used_s == fig.maintenance_s
    assert fig.availability == floor_ratio(31 * 86400 - 36000, 31 * 86400)


def test_an_outage_outside_business_hours_does_not_count() -> None:
    dec = month(2017, 12, PARIS)
    night = datetime(2017, 12, 12, 20, 0, tzinfo=PARIS).timestamp()  # a Tuesday evening
    results = _every_30s(dec.start_ts, dec.end_ts, (night, night + 4 * 3600))
    fig, _, _ = _figures(_component(BUSINESS), results, dec.start_ts, dec.end_ts)
    assert fig.down_s == 0 and fig.incidents == 0
    assert fig.scheduled_s == 21 * 10 * 3600  # 21 weekdays of 10 hours
    # The same outage straddling 18:30 counts for its scheduled half hour only.
    late = datetime(2017, 12, 12, 18, 0, tzinfo=PARIS).timestamp()
    fig, _, _ = _figures(
        _component(BUSINESS),
        _every_30s(dec.start_ts, dec.end_ts, (late, late + 3600)),
        dec.start_ts,
        dec.end_ts,
    )
    assert fig.down_s == 1800 and fig.incidents == 1


def test_dst_months_have_their_real_length() -> None:
    march, october = month(2017, 3, PARIS), month(2017, 10, PARIS)
    assert march.seconds == 743 * 3600 and october.seconds == 745 * 3600
    fig, _, _ = _figures(_component(), [], march.start_ts, march.end_ts)
    assert fig.scheduled_s == 743 * 3600 and fig.unknown_s == 743 * 3600
    assert fig.availability is None and fig.coverage == 0 and not fig.breached
    # Business hours on the fall-back week: 5 days of 10 hours, whatever the offset.
    week = datetime(2017, 10, 23, tzinfo=PARIS).timestamp(), datetime(2017, 11, 2, tzinfo=PARIS).timestamp()
    assert sum(e - s for s, e in schedule_spans(BUSINESS, *week)) == 8 * 10 * 3600


def test_gaps_longer_than_twice_the_interval_are_unknown() -> None:
    start = datetime(2017, 12, 1, tzinfo=PARIS).timestamp()
    results = [r for r in _every_30s(start, start + 7200) if not start + 1800 <= r.ts < start + 5400]
    fig, _, _ = _figures(_component(), results, start, start + 7200)
    # The last result before the gap (at 29:30) covers 60 s (2 x 30 s), so 30 s more than
    # usual; the rest of the missing hour is unknown.
    assert fig.unknown_s == 3600 - 30
    assert fig.coverage == floor_ratio(7200 - 3570, 7200)


def test_a_running_period_counts_elapsed_time_and_burn_rate() -> None:
    dec = month(2017, 12, PARIS)
    now = dec.start_ts + 10 * 86400
    results = _every_30s(dec.start_ts, now, (now - 3600, now - 3600 + 2678.4))
    fig, _, _ = _figures(_component(), results, dec.start_ts, dec.end_ts, now=now)
    assert fig.elapsed_s == 10 * 86400 and fig.scheduled_s == 31 * 86400
    assert fig.unknown_s == 0
    # 10 days of a 31-day budget is 8640 s; 2700 s used (results every 30 s) is a burn rate of 0.3125.
    assert fig.down_s == 2700 and fig.burn_rate == 2700 / 8640


def test_budget_left_and_verdict_never_contradict_each_other() -> None:
    """98 %, 100 h of maintenance and 12 h 30 down in December: the budget is 2 % of the time
    the availability counts (744 h - 100 h), 12 h 52 min 48 s, so 22 min 48 s are left and
    the target is met; with 13 h down, both say missed."""
    dec = month(2017, 12, PARIS)
    start = datetime(2017, 12, 4, 20, 0)
    window = MaintenanceWindow("bascule", ("chorus-pro",), start=start, end=start + timedelta(hours=100))
    for down_s, breached in ((12.5 * 3600, False), (13 * 3600, True)):
        t0 = dec.start_ts + 20 * 86400
        fig, _, _ = _figures(
            _component(target=0.98), _every_30s(dec.start_ts, dec.end_ts, (t0, t0 + down_s)),
            dec.start_ts, dec.end_ts, [window],
        )  # fmt: skip
        assert fig.maintenance_s == 100 * 3600 and fig.down_s == down_s
        assert fig.budget_s == 0.02 * 644 * 3600
        assert fig.breached is breached and (fig.budget_remaining_s < 0) is breached


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.integers(0, 10**7), min_size=4, max_size=4),
    st.sampled_from([0.98, 0.99, 0.999, 0.9995, 0.5]),
    st.booleans(),
    st.integers(0, 10**7),
)
def test_breached_is_budget_left_below_zero(
    seconds: list[int], target: float, exclude: bool, unknown: int
) -> None:
    """For every timeline, closed or still running (unknown time, maintenance counted or not)."""
    comp = _component(target=target, policy=Policy(exclude_maintenance=exclude))
    up, degraded, down, maint = seconds
    counted = dict(
        zip((Status.UP, Status.DEGRADED, Status.DOWN, Status.MAINTENANCE), map(float, seconds), strict=True)
    )
    elapsed = float(sum(seconds) + unknown)
    fig = figures(comp, counted, [], elapsed + 86400, elapsed)
    assert fig.breached == (fig.budget_remaining_s < 0)
    unavailable = down + (0 if exclude else maint)
    exact = Fraction(up + degraded, up + degraded + unavailable) if up + degraded + unavailable else None
    assert fig.breached == (exact is not None and exact < Fraction(target).limit_denominator(10**9))


def test_confirm_after_and_pending_time() -> None:
    start = 1_000_000_000.0
    statuses = [Status.UP, Status.DOWN, Status.DOWN, Status.DOWN, Status.UP, Status.DOWN, Status.UP]
    results = [ProbeResult("chorus-pro", "p", start + 30 * k, s) for k, s in enumerate(statuses)]
    end = start + 30 * len(statuses)
    pending = _component(policy=Policy(confirm_after=3, pending_counts_as_down=True))
    fig, timeline, schedule = _figures(pending, results, start, end)
    assert fig.down_s == 90  # the lone failure is not confirmed
    strict = _component(policy=Policy(confirm_after=3, pending_counts_as_down=False))
    assert _figures(strict, results, start, end)[0].down_s == 30
    blips = _component(policy=Policy(ignore_blips_shorter_than=60))
    fig, timeline, schedule = _figures(blips, results, start, end)
    assert fig.down_s == 90
    assert [(i.start, i.end) for i in find_incidents("chorus-pro", timeline, schedule, start, end)] == [
        (start + 30, start + 120)
    ]


# --- the oracle ------------------------------------------------------------------------------

STATES = [Status.UP, Status.UP, Status.UP, Status.DEGRADED, Status.DOWN, Status.DOWN, Status.MAINTENANCE]


@st.composite
def scenarios(draw, step: int, units: int, base: float, window_hours: tuple[int, int], sites: bool = False):  # type: ignore[no-untyped-def]
    """A random component, probes' results, windows and period on a grid of ``step`` seconds.

    With ``sites``, each probe belongs to one of up to three agents and the policy has a quorum.
    """
    sim_start, sim_end = base, base + units * step
    probes = []
    for _ in range(draw(st.integers(1, 4 if sites else 2))):
        interval = draw(st.integers(1, 12)) * step
        t = sim_start + draw(st.integers(0, units // 4)) * step
        results = []
        while t < sim_end - 3 * interval and len(results) < 60:
            results.append((t, draw(st.sampled_from(STATES))))
            t += draw(st.integers(1, 3 * interval // step)) * step
        agent = draw(st.sampled_from(["lyon", "paris", "lille"])) if sites else ""
        probes.append((results, float(interval), agent))
    if draw(st.booleans()):
        schedule = Schedule((), PARIS)
    else:
        windows = []
        for _ in range(draw(st.integers(1, 2))):
            lo, hi = window_hours
            a = draw(st.integers(lo * 60, hi * 60 - 1))
            b = draw(st.integers(a + 1, hi * 60))
            end = time.max if b >= 24 * 60 else time(b // 60, b % 60)
            days = frozenset(draw(st.sets(st.integers(0, 6), min_size=1)))
            windows.append(ScheduleWindow(days, time(a // 60, a % 60), end))
        schedule = Schedule(tuple(windows), PARIS)
    maintenance = []
    for k in range(draw(st.integers(0, 2))):
        if draw(st.booleans()):
            a = sim_start + draw(st.integers(0, units)) * step
            b = a + draw(st.integers(1, units // 3)) * step
            maintenance.append(
                MaintenanceWindow(
                    f"m{k}",
                    ("chorus-pro",),
                    start=datetime.fromtimestamp(a, UTC),
                    end=datetime.fromtimestamp(b, UTC),
                )
            )
        else:
            at = draw(st.integers(window_hours[0] * 60, window_hours[1] * 60 - 1))
            maintenance.append(
                MaintenanceWindow(
                    f"m{k}",
                    ("*",),
                    weekly_days=frozenset(draw(st.sets(st.integers(0, 6), min_size=1))),
                    weekly_at=time(at // 60, at % 60),
                    duration=timedelta(minutes=draw(st.integers(1, 180))),
                )
            )
    policy = Policy(
        exclude_maintenance=draw(st.booleans()),
        confirm_after=draw(st.integers(1, 3)),
        pending_counts_as_down=draw(st.booleans()),
        ignore_blips_shorter_than=float(draw(st.sampled_from([0, 0, 1, 2, 5, 20])) * step),
        quorum=draw(st.sampled_from(["majority", "any", "all", 1, 2])) if sites else "majority",
    )
    a = draw(st.integers(0, units - 1))
    b = draw(st.integers(a + 1, units))
    comp = Component("chorus-pro", "Chorus Pro", draw(st.sampled_from([0.98, 0.99, 0.999])), schedule, policy)
    return comp, probes, maintenance, sim_start + a * step, sim_start + b * step, sim_start, sim_end


def _check_against_oracle(scenario, step: int) -> None:  # type: ignore[no-untyped-def]
    comp, probes, maintenance, start, end, sim_start, sim_end = scenario
    segments = [
        segments_from_results(
            [ProbeResult(comp.id, f"p{k}", t, s, agent=agent) for t, s in results], interval
        )
        for k, (results, interval, agent) in enumerate(probes)
    ]
    maint = maintenance_spans(maintenance, comp.id, PARIS, start, end)
    timeline = effective_timeline(segments, comp.policy, maint)
    schedule = schedule_spans(comp.schedule, start, end)
    fig = account(comp, timeline, schedule, start, end)
    expected = oracle(
        comp,
        [(results, interval) for results, interval, _ in probes],
        maintenance,
        start,
        end,
        sim_start,
        sim_end + 30 * step,
        step,
        [agent for _, _, agent in probes],
    )
    assert total(clip([(f.start, f.end) for f in site_failures(segments, comp.policy)], start, end)) == (
        expected.site_down
    )
    got = {
        "up": fig.up_s,
        "degraded": fig.degraded_s,
        "down": fig.down_s,
        "maintenance": fig.maintenance_s,
        "unknown": fig.unknown_s,
    }
    assert got == expected.counts
    assert fig.scheduled_s == expected.scheduled
    incidents = find_incidents(comp.id, timeline, clip(schedule, start, end), start, end)
    assert [(i.start, i.end, i.downtime_s) for i in incidents] == expected.incidents
    assert fig.incidents == len(expected.incidents)
    c = expected.counts
    unavailable = c["down"] + (0 if comp.policy.exclude_maintenance else c["maintenance"])
    assert fig.availability == floor_ratio(c["up"] + c["degraded"], c["up"] + c["degraded"] + unavailable)
    # The budget is counted on the availability's own base: the verdict and its sign agree.
    counted = Fraction(c["up"] + c["degraded"] + unavailable)
    spare = 1 - Fraction(comp.target).limit_denominator(10**9)
    assert fig.budget_s == float(spare * counted)
    assert fig.budget_remaining_s == float(spare * counted - Fraction(unavailable))
    assert fig.breached == (fig.budget_remaining_s < 0) == (unavailable > spare * counted)


# Local midnight before the 2017 transitions in Europe/Paris (01:00 UTC on the Sunday).
SPRING = datetime(2017, 3, 26, tzinfo=PARIS).timestamp()
AUTUMN = datetime(2017, 10, 29, tzinfo=PARIS).timestamp()
QUIET = datetime(2017, 12, 12, tzinfo=PARIS).timestamp()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from([SPRING, AUTUMN]).flatmap(lambda base: scenarios(1, 5 * 3600, base, (0, 5))))
def test_accounting_equals_a_second_by_second_walk_across_dst_nights(scenario) -> None:  # type: ignore[no-untyped-def]
    _check_against_oracle(scenario, 1)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from([SPRING - 2 * 86400, AUTUMN - 2 * 86400, QUIET]).flatmap(
        lambda base: scenarios(60, 4 * 1440, base, (0, 24))
    )
)
def test_accounting_equals_a_minute_grid_walk_over_days_with_schedules(scenario) -> None:  # type: ignore[no-untyped-def]
    _check_against_oracle(scenario, 60)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from([AUTUMN - 2 * 86400, QUIET]).flatmap(
        lambda base: scenarios(60, 2 * 1440, base, (0, 24), sites=True)
    )
)
def test_accounting_with_several_agents_and_a_quorum_equals_the_walk(scenario) -> None:  # type: ignore[no-untyped-def]
    """The same walk with each probe on a site: the quorum of the sites with data decides,
    and the time some sites saw the component down without a quorum is the site failures'."""
    _check_against_oracle(scenario, 60)
