"""Tab 1, Disponibilité: one row per component, worst first."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.message import Message
from textual.widgets import DataTable

from vigie.accounting.figures import SlaFigures
from vigie.console.tui import fmt
from vigie.console.tui.base import ConsoleTab
from vigie.console.tui.data import ComponentRow, LiveSnapshot, SlaView
from vigie.console.tui.table import ConsoleTable, Row

COLUMNS = (
    ("state", "tui.col.state"),
    ("component", "tui.col.component"),
    ("latency", "tui.col.latency"),
    ("today", "tui.col.today"),
    ("month", "tui.col.month"),
    ("rolling", "tui.col.rolling"),
    ("target", "tui.col.target"),
    ("budget", "tui.col.budget"),
    ("trend", "tui.col.trend"),
    ("incidents", "tui.col.incidents"),
)


def worst_first(row: ComponentRow, sla: SlaView | None) -> tuple[float, ...]:
    """Sort key: state severity, then target breached, then least error budget left."""
    breached = 0 if sla is not None and sla.month.breached else 1
    left = budget_left_ratio(sla)
    return (fmt.STATE_SEVERITY[row.state], breached, 2.0 if left is None else left)


def budget_left_ratio(sla: SlaView | None) -> float | None:
    """Share of this month's error budget still left (negative when overspent)."""
    if sla is None or not sla.month.budget_s:
        return None
    return sla.month.budget_remaining_s / sla.month.budget_s


class AvailabilityTab(ConsoleTab):
    """The components' state, latency, availability against target and error budget."""

    class Open(Message):
        """The user asked for a component's page."""

        def __init__(self, component: str) -> None:
            super().__init__()
            self.component = component

    def compose_body(self) -> ComposeResult:
        """One table."""
        yield ConsoleTable([(key, self.lang.t(label)) for key, label in COLUMNS], id="availability-table")

    def update_live(
        self, live: LiveSnapshot, sla: dict[str, SlaView], today_only: dict[str, SlaFigures] | None = None
    ) -> None:
        """Show a new snapshot (only changed cells are repainted); ``today_only`` fills
        today's column until the full figures arrive."""
        if not live.components:
            return
        self.show_message(None)
        lang = self.lang
        ordered = sorted(live.components, key=lambda r: worst_first(r, sla.get(r.id)))
        rows = []
        for comp in ordered:
            figures = sla.get(comp.id)
            first = today_only.get(comp.id) if today_only and figures is None else None
            today = figures.today.availability if figures else first.availability if first else None
            month = figures.month.availability if figures else None
            rolling = figures.rolling.availability if figures else None
            left = figures.month.budget_remaining_s if figures else None
            incidents = figures.month.incidents if figures else None
            cells = (
                fmt.state_text(
                    comp.state, " · ".join(filter(None, (lang.t(f"state.{comp.state}"), comp.site_down)))
                ),
                comp.name,
                Text(lang.latency(comp.latency_ms), justify="right"),
                Text(lang.percent(today), style=fmt.ratio_style(today, comp.target), justify="right"),
                Text(lang.percent(month), style=fmt.ratio_style(month, comp.target), justify="right"),
                Text(lang.percent(rolling), style=fmt.ratio_style(rolling, comp.target), justify="right"),
                Text(lang.target(comp.target), justify="right"),
                Text(
                    lang.duration(left),
                    style=fmt.budget_style(budget_left_ratio(figures)),
                    justify="right",
                ),
                Text(fmt.sparkline(comp.latencies), style="cyan"),
                Text(lang.number(incidents), justify="right"),
            )
            sort_values = (
                fmt.STATE_SEVERITY[comp.state],
                comp.name.casefold(),
                comp.latency_ms,
                today,
                month,
                rolling,
                comp.target,
                left,
                comp.latency_ms,
                incidents,
            )
            rows.append(Row(comp.id, cells, sort_values, search=f"{comp.id} {comp.detail}"))
        table = self.query_one(ConsoleTable)
        table.set_rows(rows)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        """`enter` on a row opens the component."""
        event.stop()
        if event.row_key.value is not None:
            self.post_message(self.Open(event.row_key.value))
