"""`vigie report monthly YYYY-MM | yearly YYYY`: the availability report for managers and
security officers, as HTML, Markdown, JSON, CSV or PDF, in French or English."""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from vigie.catalog.loader import load_catalog
from vigie.catalog.model import Catalog
from vigie.console.errors import UserError
from vigie.console.measurements import add_source_argument, open_source, open_store
from vigie.console.output import print_json
from vigie.console.settings import Settings, config_path, load_settings
from vigie.kernel.text.language import Language
from vigie.reports import collect
from vigie.reports.config import LANGUAGES
from vigie.reports.content import Absent, Report
from vigie.reports.flows import routes_on_map
from vigie.reports.render_csv import render_csv
from vigie.reports.render_html import render_html
from vigie.reports.render_json import render_json
from vigie.reports.render_markdown import render_markdown
from vigie.reports.render_pdf import PdfUnavailable, render_pdf

FORMATS = ("html", "md", "json", "csv", "pdf")
TEXT_RENDERERS: dict[str, Callable[[Report, Language], str]] = {
    "html": render_html,
    "md": render_markdown,
    "json": render_json,
    "csv": render_csv,
}
FILE_STEM = {"fr": "vigie-rapport", "en": "vigie-report"}


def register(sub: Any) -> None:
    """Add `vigie report monthly|yearly` to the CLI."""
    report = sub.add_parser(
        "report", help="monthly and yearly availability reports (HTML, Markdown, JSON, CSV, PDF)"
    )
    report_sub = report.add_subparsers(dest="report_kind", metavar="KIND", parser_class=type(report))
    for kind, metavar, helptext in (
        ("monthly", "YYYY-MM", "the report of one calendar month"),
        ("yearly", "YYYY", "the report of one calendar year, month by month"),
    ):
        parser = report_sub.add_parser(
            kind,
            help=helptext,
            description=f"Write {helptext}: summary, availability against targets, twelve-month "
            "trend, incidents, throughput against capacity, tickets, homologations, "
            "decommissioning and (monthly) the flows' integration report. A section without data "
            "says so in one line.",
        )
        parser.add_argument(
            "period",
            metavar=metavar,
            help="the period, e.g. 2017-07" if kind == "monthly" else "the year, e.g. 2017",
        )
        parser.add_argument("--format", choices=FORMATS, default="html", help="output format (default: html)")
        parser.add_argument(
            "--lang", choices=LANGUAGES, help="language (default: [reports] language, else fr)"
        )
        parser.add_argument(
            "--out",
            metavar="FILE",
            help="output file, '-' for standard output (default: vigie-rapport-PERIOD.EXT in [reports] output_dir)",
        )
        parser.add_argument("--config", metavar="FILE", default=argparse.SUPPRESS, help="configuration file")
        parser.add_argument("--json", action="store_true", help="print what was written as JSON")
        add_source_argument(parser)
        parser.set_defaults(handler=run_report, kind=kind)
    report.set_defaults(handler=lambda args: report.print_help() or 2)


def parse_period(kind: str, text: str) -> tuple[int, int | None]:
    """``2017-07`` for a monthly report, ``2017`` for a yearly one; UserError otherwise."""
    if kind == "monthly":
        match = re.fullmatch(r"(\d{4})-(\d{2})", text)
        if not match or not 1 <= int(match.group(2)) <= 12:
            raise UserError(f"report monthly: '{text}' is not a month like 2017-07")
        return int(match.group(1)), int(match.group(2))
    if not re.fullmatch(r"\d{4}", text):
        raise UserError(f"report yearly: '{text}' is not a year like 2017")
    return int(text), None


