"""`vigie flows ingest|trace|search|stuck|report|attach|get-report`: following invoices and
EDI flows end to end (the support's "hypervision")."""

from __future__ import annotations

import argparse
import sys
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from vigie.catalog.loader import load_catalog
from vigie.catalog.model import Catalog
from vigie.console.errors import EXIT_FINDING, EXIT_OK, UserError
from vigie.console.flow_views import FLOW_COLUMNS, STUCK_COLUMNS, TRACE_COLUMNS, FlowWords
from vigie.console.output import print_json, print_table
from vigie.console.period_args import add_period_arguments, period_from_args
from vigie.console.settings import Settings, config_path, load_settings
from vigie.kernel.text.language import MISSING, Language
from vigie.probes.flows.ingest import EventReader, ingest_file
from vigie.probes.flows.lifecycle import STAGES, Route, Stage, flag_names
from vigie.probes.flows.sink import WriterLost
from vigie.probes.flows.store import Flow, FlowStore, SearchFilter
from vigie.probes.flows.stuck import StuckFlow, stuck_flows
from vigie.reports.flows import (
    SHOWN,
    Found,
    IntegrationReport,
    Trace,
    find,
    integration_report,
    routes_on_map,
)
from vigie.reports.periods import month, parse_moment, parse_month

MAX_REPORT_BYTES = 50 * 1024 * 1024
"""The largest integration report `vigie flows attach` stores."""


def register(sub: Any) -> None:
    """Add `vigie flows ...` to the CLI."""
    flows = sub.add_parser(
        "flows", help="follow invoices and EDI flows end to end: events, traces, stuck flows"
    )
    flows_sub = flows.add_subparsers(dest="flows_command", metavar="COMMAND", parser_class=type(flows))

    ing = flows_sub.add_parser(
        "ingest",
        help="store business events from JSON Lines or CSV files",
        description="Store the events of each file (JSON Lines, or CSV with the same column names), "
        "whole or not at all: a bad event is reported as file:line: field: message (exit 2). "
        "Ingesting a file again changes nothing.",
    )
    ing.add_argument("files", nargs="+", metavar="FILE")
    ing.add_argument("--no-progress", action="store_true", help="no progress bar, even on a terminal")
    ing.set_defaults(handler=run_ingest)

    trace = flows_sub.add_parser(
        "trace",
        help="one flow's hop timeline: where it is now, what is next and by when",
        description="Trace a flow by its key, another key it is known by, or a shared id (a file "
        "name, an EDI control number, an AS2 Message-ID, a traceparent): several flows are listed.",
    )
    trace.add_argument("key", metavar="KEY")
    trace.add_argument("--as-of", metavar="TIME", help="judge deadlines at this time (default: now)")
    trace.set_defaults(handler=run_trace)

    search = flows_sub.add_parser(
        "search", help="find flows by key prefix, type, partner, hop, status and period"
    )
    search.add_argument(
        "--key", metavar="PREFIX", help="keys starting with PREFIX (any key a flow is known by)"
    )
    search.add_argument("--type", metavar="TYPE", help="a [[flows]] type")
    search.add_argument("--partner", metavar="PARTNER")
    search.add_argument("--hop", metavar="APP", help="flows whose last event was at this application")
    search.add_argument(
        "--status", metavar="STATUS", help="a stage (e.g. rejected) or the source's last status code"
    )
    search.add_argument("--limit", type=int, default=50, metavar="N", help="at most N flows (default 50)")
    add_period_arguments(search)
    search.set_defaults(handler=run_search)

    stuck = flows_sub.add_parser(
        "stuck",
        help="flows past their hop's deadline, by hop, oldest first (exit 1 when any)",
        description="Flows on a [[flows]] path whose last event is older than the deadline of the hop "
        "they are at. Exit 1 when any is stuck.",
    )
    stuck.add_argument("--as-of", metavar="TIME", help="as things stood at this time (default: now)")
    stuck.add_argument("--type", metavar="TYPE", help="one flow type only")
    stuck.set_defaults(handler=run_stuck)

    report = flows_sub.add_parser(
        "report",
        help="the monthly integration report: counts per type and partner, rejects, time per hop",
    )
    report.add_argument("--month", metavar="YYYY-MM", help="the month (default: the current one)")
    report.set_defaults(handler=run_report)

    attach = flows_sub.add_parser(
        "attach", help="store an integration report (compte rendu d'intégration) for download"
    )
    attach.add_argument("file", metavar="FILE")
    attach.add_argument("--key", metavar="KEY", help="the flow it reports on")
    attach.add_argument(
        "--name", metavar="NAME", help="the name events refer to it by (default: the file's name)"
    )
    attach.set_defaults(handler=run_attach)

    get = flows_sub.add_parser("get-report", help="download an attached integration report")
    get.add_argument("key", metavar="KEY|NAME", help="a flow's key, or the report's name")
    get.add_argument("--name", metavar="NAME", help="which of the flow's reports")
    get.add_argument("--out", metavar="FILE", help="where to write it (default: standard output)")
    get.set_defaults(handler=run_get_report)

    for parser in (ing, trace, search, stuck, report, attach, get):
        parser.add_argument("--config", metavar="FILE", default=argparse.SUPPRESS, help="configuration file")
        if parser is not get:
            parser.add_argument("--json", action="store_true", help="print JSON")
    flows.set_defaults(handler=lambda args: flows.print_help() or 2)


