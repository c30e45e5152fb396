"""`vigie alerts`: the firing alerts and what is done about them; `ack` acknowledges one;
`audit` tells who acknowledged or silenced what, when and why."""

from __future__ import annotations

import argparse
import time
from datetime import datetime
from typing import Any

from vigie.console.errors import UserError
from vigie.console.oncall import AlertLine, acknowledge, operator, read_alerts, session
from vigie.console.output import print_json, print_table
from vigie.console.settings import Settings, config_path, load_settings
from vigie.kernel.durations import parse_duration
from vigie.kernel.text.language import MISSING, Language
from vigie.probes.oncall.model import to_iso


def register(sub: Any) -> None:
    """Add `vigie alerts` (and `ack`, `audit`) to the CLI."""
    alerts = sub.add_parser(
        "alerts",
        help="firing alerts (open, acknowledged, silenced); acknowledge one",
        description="List the alerts firing now, from Alertmanager when [alerts] alertmanager is set, "
        "else from Vigie's built-in notifier, with what is done about each: open, acknowledged "
        "(by whom, until when, which ticket), silenced or inhibited.",
    )
    alerts.add_argument("--config", metavar="FILE", default=argparse.SUPPRESS, help="configuration file")
    alerts.add_argument("--json", action="store_true", help="print JSON")
    alerts.add_argument("--lang", choices=("fr", "en"), help="language of the table (default: config)")
    alerts.set_defaults(handler=run_list)
    inner = alerts.add_subparsers(dest="alerts_command", metavar="ACTION")
    ack = inner.add_parser(
        "ack",
        help="acknowledge a firing alert",
        description="Acknowledge a firing alert: a silence whose matchers are the alert's labels, "
        "created by you, commented 'ACK #ticket: text', for --for (default [alerts] ack_for); "
        "the daemon renews it while the alert fires and expires it when the alert resolves.",
    )
    ack.add_argument("--config", metavar="FILE", default=argparse.SUPPRESS, help="configuration file")
    ack.add_argument("id", metavar="ID", help="the alert's id as `vigie alerts` shows it (its first digits)")
    ack.add_argument("-m", "--message", metavar="TEXT", help="why, what is being done (required)")
    ack.add_argument("--ticket", metavar="N", help="the GLPI ticket (default: the incident's, once opened)")
    ack.add_argument(
        "--for", dest="duration", metavar="DURATION", help="how long (default: [alerts] ack_for)"
    )
    ack.add_argument(
        "--by", metavar="NAME", help="who acknowledges (default: $VIGIE_OPERATOR, else your login)"
    )
    ack.add_argument("--lang", choices=("fr", "en"), help="language of the answer (default: config)")
    ack.set_defaults(handler=run_ack)
    audit = inner.add_parser(
        "audit",
        help="who acknowledged or silenced what, when and why",
        description="The local audit table: acknowledgements, silences, renewals and expiries, in order.",
    )
    audit.add_argument("--config", metavar="FILE", default=argparse.SUPPRESS, help="configuration file")
    audit.add_argument("--since", metavar="DURATION", default="7d", help="how far back (default: 7d)")
    audit.add_argument("--json", action="store_true", help="print JSON")
    audit.add_argument("--lang", choices=("fr", "en"), help="language of the table (default: config)")
    audit.set_defaults(handler=run_audit)


def _settings(args: argparse.Namespace) -> Settings:
    return load_settings(config_path(getattr(args, "config", None)))


def _duration(option: str, text: str) -> float:
    try:
        return parse_duration(text)
    except ValueError as exc:
        raise UserError(f"{option}: {exc}") from None


def state_words(line: AlertLine, lang: Language, zone: Any) -> str:
    """What is done about an alert, in words: ``acquittée par alice jusqu'au …``."""
    kind = line.disposition.kind
    silence = line.disposition.silence
    if kind == "acknowledged" and silence is not None:
        until = lang.date_time(datetime.fromtimestamp(silence.ends_at, zone))
        return lang.t("cli.alerts.acknowledged", by=silence.created_by, until=until)
    if kind == "silenced" and silence is not None:
        until = lang.date_time(datetime.fromtimestamp(silence.ends_at, zone))
        return lang.t("cli.alerts.silenced", until=until)
    return lang.t(f"cli.alerts.state.{kind}")


def ticket_words(line: AlertLine, lang: Language) -> str:
    """The linked ticket: ``#123``, ``ticket en attente`` or nothing."""
    if line.ticket:
        return f"#{line.ticket}"
    return lang.t("cli.alerts.ticket_pending") if line.ticket_pending else ""


