"""What every tab has: a message shown in place of its content, and a main table."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from vigie.console.tui.table import ConsoleTable
from vigie.kernel.text.language import Language


class ConsoleTab(Vertical):
    """A tab's body. Subclasses compose their widgets inside ``#body`` and expose ``main_table``."""

    def __init__(self, lang: Language, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.lang = lang

    def compose(self) -> ComposeResult:
        """The message line, then the tab's own body."""
        yield Static(self.lang.t("tui.msg.loading"), classes="message")
        with Vertical(classes="body"):
            yield from self.compose_body()

    def compose_body(self) -> ComposeResult:
        """The tab's widgets (shown when there is data)."""
        yield from ()

    @property
    def main_table(self) -> ConsoleTable | None:
        """The table that `/`, `s` and `r` act on."""
        tables = self.query(ConsoleTable)
        return tables.first() if tables else None

    def focus_first(self) -> None:
        """Give the keyboard to the tab's main widget (its table, by default)."""
        table = self.main_table
        if table is not None:
            table.focus()

    def show_message(self, text: str | None) -> None:
        """Show ``text`` in place of the content, or the content when ``text`` is None."""
        message = self.query_one(".message", Static)
        body = self.query_one(".body", Vertical)
        if text is None:
            message.display = False
            body.display = True
        else:
            message.update(text)
            message.display = True
            body.display = False
