"""The component screen (`enter` on the availability tab): probes, recent results, incidents,
latency chart and maintenance windows of one component."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Sparkline, Static

from vigie.accounting.incidents import Incident
from vigie.accounting.results import Status
from vigie.accounting.terms import MaintenanceWindow
from vigie.console.tui import fmt
from vigie.console.tui.data import ComponentRow, LiveSnapshot
from vigie.kernel.text.language import Language
from vigie.probes.config import Component, ProbeConfig

RECENT_ROWS = 20


def probe_target(probe: ProbeConfig) -> str:
    """Where a probe points (URL or host:port)."""
    options = probe.options
    url = getattr(options, "url", None)
    if url:
        return str(url)
    host, port = getattr(options, "host", None), getattr(options, "port", None)
    return f"{host}:{port}" if host else ""


class ComponentScreen(Screen[None]):
    """Everything about one component; `esc` goes back to the tabs."""

    def __init__(
        self,
        lang: Language,
        component: Component,
        probes: Sequence[ProbeConfig],
        maintenance: Sequence[MaintenanceWindow],
        timezone: ZoneInfo,
        live: LiveSnapshot | None,
        incidents: Sequence[Incident] | None,
    ) -> None:
        super().__init__(id="component")
        # Bound here, not in BINDINGS: the footer words `esc` in the console's language.
        self._bindings.bind("escape", "back", lang.t("tui.foot.back"))
        self._initial = live
        self._incidents = incidents
        self.lang = lang
        self.component = component
        self.probes = list(probes)
        self.maintenance = [m for m in maintenance if component.id in m.components or "*" in m.components]
        self.timezone = timezone

    def compose(self) -> ComposeResult:
        """Title, then one section per subject."""
        t = self.lang.t
        with VerticalScroll():
            yield Static(id="component-title", classes="title")
            yield Static(t("tui.detail.probes"), classes="section")
            probes: DataTable[str] = DataTable(id="component-probes", cursor_type="none")
            probes.add_columns(
                t("tui.col.probe"), t("tui.col.kind"), t("tui.col.interval"), t("tui.col.role"), "URL"
            )
            for p in self.probes:
                probes.add_row(
                    p.id,
                    p.kind,
                    self.lang.duration(p.interval),
                    self.lang.label("probes.role", p.role),
                    probe_target(p),
                )
            yield probes
            yield Static(t("tui.detail.latency"), classes="section")
            yield Sparkline([], id="component-latency")
            yield Static(id="component-latency-range", classes="hint")
            yield Static(t("tui.detail.recent"), classes="section")
            recent: DataTable[str | Text] = DataTable(id="component-recent", cursor_type="none")
            recent.add_columns(
                t("tui.col.time"),
                t("tui.col.probe"),
                t("tui.col.state"),
                t("tui.col.latency"),
                t("tui.col.detail"),
            )
            yield recent
            yield Static(t("tui.detail.incidents"), classes="section")
            yield Static(id="component-incidents-message", classes="hint")
            incidents: DataTable[str] = DataTable(id="component-incidents", cursor_type="none")
            incidents.add_columns(
                t("tui.col.start"), t("tui.col.end"), t("tui.col.duration"), t("tui.col.cause")
            )
            yield incidents
            yield Static(t("tui.detail.maintenance"), classes="section")
            windows: DataTable[str] = DataTable(id="component-maintenance", cursor_type="none")
            windows.add_columns(t("tui.col.window"), t("tui.col.reason"))
            for m in self.maintenance:
                windows.add_row(self._window_text(m), m.reason)
            yield windows
            if not self.maintenance:
                yield Static(t("tui.detail.no_window"), classes="hint")
        yield Footer()

    def on_mount(self) -> None:
        """Show the snapshot the console had when the screen opened."""
        if self._initial is not None:
            self.update_live(self._initial, self._incidents)

    def _window_text(self, window: MaintenanceWindow) -> str:
        if window.recurring:
            days = self.lang.weekdays(sorted(window.weekly_days))
            at = window.weekly_at.strftime("%H:%M") if window.weekly_at else ""
            span = self.lang.duration(window.duration.total_seconds()) if window.duration else ""
            return self.lang.t("tui.detail.every_week", days=days, at=at, duration=span)
        start = window.start.isoformat(" ", "minutes") if window.start else ""
        end = window.end.isoformat(" ", "minutes") if window.end else ""
        return f"{start} → {end}"

    def _clock(self, ts: float) -> str:
        return datetime.fromtimestamp(ts, self.timezone).strftime("%d/%m %H:%M:%S")

    def update_live(self, live: LiveSnapshot, incidents: Sequence[Incident] | None) -> None:
        """Refresh the parts that change with each snapshot."""
        t = self.lang.t
        comp = self.component
        row: ComponentRow | None = next((r for r in live.components if r.id == comp.id), None)
        state = row.state if row else Status.UNKNOWN
        title = Text.assemble(
            (f"{comp.name} ", "bold"),
            (f"({comp.id}) ", "dim"),
            fmt.state_text(state, t(f"state.{state}")),
            f"  {t('tui.col.target')} {self.lang.target(comp.target)}",
            f"  {comp.schedule.describe(self.lang)}",
            f"\n{comp.description}" if comp.description else "",
        )
        self.query_one("#component-title", Static).update(title)
        results = live.recent.get(comp.id, ())
        latencies = [r.latency_ms for r in results if r.latency_ms is not None]
        self.query_one("#component-latency", Sparkline).data = latencies
        lang = self.lang
        span = f"min {lang.latency(min(latencies))} · max {lang.latency(max(latencies))}" if latencies else ""
        self.query_one("#component-latency-range", Static).update(span or t("tui.detail.no_results"))
        recent = self.query_one("#component-recent", DataTable)
        recent.clear()
        for r in list(reversed(results))[:RECENT_ROWS]:
            recent.add_row(
                self._clock(r.ts),
                r.probe,
                fmt.state_text(r.status, t(f"state.{r.status}")),
                lang.latency(r.latency_ms),
                r.detail,
            )
        self._show_incidents(incidents, live.taken_at)

    def _show_incidents(self, incidents: Sequence[Incident] | None, now: float) -> None:
        t = self.lang.t
        message = self.query_one("#component-incidents-message", Static)
        table = self.query_one("#component-incidents", DataTable)
        table.clear()
        if incidents is None:
            message.update(t("tui.msg.loading"))
            return
        message.update("" if incidents else t("tui.detail.no_incident"))
        message.display = not incidents
        table.display = bool(incidents)
        for inc in incidents:
            # Still down: no end yet, the duration so far (counted to this refresh).
            table.add_row(
                self._clock(inc.start),
                t("common.ongoing") if inc.ongoing else self._clock(inc.end),
                self.lang.duration(max(inc.duration_s, now - inc.start) if inc.ongoing else inc.duration_s),
                inc.cause,
            )

    def action_back(self) -> None:
        """Back to the tabs."""
        self.app.pop_screen()
