"""The Jinja environment of the reports: templates in ``reports/templates``, HTML autoescaped.

Markdown templates are not HTML-escaped (a wiki would show ``&lt;``); they escape
Markdown's own special characters through the ``md`` filter instead.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from vigie.kernel.text.language import MISSING, Language
from vigie.reports import charts
from vigie.reports.content import Absent, AvailabilityRow, IncidentRow, Report
from vigie.reports.flows import SHOWN

_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|#])")


def md_escape(value: object) -> str:
    """Escape Markdown's special characters (and table pipes) with backslashes; no line breaks."""
    return _MD_SPECIAL.sub(r"\\\1", " ".join(str(value).split()))


@cache
def environment() -> Environment:
    """The shared environment (autoescape on for ``*.html.j2``, strict about undefined names)."""
    env = Environment(
        loader=PackageLoader("vigie.reports", "templates"),
        autoescape=select_autoescape(enabled_extensions=("html.j2",), default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["md"] = md_escape
    env.tests["absent"] = lambda value: isinstance(value, Absent)
    return env


def context(report: Report, lang: Language) -> dict[str, Any]:
    """What every template receives: the report, the language and the drawn charts."""
    title = lang.t(f"report.title.{report.kind}")
    period = str(report.year) if report.month is None else lang.month(report.year, report.month)
    return {
        "report": report,
        "lang": lang,
        "t": lang.t,
        "title": title,
        "period": period,
        "charts": charts,
        "incidents_shown": shown_incidents(report),
        "absent_text": lambda absent: absent_text(absent, lang),
        "frozen_dates": lambda rows: frozen_dates(rows, lang),
        "has_frozen_month": lambda rows: any(p.frozen for row in rows for p in row.points),
        "missing": MISSING,
        "flow_columns": FLOW_COLUMNS,
        "flows_as_of": None
        if isinstance(report.flows, Absent)
        else datetime.fromtimestamp(report.flows.as_of, ZoneInfo(report.timezone)),
    }


FLOW_COLUMNS = ("type", *SHOWN)
"""The columns of the report's flow table (its counts by flow type)."""


def frozen_dates(rows: Sequence[AvailabilityRow], lang: Language) -> str:
    """When the table's frozen figures were frozen (``""``: none are)."""
    return ", ".join(sorted({lang.date_time(r.frozen_at) for r in rows if r.frozen_at is not None}))


MONTHLY_INCIDENTS, YEARLY_INCIDENTS = 50, 20


def shown_incidents(report: Report) -> tuple[IncidentRow, ...]:
    """The incidents the HTML and Markdown list: a month's in order (up to 50), a year's
    twenty longest; JSON and CSV carry them all."""
    if isinstance(report.incidents, Absent):
        return ()
    if report.kind == "yearly":
        return tuple(sorted(report.incidents, key=lambda i: -i.duration_s)[:YEARLY_INCIDENTS])
    return report.incidents[:MONTHLY_INCIDENTS]


def absent_text(absent: Absent, lang: Language) -> str:
    """The one line that stands for a section without data."""
    return lang.t(absent.reason)
