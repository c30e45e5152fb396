"""The on-call tables in the store's SQLite file; the one owner of their schema (``oncall``).

- ``oncall_alerts``: the daemon's alerts, as it posts them to Alertmanager (labels,
  annotations, ``starts_at``, ``ends_at``: while firing, a moment a few re-posts ahead that
  every re-post pushes back, as Prometheus does; once resolved, the moment it resolved).
- ``oncall_silences``: the built-in notifier's silences and acknowledgements, in
  Alertmanager's shape (matchers, ``starts_at``/``ends_at``, ``created_by``, ``comment``).
- ``oncall_audit``: who acknowledged or silenced what, when and why, whichever backend.
- ``oncall_status``: how the daemon's last delivery went (the console's header reads it).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import sqlite_utils

from vigie.probes.db import OwnedTables, write_transaction
from vigie.probes.oncall.model import Matcher, Silence, fingerprint

RESOLVED_KEPT = 7 * 86400.0
"""How long a resolved alert stays in ``oncall_alerts``."""

ACTIONS = ("ack", "renew", "expire", "silence", "sync")


def _v1_oncall(db: sqlite_utils.Database) -> None:
    db.execute(
        """
        CREATE TABLE oncall_alerts (
            fingerprint TEXT PRIMARY KEY,
            labels      TEXT NOT NULL,
            annotations TEXT NOT NULL,
            starts_at   REAL NOT NULL,
            ends_at     REAL NOT NULL,
            resolved    INTEGER NOT NULL DEFAULT 0 CHECK (resolved IN (0, 1))
        )
        """
    )
    db.execute("CREATE INDEX oncall_alerts_ends ON oncall_alerts (ends_at)")
    db.execute(
        """
        CREATE TABLE oncall_silences (
            id         TEXT PRIMARY KEY,
            matchers   TEXT NOT NULL,
            starts_at  REAL NOT NULL,
            ends_at    REAL NOT NULL CHECK (ends_at > starts_at),
            created_by TEXT NOT NULL,
            comment    TEXT NOT NULL CHECK (comment <> ''),
            updated_at REAL NOT NULL
        )
        """
    )
    db.execute(
        f"""
        CREATE TABLE oncall_audit (
            id         INTEGER PRIMARY KEY,
            ts         REAL NOT NULL,
            actor      TEXT NOT NULL,
            action     TEXT NOT NULL CHECK (action IN ({", ".join(f"'{a}'" for a in ACTIONS)})),
            backend    TEXT NOT NULL,
            silence_id TEXT NOT NULL,
            alert      TEXT NOT NULL DEFAULT '',
            comment    TEXT NOT NULL DEFAULT '',
            ends_at    REAL
        )
        """
    )
    db.execute(
        """
        CREATE TABLE oncall_status (
            name       TEXT PRIMARY KEY,
            ok         INTEGER NOT NULL CHECK (ok IN (0, 1)),
            since      REAL NOT NULL,
            detail     TEXT NOT NULL DEFAULT ''
        )
        """
    )


MIGRATIONS = [_v1_oncall]


@dataclass(frozen=True)
class StoredAlert:
    """One row of ``oncall_alerts``."""

    labels: Mapping[str, str]
    annotations: Mapping[str, str]
    starts_at: float
    ends_at: float
    resolved: bool

    @property
    def fingerprint(self) -> str:
        """Alertmanager's id of the alert."""
        return fingerprint(self.labels)


@dataclass(frozen=True)
class AuditEntry:
    """One row of ``oncall_audit``: ``actor`` did ``action`` on silence ``silence_id``
    (about alert ``alert``, a fingerprint, when it was one), saying ``comment``."""

    ts: float
    actor: str
    action: str
    backend: str
    silence_id: str
    alert: str = ""
    comment: str = ""
    ends_at: float | None = None


@dataclass(frozen=True)
class DeliveryStatus:
    """How the daemon's deliveries to ``name`` go: ``ok`` since ``since``; ``detail`` says
    which address answers, or why none does."""

    name: str
    ok: bool
    since: float
    detail: str


def _silence(row: tuple[str, str, float, float, str, str]) -> Silence:
    sid, matchers, starts, ends, by, comment = row
    return Silence(sid, tuple(Matcher.from_api(m) for m in json.loads(matchers)), starts, ends, by, comment)


_SILENCE_COLUMNS = "id, matchers, starts_at, ends_at, created_by, comment, updated_at"


