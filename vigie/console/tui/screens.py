"""Screens over the tabs: the help, and this month's availability report."""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static

from vigie.accounting.figures import SlaFigures
from vigie.console.tui import fmt
from vigie.console.tui.data import SlaView
from vigie.console.tui.keys import KEYS
from vigie.kernel.text.language import Language


class HelpScreen(ModalScreen[None]):
    """Every key of the console with what it does."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,question_mark,q", "dismiss", show=False),
    ]

    def __init__(self, lang: Language) -> None:
        super().__init__(id="help")
        self.lang = lang

    def compose(self) -> ComposeResult:
        """A title and a two-column table of keys."""
        with Vertical(classes="dialog"):
            yield Static(Text(self.lang.t("tui.help.title"), style="bold"), classes="title")
            table: DataTable[str] = DataTable(cursor_type="none", id="help-table", show_header=False)
            table.add_columns("key", "action")
            seen: set[str] = set()
            for key in KEYS:
                if key.help == "key.tabs":
                    if key.help in seen:
                        continue
                    table.add_row("1 … 6", self.lang.t(f"tui.{key.help}"))
                else:
                    table.add_row(key.display, self.lang.t(f"tui.{key.help}"))
                seen.add(key.help)
            yield table
            yield Static(self.lang.t("tui.help.close"), classes="hint")

    async def action_dismiss(self, result: None = None) -> None:
        """Close the help."""
        self.dismiss(result)


class MonthReportScreen(ModalScreen[None]):
    """This month's availability by component, as the monthly report states it."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,q", "dismiss", show=False)]

    def __init__(
        self,
        lang: Language,
        month: str,
        names: dict[str, str],
        sla: dict[str, SlaView],
        timezone: tzinfo = UTC,
    ) -> None:
        super().__init__(id="report")
        self.lang = lang
        self.timezone = timezone
        self.month = month
        self.names = names
        self.sla = sla

    def compose(self) -> ComposeResult:
        """Title and one row per component."""
        lang = self.lang
        t = lang.t
        with Vertical(classes="dialog"):
            title = t("tui.report.title", month=self.month)
            frozen = sorted({v.month_frozen_at for v in self.sla.values() if v.month_frozen_at is not None})
            if frozen:
                day = datetime.fromtimestamp(frozen[0], self.timezone)
                title += t("tui.report.frozen", when=lang.date_time(day))
            yield Static(Text(title, style="bold"), classes="title")
            table: DataTable[str | Text] = DataTable(cursor_type="row", id="report-table")
            table.add_columns(
                t("tui.col.component"),
                t("tui.col.target"),
                t("tui.col.month"),
                t("tui.col.downtime"),
                t("tui.col.coverage"),
                t("tui.col.budget"),
                t("tui.col.incidents"),
                t("tui.col.breached"),
            )
            for component, view in self.sla.items():
                table.add_row(
                    *month_report_cells(self.names.get(component, component), view.month, lang), key=component
                )
            yield table
            if not self.sla:
                yield Static(t("tui.report.no_results"), classes="hint")
            yield Static(t("tui.help.close"), classes="hint")

    async def action_dismiss(self, result: None = None) -> None:
        """Close the report."""
        self.dismiss(result)


def month_report_cells(name: str, f: SlaFigures, lang: Language) -> tuple[str | Text, ...]:
    """One component's row of the month's report screen, in the words and figures of the
    monthly report and `vigie sla`."""
    t = lang.t
    return (
        name,
        lang.target(f.target),
        Text(lang.percent(f.availability), style=fmt.ratio_style(f.availability, f.target)),
        lang.duration(f.down_s),
        lang.percent(f.coverage, 1),
        lang.duration(f.budget_remaining_s),
        lang.number(f.incidents),
        Text(t("common.no"), style="bold red") if f.breached else Text(t("common.yes"), style="green"),
    )