# --- what every command needs ----------------------------------------------------------------


class Context:
    """The settings, the catalog when there is one, and the routes on the map."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.settings: Settings = load_settings(config_path(getattr(args, "config", None)))
        self.lang = Language(self.settings.language)
        self.zone: ZoneInfo = self.settings.timezone
        self.catalog: Catalog | None = None
        path = self.settings.catalog.path
        if path is not None and path.exists():
            self.catalog = load_catalog(path)
        self.routes: dict[str, Route] = routes_on_map(self.settings.flows, self.catalog)
        self.words = FlowWords(self.lang, self.zone)

    def store(self) -> FlowStore:
        """The flow store (created empty on first use)."""
        return FlowStore(self.settings.flow_store_path(), self.settings.probes.store.busy_timeout)

    def reader(self) -> EventReader:
        """Events checked against the configured types and the catalog's applications."""
        hops = None if self.catalog is None else self.catalog.applications
        return EventReader(self.routes, hops)

    def instant(self, text: str | None, option: str) -> float:
        """``--as-of``: an ISO date-time (local when no offset) or a date (its midnight); now if absent."""
        if text is None:
            return datetime.now(self.zone).timestamp()
        try:
            moment = parse_moment(text)
        except ValueError as exc:
            raise UserError(f"{option}: {exc}") from None
        if not isinstance(moment, datetime):
            moment = datetime(moment.year, moment.month, moment.day)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=self.zone)
        return moment.timestamp()


def _iso(at: float | None, zone: ZoneInfo) -> str | None:
    return None if at is None else datetime.fromtimestamp(at, zone).isoformat()


# --- ingest, attach, get-report -------------------------------------------------------------


def run_ingest(args: argparse.Namespace) -> int:
    """Ingest each file in turn; stop at the first bad one (the earlier ones stay)."""
    ctx = Context(args)
    lang = ctx.lang
    reader = ctx.reader()
    results = []
    with ctx.store() as store:
        for name in args.files:
            try:
                done = ingest_file(
                    name, store, ctx.routes, reader, progress=not args.no_progress and sys.stderr.isatty()
                )
            except WriterLost as exc:
                raise UserError(f"{name}: {exc}") from None
            results.append(done)
            if not args.json:
                print(
                    lang.t(
                        "cli.flows.ingested",
                        file=done.file,
                        events=lang.number(done.result.events),
                        format=done.format,
                        new=lang.number(done.result.new_flows),
                        flows=lang.number(done.result.flows),
                    )
                )
    if args.json:
        print_json([{"file": r.file, "format": r.format, **asdict(r.result)} for r in results])
    return EXIT_OK