class OnCallStore(OwnedTables):
    """Reads and writes the on-call tables; the schema is migrated under the owner ``oncall``."""

    OWNER = "oncall"
    MIGRATIONS = MIGRATIONS

    # --- alerts --------------------------------------------------------------------------

    def write_alerts(self, alerts: Iterable[StoredAlert], now: float) -> None:
        """Store the daemon's alerts (keyed by fingerprint) and forget those resolved longer
        than :data:`RESOLVED_KEPT` ago, in one transaction."""
        rows = [
            (a.fingerprint, json.dumps(dict(a.labels)), json.dumps(dict(a.annotations)), a.starts_at, a.ends_at,
             int(a.resolved))
            for a in alerts
        ]  # fmt: skip
        with write_transaction(self.db.conn):
            self.db.conn.executemany(
                "INSERT INTO oncall_alerts (fingerprint, labels, annotations, starts_at, ends_at, resolved) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (fingerprint) DO UPDATE SET labels = excluded.labels, "
                "annotations = excluded.annotations, starts_at = excluded.starts_at, "
                "ends_at = excluded.ends_at, resolved = excluded.resolved",
                rows,
            )
            self.db.conn.execute("DELETE FROM oncall_alerts WHERE ends_at < ?", (now - RESOLVED_KEPT,))

    def alerts(self, now: float, *, firing_only: bool = True) -> list[StoredAlert]:
        """The alerts still firing at ``now`` (or every stored one), oldest first."""
        sql = "SELECT labels, annotations, starts_at, ends_at, resolved FROM oncall_alerts"
        params: tuple[float, ...] = ()
        if firing_only:
            sql += " WHERE ends_at > ? AND resolved = 0"
            params = (now,)
        rows = self.db.conn.execute(sql + " ORDER BY starts_at", params).fetchall()
        return [StoredAlert(json.loads(lab), json.loads(ann), s, e, bool(r)) for lab, ann, s, e, r in rows]

    # --- silences ------------------------------------------------------------------------

    def silences(self) -> list[Silence]:
        """Every silence, newest end first."""
        rows = self.db.conn.execute(
            "SELECT id, matchers, starts_at, ends_at, created_by, comment FROM oncall_silences ORDER BY ends_at DESC"
        )
        return [_silence(row) for row in rows.fetchall()]

    def put_silence(self, silence: Silence, now: float) -> str:
        """Create a silence (a new id) or replace the one with its id; returns the id."""
        sid = silence.id or str(uuid.uuid4())
        matchers = json.dumps([m.to_api() for m in silence.matchers])
        with write_transaction(self.db.conn):
            self.db.conn.execute(
                f"INSERT INTO oncall_silences ({_SILENCE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (id) DO UPDATE SET matchers = excluded.matchers, starts_at = excluded.starts_at, "
                "ends_at = excluded.ends_at, created_by = excluded.created_by, comment = excluded.comment, "
                "updated_at = excluded.updated_at",
                (sid, matchers, silence.starts_at, silence.ends_at, silence.created_by, silence.comment, now),
            )
        return sid

    def expire_silence(self, sid: str, now: float) -> bool:
        """End a silence now (a pending one, as Alertmanager does, starts and ends now);
        False if none has this id."""
        with write_transaction(self.db.conn):
            cursor = self.db.conn.execute(
                "UPDATE oncall_silences SET starts_at = min(starts_at, ?), ends_at = min(ends_at, ?), "
                "updated_at = ? WHERE id = ?",
                (now - 0.001, now, now, sid),
            )
        return cursor.rowcount == 1

    # --- audit ---------------------------------------------------------------------------

    def audit(self, entry: AuditEntry) -> None:
        """Keep one line of the story."""
        with write_transaction(self.db.conn):
            self.db.conn.execute(
                "INSERT INTO oncall_audit (ts, actor, action, backend, silence_id, alert, comment, ends_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    entry.ts,
                    entry.actor,
                    entry.action,
                    entry.backend,
                    entry.silence_id,
                    entry.alert,
                    entry.comment,
                    entry.ends_at,
                ),
            )

    def audit_entries(self, since: float = 0.0) -> list[AuditEntry]:
        """The story since ``since``, in order."""
        rows = self.db.conn.execute(
            "SELECT ts, actor, action, backend, silence_id, alert, comment, ends_at FROM oncall_audit "
            "WHERE ts >= ? ORDER BY id",
            (since,),
        )
        return [AuditEntry(*row) for row in rows.fetchall()]

    # --- delivery status -----------------------------------------------------------------

    def set_status(self, name: str, ok: bool, detail: str, now: float) -> None:
        """Record how deliveries to ``name`` go; ``since`` moves only when ``ok`` changes."""
        with write_transaction(self.db.conn):
            self.db.conn.execute(
                "INSERT INTO oncall_status (name, ok, since, detail) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (name) DO UPDATE SET since = CASE WHEN ok = excluded.ok THEN since "
                "ELSE excluded.since END, ok = excluded.ok, detail = excluded.detail",
                (name, int(ok), now, detail),
            )

    def status(self, name: str) -> DeliveryStatus | None:
        """The last recorded delivery status of ``name``, if any."""
        row = self.db.conn.execute(
            "SELECT name, ok, since, detail FROM oncall_status WHERE name = ?", (name,)
        ).fetchone()
        return None if row is None else DeliveryStatus(row[0], bool(row[1]), row[2], row[3])
