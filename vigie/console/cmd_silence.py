"""`vigie silence add|list|expire|sync`: silences on Alertmanager or the built-in notifier.

A silence mutes the notifications of the alerts its matchers select, from its start to its
end; it changes nothing in the measurements or the SLA accounting (maintenance is read from
config.toml, never from silences). `sync` pushes the maintenance windows of config.toml as
silences, so a planned intervention does not page anyone.
"""

from __future__ import annotations

import argparse
import re
import time
from datetime import datetime
from typing import Any

from vigie.console.errors import UserError
from vigie.console.oncall import operator, session
from vigie.console.output import print_json, print_table
from vigie.console.settings import Settings, config_path, load_settings
from vigie.kernel.durations import parse_duration
from vigie.kernel.text.language import Language
from vigie.probes.oncall import acks
from vigie.probes.oncall.model import Matcher, Silence

_MATCH = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)(=~|!~|!=|=)(.*)")


def register(sub: Any) -> None:
    """Add `vigie silence` to the CLI."""
    silence = sub.add_parser(
        "silence",
        help="silences: add, list, expire, sync the maintenance windows",
        description="Silences mute the notifications of matching alerts for a while (Alertmanager's "
        "when [alerts] alertmanager is set, else Vigie's built-in notifier's). They never change "
        "the SLA accounting: maintenance is read from config.toml.",
    )
    inner = silence.add_subparsers(dest="silence_command", metavar="ACTION", required=True)
    add = inner.add_parser(
        "add", help="add a silence", description="Add a silence; it needs an end and a comment."
    )
    add.add_argument("--component", action="append", metavar="ID", help="silence this component (repeatable)")
    add.add_argument("--alertname", metavar="NAME", help="only this alert (e.g. VigieComponentDegraded)")
    add.add_argument(
        "--match",
        action="append",
        metavar="LABEL=VALUE",
        help="another matcher: label=value, label!=value, label=~regex, label!~regex (repeatable)",
    )
    add.add_argument("--for", dest="duration", metavar="DURATION", help="how long from the start (e.g. 2h)")
    add.add_argument(
        "--until", metavar="TIME", help="the end, ISO 8601 (local time unless an offset is given)"
    )
    add.add_argument("--start", metavar="TIME", help="the start, ISO 8601 (default: now)")
    add.add_argument("-m", "--message", metavar="TEXT", help="why (required)")
    add.add_argument("--by", metavar="NAME", help="who (default: $VIGIE_OPERATOR, else your login)")
    add.set_defaults(handler=run_add)
    listing = inner.add_parser("list", help="list silences", description="Active and pending silences.")
    listing.add_argument("--all", action="store_true", help="expired ones too")
    listing.add_argument("--json", action="store_true", help="print JSON")
    listing.add_argument("--lang", choices=("fr", "en"), help="language of the table (default: config)")
    listing.set_defaults(handler=run_list)
    expire = inner.add_parser(
        "expire", help="end a silence now", description="End a silence (or an ack) now."
    )
    expire.add_argument("id", metavar="ID", help="the silence's id (its first characters)")
    expire.add_argument("--by", metavar="NAME", help="who (default: $VIGIE_OPERATOR, else your login)")
    expire.set_defaults(handler=run_expire)
    sync = inner.add_parser(
        "sync",
        help="push the maintenance windows of config.toml as silences",
        description="Create a silence for each maintenance window running now or starting within --ahead, "
        "and expire those of windows no longer planned; the others are left as they are.",
    )
    sync.add_argument("--ahead", metavar="DURATION", default="7d", help="how far ahead (default: 7d)")
    sync.add_argument("--by", metavar="NAME", help="who (default: $VIGIE_OPERATOR, else your login)")
    for parser in (add, listing, expire, sync):
        parser.add_argument("--config", metavar="FILE", default=argparse.SUPPRESS, help="configuration file")
    sync.set_defaults(handler=run_sync)


def _settings(args: argparse.Namespace) -> Settings:
    return load_settings(config_path(getattr(args, "config", None)))


def _moment(option: str, text: str, settings: Settings) -> float:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise UserError(f"{option}: '{text}' is not an ISO 8601 time (e.g. 2026-03-14T22:00)") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=settings.timezone)
    return moment.timestamp()