def run_list(args: argparse.Namespace) -> int:
    """List the firing alerts."""
    settings = _settings(args)
    reading = read_alerts(settings)
    zone = settings.timezone
    if args.json:
        print_json(
            [
                {
                    "id": line.alert.fingerprint,
                    "alertname": line.alert.labels.get("alertname", ""),
                    "labels": dict(line.alert.labels),
                    "annotations": dict(line.alert.annotations),
                    "startsAt": to_iso(line.alert.starts_at),
                    "state": line.disposition.kind,
                    "silence": None
                    if line.disposition.silence is None
                    else {
                        "id": line.disposition.silence.id,
                        "createdBy": line.disposition.silence.created_by,
                        "comment": line.disposition.silence.comment,
                        "endsAt": to_iso(line.disposition.silence.ends_at),
                    },
                    "ticket": line.ticket,
                    "ticket_pending": line.ticket_pending,
                }
                for line in reading.lines
            ]
        )
        return 0
    lang = Language(args.lang or settings.language)
    t = lang.t
    rows = [
        [
            line.short_id,
            state_words(line, lang, zone),
            line.alert.annotations.get("summary") or line.alert.labels.get("alertname", ""),
            line.alert.labels.get("component") or line.alert.labels.get("application") or MISSING,
            t(f"cli.alerts.severity.{line.alert.labels.get('severity', 'ticket')}")
            if line.alert.labels.get("severity") in ("page", "ticket")
            else line.alert.labels.get("severity", MISSING),
            lang.date_time(datetime.fromtimestamp(line.alert.starts_at, zone)),
            ticket_words(line, lang),
        ]
        for line in reading.lines
    ]
    columns = ("id", "state", "alert", "component", "severity", "since", "ticket")
    source = t(f"cli.alerts.source.{reading.backend}", where=reading.where)
    print_table(
        [t(f"cli.alerts.col.{c}") for c in columns],
        rows,
        title=t("cli.alerts.title", count=lang.number(len(rows)), source=source),
        no_wrap=(0, 5),
    )
    if reading.delivery is not None and not reading.delivery.ok:
        since = lang.date_time(datetime.fromtimestamp(reading.delivery.since, zone))
        print(t("cli.alerts.delivery_down", since=since, detail=reading.delivery.detail))
    return 0


def run_ack(args: argparse.Namespace) -> int:
    """Acknowledge one alert."""
    settings = _settings(args)
    if not args.message or not args.message.strip():
        raise UserError("an acknowledgement needs a comment: -m TEXT (why, what is being done)")
    duration = None if args.duration is None else _duration("--for", args.duration)
    if duration is not None and duration < 60:
        raise UserError(f"--for: '{args.duration}' is shorter than a minute")
    alert, silence = acknowledge(
        settings, args.id, by=operator(args.by), text=args.message, ticket=args.ticket, duration=duration
    )
    lang = Language(args.lang or settings.language)
    until = lang.date_time(datetime.fromtimestamp(silence.ends_at, settings.timezone))
    print(
        lang.t(
            "cli.alerts.acked",
            id=alert.fingerprint[:8],
            summary=alert.annotations.get("summary") or alert.labels.get("alertname", ""),
            by=silence.created_by,
            until=until,
            silence=silence.id,
            comment=silence.comment,
        )
    )
    return 0


def run_audit(args: argparse.Namespace) -> int:
    """Print the audit table."""
    settings = _settings(args)
    since = time.time() - _duration("--since", args.since)
    with session(settings) as (_backend, store):
        entries = store.audit_entries(since)
    if args.json:
        print_json(
            [
                {
                    "ts": to_iso(e.ts),
                    "actor": e.actor,
                    "action": e.action,
                    "backend": e.backend,
                    "silence": e.silence_id,
                    "alert": e.alert,
                    "comment": e.comment,
                    "endsAt": None if e.ends_at is None else to_iso(e.ends_at),
                }
                for e in entries
            ]
        )
        return 0
    lang = Language(args.lang or settings.language)
    zone = settings.timezone

    def when(ts: float | None) -> str:
        return MISSING if ts is None else lang.date_time(datetime.fromtimestamp(ts, zone))

    columns = ("when", "actor", "action", "alert", "silence", "until", "comment")
    print_table(
        [lang.t(f"cli.alerts.audit.col.{c}") for c in columns],
        [
            [
                when(e.ts),
                e.actor,
                lang.t(f"cli.alerts.audit.{e.action}"),
                e.alert[:8],
                e.silence_id[:8],
                when(e.ends_at),
                e.comment,
            ]
            for e in entries
        ],
        title=lang.t("cli.alerts.audit.title"),
        no_wrap=(0, 3, 4, 5),
    )
    return 0
