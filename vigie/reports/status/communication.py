"""What the operations team tells the public: incidents and maintenance notices, with their updates.

Owner of the ``status_notices``, ``status_components`` and ``status_updates`` tables (owner
name ``status`` in ``vigie_schema``), in the measurement store's file. The vocabulary is
Atlassian Statuspage's, so the public JSON reads like theirs: a component's public status
(:data:`COMPONENT_STATUSES`), an incident's impact (:data:`IMPACTS`) and the status of each
update (:data:`INCIDENT_STATUSES`, then an optional ``postmortem``; a maintenance notice is
``scheduled``, then ``in_progress`` and ``completed`` by its times).

A communicated incident is written by people and kept apart from the measured one (the
probes' down interval): the public page shows only what was published here; a draft
(``published`` false) is seen in the console only. The two are linked by component and
time (:func:`covering`): the monthly report takes the cause written here instead of the
probe's last error (:func:`covering`). Every mistake (unknown incident, a resolved one updated, an unknown
status, an empty message) raises :class:`CommunicationError` with one line and writes nothing.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import sqlite_utils

from vigie.probes.db import connect, migrate, write_transaction

COMPONENT_STATUSES = (
    "operational",
    "degraded_performance",
    "partial_outage",
    "major_outage",
    "under_maintenance",
)
INCIDENT_STATUSES = ("investigating", "identified", "monitoring", "resolved")
POSTMORTEM = "postmortem"
MAINTENANCE_STATUSES = ("scheduled", "in_progress", "verifying", "completed")
IMPACTS = ("none", "minor", "major", "critical", "maintenance")
INCIDENT, MAINTENANCE = "incident", "maintenance"
OWNER = "status"

# The impact a component status implies when none is given (Statuspage's own reading).
_IMPACT_OF = {
    "operational": "none",
    "under_maintenance": "maintenance",
    "degraded_performance": "minor",
    "partial_outage": "major",
    "major_outage": "critical",
}
_IMPACT_RANK = {"none": 0, "maintenance": 1, "minor": 2, "major": 3, "critical": 4}
FUTURE_SLACK = 60.0
"""An update may be dated this far past the clock (clocks of two machines differ)."""


class CommunicationError(ValueError):
    """A communication that cannot be written as asked (one line, nothing written)."""


@dataclass(frozen=True)
class Change:
    """A component's public status before and after an update."""

    code: str
    old_status: str
    new_status: str


@dataclass(frozen=True)
class Update:
    """One update of a notice: a status, a text (French, English when given), a time."""

    id: int
    status: str
    body: str
    body_en: str
    at: float
    created_at: float
    changes: tuple[Change, ...] = ()


@dataclass(frozen=True)
class Notice:
    """A communicated incident or maintenance notice, its affected components and its updates.

    ``started_at`` is when the incident began (or the maintenance is scheduled for),
    ``ends_at`` when a maintenance is scheduled to end, ``resolved_at`` when an incident was
    resolved (or a maintenance ended early); ``updates`` are oldest first.
    """

    id: int
    kind: str
    title: str
    title_en: str
    impact: str
    status: str
    published: bool
    published_at: float | None
    started_at: float
    ends_at: float | None
    resolved_at: float | None
    cause: str
    created_at: float
    updated_at: float
    components: Mapping[str, str] = field(default_factory=dict)
    updates: tuple[Update, ...] = ()

    @property
    def resolved(self) -> bool:
        """True once resolved (an incident) or closed early (a maintenance)."""
        return self.resolved_at is not None

    @property
    def postmortem(self) -> Update | None:
        """The post-mortem, if one was written."""
        return next((u for u in self.updates if u.status == POSTMORTEM), None)


# --- schema ---------------------------------------------------------------------------------