def run_attach(args: argparse.Namespace) -> int:
    """Store a report file, linked to a flow when ``--key`` names one."""
    ctx = Context(args)
    path = Path(args.file)
    try:
        size = path.stat().st_size
        if size > MAX_REPORT_BYTES:
            raise UserError(
                f"{path}: {size} bytes, more than the {MAX_REPORT_BYTES} an integration report may have"
            )
        content = path.read_bytes()
    except OSError as exc:
        raise UserError(f"{path}: cannot read: {exc.strerror or exc}") from None
    name = args.name or path.name
    with ctx.store() as store:
        try:
            stored = store.attach(name, content, args.key)
        except KeyError:
            raise UserError(f"flows attach: --key: no flow is known by '{args.key}'") from None
    if args.json:
        print_json({"name": stored.name, "key": args.key, "size": stored.size, "sha256": stored.sha256})
    else:
        lang = ctx.lang
        print(
            lang.t(
                "cli.flows.attached",
                name=stored.name,
                size=lang.number(stored.size),
                flow=args.key or MISSING,
                sha256=stored.sha256[:16],
            )
        )
    return EXIT_OK


def run_get_report(args: argparse.Namespace) -> int:
    """Write an attached report to ``--out`` or standard output."""
    ctx = Context(args)
    with ctx.store() as store:
        name = args.name
        if name is None:
            found = store.report(args.key)
            if found is None:
                flow_id = store.resolve_key(args.key)
                if flow_id is None:
                    raise UserError(f"flows get-report: no report and no flow named '{args.key}'")
                reports = store.reports_of(flow_id)
                if not reports:
                    raise UserError(f"flows get-report: flow '{args.key}' has no integration report")
                if len(reports) > 1:
                    names = ", ".join(r.name for r in reports)
                    raise UserError(
                        f"flows get-report: flow '{args.key}' has {len(reports)} reports ({names}): choose one with --name"
                    )
                name = reports[0].name
            else:
                name = found.name
        report = store.report(name)
    if report is None or report.content is None:
        raise UserError(f"flows get-report: no report named '{name}'")
    if args.out is None:
        sys.stdout.buffer.write(report.content)
        sys.stdout.flush()
        return EXIT_OK
    out = Path(args.out)
    if not out.parent.is_dir():
        raise UserError(f"flows get-report: --out {out}: folder {out.parent} does not exist")
    out.write_bytes(report.content)
    return EXIT_OK


# --- trace ------------------------------------------------------------------------------------


def run_trace(args: argparse.Namespace) -> int:
    """Show one flow's timeline (or the flows a shared id names)."""
    ctx = Context(args)
    now = ctx.instant(args.as_of, "--as-of")
    with ctx.store() as store, store.snapshot():
        found = find(store, ctx.routes, args.key, now)
    if found.trace is None and not found.flows:
        raise UserError(f"flows trace: no flow is known by '{args.key}'")
    if args.json:
        print_json(found_json(found, ctx.zone))
        return EXIT_OK
    if found.trace is None:
        print(ctx.lang.t("cli.flows.several", flow=args.key, count=ctx.lang.number(found.total)))
        _print_flows(ctx, found.flows)
        return EXIT_OK
    print_trace(ctx, found.trace, now)
    return EXIT_OK


def found_json(found: Found, zone: ZoneInfo) -> dict[str, Any]:
    """The JSON of `vigie flows trace`: ``trace`` (one flow) or ``flows`` (several)."""
    if found.trace is None:
        return {"trace": None, "total": found.total, "flows": [flow_json(f, zone) for f in found.flows]}
    t = found.trace
    return {
        "trace": {
            **flow_json(t.flow, zone),
            "path": list(t.route.path) if t.route else None,
            "hop": t.hop,
            "next_hop": t.next_hop,
            "due_at": _iso(t.due_at, zone),
            "stuck": t.stuck,
            "total_s": t.total_s,
            "keys": [{"name": n, "value": v} for n, v in t.keys],
            "references": [{"name": n, "value": v} for n, v in t.references],
            "carried_by": list(t.carried_by),
            "carries": t.carries,
            "carried": list(t.carried),
            "reports": [{"name": r.name, "size": r.size, "sha256": r.sha256} for r in t.reports],
            "events": [
                {
                    "at": _iso(s.event.at, zone),
                    "since_previous_s": s.since_previous_s,
                    "hop": s.event.hop,
                    "event": s.event.kind.value,
                    "status": s.event.status or None,
                    "reason": s.event.reason,
                    "report": s.event.report,
                    "key": s.event.alias,
                    "stage": s.stage.value,
                    "flags": list(s.new_flags),
                }
                for s in t.steps
            ],
        },
        "total": 1,
        "flows": [],
    }


