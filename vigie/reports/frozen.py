"""Frozen months: the SLA figures of a closed month, stored once so the signed numbers stay.

Owner of the ``sla_frozen`` table (its own migrations, owner name ``sla_frozen``), in the
measurement store's file. Freezing records the figures and incidents as computed then;
later changes to the config (schedules, targets, windows) or late imports do not alter
them. `vigie sla --month M --freeze` freezes, `--recompute` looks past the frozen copy.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import sqlite_utils

from vigie.accounting.figures import ComponentSla, SlaFigures
from vigie.accounting.incidents import Incident
from vigie.probes.db import migrate
from vigie.probes.store import Store
from vigie.reports.periods import Period, month


def _v1_frozen(db: sqlite_utils.Database) -> None:
    db.execute(
        """
        CREATE TABLE sla_frozen (
            month      TEXT NOT NULL,
            component  TEXT NOT NULL,
            figures    TEXT NOT NULL,
            incidents  TEXT NOT NULL,
            frozen_at  REAL NOT NULL,
            PRIMARY KEY (month, component)
        )
        """
    )


MIGRATIONS = [_v1_frozen]


def _ready(store: Store) -> sqlite_utils.Database:
    migrate(store.db, "sla_frozen", MIGRATIONS)
    return store.db


def is_calendar_month(period: Period) -> bool:
    """Whether the period is exactly one calendar month."""
    tz = period.start.tzinfo
    if len(period.label) != 7 or tz is None:
        return False
    exact = month(period.start.year, period.start.month, tz)  # type: ignore[arg-type]
    return (exact.start, exact.end) == (period.start, period.end)


def freeze_month(store: Store, period: Period, reports: Sequence[ComponentSla], now: float) -> int:
    """Store a closed month's figures (replacing an earlier freeze); returns rows written."""
    if not is_calendar_month(period):
        raise ValueError("only a calendar month (--month YYYY-MM) can be frozen")
    if period.end_ts > now:
        raise ValueError(f"{period.label} is not over yet: only a closed month can be frozen")
    db = _ready(store)
    with store.transaction():
        db.conn.executemany(
            "INSERT OR REPLACE INTO sla_frozen VALUES (?, ?, ?, ?, ?)",
            (
                (
                    period.label,
                    r.figures.component,
                    json.dumps(r.figures.as_dict()),
                    json.dumps([i.as_dict() for i in r.incidents]),
                    now,
                )
                for r in reports
            ),
        )
    return len(reports)


def frozen_month(store: Store, period: Period) -> dict[str, ComponentSla]:
    """The frozen figures of this month, by component, each with when it was frozen (empty
    when not a frozen month)."""
    if not is_calendar_month(period):
        return {}
    db = store.db
    # Reading never migrates (that takes the write lock): no table yet means nothing frozen.
    if not db.conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'sla_frozen'").fetchone():
        return {}
    out = {}
    for component, figures, incidents, frozen_at in db.conn.execute(
        "SELECT component, figures, incidents, frozen_at FROM sla_frozen WHERE month = ?", (period.label,)
    ):
        out[component] = ComponentSla(
            SlaFigures(**json.loads(figures)),
            [
                Incident(i["component"], i["start"], i["end"], i["downtime_s"], i["cause"])
                for i in json.loads(incidents)
            ],
            float(frozen_at),
        )
    return out