def _v1(db: sqlite_utils.Database) -> None:
    db.execute(
        """
        CREATE TABLE status_notices (
            id           INTEGER PRIMARY KEY AUTOINCREMENT,
            kind         TEXT NOT NULL,
            title        TEXT NOT NULL,
            title_en     TEXT NOT NULL,
            impact       TEXT NOT NULL,
            status       TEXT NOT NULL,
            published    INTEGER NOT NULL,
            published_at REAL,
            started_at   REAL NOT NULL,
            ends_at      REAL,
            resolved_at  REAL,
            cause        TEXT NOT NULL,
            created_at   REAL NOT NULL,
            updated_at   REAL NOT NULL
        )
        """
    )
    db.execute(
        """
        CREATE TABLE status_components (
            notice    INTEGER NOT NULL REFERENCES status_notices(id),
            component TEXT NOT NULL,
            status    TEXT NOT NULL,
            PRIMARY KEY (notice, component)
        )
        """
    )
    db.execute(
        """
        CREATE TABLE status_updates (
            id         INTEGER PRIMARY KEY AUTOINCREMENT,
            notice     INTEGER NOT NULL REFERENCES status_notices(id),
            status     TEXT NOT NULL,
            body       TEXT NOT NULL,
            body_en    TEXT NOT NULL,
            at         REAL NOT NULL,
            created_at REAL NOT NULL,
            changes    TEXT NOT NULL
        )
        """
    )
    db.execute("CREATE INDEX status_updates_notice ON status_updates (notice, at)")


MIGRATIONS = [_v1]


# --- reading (never migrates: no tables yet means nothing was communicated) -------------------


def has_tables(conn: sqlite3.Connection) -> bool:
    """Whether anything was ever communicated in this file."""
    row = conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'status_notices'").fetchone()
    return row is not None


def read_notices(
    conn: sqlite3.Connection, *, include_drafts: bool = False, ids: Iterable[int] | None = None
) -> list[Notice]:
    """The notices, oldest first (published ones only unless ``include_drafts``)."""
    if not has_tables(conn):
        return []
    where, params = [], []
    if not include_drafts:
        where.append("published = 1")
    if ids is not None:
        chosen = list(ids)
        where.append(f"id IN ({', '.join('?' * len(chosen))})")
        params += chosen
    sql = "SELECT * FROM status_notices" + (f" WHERE {' AND '.join(where)}" if where else "") + " ORDER BY id"
    cursor = conn.execute(sql, params)
    names = [d[0] for d in cursor.description]
    rows = [dict(zip(names, row, strict=True)) for row in cursor]
    if not rows:
        return []
    wanted = [r["id"] for r in rows]
    marks = ", ".join("?" * len(wanted))
    affected: dict[int, dict[str, str]] = {}
    for notice, component, status in conn.execute(
        f"SELECT notice, component, status FROM status_components WHERE notice IN ({marks}) ORDER BY rowid",
        wanted,
    ):
        affected.setdefault(notice, {})[component] = status
    updates: dict[int, list[Update]] = {}
    for uid, notice, status, body, body_en, at, created, changes in conn.execute(
        "SELECT id, notice, status, body, body_en, at, created_at, changes FROM status_updates "
        f"WHERE notice IN ({marks}) ORDER BY at, id",
        wanted,
    ):
        updates.setdefault(notice, []).append(
            Update(uid, status, body, body_en, at, created, tuple(Change(*c) for c in json.loads(changes)))
        )
    return [
        Notice(
            id=r["id"],
            kind=r["kind"],
            title=r["title"],
            title_en=r["title_en"],
            impact=r["impact"],
            status=r["status"],
            published=bool(r["published"]),
            published_at=r["published_at"],
            started_at=r["started_at"],
            ends_at=r["ends_at"],
            resolved_at=r["resolved_at"],
            cause=r["cause"],
            created_at=r["created_at"],
            updated_at=r["updated_at"],
            components=affected.get(r["id"], {}),
            updates=tuple(updates.get(r["id"], ())),
        )
        for r in rows
    ]


def covering(notices: Iterable[Notice], component: str, start: float, end: float) -> Notice | None:
    """The communicated incident about a measured one of ``component`` over ``[start, end)``:
    the first incident naming the component whose time overlaps it (None when nothing was
    communicated). The console links them with it, and the monthly report takes the root
    cause written here (or the title) instead of the probe's last error."""
    for notice in notices:
        until = notice.resolved_at if notice.resolved_at is not None else float("inf")
        if (
            notice.kind == INCIDENT
            and component in notice.components
            and notice.started_at < end
            and until > start
        ):
            return notice
    return None


# --- writing --------------------------------------------------------------------------------


