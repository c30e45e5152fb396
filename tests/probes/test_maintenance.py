"""Maintenance windows as pure functions: one-off and weekly, across both DST changes, and
in agreement with the SLA accounting's rule (reports.wallclock) at every instant."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.probes.conftest import PARIS
from vigie.probes.config import MaintenanceWindow
from vigie.probes.maintenance import active_window, covers
from vigie.reports.wallclock import maintenance_spans


def _ts(text: str) -> float:
    return datetime.fromisoformat(text).timestamp()


def _weekly(day: int, at: str, hours: float, components: tuple[str, ...] = ("svc",)) -> MaintenanceWindow:
    hh, mm = (int(x) for x in at.split(":"))
    return MaintenanceWindow(
        "w", components, weekly_days=frozenset({day}), weekly_at=time(hh, mm), duration=timedelta(hours=hours)
    )


def test_one_off_local_times_are_in_the_configured_zone() -> None:
    window = MaintenanceWindow("m", ("svc",), start=datetime(2017, 12, 30, 20), end=datetime(2017, 12, 31, 2))
    assert active_window([window], "svc", _ts("2017-12-30T19:30:00+00:00"), PARIS) is window  # 20:30 Paris
    assert active_window([window], "svc", _ts("2017-12-30T18:59:59+00:00"), PARIS) is None
    assert active_window([window], "svc", _ts("2017-12-31T01:00:00+00:00"), PARIS) is None  # end excluded
    assert active_window([window], "other", _ts("2017-12-30T20:00:00+00:00"), PARIS) is None


def test_star_applies_to_every_component() -> None:
    window = _weekly(6, "02:00", 2, ("*",))
    assert active_window([window], "anything", _ts("2017-07-16T02:30:00+02:00"), PARIS) is window


def test_weekly_window_in_summer_and_winter() -> None:
    window = _weekly(6, "02:00", 2)  # Sunday 02:00-04:00 Paris time
    for inside in ("2017-07-16T02:00:00+02:00", "2017-07-16T03:59:59+02:00", "2017-01-15T02:30:00+01:00"):
        assert covers(window, _ts(inside), PARIS), inside
    for outside in ("2017-07-16T01:59:59+02:00", "2017-07-16T04:00:00+02:00", "2017-07-17T02:30:00+02:00"):
        assert not covers(window, _ts(outside), PARIS), outside


def test_spring_forward_night_the_missing_hour_is_never_inside() -> None:
    """26 March 2017, Paris: 02:00 CET jumps to 03:00 CEST. A 02:00-04:00 window lasts one real hour."""
    window = _weekly(6, "02:00", 2)
    assert not covers(window, _ts("2017-03-26T01:59:59+01:00"), PARIS)
    assert covers(window, _ts("2017-03-26T03:00:00+02:00"), PARIS)  # the instant after 01:59:59 CET
    assert covers(window, _ts("2017-03-26T03:59:59+02:00"), PARIS)
    assert not covers(window, _ts("2017-03-26T04:00:00+02:00"), PARIS)


def test_fall_back_night_the_repeated_hour_is_inside_twice() -> None:
    """29 October 2017, Paris: 03:00 CEST goes back to 02:00 CET; 02:45 happens twice."""
    window = _weekly(6, "02:30", 1)
    assert covers(window, _ts("2017-10-29T02:45:00+02:00"), PARIS)
    assert covers(window, _ts("2017-10-29T02:45:00+01:00"), PARIS)
    assert not covers(window, _ts("2017-10-29T03:30:00+01:00"), PARIS)


def test_window_crossing_midnight() -> None:
    window = _weekly(5, "23:00", 3)  # Saturday 23:00 to Sunday 02:00
    assert covers(window, _ts("2017-07-16T01:00:00+02:00"), PARIS)
    assert not covers(window, _ts("2017-07-16T02:00:00+02:00"), PARIS)


WINDOWS = [
    _weekly(6, "02:00", 2),
    _weekly(6, "02:30", 1),
    _weekly(5, "23:00", 5),
    _weekly(0, "00:00", 24 * 3),
    MaintenanceWindow("m", ("svc",), start=datetime(2017, 3, 26, 1, 30), end=datetime(2017, 3, 26, 3, 30)),
]
AROUND = [
    _ts("2017-03-25T12:00:00+01:00"),
    _ts("2017-10-28T12:00:00+02:00"),
    _ts("2017-07-15T12:00:00+02:00"),
]


@settings(max_examples=300, deadline=None)
@given(
    window=st.sampled_from(WINDOWS),
    base=st.sampled_from(AROUND),
    offset=st.integers(min_value=0, max_value=3 * 86400),
)
def test_agrees_with_the_sla_accounting_at_every_instant(
    window: MaintenanceWindow, base: float, offset: int
) -> None:
    """The daemon's rule and reports.wallclock's give the same answer around both DST changes."""
    ts = base + offset
    spans = maintenance_spans([window], "svc", PARIS, ts - 1, ts + 1)
    in_accounting = any(a <= ts < b for a, b in spans)
    assert covers(window, ts, PARIS) is in_accounting