def flow_json(flow: Flow, zone: ZoneInfo) -> dict[str, Any]:
    """One flow's state as JSON."""
    p = flow.progress
    return {
        "key": flow.key,
        "type": flow.type,
        "partner": flow.partner,
        "stage": p.stage.value,
        "first_at": _iso(p.first_at, zone),
        "last_at": _iso(p.last_at, zone),
        "last_hop": p.last_hop,
        "last_event": p.last_kind.value,
        "last_status": p.last_status or None,
        "sent": p.sent,
        "acknowledged": p.acknowledged,
        "reason": p.reason or None,
        "flags": list(flag_names(p.flags)),
        "events": p.events,
    }


def print_trace(ctx: Context, t: Trace, now: float) -> None:
    """The human trace: a header of where the flow is, then its events."""
    for line in ctx.words.trace_header(t, now):
        print(line)
    print_table(ctx.words.columns(TRACE_COLUMNS), ctx.words.trace_rows(t), right=(1,), no_wrap=(0, 1))


# --- search -----------------------------------------------------------------------------------


def run_search(args: argparse.Namespace) -> int:
    """List the flows matching the filters, newest first."""
    ctx = Context(args)
    since = until = None
    if any(v is not None for v in (args.month, args.year, args.from_, args.to)):
        try:
            period = period_from_args(args, datetime.now(ctx.zone))
        except ValueError as exc:
            raise UserError(str(exc)) from None
        since, until = period.start_ts, period.end_ts
    if args.limit < 1:
        raise UserError("flows search: --limit must be at least 1")
    stages = {s.value: s for s in STAGES}
    status = args.status
    where = SearchFilter(
        key_prefix=args.key,
        type=args.type,
        partner=args.partner,
        hop=args.hop,
        status=None if status is None or status in stages else status,
        stage=stages.get(status) if status is not None else None,
        since=since,
        until=until,
    )
    with ctx.store() as store:
        found = store.search(where, args.limit)
    if args.json:
        print_json([flow_json(f, ctx.zone) for f in found])
        return EXIT_OK
    if not found:
        print(ctx.lang.t("cli.flows.none_found"))
        return EXIT_OK
    _print_flows(ctx, found)
    return EXIT_OK


def _print_flows(ctx: Context, flows: tuple[Flow, ...] | list[Flow]) -> None:
    words = ctx.words
    print_table(words.columns(FLOW_COLUMNS), [words.flow_row(f) for f in flows], no_wrap=(0, 3))


# --- stuck ------------------------------------------------------------------------------------


def run_stuck(args: argparse.Namespace) -> int:
    """List the stuck flows; exit 1 when there is any."""
    ctx = Context(args)
    as_of = ctx.instant(args.as_of, "--as-of")
    if args.type is not None and args.type not in ctx.routes:
        raise UserError(
            f"flows stuck: --type: unknown flow type '{args.type}' (configured: {', '.join(ctx.routes) or 'none'})"
        )
    routes = ctx.routes if args.type is None else {args.type: ctx.routes[args.type]}
    with ctx.store() as store, store.snapshot():
        stuck = stuck_flows(store, routes, as_of)
    if args.json:
        print_json([stuck_json(s, ctx.zone) for s in stuck])
    elif not stuck:
        print(ctx.lang.t("cli.flows.none_stuck", when=ctx.words.when(as_of)))
    else:
        _print_stuck(ctx, stuck, as_of)
    return EXIT_FINDING if stuck else EXIT_OK


