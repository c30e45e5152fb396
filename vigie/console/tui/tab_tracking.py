"""Tab 7, Suivi des flux: type a key (an invoice, a file name, a control number) and follow
the flow hop by hop; below, the flows stuck now, by hop, oldest first (`enter` traces one).

The flow store is read in thread workers, never on the UI thread; the stuck list is read
again every :data:`STUCK_EVERY` seconds.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from rich.table import Table
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import DataTable, Input, Static
from textual.worker import Worker, WorkerState

from vigie.console.flow_input import daemon_routes
from vigie.console.flow_views import FLOW_COLUMNS, STUCK_COLUMNS, TRACE_COLUMNS, FlowWords
from vigie.console.settings import Settings
from vigie.console.tui.base import ConsoleTab
from vigie.console.tui.table import ALWAYS, MAIN, SECONDARY, Cell, Column, ConsoleTable, Row
from vigie.kernel.text.language import Language
from vigie.probes.db import SchemaError
from vigie.probes.flows.lifecycle import Route
from vigie.probes.flows.store import FlowStore
from vigie.probes.flows.stuck import StuckFlow, stuck_flows
from vigie.reports.flows import Found, find

#: The stuck list's columns: `vigie flows stuck`'s but the last event's time, which the
#: trace shows (enter), so that the list fits 120 columns whole; on a narrow terminal the
#: key and the delay stay, the partner, the next hop and the deadline go first.
_STUCK_SHOWN = tuple(name for name in STUCK_COLUMNS if name != "last_event")
_STUCK_PRIORITY = {"key": ALWAYS, "overdue": ALWAYS, "type": MAIN, "hop": MAIN}
_STUCK_INDEXES = tuple(STUCK_COLUMNS.index(name) for name in _STUCK_SHOWN)

STUCK_EVERY = 10.0


@dataclass(frozen=True)
class Stuck:
    """The stuck flows read at ``now`` (``error``: why they could not be read)."""

    now: float
    flows: tuple[StuckFlow, ...] = ()
    error: str | None = None


@dataclass(frozen=True)
class Lookup:
    """What a searched text names, read at ``now``."""

    text: str
    now: float
    found: Found | None = None
    error: str | None = None


class FlowSource:
    """The flow store for the console: one reading connection, opened when the file exists."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.path = settings.flow_store_path()
        self.routes: dict[str, Route] = {}
        self._routed = False
        self._store: FlowStore | None = None
        self._lock = threading.Lock()

    def _open(self) -> FlowStore | None:
        if not self._routed:
            # In the worker's thread: loading the catalog takes a moment.
            self.routes, _ = daemon_routes(self.settings)
            self._routed = True
        if self._store is None and self.path.exists():
            self._store = FlowStore(self.path, self.settings.probes.store.busy_timeout)
        return self._store

    def stuck(self, now: float) -> Stuck:
        """The flows stuck at ``now``."""
        with self._lock:
            try:
                store = self._open()
                if store is None:
                    return Stuck(now)
                with store.snapshot():
                    return Stuck(now, tuple(stuck_flows(store, self.routes, now)))
            except (SchemaError, sqlite3.Error, OSError) as exc:
                return Stuck(now, error=str(exc))

    def lookup(self, text: str, now: float) -> Lookup:
        """The flow (or flows) ``text`` names."""
        with self._lock:
            try:
                store = self._open()
                if store is None:
                    return Lookup(text, now, Found(None))
                with store.snapshot():
                    return Lookup(text, now, find(store, self.routes, text, now))
            except (SchemaError, sqlite3.Error, OSError) as exc:
                return Lookup(text, now, error=str(exc))

    def close(self) -> None:
        """Close the connection."""
        with self._lock:
            if self._store is not None:
                self._store.close()
                self._store = None


