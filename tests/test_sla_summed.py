"""The SLA of a plain component is summed by SQLite (vigie.reports.sla._summed_sla): over
random stores it equals the path that builds the whole timeline, bit for bit on whole-second
timestamps and within float rounding otherwise, and it steps aside whenever a rule needs
the timeline (two probes with data, confirm_after, blips, maintenance, business hours)."""

from __future__ import annotations

import math
from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vigie.accounting.results import ProbeResult, Status
from vigie.accounting.terms import MaintenanceWindow, Policy, Schedule, ScheduleWindow
from vigie.probes.config import Component, ExporterConfig, ProbesConfig, StoreConfig
from vigie.probes.store import Store
from vigie.reports import sla as sla_module
from vigie.reports.periods import Period
from vigie.reports.sla import compute_sla

PARIS = ZoneInfo("Europe/Paris")
T0 = 1512082800  # 2017-12-01 00:00 in Paris
STATUSES = [Status.UP, Status.UP, Status.UP, Status.DEGRADED, Status.DOWN, Status.DOWN, Status.MAINTENANCE]


@st.composite
def results(draw: st.DrawFn, probe: str, fractional: bool) -> list[ProbeResult]:
    """One probe's results around the first days of December 2017, with gaps and outages."""
    out = []
    t = T0 + draw(st.integers(-7200, 7200))
    for _ in range(draw(st.integers(0, 60))):
        t += draw(st.sampled_from([30, 30, 30, 45, 61, 200, 3600]))
        ts = t + (draw(st.floats(0, 0.999, allow_nan=False)) if fractional else 0)
        status = draw(st.sampled_from(STATUSES))
        out.append(ProbeResult("c", probe, ts, status, 12.5, f"{status} at {t}"))
    return out


def _config(component: Component, maintenance: tuple[MaintenanceWindow, ...] = ()) -> ProbesConfig:
    return ProbesConfig(PARIS, Policy(), (component,), (), maintenance, StoreConfig(), ExporterConfig())


def _period(data: st.DataObject) -> tuple[Period, float | None]:
    start = T0 + data.draw(st.integers(-3600, 3 * 3600))
    end = start + data.draw(st.integers(60, 6 * 3600))
    now = data.draw(st.none() | st.integers(start - 600, end + 600))
    return Period(datetime.fromtimestamp(start, PARIS), datetime.fromtimestamp(end, PARIS), "p"), now


def _both(store: Store, config: ProbesConfig, period: Period, now: float | None) -> tuple[object, object]:
    component = config.components[0]
    summed = compute_sla(store, config, component, period, now)
    built = compute_sla(store, config, component, period, now, summed=False)
    return summed, built


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_summed_figures_equal_the_timeline_path_bit_for_bit(
    tmp_path_factory: pytest.TempPathFactory, data: st.DataObject
) -> None:
    first = data.draw(results("http", fractional=False))
    second = data.draw(st.just([]) | results("ingest", fractional=False))
    period, now = _period(data)
    with Store(tmp_path_factory.mktemp("s") / "v.db") as store:
        store.append(first + second)
        config = _config(Component("c", "c", 0.99, Schedule((), PARIS), Policy()))
        summed, built = _both(store, config, period, now)
        assert summed == built


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_summed_figures_match_within_float_rounding_on_fractional_times(
    tmp_path_factory: pytest.TempPathFactory, data: st.DataObject
) -> None:
    period, now = _period(data)
    with Store(tmp_path_factory.mktemp("s") / "v.db") as store:
        store.append(data.draw(results("http", fractional=True)))
        config = _config(Component("c", "c", 0.99, Schedule((), PARIS), Policy()))
        summed, built = (sla.figures for sla in _both(store, config, period, now))  # type: ignore[attr-defined]
        for name in ("up_s", "degraded_s", "down_s", "maintenance_s", "unknown_s", "scheduled_s"):
            assert math.isclose(getattr(summed, name), getattr(built, name), abs_tol=1e-6), name
        assert summed.incidents == built.incidents


BUSINESS = Schedule((ScheduleWindow(frozenset(range(5)), time(8), time(18)),), PARIS)
ONE_OFF = MaintenanceWindow("m", ("c",), start=datetime(2017, 12, 1, 1, 0), end=datetime(2017, 12, 1, 1, 40))


@pytest.mark.parametrize(
    ("policy", "schedule", "maintenance"),
    [
        (Policy(confirm_after=3), Schedule((), PARIS), ()),
        (Policy(confirm_after=2, pending_counts_as_down=False), Schedule((), PARIS), ()),
        (Policy(ignore_blips_shorter_than=90), Schedule((), PARIS), ()),
        (Policy(), BUSINESS, ()),
        (Policy(exclude_maintenance=False), Schedule((), PARIS), ()),
        (Policy(), Schedule((), PARIS), (ONE_OFF,)),
    ],
)
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_rules_that_need_the_timeline_give_the_same_figures(
    tmp_path_factory: pytest.TempPathFactory,
    data: st.DataObject,
    policy: Policy,
    schedule: Schedule,
    maintenance: tuple[MaintenanceWindow, ...],
) -> None:
    period, now = _period(data)
    with Store(tmp_path_factory.mktemp("s") / "v.db") as store:
        store.append(
            data.draw(results("http", fractional=False)) + data.draw(results("ingest", fractional=False))
        )
        config = _config(Component("c", "c", 0.99, schedule, policy), maintenance)
        summed, built = _both(store, config, period, now)
        assert summed == built


def test_a_plain_component_never_builds_its_timeline(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*args: object) -> None:
        raise AssertionError("timeline built")

    monkeypatch.setattr(sla_module, "component_timeline", refuse)
    with Store(tmp_path_factory.mktemp("s") / "v.db") as store:
        store.append(
            [
                ProbeResult("c", "http", T0 + 30.0 * k, Status.DOWN if k in (5, 6) else Status.UP, 10.0, "x")
                for k in range(100)
            ]
        )
        config = _config(Component("c", "c", 0.99, Schedule((), PARIS), Policy()))
        period = Period(datetime.fromtimestamp(T0, PARIS), datetime.fromtimestamp(T0 + 3600, PARIS), "h")
        sla = compute_sla(store, config, config.components[0], period)
    # The last result covers up to twice the 30 s interval.
    assert sla.figures.down_s == 60 and sla.figures.up_s == 99 * 30 + 60 - 60 and len(sla.incidents) == 1
    assert sla.figures.unknown_s == 3600 - (99 * 30 + 60)
