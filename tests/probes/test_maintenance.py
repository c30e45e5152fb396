"""Maintenance windows as pure functions: one-off and weekly, across both DST changes."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from tests.probes.conftest import PARIS
from vigie.accounting.schedules import active_window, window_spans
from vigie.accounting.terms import MaintenanceWindow


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
    assert window_spans(
        window, _ts("2017-07-16T00:00:00+02:00"), _ts("2017-07-17T00:00:00+02:00"), PARIS
    ) == [(_ts("2017-07-16T02:00:00+02:00"), _ts("2017-07-16T04:00:00+02:00"))]
    assert window_spans(
        window, _ts("2017-01-15T00:00:00+01:00"), _ts("2017-01-16T00:00:00+01:00"), PARIS
    ) == [(_ts("2017-01-15T02:00:00+01:00"), _ts("2017-01-15T04:00:00+01:00"))]


def test_spring_forward_start_that_does_not_exist_begins_at_the_jump() -> None:
    """26 March 2017, Paris: 02:00 CET jumps to 03:00 CEST; 02:00 never happens."""
    window = _weekly(6, "02:00", 2)
    got = window_spans(window, _ts("2017-03-26T00:00:00+01:00"), _ts("2017-03-27T00:00:00+02:00"), PARIS)
    assert got == [(_ts("2017-03-26T03:00:00+02:00"), _ts("2017-03-26T05:00:00+02:00"))]
    assert got[0][1] - got[0][0] == 7200  # two hours of elapsed time


def test_fall_back_start_that_happens_twice_is_the_first() -> None:
    """29 October 2017, Paris: 03:00 CEST goes back to 02:00 CET; 02:30 happens twice."""
    window = _weekly(6, "02:30", 1)
    got = window_spans(window, _ts("2017-10-29T00:00:00+02:00"), _ts("2017-10-30T00:00:00+01:00"), PARIS)
    assert got == [(_ts("2017-10-29T02:30:00+02:00"), _ts("2017-10-29T02:30:00+01:00"))]
    inside = _ts("2017-10-29T02:15:00+01:00")  # the second 02:15, still inside (one hour elapsed)
    assert active_window([window], "svc", inside, PARIS) is window


def test_window_crossing_midnight_and_a_range_cut() -> None:
    window = _weekly(5, "23:00", 3)  # Saturday 23:00 to Sunday 02:00
    sunday_one = _ts("2017-07-16T01:00:00+02:00")
    assert active_window([window], "svc", sunday_one, PARIS) is window
    cut = window_spans(window, sunday_one, _ts("2017-07-16T12:00:00+02:00"), PARIS)
    assert cut == [(sunday_one, _ts("2017-07-16T02:00:00+02:00"))]
