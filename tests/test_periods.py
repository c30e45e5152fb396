"""Reporting periods and wall-clock rules in Europe/Paris, DST included."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from vigie.accounting.schedules import maintenance_spans
from vigie.accounting.terms import MaintenanceWindow
from vigie.kernel.localtime import offset_pieces
from vigie.reports.periods import between, month, parse_period, year

PARIS = ZoneInfo("Europe/Paris")
NOW = datetime(2017, 12, 15, 10, 0, tzinfo=PARIS)


def test_months_and_years_start_at_local_midnight() -> None:
    dec = month(2017, 12, PARIS)
    assert dec.label == "2017-12" and dec.start == datetime(2017, 12, 1, tzinfo=PARIS)
    assert dec.end == datetime(2018, 1, 1, tzinfo=PARIS)
    assert year(2017, PARIS).seconds == 365 * 86400
    assert [p.label for p in year(2017, PARIS).months()] == [f"2017-{m:02d}" for m in range(1, 13)]


def test_parse_period_options() -> None:
    assert parse_period(PARIS, now=NOW).label == "2017-12"
    assert parse_period(PARIS, month_text="2017-03", now=NOW).seconds == 743 * 3600
    assert parse_period(PARIS, year_text="2017").label == "2017"
    span = parse_period(PARIS, from_text="2017-12-01", to_text="2017-12-07")
    assert span.seconds == 7 * 86400  # --to is inclusive for a date
    assert parse_period(PARIS, from_text="2017-12-01T08:00", to_text="2017-12-01T09:00").seconds == 3600
    assert parse_period(PARIS, from_text="2017-12-10", now=NOW).end == NOW
    assert parse_period(PARIS, to_text="2017-12-07").start == datetime(2017, 12, 1, tzinfo=PARIS)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"month_text": "2017-13"}, "^--month: '2017-13' is not a month"),
        ({"year_text": "17"}, "^--year: '17' is not a year"),
        ({"from_text": "yesterday"}, "^--from: 'yesterday' is not an ISO date"),
        ({"to_text": "2017-02-30"}, "^--to: '2017-02-30' is not an ISO date"),
        ({"month_text": "2017-12", "year_text": "2017"}, "choose one"),
        ({"from_text": "2017-12-07", "to_text": "2017-12-01"}, "after its start"),
    ],
)
def test_bad_period_options_say_why(options: dict[str, str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_period(PARIS, **options)  # type: ignore[arg-type]


def test_offset_pieces_find_the_transitions_to_the_second() -> None:
    pieces = offset_pieces(PARIS, year(2017, PARIS).start_ts, year(2017, PARIS).end_ts)
    assert [p[2] for p in pieces] == [3600, 7200, 3600]
    assert datetime.fromtimestamp(pieces[1][0], PARIS) == datetime(2017, 3, 26, 3, 0, tzinfo=PARIS)


def test_weekly_maintenance_lasts_its_duration_on_dst_nights() -> None:
    def spans(at: time, day: date) -> list[tuple[str, str]]:
        window = MaintenanceWindow(
            "w", ("*",), weekly_days=frozenset({6}), weekly_at=at, duration=timedelta(hours=2)
        )
        period = between(day, day, PARIS)
        return [
            (
                datetime.fromtimestamp(s, PARIS).strftime("%H:%M%z"),
                datetime.fromtimestamp(e, PARIS).strftime("%H:%M%z"),
            )
            for s, e in maintenance_spans([window], "x", PARIS, period.start_ts, period.end_ts)
        ]

    spring, autumn = date(2017, 3, 26), date(2017, 10, 29)
    # 2 h of elapsed time whatever the clocks do; 02:30 does not exist in March: start at the jump.
    assert spans(time(1, 0), spring) == [("01:00+0100", "04:00+0200")]
    assert spans(time(2, 30), spring) == [("03:00+0200", "05:00+0200")]
    # 02:30 happens twice in October: the first one.
    assert spans(time(2, 30), autumn) == [("02:30+0200", "03:30+0100")]


def test_current_month_is_the_default_period() -> None:
    from vigie.reports.periods import current_month

    assert current_month(PARIS, NOW) == parse_period(PARIS, now=NOW) == month(2017, 12, PARIS)
