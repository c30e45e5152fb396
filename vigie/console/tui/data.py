"""What the console reads, gathered into immutable snapshots off the UI thread.

The app calls :meth:`ConsoleData.load_live` from a Textual thread worker; nothing here
touches widgets. A lock keeps one read at a time on the SQLite connection, so a refresh
that outlives its interval is never doubled by the next one.
"""

from __future__ import annotations

import sqlite3
import threading
from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from vigie.accounting.figures import SlaFigures
from vigie.accounting.incidents import Incident
from vigie.accounting.results import ProbeResult, Status
from vigie.accounting.state import CurrentState
from vigie.accounting.timeline import DEFAULT_INTERVAL
from vigie.console.measurements import open_store, source_name
from vigie.console.settings import Settings
from vigie.kernel.problems import ConfigError
from vigie.kernel.text.language import Language
from vigie.probes.capacity import CapacityWindow
from vigie.probes.checks.fileflow import FileflowFacts, read_detail
from vigie.probes.config import Component, ProbeConfig
from vigie.probes.db import SchemaError
from vigie.probes.sources import AgentStores, EngineError, MetricsSource
from vigie.probes.state import stored_states
from vigie.probes.store import Store
from vigie.probes.storelock import holder
from vigie.probes.tickets.store import TicketStore
from vigie.reports import periods
from vigie.reports.frozen import frozen_month
from vigie.reports.sla import compute_sla
from vigie.reports.tickets import Period, TicketStats, ticket_stats, year_before

if TYPE_CHECKING:
    import networkx as nx

    from vigie.catalog.homologation import RegisterEntry
    from vigie.catalog.lifecycle import Finding, GroupProgress
    from vigie.catalog.model import Application, Catalog
    from vigie.probes.promql import PromQLSource

RECENT_WINDOW_S = 15 * 60.0
"""How far back the state, the current latency and the latency sparkline look."""

FLOW_WINDOW_S = 24 * 3600.0
"""The span of the throughput sparkline."""

LONG_SLA_EVERY_S = 10.0
"""How often the month-to-date and 30-day figures are recomputed while results arrive
(today's: on every refresh that brings new results)."""

IDLE_SLA_EVERY_S = 60.0
"""With no new result, figures still move with the clock (time without data, midnight, the
first of the month): they are recomputed this often."""

IDLE_FLOWS_EVERY_S = 60.0
"""The 24 h throughput sparkline slides with the clock: redrawn this often with no new result."""


@dataclass(frozen=True)
class ComponentRow:
    """One component as the availability tab shows it."""

    id: str
    name: str
    target: float
    state: Status
    latency_ms: float | None
    last_ts: float | None
    detail: str
    latencies: tuple[float | None, ...]
    site_down: str = ""  # "vu en panne depuis lyon seulement": some sites only, no quorum


@dataclass(frozen=True)
class SlaView:
    """A component's SLA figures today, this month so far and over the last 30 days,
    with this month's incidents."""

    today: SlaFigures
    month: SlaFigures
    rolling: SlaFigures
    incidents: tuple[Incident, ...]
    # When this month's figures were frozen (a past month seen with --as-of), else None.
    month_frozen_at: float | None = None

    @property
    def budget_left_ratio(self) -> float | None:
        """Share of this month's error budget still left (negative when overspent)."""
        if self.month is None or not self.month.budget_s:
            return None
        return self.month.budget_remaining_s / self.month.budget_s


@dataclass(frozen=True)
class FileBacklog:
    """What a file-flow probe last measured: its state and its counts, which the console
    words itself (None when the detail is not the check's wording, e.g. a failure's reason)."""

    status: Status
    facts: FileflowFacts | None


@dataclass(frozen=True)
class FlowRow:
    """Throughput of one component against its nominal capacity."""

    id: str
    name: str
    unit: str
    per: str
    capacity_per_s: float | None
    rate_per_s: float | None
    hourly: tuple[float | None, ...]
    backlog: tuple[FileBacklog, ...]  # one per file-flow probe with a fresh reading
    # The rate over the capacity's window (as the daemon's capacity alerts judge it).
    window_rate_per_s: float | None = None
    window_s: float | None = None

    @property
    def utilisation(self) -> float | None:
        """The rate over the capacity's window, over nominal capacity (None when unknown)."""
        if self.window_rate_per_s is None or not self.capacity_per_s:
            return None
        return self.window_rate_per_s / self.capacity_per_s