def build(
    settings: Settings, period: collect.ReportPeriod, now: datetime, source: str | None = None
) -> Report:
    """Collect every section of the report from the stores and the catalog; availability is
    read from ``source`` (``--source``, default ``[measurements] source``)."""
    probes = settings.probes
    comps = collect.components(probes)
    with open_store(settings) as store, open_source(settings, store, source) as results:
        availability, trend, incidents = collect.availability_sections(probes, store, period, now, results)
        throughput = collect.throughput_section(probes, store, period)
    catalog = _catalog(settings)
    names = collect.application_names(probes, catalog)
    tickets = collect.tickets_section(settings.store_path(), probes.store.busy_timeout, period, names)
    homologations, decommissioning = collect.catalog_sections(catalog, period)
    routes = routes_on_map(settings.flows, None if isinstance(catalog, Absent) else catalog)
    flows = collect.flows_section(settings.flow_store_path(), probes.store.busy_timeout, routes, period, now)
    return collect.assemble(
        period,
        comps,
        availability=availability,
        trend=trend,
        incidents=incidents,
        throughput=throughput,
        tickets=tickets,
        homologations=homologations,
        decommissioning=decommissioning,
        generated_at=now,
        flows=flows,
    )


def _catalog(settings: Settings) -> Catalog | Absent:
    """The catalog the config names (a broken one is a ConfigError: exit 2 with its problems)."""
    path = settings.catalog.path
    if path is None:
        return Absent("report.absent.no_catalog")
    if not path.exists():
        return Absent("report.absent.catalog_missing")
    return load_catalog(path)


def default_path(settings: Settings, lang: Language, period: collect.ReportPeriod, fmt: str) -> Path:
    """Where a report goes when no ``--out`` is given: ``[reports] output_dir``."""
    return settings.reports.output_dir / f"{FILE_STEM[lang.code]}-{period.label}.{fmt}"


def render(report: Report, fmt: str, lang: Language) -> bytes:
    """The report's bytes in ``fmt`` (UserError when PDF cannot be rendered here)."""
    if fmt == "pdf":
        try:
            return render_pdf(report, lang)
        except PdfUnavailable as exc:
            raise UserError(str(exc)) from exc
    return TEXT_RENDERERS[fmt](report, lang).encode("utf-8")


def write_month_report(settings: Settings, now: datetime) -> Path:
    """Write the HTML report of ``now``'s month (in the configured zone) to ``[reports] output_dir``.

    The language is ``[reports] language``; returns the file written.
    """
    local = now.astimezone(settings.timezone)
    period = collect.ReportPeriod("monthly", local.year, local.month, settings.timezone)
    lang = Language(settings.reports.language)
    path = default_path(settings, lang, period, "html")
    if not path.parent.is_dir():
        raise UserError(f"report: [reports] output_dir {path.parent} does not exist")
    path.write_bytes(render(build(settings, period, now), "html", lang))
    return path


def run_report(args: argparse.Namespace) -> int:
    """Build the report of the period asked and write it in the format asked."""
    year, month = parse_period(args.kind, args.period)
    settings = load_settings(config_path(getattr(args, "config", None)))
    lang = Language(args.lang or settings.reports.language)
    period = collect.ReportPeriod(args.kind, year, month, settings.timezone)
    out = args.out or str(default_path(settings, lang, period, args.format))
    path = None if out == "-" else Path(out)
    # Checked before any work, so a typo costs nothing and leaves the store untouched.
    if path is not None and not path.parent.is_dir():
        raise UserError(f"report: --out {out}: folder {path.parent} does not exist")
    if path is None and args.format == "pdf" and sys.stdout.isatty():
        raise UserError("report: refusing to write PDF to a terminal (use --out FILE)")
    report = build(settings, period, datetime.now(UTC), args.source)
    data = render(report, args.format, lang)
    if path is None:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return 0
    path.write_bytes(data)
    absent = [name for name in SECTIONS if isinstance(getattr(report, name), Absent)]
    if args.json:
        print_json(
            {
                "file": str(path),
                "format": args.format,
                "language": lang.code,
                "period": period.label,
                "bytes": len(data),
                "absent_sections": absent,
            }
        )
    else:
        # What the user reads is in the configured language, the report's may be another.
        words = Language(settings.language)
        sections = ", ".join(words.t(f"report.{name}") for name in absent)
        note = words.t("cli.report.absent", sections=sections) if absent else ""
        print(
            words.t(
                f"cli.report.written.{args.kind}",
                path=path,
                period=period.label,
                format=args.format,
                language=lang.code,
                note=note,
            )
        )
    return 0


SECTIONS = (
    "availability",
    "trend",
    "incidents",
    "throughput",
    "tickets",
    "homologations",
    "decommissioning",
    "flows",
)
