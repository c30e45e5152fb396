"""Screens over the tabs: the help, and this month's availability report."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static

from vigie.console.tui import fmt
from vigie.console.tui.data import SlaView
from vigie.console.tui.i18n import Labels
from vigie.console.tui.keys import KEYS


class HelpScreen(ModalScreen[None]):
    """Every key of the console with what it does."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,question_mark,q", "dismiss", show=False),
    ]

    def __init__(self, labels: Labels) -> None:
        super().__init__(id="help")
        self.labels = labels

    def compose(self) -> ComposeResult:
        """A title and a two-column table of keys."""
        with Vertical(classes="dialog"):
            yield Static(Text(self.labels("help.title"), style="bold"), classes="title")
            table: DataTable[str] = DataTable(cursor_type="none", id="help-table", show_header=False)
            table.add_columns("key", "action")
            seen: set[str] = set()
            for key in KEYS:
                if key.help == "key.tabs":
                    if key.help in seen:
                        continue
                    table.add_row("1 … 6", self.labels(key.help))
                else:
                    table.add_row(key.display, self.labels(key.help))
                seen.add(key.help)
            yield table
            yield Static(self.labels("help.close"), classes="hint")

    async def action_dismiss(self, result: None = None) -> None:
        """Close the help."""
        self.dismiss(result)


class MonthReportScreen(ModalScreen[None]):
    """This month's availability by component, as the monthly report states it."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,q", "dismiss", show=False)]

    def __init__(self, labels: Labels, month: str, names: dict[str, str], sla: dict[str, SlaView]) -> None:
        super().__init__(id="report")
        self.labels = labels
        self.month = month
        self.names = names
        self.sla = sla

    def compose(self) -> ComposeResult:
        """Title and one row per component."""
        t = self.labels
        lang = t.language
        with Vertical(classes="dialog"):
            yield Static(Text(t("report.title", month=self.month), style="bold"), classes="title")
            table: DataTable[str | Text] = DataTable(cursor_type="row", id="report-table")
            table.add_columns(
                t("col.component"),
                t("col.target"),
                t("col.month"),
                t("col.downtime"),
                t("col.coverage"),
                t("col.budget"),
                t("col.incidents"),
                t("col.breached"),
            )
            for component, view in self.sla.items():
                f = view.month
                table.add_row(
                    self.names.get(component, component),
                    fmt.percent(f.target, lang, digits=1),
                    Text(fmt.percent(f.availability, lang), style=fmt.ratio_style(f.availability, f.target)),
                    fmt.duration(f.down_s),
                    fmt.percent(f.coverage, lang, digits=1),
                    fmt.duration(f.budget_remaining_s),
                    str(f.incidents),
                    Text(t("no"), style="bold red") if f.breached else Text(t("yes"), style="green"),
                    key=component,
                )
            yield table
            if not self.sla:
                yield Static(t("header.daemon_none"), classes="hint")
            yield Static(t("help.close"), classes="hint")

    async def action_dismiss(self, result: None = None) -> None:
        """Close the report."""
        self.dismiss(result)
