"""A language: the catalogue's messages, and numbers, percentages, durations and dates
written the way it writes them (Babel's French and English locales).

French typography: decimal comma, narrow no-break spaces (U+202F) between thousands, before
``%`` and between a figure and its unit, so ``99,988 %``, ``50 000`` and ``3 h 05 min``
never break across lines. Ratios are floored to the digits shown, never rounded up: one
failed check never shows 100 %. A missing figure is :data:`MISSING` everywhere.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal
from functools import cache, lru_cache

from babel import Locale
from babel.dates import format_date, format_datetime, get_day_names, get_month_names
from babel.numbers import NumberPattern, parse_pattern

from vigie.kernel.text.messages import LANGUAGES, MESSAGES

NNBSP = "\u202f"
"""Narrow no-break space: French thousands separator, before ``%`` and before a unit."""
MISSING = "—"
"""What stands for a figure that does not exist (no measurement, no date)."""
MINUS = "−"
"""The minus sign (U+2212) of negative figures: ``−4 h 33 min`` of budget overspent."""

_PERCENT = {"fr": f"{NNBSP}%", "en": "%"}
_DATE = {"fr": "dd/MM/yyyy", "en": "yyyy-MM-dd"}
_DAY_UNIT = {"fr": "j", "en": "d"}


@cache
def _locale(code: str) -> Locale:
    return Locale.parse(code)


@cache
def _pattern(digits: int) -> NumberPattern:
    """``#,##0`` with ``digits`` fixed decimals; the locale supplies the separators."""
    return parse_pattern("#,##0" + ("." + "0" * digits if digits else ""))


@lru_cache(maxsize=8192)
def _figure(code: str, value: Decimal, digits: int) -> str:
    """A rounded figure written by Babel; the sign is ours (U+2212, as in the durations).
    Cached: a console repaints the same figures every refresh, a report repeats its own."""
    text = _pattern(digits).apply(abs(value), _locale(code))
    return MINUS + text if value < 0 else text


def _step(digits: int) -> Decimal:
    return Decimal(1).scaleb(-digits)


def exact(value: float) -> Decimal:
    """The shortest decimal that reads back as ``value``.

    A ratio the accounting floored (``0.99988``, i.e. 99 988 / 10^5) is that decimal here,
    not the binary float just below it, so flooring it again for display keeps its last
    digit: the display floor agrees with ``accounting.figures.floor_ratio``."""
    return Decimal(repr(float(value)))


def _known(value: float | None) -> bool:
    return value is not None and math.isfinite(value)


