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
from vigie.console.tui.table import ALWAYS, DRAWING, MAIN, SECONDARY, Column, ConsoleTable, Row

# Key, title, priority: the state, the name and the verdict (the month against its target)
# stay whatever the width; the sparkline goes first, then the secondary figures.
COLUMNS = (
    ("state", "tui.col.state", ALWAYS),
    ("component", "tui.col.component", ALWAYS),
    ("latency", "tui.col.latency", SECONDARY + 5),
    ("today", "tui.col.today", MAIN),
    ("month", "tui.col.month", ALWAYS),
    ("rolling", "tui.col.rolling", SECONDARY),
    ("target", "tui.col.target", MAIN + 15),
    ("budget", "tui.col.budget", MAIN + 20),
    ("trend", "tui.col.trend", DRAWING),
    ("incidents", "tui.col.incidents", SECONDARY + 10),
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
        yield ConsoleTable(
            [Column(key, self.lang.t(label), priority) for key, label, priority in COLUMNS],
            id="availability-table",
        )

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
                Text(fmt.sparkline(comp.latencies, width=12), style="cyan"),
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
        frozen = any(view.month_frozen_at is not None for view in sla.values())
        table.relabel("month", lang.t("tui.col.month_frozen" if frozen else "tui.col.month"))
        table.set_rows(rows)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        """`enter` on a row opens the component."""
        event.stop()
        if event.row_key.value is not None:
            self.post_message(self.Open(event.row_key.value))