@dataclass(frozen=True)
class LiveSnapshot:
    """Everything read from the store in one refresh."""

    taken_at: float
    store_path: Path
    store_state: str  # "ok", "missing", "empty" or "error"
    error: str = ""
    last_ts: float | None = None
    components: tuple[ComponentRow, ...] = ()
    flows: tuple[FlowRow, ...] = ()
    recent: dict[str, tuple[ProbeResult, ...]] = field(default_factory=dict)
    # Read through an engine ([measurements] source = "prometheus"): its URL, and why it did
    # not answer (the figures shown are then the last ones it gave, marked stale).
    source: str = ""
    source_error: str = ""
    stale_since: float | None = None
    # The pid of the daemon holding the store's lock (0: pid unreadable; None: no daemon).
    daemon: int | None = None


@dataclass(frozen=True)
class TicketsSnapshot:
    """This month's ticket figures by application and by channel, and the monthly trend."""

    state: str  # "ok", "missing" (no store), "empty" (no ticket) or "error"
    error: str = ""
    by_application: TicketStats | None = None
    by_channel: TicketStats | None = None
    by_month: TicketStats | None = None


def ticket_periods(now: float, zone: ZoneInfo) -> tuple[Period, Period]:
    """This month, and the twelve months ending with it, as ticket-statistics periods."""
    month = periods.current_month(zone, datetime.fromtimestamp(now, zone))
    first = month.start
    for _ in range(11):
        first = periods.current_month(zone, first - timedelta(days=1)).start
    trend = periods.between(first, month.end, zone)
    return (
        Period(month.start, month.end, month.label),
        Period(trend.start, trend.end, f"{first:%Y-%m}..{month.label}"),
    )


@dataclass(frozen=True)
class CatalogSnapshot:
    """The catalog and what the console derives from it, as of one day."""

    state: str  # "ok", "unconfigured", "missing" or "error"
    path: Path | None = None
    error: str = ""
    as_of: date | None = None
    catalog: Catalog | None = None
    graph: nx.DiGraph | None = None
    register: tuple[RegisterEntry, ...] = ()
    progress: tuple[GroupProgress, ...] = ()
    retiring: tuple[Application, ...] = ()
    findings: tuple[Finding, ...] = ()
    stamp: float = 0.0  # newest modification time of the catalog files


def catalog_stamp(path: Path) -> float:
    """Newest modification time of the catalog's files (0 when absent)."""
    try:
        if path.is_dir():
            return max((f.stat().st_mtime for f in path.iterdir() if f.is_file()), default=0.0)
        return path.stat().st_mtime
    except OSError:
        return 0.0


def read_catalog(path: Path | None, as_of: date) -> CatalogSnapshot:
    """Load and validate the catalog, then derive the register, progress and the map."""
    # Imported here, not at the top: the console's start reads no catalog before its first
    # rows are on screen, and these modules were a twentieth of its CPU.
    from vigie.catalog import homologation, lifecycle
    from vigie.catalog.graph import build_graph
    from vigie.catalog.lifecycle import DecomState
    from vigie.catalog.loader import load_catalog

    if path is None:
        return CatalogSnapshot("unconfigured")
    if not path.exists():
        return CatalogSnapshot("missing", path)
    stamp = catalog_stamp(path)
    try:
        catalog = load_catalog(path)
    except ConfigError as exc:
        first = exc.problems[0] if exc.problems else ""
        more = f" (+{len(exc.problems) - 1})" if len(exc.problems) > 1 else ""
        return CatalogSnapshot("error", path, error=f"{first}{more}", stamp=stamp)
    retiring = sorted(
        (
            a
            for a in lifecycle.scope(catalog)
            if lifecycle.decom_state(a, as_of) is not DecomState.SWITCHED_OFF
        ),
        key=lambda a: (a.lifecycle.decommission_on or date.max, a.id),
    )
    return CatalogSnapshot(
        "ok",
        path,
        as_of=as_of,
        catalog=catalog,
        graph=build_graph(catalog),
        register=tuple(homologation.register(catalog, as_of)),
        progress=tuple(lifecycle.progress(catalog, as_of, by="ministry")),
        retiring=tuple(retiring),
        findings=tuple(lifecycle.integrity(catalog, as_of)),
        stamp=stamp,
    )