def _matchers(args: argparse.Namespace, settings: Settings) -> list[Matcher]:
    matchers = []
    known = {c.id for c in settings.probes.components}
    components = args.component or []
    for component in components:
        if component not in known:
            raise UserError(f"--component: no component with id '{component}'")
    if len(components) == 1:
        matchers.append(Matcher("component", components[0]))
    elif components:
        matchers.append(
            Matcher("component", "|".join(c.replace(".", "\\.") for c in components), is_regex=True)
        )
    if args.alertname:
        matchers.append(Matcher("alertname", args.alertname))
    for text in args.match or []:
        found = _MATCH.fullmatch(text)
        if found is None:
            raise UserError(
                f"--match: '{text}' is not label=value, label!=value, label=~regex or label!~regex"
            )
        name, op, value = found.groups()
        regex = "~" in op
        if regex:
            try:
                re.compile(value)
            except re.error as exc:
                raise UserError(f"--match: '{value}' is not a regular expression ({exc})") from None
        matchers.append(Matcher(name, value, is_regex=regex, is_equal=op in ("=", "=~")))
    return matchers


def run_add(args: argparse.Namespace) -> int:
    """Add a silence."""
    settings = _settings(args)
    now = time.time()
    matchers = _matchers(args, settings)
    if not args.message or not args.message.strip():
        raise UserError("a silence needs a comment: -m TEXT (why)")
    if (args.duration is None) == (args.until is None):
        raise UserError("a silence needs an end: --for DURATION or --until TIME (one of them)")
    start = now if args.start is None else _moment("--start", args.start, settings)
    if args.duration is not None:
        try:
            end = start + parse_duration(args.duration)
        except ValueError as exc:
            raise UserError(f"--for: {exc}") from None
    else:
        end = _moment("--until", args.until, settings)
    with session(settings) as (backend, store):
        silence = acks.add_silence(
            backend,
            store,
            matchers,
            by=operator(args.by),
            text=args.message,
            starts_at=start,
            ends_at=end,
            now=now,
        )
    lang = Language(settings.language)
    print(
        lang.t(
            "cli.silence.added",
            id=silence.id,
            matchers=_matchers_text(silence),
            until=_when(silence.ends_at, settings, lang),
        )
    )
    return 0


def _when(ts: float, settings: Settings, lang: Language) -> str:
    return lang.date_time(datetime.fromtimestamp(ts, settings.timezone))


def _matchers_text(silence: Silence) -> str:
    return ", ".join(str(m) for m in silence.matchers)


def run_list(args: argparse.Namespace) -> int:
    """List silences."""
    settings = _settings(args)
    now = time.time()
    with session(settings) as (backend, _store):
        silences = backend.silences()
        where = backend.where
        name = backend.name
    shown = sorted(
        (s for s in silences if args.all or s.state(now) != "expired"), key=lambda s: (s.starts_at, s.id)
    )
    if args.json:
        print_json([{**s.to_api(), "id": s.id, "state": s.state(now)} for s in shown])
        return 0
    lang = Language(args.lang or settings.language)
    t = lang.t
    columns = ("id", "state", "matchers", "start", "end", "by", "comment")
    print_table(
        [t(f"cli.silence.col.{c}") for c in columns],
        [
            [
                s.id[:8],
                t(f"cli.silence.state.{s.state(now)}"),
                _matchers_text(s),
                _when(s.starts_at, settings, lang),
                _when(s.ends_at, settings, lang),
                s.created_by,
                s.comment,
            ]
            for s in shown
        ],
        title=t(
            "cli.silence.title",
            count=lang.number(len(shown)),
            source=t(f"cli.alerts.source.{name}", where=where),
        ),
        no_wrap=(0, 3, 4),
    )
    return 0


def run_expire(args: argparse.Namespace) -> int:
    """Expire a silence."""
    settings = _settings(args)
    with session(settings) as (backend, store):
        silence = acks.expire(backend, store, args.id, by=operator(args.by), now=time.time())
    print(Language(settings.language).t("cli.silence.expired", id=silence.id, comment=silence.comment))
    return 0


def run_sync(args: argparse.Namespace) -> int:
    """Push the maintenance windows as silences."""
    settings = _settings(args)
    try:
        ahead = parse_duration(args.ahead)
    except ValueError as exc:
        raise UserError(f"--ahead: {exc}") from None
    with session(settings) as (backend, store):
        result = acks.sync_maintenance(
            backend,
            store,
            settings.probes.maintenance,
            settings.timezone,
            by=operator(args.by),
            now=time.time(),
            ahead=ahead,
        )
    lang = Language(settings.language)
    print(
        lang.t(
            "cli.silence.synced",
            created=lang.number(len(result.created)),
            kept=lang.number(result.kept),
            expired=lang.number(len(result.expired)),
        )
    )
    for silence in result.created:
        print(
            f"  + {silence.id[:8]}  {_when(silence.starts_at, settings, lang)} → {_when(silence.ends_at, settings, lang)}  {silence.comment}"
        )
    for silence in result.expired:
        print(f"  − {silence.id[:8]}  {silence.comment}")
    return 0