class Communications:
    """Writes notices and their updates (the CLI and the console's write side).

    ``components`` are the ids a notice may name (the public components).
    """

    def __init__(self, db: sqlite_utils.Database, components: Collection[str]) -> None:
        self.db = db
        self.components = components
        migrate(db, OWNER, MIGRATIONS)

    @classmethod
    def open(
        cls, path: str | Path, components: Collection[str], busy_timeout: float = 10.0
    ) -> Communications:
        """The notices kept in the store file at ``path``."""
        return cls(connect(path, busy_timeout), components)

    def close(self) -> None:
        """Close the connection."""
        self.db.conn.close()

    def __enter__(self) -> Communications:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- reading ---

    def notices(self, include_drafts: bool = True) -> list[Notice]:
        """Every notice, oldest first."""
        return read_notices(self.db.conn, include_drafts=include_drafts)

    def get(self, notice_id: int) -> Notice:
        """One notice (drafts included); CommunicationError when there is none."""
        found = read_notices(self.db.conn, include_drafts=True, ids=[notice_id])
        if not found:
            raise CommunicationError(f"no incident or maintenance with id {notice_id}")
        return found[0]

    # --- incidents ---

    def open_incident(
        self,
        components: Mapping[str, str],
        message: str,
        *,
        title: str,
        title_en: str,
        now: float,
        at: float | None = None,
        status: str = "investigating",
        impact: str | None = None,
        message_en: str = "",
        cause: str = "",
        published: bool = True,
    ) -> Notice:
        """Open an incident on ``components`` (id: public status) with its first update.

        ``at`` (default ``now``) is when it started, e.g. the measured outage's start.
        """
        at = self._when(at, now)
        self._check_components(components, required=True)
        _check_choice("--status", status, INCIDENT_STATUSES[:-1], "an open incident's status")
        if impact is not None:
            _check_choice("--impact", impact, IMPACTS, "an impact")
        text, text_en = _message(message, message_en)
        title, title_en = _title(title, title_en)
        notice_id = self._insert(
            INCIDENT,
            (title, title_en),
            impact or _impact(components.values()),
            (status, text, text_en),
            published,
            (at, None),
            components,
            now,
            cause,
        )
        return self.get(notice_id)

    def update(
        self,
        notice_id: int,
        message: str,
        *,
        now: float,
        status: str | None = None,
        components: Mapping[str, str] | None = None,
        message_en: str = "",
        at: float | None = None,
        cause: str | None = None,
    ) -> Notice:
        """Add an update to an open incident or a maintenance notice not yet over.

        ``status`` is the incident's new status (default: unchanged); ``resolved`` resolves
        it. ``components`` changes public statuses (and may add components).
        """
        notice = self.get(notice_id)
        if notice.kind == MAINTENANCE:
            return self._update_maintenance(notice, message, message_en, now, at, status, components)
        if notice.resolved:
            raise CommunicationError(
                f"incident {notice_id} is resolved: only a post-mortem can follow (vigie incident postmortem)"
            )
        if status is not None:
            _check_choice("--status", status, INCIDENT_STATUSES, "an incident's status")
        if status == "resolved":
            return self.resolve(notice_id, message, now=now, message_en=message_en, at=at, cause=cause)
        changes = dict(components or {})
        self._check_components(changes)
        at = self._when(at, now, notice)
        text, text_en = _message(message, message_en)
        new_status = status or notice.status
        with write_transaction(self.db.conn):
            self._record(notice, new_status, text, text_en, at, now, changes, cause)
        return self.get(notice_id)

    def resolve(
        self,
        notice_id: int,
        message: str,
        *,
        now: float,
        message_en: str = "",
        at: float | None = None,
        cause: str | None = None,
    ) -> Notice:
        """Resolve an incident (every affected component operational again), or end a
        maintenance notice now (completed early, or cancelled)."""
        notice = self.get(notice_id)
        if notice.resolved:
            raise CommunicationError(f"{_what(notice)} {notice_id} is already resolved")
        at = self._when(at, now, notice)
        text, text_en = _message(message, message_en)
        back = dict.fromkeys(notice.components, "operational")
        status = "resolved" if notice.kind == INCIDENT else "completed"
        with write_transaction(self.db.conn):
            self._record(notice, status, text, text_en, at, now, back, cause)
            self.db.conn.execute("UPDATE status_notices SET resolved_at = ? WHERE id = ?", (at, notice_id))
        return self.get(notice_id)

    def postmortem(
        self,
        notice_id: int,
        message: str,
        *,
        now: float,
        message_en: str = "",
        cause: str | None = None,
    ) -> Notice:
        """Add the post-mortem of a resolved incident (one per incident)."""
        notice = self.get(notice_id)
        if notice.kind != INCIDENT:
            raise CommunicationError(
                f"{notice_id} is a maintenance notice: a post-mortem follows an incident"
            )
        if not notice.resolved:
            raise CommunicationError(f"incident {notice_id} is not resolved yet: resolve it first")
        if notice.postmortem is not None:
            raise CommunicationError(f"incident {notice_id} already has a post-mortem")
        text, text_en = _message(message, message_en)
        with write_transaction(self.db.conn):
            self._add_update(notice_id, POSTMORTEM, text, text_en, now, now, [])
            self._touch(notice_id, now, cause)
        return self.get(notice_id)

    def publish(self, notice_id: int, now: float) -> Notice:
        """Make a draft public (its updates keep their times)."""
        notice = self.get(notice_id)
        if notice.published:
            raise CommunicationError(f"{_what(notice)} {notice_id} is already published")
        with write_transaction(self.db.conn):
            self.db.conn.execute(
                "UPDATE status_notices SET published = 1, published_at = ?, updated_at = ? WHERE id = ?",
                (now, now, notice_id),
            )
        return self.get(notice_id)

    # --- maintenance ---

    def announce_maintenance(
        self,
        components: Sequence[str],
        start: float,
        end: float,
        message: str,
        *,
        title: str,
        title_en: str,
        now: float,
        message_en: str = "",
        published: bool = True,
    ) -> Notice:
        """Announce a maintenance of ``components`` over ``[start, end)``: shown as upcoming,
        then in progress and completed by its times."""
        self._check_components(dict.fromkeys(components, "under_maintenance"), required=True)
        if end <= start:
            raise CommunicationError("--end: must come after --start")
        if end <= now:
            raise CommunicationError("--end: the maintenance would already be over")
        text, text_en = _message(message, message_en)
        title, title_en = _title(title, title_en)
        notice_id = self._insert(
            MAINTENANCE,
            (title, title_en),
            "maintenance",
            ("scheduled", text, text_en),
            published,
            (start, end),
            dict.fromkeys(components, "under_maintenance"),
            now,
        )
        return self.get(notice_id)

    def _update_maintenance(
        self,
        notice: Notice,
        message: str,
        message_en: str,
        now: float,
        at: float | None,
        status: str | None,
        components: Mapping[str, str] | None,
    ) -> Notice:
        if notice.resolved or (notice.ends_at is not None and notice.ends_at <= now):
            raise CommunicationError(f"maintenance {notice.id} is over: announce a new one")
        if components:
            raise CommunicationError("--component: a maintenance notice keeps its components")
        if status is not None:
            _check_choice("--status", status, MAINTENANCE_STATUSES, "a maintenance's status")
        if status == "completed":
            return self.resolve(notice.id, message, now=now, message_en=message_en, at=at)
        at = self._when(at, now, notice)
        text, text_en = _message(message, message_en)
        with write_transaction(self.db.conn):
            self._record(notice, status or notice.status, text, text_en, at, now, {}, None)
        return self.get(notice.id)

    # --- helpers ---

    def _insert(
        self,
        kind: str,
        titles: tuple[str, str],
        impact: str,
        first: tuple[str, str, str],
        published: bool,
        times: tuple[float, float | None],
        components: Mapping[str, str],
        now: float,
        cause: str = "",
    ) -> int:
        """A new notice, its components and its first update (status, text, English text),
        dated at its start for an incident and at ``now`` for an announcement; its id."""
        (status, text, text_en), (start, end) = first, times
        with write_transaction(self.db.conn):
            cursor = self.db.conn.execute(
                "INSERT INTO status_notices (kind, title, title_en, impact, status, published, "
                "published_at, started_at, ends_at, resolved_at, cause, created_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, ?)",
                (
                    kind,
                    *titles,
                    impact,
                    status,
                    int(published),
                    now if published else None,
                    start,
                    end,
                    cause.strip(),
                    now,
                    now,
                ),
            )
            notice_id = int(cursor.lastrowid or 0)
            self._set_components(notice_id, components)
            changes = [Change(c, "operational", s) for c, s in components.items()] if kind == INCIDENT else []
            self._add_update(
                notice_id, status, text, text_en, start if kind == INCIDENT else now, now, changes
            )
        return notice_id

    def _when(self, at: float | None, now: float, notice: Notice | None = None) -> float:
        when = now if at is None else at
        if when > now + FUTURE_SLACK:
            raise CommunicationError("--at: an update cannot be dated in the future")
        if notice is not None and notice.kind == INCIDENT and when < notice.started_at:
            raise CommunicationError(f"--at: incident {notice.id} started later than that")
        return when

    def _check_components(self, components: Mapping[str, str], required: bool = False) -> None:
        if required and not components:
            raise CommunicationError("--component: name at least one component")
        for code, status in components.items():
            if code not in self.components:
                known = ", ".join(sorted(self.components)) or "none is public"
                raise CommunicationError(f"--component: no public component '{code}' (known: {known})")
            _check_choice("--status", status, COMPONENT_STATUSES, "a component status")

    def _record(
        self,
        notice: Notice,
        status: str,
        text: str,
        text_en: str,
        at: float,
        now: float,
        components: Mapping[str, str],
        cause: str | None,
    ) -> None:
        changes = [
            Change(c, notice.components.get(c, "operational"), s)
            for c, s in components.items()
            if notice.components.get(c, "operational") != s
        ]
        self._set_components(notice.id, components)
        self._add_update(notice.id, status, text, text_en, at, now, changes)
        statuses = {**notice.components, **components}.values()
        impact = max(notice.impact, _impact(statuses), key=_IMPACT_RANK.__getitem__)
        self.db.conn.execute(
            "UPDATE status_notices SET status = ?, impact = ? WHERE id = ?",
            (status, impact if notice.kind == INCIDENT else notice.impact, notice.id),
        )
        self._touch(notice.id, now, cause)

    def _touch(self, notice_id: int, now: float, cause: str | None) -> None:
        self.db.conn.execute("UPDATE status_notices SET updated_at = ? WHERE id = ?", (now, notice_id))
        if cause is not None and cause.strip():
            self.db.conn.execute(
                "UPDATE status_notices SET cause = ? WHERE id = ?", (cause.strip(), notice_id)
            )

    def _set_components(self, notice_id: int, components: Mapping[str, str]) -> None:
        self.db.conn.executemany(
            "INSERT INTO status_components (notice, component, status) VALUES (?, ?, ?) "
            "ON CONFLICT(notice, component) DO UPDATE SET status = excluded.status",
            [(notice_id, c, s) for c, s in components.items()],
        )

    def _add_update(
        self,
        notice_id: int,
        status: str,
        text: str,
        text_en: str,
        at: float,
        now: float,
        changes: Sequence[Change],
    ) -> None:
        self.db.conn.execute(
            "INSERT INTO status_updates (notice, status, body, body_en, at, created_at, changes) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                notice_id,
                status,
                text,
                text_en,
                at,
                now,
                json.dumps([[c.code, c.old_status, c.new_status] for c in changes]),
            ),
        )


def _impact(statuses: Iterable[str]) -> str:
    return max((_IMPACT_OF[s] for s in statuses), key=_IMPACT_RANK.__getitem__, default="none")


def _check_choice(option: str, value: str, choices: Sequence[str], what: str) -> None:
    if value not in choices:
        raise CommunicationError(f"{option}: '{value}' is not {what} (one of: {', '.join(choices)})")


def _message(message: str, message_en: str) -> tuple[str, str]:
    text = message.strip()
    if not text:
        raise CommunicationError("-m/--message: the message is empty")
    return text, message_en.strip()


def _title(title: str, title_en: str) -> tuple[str, str]:
    text = title.strip()
    if not text:
        raise CommunicationError("--title: the title is empty")
    return text, title_en.strip() or text


def _what(notice: Notice) -> str:
    return "incident" if notice.kind == INCIDENT else "maintenance"