@dataclass(frozen=True)
class TodaySla:
    """Today's figures alone: cheap enough for the first frame, before the month's."""

    figures: dict[str, SlaFigures]


@dataclass(frozen=True)
class FirstRead:
    """The console's first read: the snapshot and today's figures, painted together (today's
    figures are None through an engine: its queries would hold the rows back)."""

    live: LiveSnapshot
    today: TodaySla | None


StoreVersion = tuple[int, float | None]
"""What changes when anyone writes the store: SQLite's data_version and the newest result."""


def store_version(store: Store) -> StoreVersion:
    """The store's current version (two cheap reads: a pragma and an indexed max)."""
    # data_version moves on every commit of another connection; the console never writes.
    return store.data_version(), store.last_ts()


def live_deadline(
    recent: dict[str, list[ProbeResult]], intervals: dict[str, float], now: float, window: float
) -> float:
    """When a snapshot built from ``recent`` at ``now`` goes stale with no new result: the
    next time a latest result stops standing for its probe (twice its interval), or the
    oldest one leaves the window."""
    times = []
    for results in recent.values():
        if not results:
            continue
        times.append(results[0].ts + window)
        latest: dict[str, float] = {}
        for result in results:
            latest[result.probe] = result.ts
        for probe, ts in latest.items():
            times.append(ts + 2 * intervals.get(probe, DEFAULT_INTERVAL))
    return min((t for t in times if t > now), default=float("inf"))


