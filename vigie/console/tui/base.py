"""What every tab has: a message shown in place of its content, a main table, and what it
is given when the console reads something new (the store, the catalog, the tickets)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from vigie.console.tui.table import ConsoleTable
from vigie.kernel.text.language import Language

if TYPE_CHECKING:
    from vigie.console.tui.data import CatalogSnapshot, LiveSnapshot, TicketsSnapshot


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

    def show_live(self, live: LiveSnapshot, message: str | None) -> None:
        """A new store snapshot; ``message`` says why the store cannot be shown (the tabs
        that show the store's data override this)."""

    def show_catalog(self, snapshot: CatalogSnapshot, message: str | None) -> None:
        """A new catalog snapshot; ``message`` says why the catalog cannot be shown."""

    def show_tickets(self, snapshot: TicketsSnapshot) -> None:
        """New ticket figures."""

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


class CatalogTab(ConsoleTab):
    """A tab drawn from the catalog: a message while it cannot be read, else its figures."""

    def show_catalog(self, snapshot: CatalogSnapshot, message: str | None) -> None:
        """Show ``message``, or the snapshot's figures when the catalog was read."""
        self.show_message(message)
        if snapshot.state == "ok":
            self.update_catalog(snapshot)

    def update_catalog(self, snapshot: CatalogSnapshot) -> None:
        """Show the figures of a catalog that was read."""
        raise NotImplementedError
