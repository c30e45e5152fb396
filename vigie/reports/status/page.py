"""The public status page as one snapshot: components, their public status and daily bars,
the published incidents and the public maintenance notices, at one instant.

What the public reads is what was communicated ("controlled data"): a component's status is
the worst one given by the published incidents still open on it (``under_maintenance``
while a public maintenance runs), never the probes' live verdict. The daily bars and the
availability are the accounting's own figures (:mod:`.days`). Maintenance notices come from
two places: the ``[[maintenance]]`` windows marked ``public`` (each occurrence shown from
``[status] announce`` before it starts) and the ones announced from the CLI; both start
and end by themselves (``scheduled``, ``in_progress``, ``completed``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from vigie.accounting.schedules import applies_to, window_spans
from vigie.accounting.terms import MaintenanceWindow
from vigie.probes.config import ProbesConfig
from vigie.probes.store import Store
from vigie.reports.status.communication import (
    COMPONENT_STATUSES,
    INCIDENT,
    MAINTENANCE,
    Change,
    Notice,
    read_notices,
)
from vigie.reports.status.config import PublicComponent, StatusConfig
from vigie.reports.status.days import DailyHistory, Day, daily_history, local_days

INDICATORS = ("none", "maintenance", "minor", "major", "critical")
"""The page's overall state, best first (Statuspage's ``status.indicator``)."""
_INDICATOR_OF = {
    "operational": "none",
    "under_maintenance": "maintenance",
    "degraded_performance": "minor",
    "partial_outage": "major",
    "major_outage": "critical",
}


@dataclass(frozen=True)
class PublicUpdate:
    """An update as published. ``automatic`` ones (a maintenance starting or ending) have
    no text of their own: the page words them in its language."""

    id: str
    status: str
    body: str
    body_en: str
    at: float
    changes: tuple[Change, ...] = ()
    automatic: bool = False


@dataclass(frozen=True)
class PublicNotice:
    """A published incident or maintenance notice as the page shows it (updates oldest first).

    ``status`` is the current one: for a maintenance, derived from its times.
    """

    id: str
    kind: str
    title: str
    title_en: str
    impact: str
    status: str
    started_at: float
    ends_at: float | None
    resolved_at: float | None
    created_at: float
    updated_at: float
    components: dict[str, str] = field(default_factory=dict)
    updates: tuple[PublicUpdate, ...] = ()

    @property
    def open(self) -> bool:
        """An incident not resolved, or a maintenance not completed."""
        return self.status not in ("resolved", "completed")


@dataclass(frozen=True)
class ComponentView:
    """A public component: its names, its public status now, its days."""

    component: PublicComponent
    status: str
    history: DailyHistory

    @property
    def id(self) -> str:
        """The component's id (the badge's and the JSON's)."""
        return self.component.id


@dataclass(frozen=True)
class StatusPage:
    """Everything the public pages, the JSON, the feed and the badges show."""

    config: StatusConfig
    timezone: ZoneInfo
    generated_at: float
    days: tuple[date, ...]
    components: tuple[ComponentView, ...]
    notices: tuple[PublicNotice, ...]

    @property
    def incidents(self) -> list[PublicNotice]:
        """Published incidents, newest first."""
        return [n for n in self.notices if n.kind == INCIDENT]

    @property
    def unresolved(self) -> list[PublicNotice]:
        """Incidents in progress, newest first."""
        return [n for n in self.incidents if n.open]

    @property
    def maintenances(self) -> list[PublicNotice]:
        """Maintenance notices, newest first."""
        return [n for n in self.notices if n.kind == MAINTENANCE]

    @property
    def upcoming(self) -> list[PublicNotice]:
        """Maintenance announced and not started, soonest first."""
        return sorted((n for n in self.maintenances if n.status == "scheduled"), key=lambda n: n.started_at)

    @property
    def active_maintenances(self) -> list[PublicNotice]:
        """Maintenance in progress (or being verified)."""
        return [n for n in self.maintenances if n.status in ("in_progress", "verifying")]

    @property
    def indicator(self) -> str:
        """The overall state: the worst of the open incidents' impacts and the components'
        public statuses (``maintenance`` while a maintenance runs and nothing is worse)."""
        found = [n.impact for n in self.unresolved if n.impact != "maintenance"]
        found += [_INDICATOR_OF[c.status] for c in self.components]
        return max(found, key=INDICATORS.index, default="none")

    @property
    def updated_at(self) -> float:
        """When something published last changed (the feed's and the JSON's date)."""
        return max((n.updated_at for n in self.notices), default=self.generated_at)

    def local(self, ts: float) -> datetime:
        """An instant in the page's time zone."""
        return datetime.fromtimestamp(ts, self.timezone)

    def month_of(self, notice: PublicNotice) -> str:
        """The local month (``YYYY-MM``) a notice started in: its history page."""
        return self.local(notice.started_at).strftime("%Y-%m")

    def months(self) -> list[str]:
        """The months with a history page: each month with a notice, and the current one, newest first."""
        found = {self.month_of(n) for n in self.notices}
        found.add(self.local(self.generated_at).strftime("%Y-%m"))
        return sorted(found, reverse=True)

    def groups(self) -> list[tuple[PublicComponent, list[ComponentView]]]:
        """Components by group, in the configured order (a group's first member sets its place;
        components without a group stand alone, each as its own group of one)."""
        out: list[tuple[PublicComponent, list[ComponentView]]] = []
        by_group: dict[str, list[ComponentView]] = {}
        for view in self.components:
            name = view.component.group
            if name and name in by_group:
                by_group[name].append(view)
                continue
            members = [view]
            if name:
                by_group[name] = members
            out.append((view.component, members))
        return out


