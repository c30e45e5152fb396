"""`vigie homologations`: the homologation register, most urgent first."""

from __future__ import annotations

import argparse
from typing import Any

from vigie.catalog.homologation import (
    RegisterEntry,
    Status,
    needs_attention,
    parse_status,
    status_counts,
)
from vigie.catalog.homologation import register as compute_register
from vigie.console.catalog_input import as_of_date, load_configured_catalog, today
from vigie.console.output import print_json, print_table
from vigie.console.settings import config_path, load_settings
from vigie.kernel.text.language import Language

COLUMNS = (
    "application",
    "ministry",
    "status",
    "decision",
    "expires",
    "days",
    "reserves",
    "personal_data",
    "dossier",
)
RESERVE_COLUMNS = ("application", "homologation", "reserve", "owner", "due")
FLOW_COLUMNS = ("interface", "source", "target", "protocol")


def status_list(text: str) -> list[Status]:
    """argparse type for ``--status``: one status or several separated by commas."""
    try:
        return [parse_status(part) for part in text.split(",") if part.strip()]
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def register(sub: Any) -> None:
    """Add `vigie homologations` to the CLI."""
    parser = sub.add_parser(
        "homologations",
        help="the homologation register: valid, expiring, expired, refused, in progress, not done",
        description="List every application in service with its homologation status as of a day, "
        "most urgent first, its open and overdue reserves and the personal-data (RGPD) flows it "
        "carries. Statuses: " + ", ".join(s.value for s in Status) + ".",
    )
    parser.add_argument("--config", metavar="FILE", default=argparse.SUPPRESS, help="configuration file")
    parser.add_argument(
        "--status",
        type=status_list,
        metavar="S[,S...]",
        help="only these statuses (codes or labels, e.g. expired,expiring)",
    )
    parser.add_argument(
        "--as-of", type=as_of_date, metavar="YYYY-MM-DD", help="day of the statuses (default: today)"
    )
    parser.add_argument(
        "--personal-data",
        action="store_true",
        help="only applications with personal data or personal-data flows, and list those flows",
    )
    parser.add_argument(
        "--all",
        action="store_true",
        help="every application of the catalog (default: the central system's and those with a record)",
    )
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.add_argument(
        "--check", action="store_true", help="exit 1 when a listed homologation is expired or expiring soon"
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Print the register; with ``--check``, 1 when anything is expired or expiring."""
    settings = load_settings(config_path(getattr(args, "config", None)))
    catalog = load_configured_catalog(settings)
    as_of = args.as_of or today(settings)
    entries = compute_register(catalog, as_of, everything=args.all)
    if args.status:
        entries = [e for e in entries if e.status in args.status]
    if args.personal_data:
        entries = [e for e in entries if e.personal_data or e.personal_data_flows]
    language = settings.language
    if args.json:
        print_json(
            {
                "as_of": as_of.isoformat(),
                "counts": {s.value: n for s, n in status_counts(entries).items()},
                "applications": [e.to_json(language) for e in entries],
            }
        )
    else:
        names = {app.id: app.name for app in catalog.applications.values()}
        print_register(entries, as_of.isoformat(), language, names, flows_table=args.personal_data)
    return 1 if args.check and any(needs_attention(e) for e in entries) else 0


def print_register(
    entries: list[RegisterEntry], day: str, language: str, names: dict[str, str], flows_table: bool = False
) -> None:
    """The register table, the overdue reserves, and (on request) the personal-data flows listed.

    An application shows as its name with its id under it, the decision with its commission's
    day under it: ten columns would not fit a 120-column terminal (``names``: id -> name, for
    the ends of the personal-data flows)."""
    lang = Language(language)
    t = lang.t
    rows = []
    for e in entries:
        record = e.record
        decision = None
        if record is not None:
            decision = (
                lang.label("catalog.progress", record.progress)
                if record.decision is None
                else lang.label("catalog.decision", record.decision)
            )
        reserves = (
            f"{lang.number(len(e.open_reserves))} ({lang.number(len(e.overdue_reserves))})"
            if e.open_reserves
            else ""
        )
        flows = len(e.personal_data_flows)
        rgpd = " + ".join(
            part
            for part in (
                t("common.yes") if e.personal_data else "",
                t("cli.homologations.flows_count", n=lang.number(flows)) if flows else "",
            )
            if part
        )
        rows.append(
            [
                _named(e),
                e.application.ministry,
                lang.label("catalog.status", e.status),
                "\n".join(
                    part
                    for part in (
                        decision,
                        None
                        if record is None or record.commission_on is None
                        else record.commission_on.isoformat(),
                    )
                    if part
                ),
                None if e.expires_on is None else e.expires_on.isoformat(),
                None if e.days_left is None else lang.number(e.days_left),
                reserves,
                rgpd,
                None if e.pending is None else t("cli.homologations.renewal", id=e.pending.id),
            ]
        )
    counts = status_counts(entries)
    summary = ", ".join(f"{lang.label('catalog.status', s)} {lang.number(n)}" for s, n in counts.items() if n)
    title = t(
        "cli.homologations.title", day=day, total=lang.number(len(entries)), colon=lang.colon, summary=summary
    )
    print_table(
        [t(f"cli.homologations.col.{c}") for c in COLUMNS],
        rows,
        title=title,
        right=(5,),
        no_wrap=(0, 1, 4, 5),
    )
    overdue = [
        [
            _named(e),
            e.record.id,
            r.text,
            r.owner,
            None if r.due_on is None else r.due_on.isoformat(),
        ]
        for e in entries
        if e.record is not None
        for r in e.overdue_reserves
    ]
    if overdue:
        print_table(
            [t(f"cli.homologations.col.{c}") for c in RESERVE_COLUMNS],
            overdue,
            title=t("cli.homologations.reserves"),
            no_wrap=(0, 1, 4),
        )
    carried = {i.id: i for e in entries for i in e.personal_data_flows}
    if carried and flows_table:
        print_table(
            [t(f"cli.homologations.col.{c}") for c in FLOW_COLUMNS],
            [
                [
                    i.id,
                    names.get(i.source, i.source),
                    names.get(i.target, i.target),
                    lang.label("catalog.protocol", i.protocol),
                ]
                for i in sorted(carried.values(), key=lambda i: i.id)
            ],
            title=t("cli.homologations.flows"),
        )


def _named(entry: RegisterEntry) -> str:
    """An application as people know it, its id under it for the other commands."""
    return f"{entry.application.name}\n{entry.application.id}"