class ConsoleData:
    """Reads the store for the console; safe to call from worker threads, one at a time."""

    def __init__(self, settings: Settings, source: str | None = None) -> None:
        self.settings = settings
        self.store_path = settings.store_path()
        self._store: Store | None = None
        self._lock = threading.Lock()
        self._source = source
        self._results: Results = Results(settings, source)
        self._lang = Language(settings.language)
        self._probes: dict[str, list[ProbeConfig]] = defaultdict(list)
        self._intervals: dict[str, float] = {}
        self._index(settings)
        # What the last reads returned, with the store version they were read at: a refresh
        # with nothing new hands back the same objects, and the UI repaints nothing.
        self._live: tuple[StoreVersion, float, LiveSnapshot] | None = None
        self._long_sla: dict[str, SlaView] = {}
        self._long_sla_at = 0.0
        self._sla_version: StoreVersion | None = None
        self._today_at = 0.0

    def _index(self, settings: Settings) -> None:
        # Probes by component, once: a refresh looks them up for every component.
        self._probes = defaultdict(list)
        for probe in settings.probes.probes:
            self._probes[probe.component].append(probe)
        self._intervals = {p.id: p.interval for p in settings.probes.probes}

    @property
    def through_engine(self) -> bool:
        """Whether results are read through the engine (Prometheus) rather than the store."""
        return self._results.engine is not None

    def reconfigure(self, settings: Settings) -> None:
        """Take a configuration read again (components, probes, targets, windows): the next
        refresh reads everything with it."""
        with self._lock:
            self.settings = settings
            self._index(settings)
            self._results.close()
            self._results = Results(settings, self._source)
            self._live = None
            self._long_sla = {}
            self._sla_version = None

    def close(self) -> None:
        """Close the store connection (and the engine's, the agents' stores), if open."""
        with self._lock:
            self._results.close()
            if self._store is not None:
                self._store.close()
                self._store = None

    def _open(self) -> Store | None:
        # Never create the store: an absent file is the daemon's job, shown as a message.
        # With an engine no daemon writes here: the store only keeps frozen months and tickets.
        if self._store is None and (self.store_path.exists() or self._results.engine is not None):
            self._store = open_store(self.settings)
        return self._store

    def load_live(self, now: float) -> LiveSnapshot:
        """Read the current state of every component and flow."""
        with self._lock:
            try:
                store = self._open()
                if store is None:
                    return LiveSnapshot(now, self.store_path, "missing")
                if self._results.engine is not None:
                    return self._engine_live(store, now)
                with store.snapshot():
                    version = store_version(store)
                    if self._live is not None:
                        seen, until, snapshot = self._live
                        if seen == version and now < until:
                            return self._with_daemon(snapshot)
                    snapshot, until = self._read_live(store, now)
                    self._live = (version, until, snapshot)
                    return self._with_daemon(snapshot)
            except (SchemaError, sqlite3.Error, OSError) as exc:
                # Shown in place of the tables: the console keeps running and retries.
                return LiveSnapshot(now, self.store_path, "error", error=str(exc))

    def _with_daemon(self, snapshot: LiveSnapshot) -> LiveSnapshot:
        """The snapshot with the daemon as its lock says now (a killed daemon shows at once,
        whatever the age of its last result)."""
        daemon = holder(self.store_path)
        return snapshot if daemon == snapshot.daemon else replace(snapshot, daemon=daemon)

    def load_catalog(self, now: float, previous: CatalogSnapshot | None) -> CatalogSnapshot:
        """The catalog snapshot; ``previous`` is kept when no file changed since (same day)."""
        path = self.settings.catalog.path
        as_of = datetime.fromtimestamp(now, self.settings.timezone).date()
        if (
            previous is not None
            and path is not None
            and previous.path == path
            and previous.as_of == as_of
            and previous.stamp == catalog_stamp(path)
        ):
            return previous
        return read_catalog(path, as_of)

    def load_tickets(self, now: float) -> TicketsSnapshot:
        """This month's tickets by application and channel, and twelve months by month."""
        if not self.store_path.exists():
            return TicketsSnapshot("missing")
        zone = self.settings.timezone
        month, trend = ticket_periods(now, zone)
        try:
            with TicketStore(self.store_path, self.settings.probes.store.busy_timeout) as store:
                tickets = list(store.for_period(year_before(trend.start), month.end))
        except (SchemaError, sqlite3.Error, OSError) as exc:
            return TicketsSnapshot("error", error=str(exc))
        if not tickets:
            return TicketsSnapshot("empty")
        return TicketsSnapshot(
            "ok",
            by_application=ticket_stats(tickets, month, by="application", timezone=zone),
            by_channel=ticket_stats(tickets, month, by="channel", timezone=zone),
            by_month=ticket_stats(tickets, trend, by="month", timezone=zone),
        )

    def load_today(self, now: float) -> TodaySla:
        """Every component's availability today alone (the first frame's figures)."""
        today = self._periods(now)[0]
        config = self.settings.probes
        with self._lock:
            try:
                store = self._open()
                if store is None:
                    return TodaySla({})
                with store.snapshot():
                    if store.last_ts() is None and self._results.engine is None:
                        return TodaySla({})
                    results = self._results.of(store)
                    return TodaySla(
                        {c.id: compute_sla(results, config, c, today, now).figures for c in config.components}
                    )
            except (SchemaError, sqlite3.Error, OSError, EngineError):
                return TodaySla({})

    def _periods(self, now: float) -> tuple[periods.Period, periods.Period, periods.Period]:
        zone = self.settings.timezone
        moment = datetime.fromtimestamp(now, zone)
        midnight = moment.replace(hour=0, minute=0, second=0, microsecond=0)
        return (
            periods.between(midnight, midnight + timedelta(days=1), zone),
            periods.current_month(zone, moment),
            periods.between(moment - timedelta(days=30), moment, zone),
        )

    def load_sla(self, now: float, full: bool = False) -> dict[str, SlaView]:
        """Every component's availability today, this month so far and over 30 days (from
        the rollups), with this month's incidents. Empty when the store is absent or empty.

        Today is recomputed when new results arrived; the month and the 30 days, which one
        refresh barely moves, every ``LONG_SLA_EVERY_S`` or when ``full`` (a state changed).
        With nothing new, both every ``IDLE_SLA_EVERY_S``, and the previous dict itself is
        returned in between."""
        today, month, rolling = self._periods(now)
        config = self.settings.probes
        views: dict[str, SlaView] = {}
        with self._lock:
            try:
                store = self._open()
                if store is None:
                    return views
                with store.snapshot():
                    version = store_version(store)
                    engine = self._results.engine is not None
                    if version[1] is None and not engine:
                        return views
                    results = self._results.of(store)
                    # The engine's figures move with the agents, whatever this store does.
                    idle = version == self._sla_version and not engine
                    if self._long_sla and not full and idle and now - self._today_at < IDLE_SLA_EVERY_S:
                        return self._long_sla
                    every = IDLE_SLA_EVERY_S if idle else LONG_SLA_EVERY_S
                    long = full or not self._long_sla or now - self._long_sla_at >= every
                    # A frozen month is shown as frozen, as `vigie sla` and the reports show it.
                    frozen = frozen_month(store, month) if long else {}
                    for comp in config.components:
                        day = compute_sla(results, config, comp, today, now).figures
                        cached = self._long_sla.get(comp.id)
                        if long or cached is None:
                            this_month = frozen.get(comp.id) or compute_sla(results, config, comp, month, now)
                            views[comp.id] = SlaView(
                                today=day,
                                month=this_month.figures,
                                rolling=compute_sla(results, config, comp, rolling, now).figures,
                                incidents=tuple(this_month.incidents),
                                month_frozen_at=this_month.frozen_at,
                            )
                        else:
                            views[comp.id] = replace(cached, today=day)
                    if long:
                        self._long_sla_at = now
                    self._today_at = now
                    self._sla_version = version
                    self._long_sla = views
            except (SchemaError, sqlite3.Error, OSError):
                return {}  # the live refresh reports store errors in place
            except EngineError:
                return self._long_sla  # the last figures; the live refresh says the source is down
        return views

    def _read_live(self, store: Store, now: float) -> tuple[LiveSnapshot, float]:
        """The snapshot, and until when it holds if no new result arrives."""
        last_ts = store.last_ts()
        if last_ts is None:
            return LiveSnapshot(now, self.store_path, "empty"), float("inf")
        probes = self.settings.probes.probes
        longest = max((p.interval for p in probes), default=DEFAULT_INTERVAL)
        window = max(RECENT_WINDOW_S, 2.5 * longest)
        recent: dict[str, list[ProbeResult]] = defaultdict(list)
        for result in store.results(start=now - window):
            recent[result.component].append(result)
        # The state by the accounting's rules, as the daemon's alerts and /metrics see it.
        states = stored_states(self._results.of(store), self.settings.probes, now)
        rows = tuple(
            self._component_row(c, recent.get(c.id, []), states[c.id])
            for c in self.settings.probes.components
        )
        flows = tuple(self._flow_rows(store, now))
        until = live_deadline(recent, self._intervals, now, window)
        if flows:
            until = min(until, now + IDLE_FLOWS_EVERY_S)
        snapshot = LiveSnapshot(
            now,
            self.store_path,
            "ok",
            last_ts=last_ts,
            components=rows,
            flows=flows,
            recent={k: tuple(v) for k, v in recent.items()},
        )
        return snapshot, until

    def _probes_of(self, component: str, role: str) -> list[ProbeConfig]:
        return [p for p in self._probes.get(component, ()) if p.role == role]

    def _component_row(
        self, comp: Component, results: list[ProbeResult], current: CurrentState
    ) -> ComponentRow:
        probes = {p.id for p in self._probes_of(comp.id, "availability")}
        mine = [r for r in results if r.probe in probes or not probes]
        last = mine[-1] if mine else None  # results come oldest first
        return ComponentRow(
            id=comp.id,
            name=comp.name,
            target=comp.target,
            state=current.state,
            latency_ms=last.latency_ms if last else None,
            last_ts=last.ts if last else None,
            detail=current.detail or (last.detail if last else ""),
            latencies=tuple(r.latency_ms for r in mine),
            site_down=self._site_down(current),
        )

    def _site_down(self, current: CurrentState) -> str:
        """ "Seen down from lyon only", when some sites see it down without a quorum."""
        if not current.site_down:
            return ""
        return self._lang.t("state.site_down", agents=", ".join(current.site_down))

    def _engine_live(self, store: Store, now: float) -> LiveSnapshot:
        """The states through the engine (the flows from the store); the last snapshot, marked
        stale, when the engine does not answer."""
        engine = self._results.engine
        assert engine is not None
        try:
            states = stored_states(engine, self.settings.probes, now, engine.delay)
        except EngineError as exc:
            previous = self._live[2] if self._live is not None else None
            if previous is None:
                return LiveSnapshot(
                    now, self.store_path, "ok", source=engine.url, source_error=str(exc), stale_since=now
                )
            return replace(
                previous, source_error=str(exc), stale_since=previous.stale_since or previous.taken_at
            )
        rows = tuple(self._component_row(c, [], states[c.id]) for c in self.settings.probes.components)
        with store.snapshot():
            flows = tuple(self._flow_rows(store, now))
        snapshot = LiveSnapshot(now, self.store_path, "ok", components=rows, flows=flows, source=engine.url)
        self._live = (store_version(store), now, snapshot)
        return snapshot

    def _flow_rows(self, store: Store, now: float) -> list[FlowRow]:
        rows = []
        for comp in self.settings.probes.components:
            # File-flow probes measure arrivals per second whatever their role.
            throughput = [
                p for p in self._probes.get(comp.id, ()) if p.role == "throughput" or p.kind == "fileflow"
            ]
            if comp.capacity is None and not throughput:
                continue
            hourly_sum = [0.0] * 24
            hourly_n = [0] * 24
            rates: list[float] = []
            backlog: list[FileBacklog] = []
            start = now - FLOW_WINDOW_S
            window = None if comp.capacity is None else CapacityWindow(comp.capacity)
            for probe in throughput:
                last: ProbeResult | None = None
                for result in store.results(comp.id, start=start, probe=probe.id):
                    last = result
                    if result.value is None:
                        continue
                    if window is not None and result.ts > now - window.window:
                        window.add(result.ts, result.value, probe.interval)
                    slot = min(23, int((result.ts - start) // 3600))
                    hourly_sum[slot] += result.value
                    hourly_n[slot] += 1
                if last is None or now - last.ts > 2 * probe.interval:
                    continue  # no fresh reading: the rate is unknown, not zero
                if last.value is not None:
                    rates.append(last.value)
                if probe.kind == "fileflow":
                    # The stored detail is the probe's English sentence: read its counts back.
                    backlog.append(FileBacklog(last.status, read_detail(last.detail)))
            hourly = tuple(s / n if n else None for s, n in zip(hourly_sum, hourly_n, strict=True))
            capacity = comp.capacity
            rows.append(
                FlowRow(
                    id=comp.id,
                    name=comp.name,
                    unit=capacity.unit if capacity else "",
                    per=capacity.per if capacity else "second",
                    capacity_per_s=capacity.per_second if capacity else None,
                    rate_per_s=sum(rates) if rates else None,
                    hourly=hourly,
                    backlog=tuple(backlog),
                    window_rate_per_s=None if window is None or not throughput else window.rate(now),
                    window_s=None if window is None else window.window,
                )
            )
        return rows


class Results:
    """Where the console reads probe results: the store (with the agents' stores found next to
    the config), or the engine when ``[measurements] source`` (or ``--source``) says prometheus."""

    def __init__(self, settings: Settings, choice: str | None) -> None:
        self.settings = settings
        self.engine: PromQLSource | None = None
        if source_name(settings, choice) == "prometheus":
            # requests and the PromQL client are loaded only for a console on the engine.
            from vigie.probes.promql import PromClient, PromQLSource

            self.engine = PromQLSource(PromClient(settings.measurements), settings.probes)
        self._agents: AgentStores | None = None

    def of(self, store: Store) -> MetricsSource:
        """The source to account from, ``store`` being this machine's."""
        if self.engine is not None:
            return self.engine
        if self._agents is None or self._agents.store is not store:
            found = {}
            for agent in self.settings.probes.agents:
                path = self.settings.file.parent / agent.store_file
                if path.exists():
                    found[agent.name] = Store.of_config(self.settings.probes, path)
            self._agents = AgentStores(store, found)
        return self._agents if self._agents.agents else store

    def close(self) -> None:
        """Close the agents' stores and the engine's session."""
        if self._agents is not None:
            self._agents.close()
            self._agents = None
        if self.engine is not None:
            self.engine.close()