def build_page(store: Store | None, probes: ProbesConfig, config: StatusConfig, now: float) -> StatusPage:
    """The page at ``now`` from the store (None: no store yet, so no data and nothing published)."""
    tz = probes.timezone
    days = local_days(datetime.fromtimestamp(now, tz).date(), config.days)
    stored = [] if store is None else read_notices(store.db.conn)
    public_ids = [c.id for c in config.components]
    notices = [_published(n, now) for n in stored]
    notices += _window_notices(probes.maintenance, public_ids, tz, days, config.announce, now)
    notices.sort(key=lambda n: (n.started_at, n.id), reverse=True)
    views = []
    for comp in config.components:
        history = (
            daily_history(store, probes, probes.component(comp.id), days, now)
            if store is not None
            else _no_history(days)
        )
        views.append(ComponentView(comp, _public_status(comp.id, notices), history))
    return StatusPage(config, tz, now, tuple(days), tuple(views), tuple(notices))


def _no_history(days: Sequence[date]) -> DailyHistory:
    return DailyHistory(tuple(Day(d, "nodata", None, 0.0, 0.0, 0.0, None) for d in days), None, 0.0)


def _public_status(component: str, notices: Sequence[PublicNotice]) -> str:
    found = [
        n.components[component]
        for n in notices
        if n.open and component in n.components and (n.kind == INCIDENT or n.status != "scheduled")
    ]
    return max(found, key=COMPONENT_STATUSES.index, default="operational")


def _published(notice: Notice, now: float) -> PublicNotice:
    updates = [
        PublicUpdate(str(u.id), u.status, u.body, u.body_en, u.at, u.changes)
        for u in notice.updates
        if u.at <= now
    ]
    # A draft made public later still shows as news in feeds: dated no earlier than publication.
    updated = max([notice.updated_at, notice.published_at or 0.0])
    if notice.kind == INCIDENT:
        components = dict(notice.components)
        return PublicNotice(
            str(notice.id),
            notice.kind,
            notice.title,
            notice.title_en,
            notice.impact,
            notice.status,
            notice.started_at,
            None,
            notice.resolved_at,
            notice.created_at,
            updated,
            components,
            tuple(updates),
        )
    end = notice.resolved_at if notice.resolved_at is not None else notice.ends_at
    assert end is not None
    status, automatic = _maintenance_status(str(notice.id), notice.started_at, end, now, notice.status)
    if notice.resolved_at is not None:
        automatic = [u for u in automatic if u.status != "completed"]
    return PublicNotice(
        str(notice.id),
        notice.kind,
        notice.title,
        notice.title_en,
        "maintenance",
        status,
        notice.started_at,
        notice.ends_at,
        notice.resolved_at,
        notice.created_at,
        max([updated, *(u.at for u in automatic)]),
        dict.fromkeys(notice.components, "under_maintenance"),
        tuple(sorted([*updates, *automatic], key=lambda u: u.at)),
    )


def _maintenance_status(
    notice_id: str, start: float, end: float, now: float, stored: str
) -> tuple[str, list[PublicUpdate]]:
    """The status by the clock and the automatic updates reached so far."""
    automatic = []
    if start <= now:
        automatic.append(PublicUpdate(f"{notice_id}-start", "in_progress", "", "", start, automatic=True))
    if end <= now:
        automatic.append(PublicUpdate(f"{notice_id}-end", "completed", "", "", end, automatic=True))
        return "completed", automatic
    if start <= now:
        return ("verifying" if stored == "verifying" else "in_progress"), automatic
    return "scheduled", automatic


def _window_notices(
    windows: Sequence[MaintenanceWindow],
    public: Sequence[str],
    tz: ZoneInfo,
    days: Sequence[date],
    announce: float,
    now: float,
) -> list[PublicNotice]:
    """The occurrences of public ``[[maintenance]]`` windows shown at ``now``: those started in
    the days shown, and those starting within ``announce``."""
    first = datetime.combine(days[0], datetime.min.time(), tz).timestamp()
    out = []
    for window in windows:
        components = [c for c in public if applies_to(window, c)]
        if not window.public or not components:
            continue
        # Read a week wider on each side: a span cut at the edge of the range is not a start.
        for start, end in window_spans(window, first - 8 * 86400, now + announce + 8 * 86400, tz):
            if not first <= start <= now + announce:
                continue
            key = f"{window.id}-{datetime.fromtimestamp(start, tz):%Y%m%d%H%M}"
            announced = max(first, start - announce)
            status, automatic = _maintenance_status(key, start, end, now, "scheduled")
            text = window.reason
            scheduled = PublicUpdate(
                f"{key}-scheduled", "scheduled", text, text, announced, automatic=not text
            )
            out.append(
                PublicNotice(
                    id=key,
                    kind=MAINTENANCE,
                    title=window.reason,
                    title_en=window.reason,
                    impact="maintenance",
                    status=status,
                    started_at=start,
                    ends_at=end,
                    resolved_at=None,
                    created_at=announced,
                    updated_at=max([announced, *(u.at for u in automatic)]),
                    components=dict.fromkeys(components, "under_maintenance"),
                    updates=(scheduled, *automatic),
                )
            )
    return out