def stuck_json(s: StuckFlow, zone: ZoneInfo) -> dict[str, Any]:
    """One stuck flow as JSON."""
    return {
        "key": s.key,
        "type": s.type,
        "partner": s.partner,
        "hop": s.hop,
        "next_hop": s.next_hop,
        "last_at": _iso(s.last_at, zone),
        "due_at": _iso(s.due_at, zone),
        "overdue_s": s.overdue_s,
        "stage": s.stage.value,
        "last_event": s.last_kind.value,
        "last_status": s.last_status or None,
    }


def _print_stuck(ctx: Context, stuck: list[StuckFlow], as_of: float) -> None:
    lang, words = ctx.lang, ctx.words
    print(lang.t("cli.flows.stuck_title", count=lang.number(len(stuck)), when=words.when(as_of)))
    print_table(
        words.columns(STUCK_COLUMNS), [words.stuck_row(s) for s in stuck], right=(7,), no_wrap=(3, 5, 6)
    )


# --- report -----------------------------------------------------------------------------------


def run_report(args: argparse.Namespace) -> int:
    """The integration report of a month."""
    ctx = Context(args)
    now = datetime.now(ctx.zone)
    if args.month is None:
        year, number = now.year, now.month
    else:
        try:
            year, number = parse_month(args.month)
        except ValueError as exc:
            raise UserError(f"--month: {exc}") from None
    period = month(year, number, ctx.zone)
    with ctx.store() as store, store.snapshot():
        report = integration_report(
            store, ctx.routes, period.start_ts, period.end_ts, now.timestamp(), period.label
        )
    if args.json:
        print_json(report_json(report, ctx.zone))
    else:
        print_report(ctx, report)
    return EXIT_OK


def report_json(report: IntegrationReport, zone: ZoneInfo) -> dict[str, Any]:
    """The integration report as JSON: counts are counts, durations seconds."""
    return {
        "period": report.label,
        "start": _iso(report.since, zone),
        "end": _iso(report.until, zone),
        "as_of": _iso(report.as_of, zone),
        "total": asdict(report.total),
        "by_type": [asdict(r) for r in report.by_type],
        "rows": [asdict(r) for r in report.rows],
        "reasons": [asdict(r) for r in report.reasons],
        "hop_times": [asdict(h) for h in report.hop_times],
        "flags": dict(report.flags),
    }


def print_report(ctx: Context, report: IntegrationReport) -> None:
    """The integration report as tables."""
    lang = ctx.lang
    year, number = (int(x) for x in report.label.split("-"))
    print(lang.t("cli.flows.report.title", month=lang.month(year, number), when=ctx.words.when(report.as_of)))
    if not report.rows:
        print(lang.t("cli.flows.report.empty"))
        return
    columns = ("type", "partner", *SHOWN)
    rows = [
        [
            r.type or lang.t("cli.flows.untyped"),
            r.partner or MISSING,
            *(lang.number(getattr(r, c)) for c in columns[2:]),
        ]
        for r in (*report.rows, report.total)
    ]
    rows[-1][0] = lang.t("common.total")
    print_table(ctx.words.columns(columns), rows, right=range(2, len(columns)))
    if report.reasons:
        print_table(
            ctx.words.columns(("type", "stage", "reason", "flows")),
            [
                [
                    r.type or MISSING,
                    ctx.words.stage(Stage(r.stage)),
                    r.reason or MISSING,
                    lang.number(r.count),
                ]
                for r in report.reasons
            ],
            title=lang.t("cli.flows.report.reasons"),
            right=(3,),
        )
    print_table(
        ctx.words.columns(("type", "hop", "next", "flows", "p50", "p95")),
        [
            [h.type, h.source, h.target, lang.number(h.flows), lang.duration(h.p50_s), lang.duration(h.p95_s)]
            for h in report.hop_times
        ],
        title=lang.t("cli.flows.report.hop_times"),
        right=(3, 4, 5),
    )
    if report.flags:
        print(
            lang.t(
                "cli.flows.report.flags",
                flags=", ".join(
                    f"{lang.t(f'probes.flow.flag.{k}')}{lang.colon}{lang.number(v)}"
                    for k, v in report.flags.items()
                ),
            )
        )
