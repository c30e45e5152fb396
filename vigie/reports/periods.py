"""Reporting periods (calendar months, years, date ranges) in the configured time zone.

A :class:`Period` is ``[start, end)`` between two aware date-times; a month starts at
local midnight on its first day, whatever the UTC offset (DST included), so March in
Europe/Paris is 743 hours long and October 745.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TypeVar
from zoneinfo import ZoneInfo

T = TypeVar("T")


@dataclass(frozen=True)
class Period:
    """A half-open span of time ``[start, end)`` with a label like ``2017-12`` or ``2017``."""

    start: datetime
    end: datetime
    label: str

    @property
    def start_ts(self) -> float:
        """Start in epoch seconds."""
        return self.start.timestamp()

    @property
    def end_ts(self) -> float:
        """End (exclusive) in epoch seconds."""
        return self.end.timestamp()

    @property
    def seconds(self) -> float:
        """Length in real seconds."""
        return self.end_ts - self.start_ts

    def months(self) -> list[Period]:
        """The calendar months this period overlaps, each cut to the period."""
        tz = self.start.tzinfo
        assert isinstance(tz, ZoneInfo)
        out = []
        cursor = month(self.start.year, self.start.month, tz)
        while cursor.start < self.end:
            start, end = max(cursor.start, self.start), min(cursor.end, self.end)
            out.append(Period(start, end, cursor.label))
            nxt = cursor.end
            cursor = month(nxt.year, nxt.month, tz)
        return out


def _midnight(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tz)


def month(year: int, number: int, tz: ZoneInfo) -> Period:
    """The calendar month ``year-number`` in ``tz``."""
    first = date(year, number, 1)
    nxt = date(year + (number == 12), number % 12 + 1, 1)
    return Period(_midnight(first, tz), _midnight(nxt, tz), f"{year:04d}-{number:02d}")


def year(number: int, tz: ZoneInfo) -> Period:
    """The calendar year in ``tz``."""
    return Period(_midnight(date(number, 1, 1), tz), _midnight(date(number + 1, 1, 1), tz), f"{number:04d}")


def between(start: date | datetime, end: date | datetime, tz: ZoneInfo) -> Period:
    """From ``start`` to ``end``: a date ``end`` is inclusive (up to the end of that day),
    a date-time ``end`` is exclusive; naive date-times are read in ``tz``."""
    lo = _as_datetime(start, tz)
    hi = _as_datetime(end, tz) if isinstance(end, datetime) else _midnight(end + timedelta(days=1), tz)
    if hi <= lo:
        raise ValueError("the end of the period must come after its start")
    return Period(lo, hi, f"{_label(start)}..{_label(end)}")


def current_month(tz: ZoneInfo, now: datetime | None = None) -> Period:
    """The month containing ``now`` (default: the present), in ``tz``."""
    moment = (now or datetime.now(tz)).astimezone(tz)
    return month(moment.year, moment.month, tz)


def _as_datetime(value: date | datetime, tz: ZoneInfo) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=tz)
    return _midnight(value, tz)


def _label(value: date | datetime) -> str:
    return value.isoformat() if not isinstance(value, datetime) else value.isoformat(timespec="minutes")


def parse_month(text: str) -> tuple[int, int]:
    """``YYYY-MM`` -> (year, month); ValueError with a human message otherwise."""
    found = re.fullmatch(r"(\d{4})-(\d{2})", text.strip())
    if not found or not 1 <= int(found.group(2)) <= 12:
        raise ValueError(f"'{text}' is not a month like 2017-12")
    return int(found.group(1)), int(found.group(2))


def parse_year(text: str) -> int:
    """``YYYY`` -> the year; ValueError otherwise."""
    if not re.fullmatch(r"\d{4}", text.strip()):
        raise ValueError(f"'{text}' is not a year like 2017")
    return int(text)


def parse_moment(text: str) -> date | datetime:
    """An ISO date (``2017-12-01``) or date-time (``2017-12-01T08:00``, offset optional)."""
    value = text.strip()
    try:
        return date.fromisoformat(value) if len(value) == 10 else datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"'{text}' is not an ISO date like 2017-12-01 or 2017-12-01T08:00") from None


def parse_period(
    tz: ZoneInfo,
    *,
    month_text: str | None = None,
    year_text: str | None = None,
    from_text: str | None = None,
    to_text: str | None = None,
    now: datetime | None = None,
) -> Period:
    """The period the CLI options describe: ``--month``, ``--year`` or ``--from``/``--to``.

    Nothing given means the current month; ``--from`` alone runs to now, ``--to`` alone
    starts at the beginning of that month. Raises ValueError with a one-line message.
    """
    given = [name for name, v in (("--month", month_text), ("--year", year_text)) if v is not None]
    if from_text is not None or to_text is not None:
        given.append("--from/--to")
    if len(given) > 1:
        raise ValueError(f"choose one of {', '.join(given)}")
    if month_text is not None:
        return month(*_named("--month", parse_month, month_text), tz)
    if year_text is not None:
        return year(_named("--year", parse_year, year_text), tz)
    if from_text is None and to_text is None:
        return current_month(tz, now)
    moment = (now or datetime.now(tz)).astimezone(tz)
    end = _named("--to", parse_moment, to_text) if to_text is not None else moment
    if from_text is not None:
        start = _named("--from", parse_moment, from_text)
    else:
        ref = end if isinstance(end, datetime) else datetime.combine(end, time(0))
        start = date(ref.year, ref.month, 1)
    return between(start, end, tz)


def _named(option: str, parse: Callable[[str], T], text: str) -> T:
    """``parse(text)``, its ValueError prefixed with the option the text came from."""
    try:
        return parse(text)
    except ValueError as exc:
        raise ValueError(f"{option}: {exc}") from None