@dataclass(frozen=True)
class Language:
    """Messages and formats of one language: ``fr`` (the default) or ``en``."""

    code: str = "fr"

    def __post_init__(self) -> None:
        if self.code not in LANGUAGES:
            raise ValueError(f"unknown language '{self.code}' (one of: {', '.join(LANGUAGES)})")

    # --- messages ------------------------------------------------------------------------

    def t(self, key: str, **values: object) -> str:
        """The message ``key`` in this language, with its ``{placeholders}`` filled in."""
        text = MESSAGES[key][LANGUAGES.index(self.code)]
        return text.format(**values) if values else text

    def label(self, prefix: str, code: str) -> str:
        """The words for a code (``label("catalog.status", "expired")``), the code itself
        when the catalogue has none (a ticket channel the mapping invented)."""
        key = f"{prefix}.{code}"
        return self.t(key) if key in MESSAGES else code

    def plural(self, key: str, n: int, **values: object) -> str:
        """``key.one`` or ``key.many`` for ``n`` (French takes the singular for 0 and 1),
        with ``{n}`` written as a number."""
        singular = n <= 1 if self.code == "fr" else n == 1
        return self.t(f"{key}.{'one' if singular else 'many'}", n=self.number(n), **values)

    @property
    def colon(self) -> str:
        """A colon as the language writes it (French: a no-break space before)."""
        return "\u00a0: " if self.code == "fr" else ": "

    # --- numbers -------------------------------------------------------------------------

    def number(self, value: float | None, digits: int = 0) -> str:
        """A number rounded to ``digits`` decimals: ``6 000 000``, ``0,1234``."""
        if value is None or not _known(value):
            return MISSING
        return _figure(self.code, exact(value).quantize(_step(digits), rounding=ROUND_HALF_UP), digits)

    def percent(self, ratio: float | None, digits: int = 3, *, floor: bool = True, sign: bool = True) -> str:
        """A ratio as a percentage with ``digits`` decimals, floored first (``0.999995`` is
        ``99,999 %``, never 100); ``floor=False`` rounds (a utilisation, a share).
        ``sign=False`` leaves out the ``%`` (cells under a "%" heading)."""
        if ratio is None or not _known(ratio):
            return MISSING
        rounding = ROUND_FLOOR if floor else ROUND_HALF_UP
        text = _figure(self.code, (exact(ratio) * 100).quantize(_step(digits), rounding=rounding), digits)
        return text + _PERCENT[self.code] if sign else text

    def target(self, ratio: float) -> str:
        """An SLA target with the digits it was given: ``98 %``, ``99,5 %``, ``99,95 %``."""
        value = (exact(ratio) * 100).quantize(_step(3), rounding=ROUND_HALF_UP).normalize()
        exponent = value.as_tuple().exponent
        digits = max(0, -exponent) if isinstance(exponent, int) else 0
        return self.percent(ratio, digits, floor=False)

    def change(self, ratio: float | None, digits: int = 1) -> str:
        """A relative change with its sign: ``+260,0 %``, ``−12,5 %``."""
        if ratio is None or not _known(ratio):
            return MISSING
        return ("+" if ratio >= 0 else MINUS) + self.percent(abs(ratio), digits, floor=False)

    # --- durations -----------------------------------------------------------------------

    def duration(self, seconds: float | None) -> str:
        """A duration in its two largest units, truncated: ``0,5 s``, ``45 s``, ``3 min 05 s``,
        ``12 min``, ``15 h 20 min``, ``2 j 04 h``; negative for an overspent budget."""
        if seconds is None or not _known(seconds):
            return MISSING
        if seconds < 0:
            return MINUS + self.duration(-seconds)
        if 0 < seconds < 1:  # a refresh interval, not worth "0 s"
            return f"{self.number(seconds, 1)}{NNBSP}s"
        days, rest = divmod(int(seconds), 86400)
        hours, rest = divmod(rest, 3600)
        minutes, secs = divmod(rest, 60)
        if days:
            return self._units(days, _DAY_UNIT[self.code], hours, "h")
        if hours:
            return self._units(hours, "h", minutes, "min")
        if minutes:
            # Under ten minutes the seconds still matter (a 3 min 05 s outage).
            return self._units(minutes, "min", secs, "s") if minutes < 10 and secs else f"{minutes}{NNBSP}min"
        return f"{secs}{NNBSP}s"

    @staticmethod
    def _units(major: int, major_unit: str, minor: int, minor_unit: str) -> str:
        return f"{major}{NNBSP}{major_unit} {minor:02d}{NNBSP}{minor_unit}"

    def latency(self, ms: float | None) -> str:
        """A measured latency: milliseconds under a second (``245 ms``), else seconds with
        one decimal (``4,0 s``)."""
        if ms is None or not _known(ms):
            return MISSING
        if ms < 999.5:
            return f"{self.number(ms)}{NNBSP}ms"
        return f"{self.number(ms / 1000, 1)}{NNBSP}s"

    # --- dates ---------------------------------------------------------------------------

    def date(self, day: date | None) -> str:
        """A date: ``03/07/2017`` in French, ``2017-07-03`` in English."""
        if day is None:
            return MISSING
        return format_date(day, _DATE[self.code], locale=_locale(self.code))

    def date_time(self, moment: datetime | None) -> str:
        """A date and time of day in the moment's own time zone: ``03/07/2017 14:25``."""
        if moment is None:
            return MISSING
        return format_datetime(moment, f"{_DATE[self.code]} HH:mm", locale=_locale(self.code))

    def month(self, year: int, month: int) -> str:
        """``juillet 2017`` / ``July 2017``."""
        return f"{get_month_names('wide', locale=_locale(self.code))[month]} {year}"

    def short_month(self, month: int) -> str:
        """``juil.`` / ``Jul``."""
        return str(get_month_names("abbreviated", locale=_locale(self.code))[month])

    def weekdays(self, days: Sequence[int]) -> str:
        """Weekdays (0 = Monday): a run as its ends (``lun.-ven.``), else listed (``sam.,dim.``)."""
        names = get_day_names("abbreviated", locale=_locale(self.code))
        ordered = sorted(days)
        if len(ordered) > 1 and ordered == list(range(ordered[0], ordered[-1] + 1)):
            return f"{names[ordered[0]]}-{names[ordered[-1]]}"
        return ",".join(str(names[d]) for d in ordered)

    def day_or_month(self, key: str, short: bool = False) -> str:
        """A day key (``2017-07-15``: ``15/07``, ``Jul 15``) or a month key (``2017-07``:
        ``juillet 2017``); ``short`` keeps the day number or the month's abbreviation."""
        year, month, *day = (int(part) for part in key.split("-"))
        if day:
            if short:
                return str(day[0])
            if self.code == "fr":
                return f"{day[0]:02d}/{month:02d}"
            return f"{self.short_month(month)} {day[0]}"
        return self.short_month(month) if short else self.month(year, month)

    def day_or_month_ranges(self, keys: Sequence[str]) -> str:
        """Day or month keys as runs of consecutive ones: ``10/07–14/07, 28/07``."""
        runs: list[list[str]] = []
        for key in keys:
            if runs and _ordinal(key) == _ordinal(runs[-1][-1]) + 1:
                runs[-1].append(key)
            else:
                runs.append([key])
        return ", ".join(
            self.day_or_month(run[0])
            if len(run) == 1
            else f"{self.day_or_month(run[0])}–{self.day_or_month(run[-1])}"
            for run in runs
        )


def _ordinal(key: str) -> int:
    """A day key's day number or a month key's month number, to tell consecutive keys."""
    year, month, *day = (int(part) for part in key.split("-"))
    return date(year, month, day[0]).toordinal() if day else year * 12 + month
