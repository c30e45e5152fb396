"""`alertmanager/alertmanager.yml`: Alertmanager's routes, inhibitions and business hours,
from config.toml and the catalog.

- Alerts are grouped by alert and component.
- ``severity="page"`` (a 24x7 component's outage) goes to the ``pager`` receiver at any
  hour; every alert also goes to ``tickets``, but only in business hours (08:30-18:30 on
  working days, in ``[vigie] timezone``) and never on French public holidays.
- A component down inhibits its own probes' alerts; an application the map says depends on
  a down component (a direct successor in the catalog graph: it misses its data) has its
  alerts inhibited, so the on-call sees the cause, not its echoes.
- The receivers are left for the operator to fill in (no address is guessed).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any

import yaml

from vigie.catalog.graph import ImpactDirection, build_graph, impact
from vigie.catalog.model import Catalog
from vigie.console.settings import Settings
from vigie.probes.oncall.book import DOWN

PATH = "alertmanager/alertmanager.yml"
PAGER, TICKETS = "pager", "tickets"
BUSINESS_HOURS, HOLIDAYS = "business-hours", "public-holidays"
OPENING = ("08:30", "18:30")
"""When tickets are routed, on working days."""

HEADER = """\
# Alertmanager configuration written by `vigie deploy` from config.toml and the catalog.
# Check it with `amtool check-config alertmanager.yml`. Fill in the two receivers:
#   pager   - the on-call, at any hour (24x7 components down: severity="page")
#   tickets - the service desk, in business hours (every alert)
# e.g. webhook_configs: [{url: "https://...", send_resolved: true}], or email_configs.
# Acknowledgements are silences (`vigie alerts ack`); they mute both receivers.
"""


def easter(year: int) -> date:
    """Easter Sunday of a Gregorian year (the anonymous Gregorian computus)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    g = (b - (b + 8) // 25 + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    weekday = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * weekday) // 451
    month, day = divmod(h + weekday - 7 * m + 114, 31)
    return date(year, month, day + 1)


def public_holidays(year: int) -> list[date]:
    """France's public holidays of a year (metropolitan list: no Alsace-Moselle extras)."""
    sunday = easter(year)
    fixed = [(1, 1), (5, 1), (5, 8), (7, 14), (8, 15), (11, 1), (11, 11), (12, 25)]
    moving = [sunday + timedelta(days=n) for n in (1, 39, 50)]  # Easter Monday, Ascension, Whit Monday
    return sorted([date(year, m, d) for m, d in fixed] + moving)


def _matcher(name: str, value: str, regex: bool = False) -> str:
    return f'{name}{"=~" if regex else "="}"{value}"'


def _regex(values: list[str]) -> str:
    # Ids are [a-z0-9_.-]: only the dot means something to RE2.
    return "|".join(v.replace(".", "\\.") for v in values)


def inhibit_rules(settings: Settings, catalog: Catalog | None) -> list[dict[str, Any]]:
    """A component down inhibits its probes' alerts, and the alerts of the components whose
    application directly depends on its application in the map."""
    rules: list[dict[str, Any]] = [
        {
            "source_matchers": [_matcher("alertname", DOWN)],
            "target_matchers": [_matcher("probe", ".+", regex=True)],
            "equal": ["component"],
        }
    ]
    if catalog is None:
        return rules
    graph = build_graph(catalog)
    mapped = [(c.id, c.application) for c in settings.probes.components if c.application in graph]
    by_application: dict[str, list[str]] = {}
    for component, application in mapped:
        by_application.setdefault(str(application), []).append(component)
    for component, application in mapped:
        dependants = sorted(
            {
                other
                for reach in impact(graph, str(application), ImpactDirection.DOWN, depth=1)
                for other in by_application.get(reach.app, [])
                if other != component
            }
        )
        if dependants:
            rules.append(
                {
                    "source_matchers": [_matcher("alertname", DOWN), _matcher("component", component)],
                    "target_matchers": [_matcher("component", _regex(dependants), regex=True)],
                }
            )
    return rules


def _holiday_intervals(first_year: int) -> Iterator[dict[str, Any]]:
    for year in (first_year, first_year + 1):
        for day in public_holidays(year):
            yield {"years": [str(year)], "months": [str(day.month)], "days_of_month": [str(day.day)]}


def config(settings: Settings, catalog: Catalog | None, year: int) -> dict[str, Any]:
    """The configuration as data (holidays of ``year`` and the next)."""
    zone = settings.timezone.key
    holidays = [{**interval, "location": zone} for interval in _holiday_intervals(year)]
    return {
        "route": {
            "receiver": TICKETS,
            "group_by": ["alertname", "component"],
            "group_wait": "30s",
            "group_interval": "5m",
            "repeat_interval": "4h",
            "routes": [
                {"receiver": PAGER, "matchers": [_matcher("severity", "page")], "continue": True},
                {
                    "receiver": TICKETS,
                    "active_time_intervals": [BUSINESS_HOURS],
                    "mute_time_intervals": [HOLIDAYS],
                },
            ],
        },
        "receivers": [{"name": PAGER}, {"name": TICKETS}],
        "inhibit_rules": inhibit_rules(settings, catalog),
        "time_intervals": [
            {
                "name": BUSINESS_HOURS,
                "time_intervals": [
                    {
                        "weekdays": ["monday:friday"],
                        "times": [{"start_time": OPENING[0], "end_time": OPENING[1]}],
                        "location": zone,
                    }
                ],
            },
            {"name": HOLIDAYS, "time_intervals": holidays},
        ],
    }


def artefacts(settings: Settings, catalog: Catalog | None) -> dict[str, str]:
    """``alertmanager/alertmanager.yml``."""
    year = datetime.now(settings.timezone).year
    text = yaml.safe_dump(config(settings, catalog, year), sort_keys=False, allow_unicode=True, width=100)
    return {PATH: HEADER + text}