class TrackingTab(ConsoleTab):
    """A search box, the trace of the flow found, the stuck flows."""

    def __init__(
        self,
        lang: Language,
        source: FlowSource,
        words: FlowWords,
        clock: Callable[[], float] = time.time,
        *,
        id: str | None = None,
    ) -> None:
        super().__init__(lang, id=id)
        self.source = source
        self.words = words
        self.clock = clock

    def compose_body(self) -> ComposeResult:
        """Search box, trace, stuck list."""
        t = self.lang.t
        yield Input(placeholder=t("tui.tracking.search"), id="tracking-search")
        with VerticalScroll(id="tracking-trace"):
            yield Static(t("tui.tracking.hint"), id="tracking-result", classes="hint")
        yield Static(t("tui.tracking.stuck"), id="tracking-stuck-title", classes="section")
        yield ConsoleTable(
            [
                Column(name, title, _STUCK_PRIORITY.get(name, SECONDARY))
                for name, title in zip(_STUCK_SHOWN, self.words.columns(_STUCK_SHOWN), strict=True)
            ],
            id="tracking-stuck",
        )

    @property
    def main_table(self) -> ConsoleTable | None:
        """The stuck list (`/`, `s` and `r` act on it)."""
        return self.query_one("#tracking-stuck", ConsoleTable)

    def focus_first(self) -> None:
        """The search box: a key can be typed at once."""
        self.query_one("#tracking-search", Input).focus()

    def on_mount(self) -> None:
        """Show the body, read the stuck flows now and every STUCK_EVERY seconds."""
        self.show_message(None)
        self.refresh_stuck()
        self.set_interval(STUCK_EVERY, self.refresh_stuck)

    def on_unmount(self) -> None:
        """Close the flow store."""
        self.source.close()

    @work(thread=True, exclusive=True, group="tracking-stuck", exit_on_error=False)
    def refresh_stuck(self) -> Stuck:
        """Read the stuck flows (in a thread)."""
        return self.source.stuck(self.clock())

    @work(thread=True, exclusive=True, group="tracking-lookup", exit_on_error=False)
    def lookup(self, text: str) -> Lookup:
        """Find what ``text`` names (in a thread)."""
        return self.source.lookup(text, self.clock())

    @on(Input.Submitted, "#tracking-search")
    def _search(self, event: Input.Submitted) -> None:
        text = event.value.strip()
        if text:
            self.lookup(text)

    @on(DataTable.RowSelected, "#tracking-stuck")
    def _trace_stuck(self, event: DataTable.RowSelected) -> None:
        if event.row_key.value is not None:
            self.query_one("#tracking-search", Input).value = event.row_key.value
            self.lookup(event.row_key.value)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """Show what a worker read."""
        if event.state is not WorkerState.SUCCESS or not self.is_attached:
            return
        result = event.worker.result
        if isinstance(result, Stuck):
            self.show_stuck(result)
        elif isinstance(result, Lookup):
            self.show_lookup(result)

    def show_stuck(self, stuck: Stuck) -> None:
        """The stuck list and its title."""
        t, lang = self.lang.t, self.lang
        title = self.query_one("#tracking-stuck-title", Static)
        if stuck.error is not None:
            title.update(t("tui.tracking.error", error=stuck.error))
        elif not self.source.routes:
            title.update(t("tui.tracking.no_routes", config=self.source.settings.file))
        elif stuck.flows:
            title.update(
                Text(
                    t(
                        "tui.tracking.stuck_count",
                        count=lang.number(len(stuck.flows)),
                        when=self.words.when(stuck.now),
                    ),
                    style="bold red",
                )
            )
        else:
            title.update(t("tui.tracking.none_stuck", when=self.words.when(stuck.now)))
        rows = []
        for s in stuck.flows:
            every = self.words.stuck_row(s)
            cells: list[Cell] = [every[i] for i in _STUCK_INDEXES]
            cells[-1] = Text(str(cells[-1]), style="bold red", justify="right")
            rows.append(
                Row(s.key, tuple(cells), (s.type, s.hop, s.next_hop, s.key, s.partner, s.due_at, s.overdue_s))
            )
        self.query_one("#tracking-stuck", ConsoleTable).set_rows(rows)

    def show_lookup(self, lookup: Lookup) -> None:
        """The trace of the flow found, the flows a shared id names, or why there is none."""
        t, lang = self.lang.t, self.lang
        result = self.query_one("#tracking-result", Static)
        result.set_classes("")
        if lookup.error is not None:
            result.update(t("tui.tracking.error", error=lookup.error))
            return
        found = lookup.found
        if found is None or (found.trace is None and not found.flows):
            result.update(Text(t("tui.tracking.not_found", flow=lookup.text), style="yellow"))
            return
        if found.trace is None:
            table = Table(
                box=None,
                header_style="bold",
                title_justify="left",
                title=t("cli.flows.several", flow=lookup.text, count=lang.number(found.total)),
            )
            for column in self.words.columns(FLOW_COLUMNS):
                table.add_column(column)
            for flow in found.flows:
                table.add_row(*self.words.flow_row(flow))
            result.update(table)
            return
        trace = found.trace
        header = self.words.trace_header(trace, lookup.now)
        table = Table(box=None, header_style="bold", title=Text("\n".join(header)), title_justify="left")
        for index, column in enumerate(self.words.columns(TRACE_COLUMNS)):
            table.add_column(column, justify="right" if index == 1 else "left", no_wrap=index < 2)
        for row in self.words.trace_rows(trace):
            table.add_row(*row)
        if trace.stuck:
            table.title_style = "bold red"
        result.update(table)
