"""The component screen (`enter` on the availability tab): probes, recent results, incidents,
latency chart and maintenance windows of one component."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import ClassVar
from zoneinfo import ZoneInfo

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Sparkline, Static

from vigie.accounting.incidents import Incident
from vigie.accounting.results import Status
from vigie.accounting.terms import DAYS, MaintenanceWindow
from vigie.console.tui import fmt
from vigie.console.tui.data import ComponentRow, LiveSnapshot
from vigie.console.tui.i18n import Labels
from vigie.kernel.durations import format_duration
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

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "back", "retour / back")]

    def __init__(
        self,
        labels: Labels,
        component: Component,
        probes: Sequence[ProbeConfig],
        maintenance: Sequence[MaintenanceWindow],
        timezone: ZoneInfo,
        live: LiveSnapshot | None,
        incidents: Sequence[Incident] | None,
    ) -> None:
        super().__init__(id="component")
        self._initial = live
        self._incidents = incidents
        self.labels = labels
        self.component = component
        self.probes = list(probes)
        self.maintenance = [m for m in maintenance if component.id in m.components or "*" in m.components]
        self.timezone = timezone

    def compose(self) -> ComposeResult:
        """Title, then one section per subject."""
        t = self.labels
        with VerticalScroll():
            yield Static(id="component-title", classes="title")
            yield Static(t("detail.probes"), classes="section")
            probes: DataTable[str] = DataTable(id="component-probes", cursor_type="none")
            probes.add_columns(t("col.probe"), t("col.kind"), t("col.interval"), t("col.role"), "URL")
            for p in self.probes:
                probes.add_row(p.id, p.kind, format_duration(p.interval), p.role, probe_target(p))
            yield probes
            yield Static(t("detail.latency"), classes="section")
            yield Sparkline([], id="component-latency")
            yield Static(id="component-latency-range", classes="hint")
            yield Static(t("detail.recent"), classes="section")
            recent: DataTable[str | Text] = DataTable(id="component-recent", cursor_type="none")
            recent.add_columns(
                t("col.time"), t("col.probe"), t("col.state"), t("col.latency"), t("col.detail")
            )
            yield recent
            yield Static(t("detail.incidents"), classes="section")
            yield Static(id="component-incidents-message", classes="hint")
            incidents: DataTable[str] = DataTable(id="component-incidents", cursor_type="none")
            incidents.add_columns(t("col.start"), t("col.end"), t("col.duration"), t("col.cause"))
            yield incidents
            yield Static(t("detail.maintenance"), classes="section")
            windows: DataTable[str] = DataTable(id="component-maintenance", cursor_type="none")
            windows.add_columns(t("col.window"), t("col.reason"))
            for m in self.maintenance:
                windows.add_row(self._window_text(m), m.reason)
            yield windows
            if not self.maintenance:
                yield Static(t("detail.none"), classes="hint")
        yield Footer()

    def on_mount(self) -> None:
        """Show the snapshot the console had when the screen opened."""
        if self._initial is not None:
            self.update_live(self._initial, self._incidents)

    def _window_text(self, window: MaintenanceWindow) -> str:
        if window.recurring:
            days = ",".join(DAYS[d] for d in sorted(window.weekly_days))
            at = window.weekly_at.strftime("%H:%M") if window.weekly_at else ""
            span = format_duration(window.duration.total_seconds()) if window.duration else ""
            return self.labels("detail.every_week", days=days, at=at, duration=span)
        start = window.start.isoformat(" ", "minutes") if window.start else ""
        end = window.end.isoformat(" ", "minutes") if window.end else ""
        return f"{start} → {end}"

    def _clock(self, ts: float) -> str:
        return datetime.fromtimestamp(ts, self.timezone).strftime("%d/%m %H:%M:%S")

    def update_live(self, live: LiveSnapshot, incidents: Sequence[Incident] | None) -> None:
        """Refresh the parts that change with each snapshot."""
        t = self.labels
        comp = self.component
        row: ComponentRow | None = next((r for r in live.components if r.id == comp.id), None)
        state = row.state if row else Status.UNKNOWN
        title = Text.assemble(
            (f"{comp.name} ", "bold"),
            (f"({comp.id}) ", "dim"),
            fmt.state_text(state, t(f"state.{state}")),
            f"  {t('col.target')} {fmt.percent(comp.target, t.language, digits=1)}",
            f"  {comp.schedule.describe()}",
            f"\n{comp.description}" if comp.description else "",
        )
        self.query_one("#component-title", Static).update(title)
        results = live.recent.get(comp.id, ())
        latencies = [r.latency_ms for r in results if r.latency_ms is not None]
        self.query_one("#component-latency", Sparkline).data = latencies
        span = f"min {fmt.latency(min(latencies))} · max {fmt.latency(max(latencies))}" if latencies else ""
        self.query_one("#component-latency-range", Static).update(span or t("detail.no_results"))
        recent = self.query_one("#component-recent", DataTable)
        recent.clear()
        for r in list(reversed(results))[:RECENT_ROWS]:
            recent.add_row(
                self._clock(r.ts),
                r.probe,
                fmt.state_text(r.status, t(f"state.{r.status}")),
                fmt.latency(r.latency_ms),
                r.detail,
            )
        self._show_incidents(incidents)

    def _show_incidents(self, incidents: Sequence[Incident] | None) -> None:
        t = self.labels
        message = self.query_one("#component-incidents-message", Static)
        table = self.query_one("#component-incidents", DataTable)
        table.clear()
        if incidents is None:
            message.update(t("msg.loading"))
            return
        message.update("" if incidents else t("detail.none"))
        message.display = not incidents
        table.display = bool(incidents)
        for inc in incidents:
            table.add_row(
                self._clock(inc.start),
                self._clock(inc.end),
                fmt.duration(inc.duration_s),
                inc.cause,
            )

    def action_back(self) -> None:
        """Back to the tabs."""
        self.app.pop_screen()
