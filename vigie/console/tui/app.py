"""The console application: header, seven tabs, footer; refreshes in thread workers."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import App, ComposeResult, SystemCommand
from textual.command import CommandPalette, Provider
from textual.screen import Screen
from textual.widgets import Footer, Input, TabbedContent, TabPane
from textual.worker import Worker, WorkerState

from vigie.accounting.figures import SlaFigures
from vigie.accounting.incidents import Incident
from vigie.accounting.results import Status
from vigie.console.errors import UserError
from vigie.console.settings import Settings, load_settings
from vigie.console.tui.alerts import AlertsScreen, AlertsSnapshot, header_part, load_alerts
from vigie.console.tui.base import ConsoleTab
from vigie.console.tui.commands import ConsoleCommands, Palette
from vigie.console.tui.component import ComponentScreen
from vigie.console.tui.data import (
    CatalogSnapshot,
    ConsoleData,
    FirstRead,
    LiveSnapshot,
    SlaView,
    TicketsSnapshot,
    TodaySla,
)
from vigie.console.tui.fitline import FitLine, Part
from vigie.console.tui.keys import KEYS, TAB_IDS
from vigie.console.tui.screens import HelpScreen, MonthReportScreen
from vigie.console.tui.tab_availability import AvailabilityTab
from vigie.console.tui.tabbar import ConsoleTabs, tab_titles
from vigie.console.tui.table import ALWAYS, MAIN, SECONDARY, ConsoleTable
from vigie.kernel.gcpause import started
from vigie.kernel.problems import ConfigError
from vigie.kernel.text.language import Language

DEFAULT_INTERVAL = 2.0
START_GRACE_S = 2.0
"""The start is over after this long even if today's figures never came (see _start_over)."""
SLOW_INTERVAL = 60.0
"""Tickets and the catalog change slowly: read them once a minute, whatever the refresh."""
INTERVALS = (0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0)
ALERTS_EVERY = 10.0
"""Alerts are read this often (from Alertmanager, a network call, when one is configured)."""


