"""`vigie incidents`: down intervals per component over a period, with MTTR and MTBF."""

from __future__ import annotations

import argparse
from datetime import datetime
from typing import Any

from vigie.accounting.incidents import incident_stats
from vigie.console.errors import UserError
from vigie.console.measurements import add_source_argument, open_source, open_store
from vigie.console.output import print_json, print_table
from vigie.console.period_args import add_period_arguments, period_from_args
from vigie.console.settings import config_path, load_settings
from vigie.kernel.text.language import Language
from vigie.probes.tickets.incidents import PENDING, IncidentTicketStore, link_for
from vigie.reports.sla import component_site_failures, sla_report


def register(sub: Any) -> None:
    """Add `vigie incidents` to the CLI."""
    parser = sub.add_parser(
        "incidents",
        help="incidents (down intervals) over a period",
        description="Maximal down intervals of each component that touch its service schedule, with "
        "start, end, duration, downtime counted against the SLA and cause; MTTR = mean duration, "
        "MTBF = available scheduled time / number of incidents.",
    )
    parser.add_argument("--config", metavar="FILE", default=argparse.SUPPRESS, help="configuration file")
    add_period_arguments(parser)
    parser.add_argument("--component", action="append", metavar="ID", help="only this component (repeatable)")
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.add_argument("--lang", choices=("fr", "en"), help="language of the table (default: config)")
    add_source_argument(parser)
    parser.set_defaults(handler=run_incidents)


def run_incidents(args: argparse.Namespace) -> int:
    """List the incidents and their statistics."""
    settings = load_settings(config_path(getattr(args, "config", None)))
    tz = settings.timezone
    try:
        # One instant for the period and the figures: a period "from X" runs to now.
        today = datetime.now(tz)
        period = period_from_args(args, today)
    except ValueError as exc:
        raise UserError(str(exc)) from None
    now = today.timestamp()
    with open_store(settings) as store, open_source(settings, store, args.source) as source:
        try:
            reports = sla_report(store, settings.probes, period, args.component, now=now, source=source)
        except KeyError as exc:
            raise UserError(f"--component: no component with id {exc}") from None
        # Failures seen from some sites only (several agents): not incidents, shown apart.
        until = max(period.start_ts, min(period.end_ts, now))
        sites = {
            r.figures.component: component_site_failures(
                source,
                settings.probes,
                settings.probes.component(r.figures.component),
                period.start_ts,
                until,
            )
            for r in reports
        }
    # The GLPI tickets the daemon opened for incidents ([tickets.open]).
    with IncidentTicketStore(settings.store_path(), settings.probes.store.busy_timeout) as tickets:
        links = tickets.links(period.start_ts, period.end.timestamp())

    def ticket(component: str, start: float) -> tuple[str | None, bool]:
        link = link_for(links, component, start)
        return (None, False) if link is None else (link.ticket, link.state == PENDING)

    def local(ts: float) -> str:
        return datetime.fromtimestamp(ts, tz).isoformat(timespec="seconds")

    if args.json:
        out = []
        for r in reports:
            stats = incident_stats(r.incidents, r.figures.up_s + r.figures.degraded_s)
            out.append(
                {
                    "component": r.figures.component,
                    "period": period.label,
                    "count": stats.count,
                    "longest_s": stats.longest_s,
                    "mttr_s": stats.mttr_s,
                    "mtbf_s": stats.mtbf_s,
                    "incidents": [
                        {
                            **i.as_dict(),
                            "start": local(i.start),
                            "end": None if i.ongoing else local(i.end),
                            "ticket": ticket(i.component, i.start)[0],
                            "ticket_pending": ticket(i.component, i.start)[1],
                        }
                        for i in r.incidents
                    ],
                    "site_failures": [
                        {
                            "start": local(f.start),
                            "end": local(f.end),
                            "duration_s": f.duration,
                            "agents": list(f.agents),
                        }
                        for f in sites[r.figures.component]
                    ],
                }
            )
        print_json(out)
        return 0
    lang = Language(args.lang or settings.language)
    t = lang.t
    names = {c.id: c.name for c in settings.probes.components}

    def when(ts: float) -> str:
        return lang.date_time(datetime.fromtimestamp(ts, tz))

    def ticket_cell(component: str, start: float) -> str:
        number, pending = ticket(component, start)
        return f"#{number}" if number else t("cli.alerts.ticket_pending") if pending else ""

    # An incident still going on has no end yet: its duration is the time so far.
    rows = [
        [names.get(i.component, i.component), when(i.start), t("common.ongoing") if i.ongoing else when(i.end),
         lang.duration(i.duration_s), lang.duration(i.downtime_s), i.cause, ticket_cell(i.component, i.start)]
        for r in reports
        for i in r.incidents
    ]  # fmt: skip
    headers = [
        t(f"cli.incidents.col.{c}")
        for c in ("component", "start", "end", "duration", "counted", "cause", "ticket")
    ]
    title = t("cli.incidents.title", period=period.label, tz=tz.key)
    print_table(headers, rows, title=title, right=(3, 4))
    summary = []
    for r in reports:
        stats = incident_stats(r.incidents, r.figures.up_s + r.figures.degraded_s)
        summary.append(
            [
                names.get(r.figures.component, r.figures.component),
                lang.number(stats.count),
                lang.duration(stats.longest_s),
                lang.duration(stats.mttr_s),
                lang.duration(stats.mtbf_s),
            ]
        )
    print_table(
        [t(f"cli.incidents.col.{c}") for c in ("component", "count", "longest", "mttr", "mtbf")],
        summary,
        right=(1, 2, 3, 4),
    )
    site_rows = [
        [names.get(cid, cid), when(f.start), when(f.end), lang.duration(f.duration), ", ".join(f.agents)]
        for cid, failures in sites.items()
        for f in failures
    ]
    if site_rows:
        print_table(
            [t(f"cli.incidents.col.{c}") for c in ("component", "start", "end", "duration", "agents")],
            site_rows,
            title=t("cli.incidents.sites_title"),
            right=(3,),
        )
    return 0
