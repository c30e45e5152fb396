"""Screens over the tabs: the help, and this month's availability report."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static

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