class VigieApp(App[None]):
    """The operations console over the store, the catalog and the tickets."""

    CSS_PATH = "vigie.tcss"
    main: Screen[object]
    status: FitLine
    TITLE = "Vigie"
    COMMANDS: ClassVar[set[type[Provider] | Callable[[], type[Provider]]]] = App.COMMANDS | {ConsoleCommands}

    def __init__(
        self,
        settings: Settings,
        *,
        interval: float = DEFAULT_INTERVAL,
        clock: Callable[[], float] = time.time,
        source: str | None = None,
        as_of: date | None = None,
    ) -> None:
        super().__init__()
        # A console shown as of a past day (`--as-of`): its clock stands still at that day's end.
        self.as_of = as_of
        self.settings = settings
        self.lang = Language(settings.language)
        self.data = ConsoleData(settings, source)
        self.clock = clock
        self.interval = interval
        self.paused = False
        self.tab_ids = TAB_IDS
        self.live: LiveSnapshot | None = None
        self.sla: dict[str, SlaView] = {}
        self.sla_today: dict[str, SlaFigures] = {}
        self.catalog: CatalogSnapshot | None = None
        self.alerts: AlertsSnapshot | None = None
        self._sla_full_pending = False
        self._starting = True
        self.tickets: TicketsSnapshot | None = None
        self._tabs_ready = {"availability": asyncio.Event()}
        self._tabs_ready["availability"].set()
        # The configuration file as read: a change is read again at the next refresh.
        self._config_seen = self._config_stamp()
        for key in KEYS:
            if key.action is not None:
                self.bind(
                    key.keys,
                    key.action,
                    description=self.lang.t(f"tui.{key.footer or key.help}"),
                    show=key.footer is not None,
                    key_display=key.display,
                )

    # --- layout --------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        """Status line, tabs, filter bar, footer."""
        lang = self.lang
        titles = dict(zip(TAB_IDS, tab_titles(lang), strict=True))
        yield FitLine(separator="  │  ", id="status")
        with ConsoleTabs(lang, id="tabs", initial="availability"):
            with TabPane(titles["availability"], id="availability"):
                yield AvailabilityTab(lang, id="availability-tab")
            for tab in TAB_IDS[1:]:
                with TabPane(titles[tab], id=tab):
                    # Its body is built when it is first shown (see show_tab).
                    yield ConsoleTab(lang, id=f"{tab}-tab")
        yield Input(placeholder=lang.t("tui.msg.filter_placeholder"), id="filter")
        yield Footer()

    def _new_tab(self, tab: str) -> ConsoleTab:
        """A tab's body. Each module is imported here: a start that opens on the
        availability tab imports, builds and feeds none of the others."""
        lang = self.lang
        if tab == "flows":
            from vigie.console.tui.tab_flows import FlowsTab

            return FlowsTab(lang, id="flows-tab")
        if tab == "tickets":
            from vigie.console.tui.tab_tickets import TicketsTab

            return TicketsTab(lang, id="tickets-tab")
        if tab == "homologations":
            from vigie.console.tui.tab_homologations import HomologationsTab

            return HomologationsTab(lang, id="homologations-tab")
        if tab == "decom":
            from vigie.console.tui.tab_decom import DecomTab

            return DecomTab(lang, id="decom-tab")
        if tab == "map":
            from vigie.console.tui.tab_map import MapTab

            return MapTab(lang, id="map-tab")
        from vigie.console.flow_views import FlowWords
        from vigie.console.tui.tab_tracking import FlowSource, TrackingTab

        words = FlowWords(lang, self.settings.timezone)
        return TrackingTab(lang, FlowSource(self.settings), words, self.clock, id="tracking-tab")

    async def show_tab(self, tab: str) -> ConsoleTab:
        """The tab's body, built and given what the console has read the first time."""
        ready = self._tabs_ready.get(tab)
        if ready is None:
            ready = self._tabs_ready[tab] = asyncio.Event()
            pane = self.main.query_one(f"#{tab}", TabPane)
            await pane.query_one(ConsoleTab).remove()
            body = self._new_tab(tab)
            await pane.mount(body)
            if self.live is not None:
                body.show_live(self.live, self._store_message(self.live))
            if self.catalog is not None:
                body.show_catalog(self.catalog, self._catalog_message(self.catalog))
            if self.tickets is not None:
                body.show_tickets(self.tickets)
            ready.set()
        await ready.wait()
        return self.main.query_one(f"#{tab}-tab", ConsoleTab)

    def on_mount(self) -> None:
        """Start the refresh timer (it moves the header's clock too, as in htop), and read
        the data once right away."""
        # Widgets are looked up on the tabs' screen, whichever screen is on top.
        self.main = self.screen
        self.status = self.main.query_one("#status", FitLine)
        self.main.query_one("#availability-table", ConsoleTable).focus()
        self._timer = self.set_interval(self.interval, self._tick)
        self.set_interval(SLOW_INTERVAL, self._slow_tick)
        self.set_interval(ALERTS_EVERY, self._alerts_tick)
        self.update_status()
        self.read_first()
        self.set_timer(START_GRACE_S, self._start_over)

    def on_unmount(self) -> None:
        """Close the store."""
        self.data.close()

    # --- refresh -------------------------------------------------------------------------

    def _tick(self) -> None:
        if self.paused:
            self.update_status()
            return
        if self._config_stamp() != self._config_seen and not self._busy("config"):
            self.reread_config()
        # A refresh slower than the interval is not stacked up: the tick is skipped.
        if not self._busy("live"):
            self.refresh_live()
        if not self._busy("sla") and self.sla_today:
            self._start_sla()

    def _start_sla(self) -> None:
        full, self._sla_full_pending = self._sla_full_pending, False
        self.refresh_sla(full)

    def _busy(self, group: str) -> bool:
        return any(w.group == group and not w.is_finished for w in self.workers)

    def _config_stamp(self) -> tuple[int, int] | None:
        """The configuration file's modification time and size (None when unreadable)."""
        try:
            stat = self.settings.file.stat()
        except OSError:
            return None
        return (stat.st_mtime_ns, stat.st_size)

    @work(thread=True, exclusive=True, group="config", exit_on_error=False)
    def reread_config(self) -> Settings | ConfigError:
        """Read config.toml again after it changed (a reload of the daemon): the new
        settings, or why they cannot be used (the running ones stay)."""
        self._config_seen = self._config_stamp()
        try:
            return load_settings(self.settings.file)
        except ConfigError as exc:
            return exc

    def apply_config(self, settings: Settings | ConfigError) -> None:
        """Use a configuration read again, or say in one line why it is refused."""
        t = self.lang.t
        if isinstance(settings, ConfigError):
            problem = str(settings.problems[0]) if settings.problems else str(settings)
            self.notify(problem, title=t("tui.msg.config_refused"), severity="error", timeout=10)
            return
        self.settings = settings
        self.data.reconfigure(settings)
        self.notify(t("tui.msg.config_reloaded", config=settings.file))
        # A read under way is not cancelled: the next tick reads again with the new settings.
        if not self._busy("live"):
            self.refresh_live()
        if self._busy("sla"):
            self._sla_full_pending = True
        else:
            self.refresh_today()

    @work(thread=True, exclusive=True, group="live", exit_on_error=False)
    def read_first(self) -> FirstRead:
        """The rows and today's figures (cheap), read together so that the first rows are
        painted once, with today's column; the month, the 30 days, the tickets, the
        catalog and the alerts are read once they are on screen (see _start_over)."""
        now = self.clock()
        live = self.data.load_live(now)
        return FirstRead(live, None if self.data.through_engine else self.data.load_today(now))

    @work(thread=True, exclusive=True, group="live", exit_on_error=False)
    def refresh_live(self) -> LiveSnapshot:
        """Read the store (in a thread; the UI never waits on I/O)."""
        return self.data.load_live(self.clock())

    def _widgets_gone(self) -> bool:
        # While the app shuts down, timers and workers may still fire after the widgets went.
        # (A reference, not a query: a query walks the whole DOM, on every tick.)
        return not self.main.is_attached or not self.status.is_attached

    @work(thread=True, exclusive=True, group="sla", exit_on_error=False)
    def refresh_today(self) -> TodaySla:
        """Compute today's figures alone (in a thread)."""
        return self.data.load_today(self.clock())

    @work(thread=True, exclusive=True, group="sla", exit_on_error=False)
    def refresh_sla(self, full: bool = False) -> dict[str, SlaView]:
        """Compute the SLA figures from the rollups (in a thread)."""
        return self.data.load_sla(self.clock(), full)

    def _slow_tick(self) -> None:
        if not self.paused:
            self.refresh_slow()

    def refresh_slow(self) -> None:
        """Read what changes slowly (tickets), each in its own worker."""
        if not self._busy("tickets"):
            self.refresh_tickets()
        if not self._busy("catalog"):
            self.refresh_catalog()

    @work(thread=True, exclusive=True, group="catalog", exit_on_error=False)
    def refresh_catalog(self) -> CatalogSnapshot:
        """Load the catalog when its files changed (in a thread)."""
        return self.data.load_catalog(self.clock(), self.catalog)

    def apply_catalog(self, snapshot: CatalogSnapshot) -> None:
        """Show the catalog's tabs, or why they are empty."""
        if snapshot is self.catalog:
            return
        first, self.catalog = self.catalog is None, snapshot
        t = self.lang.t
        message = self._catalog_message(snapshot)
        for tab in self.main.query(ConsoleTab):
            tab.show_catalog(snapshot, message)
        if first and snapshot.state == "ok":
            from vigie.catalog.homologation import Status as HomologationStatus
            from vigie.catalog.homologation import status_counts

            counts = status_counts(snapshot.register)
            expired, expiring = counts[HomologationStatus.EXPIRED], counts[HomologationStatus.EXPIRING]
            if expired or expiring:
                self.notify(
                    t("tui.alert.homologations", expired=expired, expiring=expiring), severity="warning"
                )

    def _catalog_message(self, snapshot: CatalogSnapshot) -> str | None:
        """Why the catalog's tabs are empty (None when it was read)."""
        t = self.lang.t
        if snapshot.state == "unconfigured":
            return t("tui.msg.no_catalog", config=self.settings.file)
        if snapshot.state == "missing":
            return t("tui.msg.catalog_missing", path=snapshot.path)
        if snapshot.state == "error":
            return t("tui.msg.catalog_error", error=snapshot.error)
        return None

    @work(thread=True, exclusive=True, group="tickets", exit_on_error=False)
    def refresh_tickets(self) -> TicketsSnapshot:
        """Compute this month's ticket figures (in a thread)."""
        return self.data.load_tickets(self.clock())

    def _alerts_tick(self) -> None:
        if not self.paused and not self._busy("alerts"):
            self.refresh_alerts()

    @work(thread=True, exclusive=True, group="alerts", exit_on_error=False)
    def refresh_alerts(self) -> AlertsSnapshot:
        """Read the firing alerts (in a thread)."""
        return load_alerts(self.settings, self.clock())

    def apply_alerts(self, snapshot: AlertsSnapshot) -> None:
        """Show a new reading of the alerts (header, and the alerts view if open)."""
        self.alerts = snapshot
        self.update_status()
        if isinstance(self.screen, AlertsScreen):
            self.screen.show(snapshot)

    def action_alerts(self) -> None:
        """Show the alerts view."""
        if not isinstance(self.screen, AlertsScreen):
            self.push_screen(AlertsScreen(self.lang, self.settings, self.alerts))
            self.refresh_alerts()

    @on(AlertsScreen.Acknowledge)
    def _acknowledge(self, event: AlertsScreen.Acknowledge) -> None:
        self.acknowledge_alert(event.request.alert, event.request.text, event.request.ticket)

    @work(thread=True, group="ack", exit_on_error=False)
    def acknowledge_alert(self, alert: str, text: str, ticket: str | None) -> str:
        """Acknowledge an alert (in a thread); the notice to show."""
        from vigie.console.oncall import acknowledge, operator  # imported with load_alerts's

        try:
            _, silence = acknowledge(
                self.settings, alert, by=operator(), text=text, ticket=ticket, now=self.clock()
            )
        except UserError as exc:
            return f"✖ {exc}"
        until = datetime.fromtimestamp(silence.ends_at, self.settings.timezone)
        return self.lang.t("tui.alerts.acked", by=silence.created_by, until=self.lang.date_time(until))

    @on(Worker.StateChanged)
    def _worker_done(self, event: Worker.StateChanged) -> None:
        worker = event.worker
        if self._widgets_gone():
            return
        if event.state is WorkerState.SUCCESS:
            if isinstance(worker.result, FirstRead):
                if worker.result.today is None:
                    self.refresh_today()  # through the engine: the rows first, then today's
                else:
                    self.sla_today = worker.result.today.figures
                self.apply_live(worker.result.live)
                # The table lays the new rows out at its next idle moment and paints them at
                # the refresh after that one: the start is over after the second refresh.
                self.call_after_refresh(self.call_after_refresh, self._start_over)
            elif isinstance(worker.result, LiveSnapshot):
                self.apply_live(worker.result)
            elif isinstance(worker.result, TodaySla):
                self.apply_today(worker.result)
            elif worker.group == "sla" and isinstance(worker.result, dict):
                self.apply_sla(worker.result)
            elif isinstance(worker.result, CatalogSnapshot):
                self.apply_catalog(worker.result)
            elif isinstance(worker.result, TicketsSnapshot):
                self.tickets = worker.result
                for tab in self.main.query(ConsoleTab):
                    tab.show_tickets(worker.result)
            elif isinstance(worker.result, AlertsSnapshot):
                self.apply_alerts(worker.result)
            elif worker.group == "ack" and isinstance(worker.result, str):
                failed = worker.result.startswith("✖")
                self.notify(worker.result, severity="error" if failed else "information")
                self.refresh_alerts()
            elif worker.group == "config" and isinstance(worker.result, Settings | ConfigError):
                self.apply_config(worker.result)
            elif worker.group == "report" and isinstance(worker.result, Path):
                self.notify(self.lang.t("tui.msg.report_written", path=worker.result), title="Vigie")
        elif event.state is WorkerState.ERROR:
            self.notify(str(worker.error), title=self.lang.t("tui.msg.error"), severity="error")

    def apply_live(self, live: LiveSnapshot) -> None:
        """Show a new snapshot in every tab that depends on the store."""
        previous, self.live = self.live, live
        self.update_status()
        if previous is not None and (previous is live or _same_content(previous, live)):
            return  # nothing new in the store: nothing to repaint
        availability = self.main.query_one(AvailabilityTab)
        message = self._store_message(live)
        for tab in self.main.query(ConsoleTab):
            tab.show_live(live, message)
        if message is not None:
            availability.show_message(message)
        else:
            availability.update_live(live, self.sla, self.sla_today)
            self._alert_changes(previous, live)
            if previous is not None and _states(previous) != _states(live):
                # A new incident shows in the month's figures at once (or at the next tick).
                self._sla_full_pending = True
                if not self._busy("sla"):
                    self._start_sla()
        if isinstance(self.screen, ComponentScreen):
            self.screen.update_live(live, self._incidents_of(self.screen.component.id))

    def apply_today(self, today: TodaySla) -> None:
        """Show today's figures, then compute the month's and the 30 days' in a worker."""
        self.sla_today = today.figures
        if self.live is not None and self._store_message(self.live) is None and not self.sla:
            self.main.query_one(AvailabilityTab).update_live(self.live, self.sla, self.sla_today)
        self.refresh_sla(True)

    def _start_over(self) -> None:
        """The first rows are on screen (or the start took too long): the reads that would
        have shared the GIL with painting them begin, and the collector comes back on
        (:func:`started`)."""
        if not self._starting:
            return
        self._starting = False
        started()
        if not self._busy("sla"):  # through the engine, today's read starts the month's
            self.refresh_sla(True)
        self.refresh_slow()
        self.refresh_alerts()

    def apply_sla(self, sla: dict[str, SlaView]) -> None:
        """Show new SLA figures."""
        if sla is self.sla or sla == self.sla:
            return
        self.sla = sla
        if self.live is not None and self._store_message(self.live) is None:
            self.main.query_one(AvailabilityTab).update_live(self.live, sla, self.sla_today)
        if isinstance(self.screen, ComponentScreen) and self.live is not None:
            self.screen.update_live(self.live, self._incidents_of(self.screen.component.id))

    def _incidents_of(self, component: str) -> tuple[Incident, ...] | None:
        view = self.sla.get(component)
        return None if view is None else view.incidents

    def _store_message(self, live: LiveSnapshot) -> str | None:
        t = self.lang.t
        if live.store_state == "missing":
            return t("tui.msg.no_store", path=live.store_path)
        if live.store_state == "empty":
            return t("tui.msg.empty_store", path=live.store_path)
        if live.store_state == "error":
            return t("tui.msg.store_error", error=live.error)
        if not live.components:
            return t("tui.msg.no_components", config=self.settings.file)
        return None

    def _alert_changes(self, previous: LiveSnapshot | None, live: LiveSnapshot) -> None:
        # Only transitions alert: the first snapshot sets the scene silently.
        if previous is None or previous.store_state != "ok":
            return
        t = self.lang.t
        before = {c.id: c.state for c in previous.components}
        for comp in live.components:
            was = before.get(comp.id)
            if comp.state is Status.DOWN and was not in (None, Status.DOWN):
                self.notify(
                    t("tui.alert.down", name=comp.name, detail=comp.detail), severity="error", timeout=10
                )
            elif was is Status.DOWN and comp.state in (Status.UP, Status.DEGRADED):
                self.notify(t("tui.alert.recovered", name=comp.name))
        over_before = {f.id for f in previous.flows if (f.utilisation or 0) > 1}
        for flow in live.flows:
            ratio = flow.utilisation
            if ratio is not None and ratio > 1 and flow.id not in over_before:
                self.notify(
                    t("tui.alert.capacity", name=flow.name, ratio=self.lang.percent(ratio, 0, floor=False)),
                    severity="warning",
                    timeout=10,
                )

    def update_status(self) -> None:
        """The header line: time, daemon, refresh interval, store; what does not fit a
        narrow terminal is left out, the least useful first (the store, then the refresh)."""
        if self._widgets_gone():
            return
        t = self.lang.t
        now = self.clock()
        clock = datetime.fromtimestamp(now, self.settings.timezone).strftime("%H:%M:%S")
        refresh = (
            t("tui.header.paused")
            if self.paused
            else f"{t('tui.header.refresh')} {self.lang.duration(self.interval)}"
        )
        if self.as_of is None:
            daemon, style, short = self._daemon_status(now)
        else:
            # The past, read from the store: the daemon running now says nothing about it.
            daemon, style = t("tui.header.as_of", day=self.lang.date(self.as_of)), "bold cyan"
            short = daemon
        parts: list[Part] = [
            (Text.assemble(("Vigie", "bold"), f"  {clock}"), ALWAYS),
            (Text(daemon, style=style), ALWAYS, Text(short, style=style)),
        ]
        alerts = header_part(self.alerts, self.lang)
        if alerts is not None:
            text, style, short = alerts
            parts.append((Text(text, style=style), ALWAYS, Text(short, style=style)))
        parts += [
            (Text(refresh, style="bold yellow" if self.paused else ""), MAIN),
            (f"{t('tui.header.store')} {self.data.store_path}", SECONDARY),
        ]
        self.status.set_parts(parts)

    def _daemon_status(self, now: float) -> tuple[str, str, str]:
        """Whether a daemon writes to the store (its lock says so at once), and how recent
        its last result is: the header's text, its style and its short form."""
        t = self.lang.t
        live = self.live
        if live is None:
            return (t("tui.header.loading"), "dim", t("tui.header.loading"))
        if live.source:
            return self._source_status(live)
        age = None if live.last_ts is None else self.lang.duration(max(0.0, now - live.last_ts))
        if live.daemon is None:
            if age is None:
                text = f"✖ {t('tui.header.daemon_none')}"
                return (text, "bold red", text)
            return (
                f"✖ {t('tui.header.daemon_stopped', age=age)}",
                "bold red",
                f"✖ {t('tui.header.short.daemon_stopped', age=age)}",
            )
        pid = str(live.daemon or "?")
        short_alive = f"● {t('tui.header.short.daemon_alive', pid=pid)}"
        if age is None or live.last_ts is None:
            return (f"● {t('tui.header.daemon_starting', pid=pid)}", "green", short_alive)
        longest = max((p.interval for p in self.settings.probes.probes), default=30.0)
        if now - live.last_ts <= 2 * longest + self.interval:
            return (f"● {t('tui.header.daemon_alive', pid=pid, age=age)}", "green", short_alive)
        return (
            f"● {t('tui.header.daemon_silent', pid=pid, age=age)}",
            "bold yellow",
            f"● {t('tui.header.short.daemon_silent', age=age)}",
        )

    def _source_status(self, live: LiveSnapshot) -> tuple[str, str, str]:
        """Results read through an engine: its URL, or that it is unavailable and since when
        the figures shown are its last ones (whole and short forms, as the daemon's)."""
        t = self.lang.t
        if not live.source_error:
            text = f"● {t('tui.header.source', url=live.source)}"
            return (text, "green", text)
        since = live.stale_since if live.stale_since is not None else live.taken_at
        at = datetime.fromtimestamp(since, self.settings.timezone).strftime("%H:%M:%S")
        return (
            f"✖ {t('tui.header.source_down', at=at)}",
            "bold red",
            f"✖ {t('tui.header.short.source_down', at=at)}",
        )

    # --- actions -------------------------------------------------------------------------

    def action_command_palette(self) -> None:
        """Open the command palette, prompting in the console's language."""
        if self.use_command_palette and not isinstance(self.screen, CommandPalette):
            self.push_screen(Palette(self.lang))

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """Textual's own palette commands that fit the console, in its language (its theme
        picker and key panel would speak English)."""
        t = self.lang.t
        yield SystemCommand(t("tui.cmd.quit"), t("tui.cmd.quit_help"), self.action_quit)
        if screen.maximized is not None:
            yield SystemCommand(t("tui.cmd.minimize"), t("tui.cmd.minimize_help"), screen.action_minimize)
        elif screen.focused is not None and screen.focused.allow_maximize:
            yield SystemCommand(t("tui.cmd.maximize"), t("tui.cmd.maximize_help"), screen.action_maximize)

    def current_tab(self) -> ConsoleTab:
        """The body of the tab on screen."""
        active = self.main.query_one("#tabs", TabbedContent).active or "availability"
        return self.main.query_one(f"#{active}-tab", ConsoleTab)

    async def action_tab(self, tab: str) -> None:
        """Show a tab (built first: a new body mounted in the tab on screen could take the
        focus, and the tab with it, back to the one left)."""
        await self.show_tab(tab)
        self.main.query_one("#tabs", TabbedContent).active = tab
        self._sync_filter_bar()
        self.current_tab().focus_first()

    @on(TabbedContent.TabActivated)
    async def _tab_activated(self, event: TabbedContent.TabActivated) -> None:
        tab = event.pane.id
        if tab is not None and tab not in self._tabs_ready:  # a click on a tab not built yet
            # Built on screen, it would give the focus left in the tab left a chance to take
            # that tab back.
            self.main.set_focus(None)
            (await self.show_tab(tab)).focus_first()
        self._sync_filter_bar()

    def _sync_filter_bar(self) -> None:
        table = self.current_tab().main_table
        bar = self.main.query_one("#filter", Input)
        text = table.filter_text if table is not None else ""
        bar.value = text
        bar.display = bool(text)

    def action_help(self) -> None:
        """Show the keys."""
        self.push_screen(HelpScreen(self.lang))

    def action_filter(self) -> None:
        """Open the filter bar for the current table."""
        if self.current_tab().main_table is None:
            return
        bar = self.main.query_one("#filter", Input)
        bar.display = True
        bar.focus()

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        table = self.current_tab().main_table
        if table is not None:
            table.set_filter(event.value)

    @on(Input.Submitted, "#filter")
    def _filter_submitted(self) -> None:
        table = self.current_tab().main_table
        if table is not None:
            table.focus()

    def action_clear(self) -> None:
        """Clear the filter, or leave a text field so the single-key shortcuts work again
        (the component screen handles its own `esc`)."""
        bar = self.main.query_one("#filter", Input)
        table = self.current_tab().main_table
        if bar.display or (table is not None and table.filter_text):
            bar.value = ""
            bar.display = False
            if table is not None:
                table.set_filter("")
                table.focus()
        elif isinstance(self.focused, Input) and table is not None:
            table.focus()

    def action_pause(self) -> None:
        """Pause or resume the refresh."""
        self.paused = not self.paused
        self.notify(self.lang.t("tui.msg.paused" if self.paused else "tui.msg.resumed"))
        self.update_status()

    def _set_interval(self, seconds: float) -> None:
        self.interval = seconds
        self._timer.stop()
        self._timer = self.set_interval(seconds, self._tick)
        self.notify(self.lang.t("tui.msg.interval", seconds=self.lang.duration(seconds)))
        self.update_status()

    def action_faster(self) -> None:
        """Refresh more often."""
        shorter = [i for i in INTERVALS if i < self.interval]
        if shorter:
            self._set_interval(shorter[-1])

    def action_slower(self) -> None:
        """Refresh less often."""
        longer = [i for i in INTERVALS if i > self.interval]
        if longer:
            self._set_interval(longer[0])

    def action_sort(self) -> None:
        """Sort the current table by the next column."""
        table = self.current_tab().main_table
        if table is not None:
            table.cycle_sort()
            self._notify_sort()

    def action_reverse(self) -> None:
        """Reverse the current table's order."""
        table = self.current_tab().main_table
        if table is not None:
            table.toggle_reverse()
            self._notify_sort()

    def _notify_sort(self) -> None:
        table = self.current_tab().main_table
        assert table is not None
        t = self.lang.t
        column = (
            t("tui.msg.worst_first") if table.sort_column is None else table.column_labels[table.sort_column]
        )
        direction = t("tui.msg.reversed") if table.sort_reverse else ""
        self.notify(t("tui.msg.sorted_by", column=column, direction=direction), timeout=2)

    def action_refresh_now(self) -> None:
        """Read the data now."""
        self.refresh_live()
        self.refresh_sla()
        self.refresh_slow()

    @on(AvailabilityTab.Open)
    def _open_from_table(self, event: AvailabilityTab.Open) -> None:
        self.open_component(event.component)

    def open_component(self, component_id: str) -> None:
        """Show a component's screen."""
        probes = self.settings.probes
        try:
            component = probes.component(component_id)
        except KeyError:
            return
        screen = ComponentScreen(
            self.lang,
            component,
            [p for p in probes.probes if p.component == component_id],
            probes.maintenance,
            self.settings.timezone,
            self.live,
            self._incidents_of(component_id),
        )
        self.push_screen(screen)

    def action_communication(self) -> None:
        """Show this month's measured incidents beside what was told to the public."""
        # Imported on use: the form's widgets and the status page's modules are not needed to start.
        from vigie.console.tui.communicate import CommunicationScreen

        def incidents() -> list[Incident]:
            return [i for view in self.sla.values() for i in view.incidents]

        if not isinstance(self.screen, CommunicationScreen):
            self.push_screen(CommunicationScreen(self.lang, self.settings, incidents, self.clock))

    def month_label(self) -> str:
        """The current month, ``YYYY-MM`` in the configured time zone."""
        return datetime.fromtimestamp(self.clock(), self.settings.timezone).strftime("%Y-%m")

    def open_month_report(self) -> None:
        """Show this month's availability by component."""
        names = {c.id: c.name for c in self.settings.probes.components}
        self.push_screen(
            MonthReportScreen(self.lang, self.month_label(), names, self.sla, self.settings.timezone)
        )

    @work(thread=True, exclusive=True, group="report", exit_on_error=False)
    def write_report_file(self) -> Path:
        """Write this month's HTML report to ``[reports] output_dir`` (in a thread)."""
        # Imported on use: the report's renderers (jinja2, charts) would slow every start-up.
        from vigie.console.cmd_report import write_month_report

        return write_month_report(self.settings, datetime.fromtimestamp(self.clock(), UTC))

    def application_names(self) -> list[tuple[str, str]]:
        """(id, name) of the catalog's applications, for the palette."""
        catalog = self.catalog.catalog if self.catalog is not None else None
        if catalog is None:
            return []
        return [(a.id, a.name) for a in catalog.applications.values()]

    async def open_application(self, app_id: str) -> None:
        """Show an application's page in the map tab."""
        from vigie.console.tui.tab_map import MapTab

        body = await self.show_tab("map")
        self.main.query_one("#tabs", TabbedContent).active = "map"
        self._sync_filter_bar()
        if isinstance(body, MapTab):
            body.show_application(app_id)


def _same_content(before: LiveSnapshot, after: LiveSnapshot) -> bool:
    return (
        before.store_state == after.store_state
        and before.error == after.error
        and before.components == after.components
        and before.flows == after.flows
    )


def _states(live: LiveSnapshot) -> dict[str, Status]:
    return {c.id: c.state for c in live.components}
