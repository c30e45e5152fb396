"""`vigie incident`: the incidents and maintenance notices the public status page shows.

open, update, resolve, postmortem, publish (a draft), maintenance (announce one), list. What
is written here is what the public reads (`vigie status`); the measured incidents stay in
`vigie incidents`. Mistakes (unknown incident or component, a resolved incident updated, an
unknown status, an empty message) are one line and exit 2.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from vigie.console.errors import UserError
from vigie.console.output import print_json, print_table
from vigie.console.settings import Settings, config_path, load_settings
from vigie.console.status.drafts import open_communications
from vigie.kernel.text.language import Language
from vigie.reports.status.communication import (
    COMPONENT_STATUSES,
    IMPACTS,
    INCIDENT,
    INCIDENT_STATUSES,
    MAINTENANCE_STATUSES,
    CommunicationError,
    Notice,
)


def register(sub: Any) -> None:
    """Add `vigie incident` to the CLI."""
    parser = sub.add_parser(
        "incident",
        help="incidents and maintenance notices for the public status page",
        description="Write what the public status page shows: open an incident on public components, "
        "add updates (investigating, identified, monitoring), resolve it, add a post-mortem; announce "
        "a maintenance. Texts are plain text or a small Markdown subset (emphasis, lists, links).",
    )
    parser.add_argument("--config", metavar="FILE", default=argparse.SUPPRESS, help="configuration file")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)

    def action(name: str, help_text: str) -> argparse.ArgumentParser:
        p: argparse.ArgumentParser = actions.add_parser(name, help=help_text, description=help_text)
        p.add_argument("--config", metavar="FILE", default=argparse.SUPPRESS, help="configuration file")
        return p

    def texts(p: argparse.ArgumentParser, cause: bool = True) -> None:
        p.add_argument("-m", "--message", required=True, help="the update's text, in French")
        p.add_argument("--message-en", default="", metavar="TEXT", help="the same in English")
        if cause:
            p.add_argument("--cause", metavar="TEXT", help="root cause (the monthly report shows it)")

    def at(p: argparse.ArgumentParser) -> None:
        p.add_argument("--at", metavar="TIME", help="when (ISO 8601; local time if no offset; default now)")

    opened = action("open", "open an incident on public components")
    opened.add_argument(
        "--component",
        action="append",
        required=True,
        metavar="ID[=STATUS]",
        help="affected public component, with its status after '=' or the one of --status (repeatable)",
    )
    opened.add_argument("--status", choices=COMPONENT_STATUSES, help="the components' public status")
    opened.add_argument(
        "--incident-status",
        default="investigating",
        choices=INCIDENT_STATUSES[:-1],
        help="the incident's status (default investigating)",
    )
    opened.add_argument("--title", default="", help="title (default: the components and their status)")
    opened.add_argument("--title-en", default="", metavar="TITLE", help="title in English")
    opened.add_argument("--impact", choices=IMPACTS, help="impact (default: from the components' status)")
    opened.add_argument(
        "--draft", action="store_true", help="keep it as a draft (not public until published)"
    )
    texts(opened)
    at(opened)
    opened.set_defaults(handler=run_open)

    update = action("update", "add an update to an open incident (or a maintenance notice)")
    update.add_argument("id", type=int, help="the incident's id")
    update.add_argument(
        "--status",
        help=f"the new status: {', '.join(INCIDENT_STATUSES)} (a maintenance: {', '.join(MAINTENANCE_STATUSES)})",
    )
    update.add_argument(
        "--component",
        action="append",
        default=[],
        metavar="ID=STATUS",
        help="a component's new public status (repeatable)",
    )
    texts(update)
    at(update)
    update.set_defaults(handler=run_update)

    resolve = action("resolve", "resolve an incident (or end a maintenance early)")
    resolve.add_argument("id", type=int, help="the incident's id")
    texts(resolve)
    at(resolve)
    resolve.set_defaults(handler=run_resolve)

    postmortem = action("postmortem", "add the post-mortem of a resolved incident")
    postmortem.add_argument("id", type=int, help="the incident's id")
    texts(postmortem)
    postmortem.set_defaults(handler=run_postmortem)

    publish = action("publish", "make a draft public")
    publish.add_argument("id", type=int, help="the draft's id")
    publish.set_defaults(handler=run_publish)

    maintenance = action("maintenance", "announce a maintenance of public components")
    maintenance.add_argument("--component", action="append", required=True, metavar="ID", help="(repeatable)")
    maintenance.add_argument("--start", required=True, metavar="TIME", help="start (ISO 8601)")
    maintenance.add_argument("--end", required=True, metavar="TIME", help="end (ISO 8601)")
    maintenance.add_argument("--title", default="", help="title (default: scheduled maintenance)")
    maintenance.add_argument("--title-en", default="", metavar="TITLE", help="title in English")
    maintenance.add_argument("--draft", action="store_true", help="keep it as a draft")
    texts(maintenance, cause=False)
    maintenance.set_defaults(handler=run_maintenance)

    listing = action("list", "list the incidents and maintenance notices (open ones and drafts first)")
    listing.add_argument("--all", action="store_true", help="also those resolved or over")
    listing.add_argument("--json", action="store_true", help="print JSON")
    listing.add_argument("--lang", choices=("fr", "en"), help="language of the table (default: config)")
    listing.set_defaults(handler=run_list)


def _settings(args: argparse.Namespace) -> Settings:
    return load_settings(config_path(getattr(args, "config", None)))


def parse_time(text: str | None, tz: ZoneInfo, option: str = "--at") -> float | None:
    """An ISO 8601 time (local in ``tz`` without an offset) as epoch seconds."""
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise UserError(f"{option}: '{text}' is not an ISO 8601 time (e.g. 2017-07-14T22:00)") from None
    return (moment if moment.tzinfo else moment.replace(tzinfo=tz)).timestamp()


def component_statuses(values: Sequence[str], default: str | None) -> dict[str, str]:
    """``ID`` or ``ID=STATUS`` values, the bare ones taking ``default``."""
    out: dict[str, str] = {}
    for value in values:
        code, sep, status = value.partition("=")
        if not sep:
            if default is None:
                raise UserError(f"--component {value}: give its status (--status, or {value}=major_outage)")
            status = default
        out[code.strip()] = status.strip()
    return out


def default_titles(settings: Settings, components: dict[str, str]) -> tuple[str, str]:
    """The title in French and English when none is given: the components and the worst status."""
    names = {c.id: (c.name, c.name_en) for c in settings.status.components}
    worst = max(
        components.values(), key=lambda s: COMPONENT_STATUSES.index(s) if s in COMPONENT_STATUSES else -1
    )
    out = []
    for index, code in enumerate(("fr", "en")):
        lang = Language(code)
        listed = ", ".join(names.get(c, (c, c))[index] for c in components)
        out.append(f"{listed}{lang.colon}{lang.label('status.component', worst)}")
    return out[0], out[1]


def _done(settings: Settings, key: str, notice: Notice) -> int:
    lang = Language(settings.language)
    state = lang.t("cli.incident.published" if notice.published else "cli.incident.draft")
    url = f"{settings.status.url}/incidents/{notice.id}/"
    print(lang.t(key, id=notice.id, state=state, url=url))
    return 0


def _write(settings: Settings, key: str, write: Any) -> int:
    try:
        with open_communications(settings) as comms:
            notice = write(comms)
    except CommunicationError as exc:
        raise UserError(str(exc)) from None
    return _done(settings, key, notice)


def run_open(args: argparse.Namespace) -> int:
    """Open an incident."""
    settings = _settings(args)
    components = component_statuses(args.component, args.status)
    title, title_en = (
        (args.title, args.title_en) if args.title.strip() else default_titles(settings, components)
    )
    at = parse_time(args.at, settings.timezone)
    return _write(
        settings,
        "cli.incident.opened",
        lambda comms: comms.open_incident(
            components,
            args.message,
            title=title,
            title_en=title_en or args.title_en,
            now=time.time(),
            at=at,
            status=args.incident_status,
            impact=args.impact,
            message_en=args.message_en,
            cause=args.cause or "",
            published=not args.draft,
        ),
    )


def run_update(args: argparse.Namespace) -> int:
    """Add an update."""
    settings = _settings(args)
    components = component_statuses(args.component, None)
    at = parse_time(args.at, settings.timezone)
    return _write(
        settings,
        "cli.incident.updated",
        lambda comms: comms.update(
            args.id,
            args.message,
            now=time.time(),
            status=args.status,
            components=components,
            message_en=args.message_en,
            at=at,
            cause=args.cause,
        ),
    )


def run_resolve(args: argparse.Namespace) -> int:
    """Resolve an incident."""
    settings = _settings(args)
    at = parse_time(args.at, settings.timezone)
    return _write(
        settings,
        "cli.incident.resolved",
        lambda comms: comms.resolve(
            args.id, args.message, now=time.time(), message_en=args.message_en, at=at, cause=args.cause
        ),
    )


def run_postmortem(args: argparse.Namespace) -> int:
    """Add a post-mortem."""
    settings = _settings(args)
    return _write(
        settings,
        "cli.incident.postmortem",
        lambda comms: comms.postmortem(
            args.id, args.message, now=time.time(), message_en=args.message_en, cause=args.cause
        ),
    )


def run_publish(args: argparse.Namespace) -> int:
    """Publish a draft."""
    settings = _settings(args)
    return _write(settings, "cli.incident.made_public", lambda comms: comms.publish(args.id, time.time()))


def run_maintenance(args: argparse.Namespace) -> int:
    """Announce a maintenance."""
    settings = _settings(args)
    tz = settings.timezone
    start = parse_time(args.start, tz, "--start")
    end = parse_time(args.end, tz, "--end")
    assert start is not None and end is not None
    fr, en = Language("fr"), Language("en")
    title = args.title.strip() or fr.t("status.maintenance.untitled")
    title_en = args.title_en.strip() or (args.title.strip() or en.t("status.maintenance.untitled"))
    return _write(
        settings,
        "cli.incident.announced",
        lambda comms: comms.announce_maintenance(
            args.component,
            start,
            end,
            args.message,
            title=title,
            title_en=title_en,
            now=time.time(),
            message_en=args.message_en,
            published=not args.draft,
        ),
    )


def notice_dict(notice: Notice, tz: ZoneInfo) -> dict[str, Any]:
    """A notice as `vigie incident list --json` prints it (times in ISO 8601, local)."""

    def local(ts: float | None) -> str | None:
        return None if ts is None else datetime.fromtimestamp(ts, tz).isoformat(timespec="seconds")

    return {
        "id": notice.id,
        "kind": notice.kind,
        "title": notice.title,
        "title_en": notice.title_en,
        "status": notice.status,
        "impact": notice.impact,
        "published": notice.published,
        "started_at": local(notice.started_at),
        "ends_at": local(notice.ends_at),
        "resolved_at": local(notice.resolved_at),
        "cause": notice.cause,
        "components": dict(notice.components),
        "updates": [
            {
                "status": u.status,
                "body": u.body,
                "body_en": u.body_en,
                "at": local(u.at),
                "changes": [[c.code, c.old_status, c.new_status] for c in u.changes],
            }
            for u in notice.updates
        ],
    }


def run_list(args: argparse.Namespace) -> int:
    """List notices."""
    settings = _settings(args)
    tz = settings.timezone
    now = time.time()
    with open_communications(settings) as comms:
        notices = comms.notices()

    def current(n: Notice) -> bool:
        over = n.resolved or (n.kind != INCIDENT and n.ends_at is not None and n.ends_at <= now)
        return not over or not n.published

    shown = [n for n in notices if args.all or current(n)]
    shown.sort(key=lambda n: (not current(n), -n.started_at))
    if args.json:
        print_json([notice_dict(n, tz) for n in shown])
        return 0
    lang = Language(args.lang or settings.language)
    t = lang.t
    rows = [
        [
            str(n.id),
            t(f"cli.incident.kind.{n.kind}"),
            lang.label("status.update", n.status),
            t("cli.incident.published" if n.published else "cli.incident.draft"),
            n.title,
            ", ".join(f"{c} ({lang.label('status.component', s)})" for c, s in n.components.items()),
            lang.date_time(datetime.fromtimestamp(n.started_at, tz)),
            lang.date_time(datetime.fromtimestamp(n.updates[-1].at, tz)) if n.updates else "",
        ]
        for n in shown
    ]
    columns = ("id", "kind", "status", "state", "title", "components", "start", "updated")
    if not shown:
        print(t("cli.incident.none"))
        return 0
    print_table([t(f"cli.incident.col.{c}") for c in columns], rows, no_wrap=(0, 6, 7))
    return 0
