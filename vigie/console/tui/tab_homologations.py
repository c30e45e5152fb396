"""Tab 4, Homologations: the register sorted by urgency, filterable by status."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.widgets import Select, Static

from vigie.catalog.homologation import RegisterEntry, Status, status_counts
from vigie.console.tui.base import CatalogTab
from vigie.console.tui.data import CatalogSnapshot
from vigie.console.tui.table import ALWAYS, MAIN, SECONDARY, Column, ConsoleTable, Row
from vigie.kernel.text.language import MISSING, Language

SYMBOLS = {
    Status.EXPIRED: ("✖", "bold white on red"),
    Status.REFUSED: ("⊘", "bold red"),
    Status.EXPIRING: ("▲", "bold yellow"),
    Status.NOT_DONE: ("?", "bold magenta"),
    Status.IN_PROGRESS: ("…", "cyan"),
    Status.VALID: ("✔", "green"),
}


class HomologationsTab(CatalogTab):
    """One row per application in service, most urgent first."""

    def __init__(self, lang: Language, *, id: str | None = None) -> None:
        super().__init__(lang, id=id)
        self._entries: tuple[RegisterEntry, ...] = ()

    def compose_body(self) -> ComposeResult:
        """Status filter, counts, the register."""
        t = self.lang.t
        lang = self.lang
        options = [(lang.label("catalog.status", s), s.value) for s in Status]
        yield Select(options, prompt=t("tui.hom.all"), id="homologations-status", allow_blank=True)
        yield Static(id="homologations-counts", classes="hint")
        yield ConsoleTable(
            [
                Column("status", t("tui.col.status"), ALWAYS),
                Column("application", t("tui.col.application"), ALWAYS, max_width=28),
                Column("ministry", t("tui.col.ministry"), SECONDARY),
                Column("criticality", t("tui.col.criticality"), SECONDARY + 5),
                Column("expires", t("tui.col.expires"), MAIN),
                Column("days", t("tui.col.days_left"), ALWAYS),
                Column("reserves", t("tui.col.reserves"), MAIN - 5),
                Column("personal", t("tui.col.personal_data"), SECONDARY + 10),
            ],
            id="homologations-table",
        )

    def update_catalog(self, snapshot: CatalogSnapshot) -> None:
        """Show the register of a new catalog snapshot."""
        self._entries = snapshot.register
        counts = status_counts(snapshot.register)
        lang = self.lang
        text = " · ".join(f"{lang.label('catalog.status', s)} {n}" for s, n in counts.items() if n)
        self.query_one("#homologations-counts", Static).update(
            self.lang.t("tui.hom.counts", as_of=snapshot.as_of, counts=text)
        )
        self._show()

    @on(Select.Changed, "#homologations-status")
    def _status_chosen(self) -> None:
        self._show()

    def _show(self) -> None:
        chosen = self.query_one("#homologations-status", Select).value
        wanted = None if chosen is Select.NULL else Status(str(chosen))
        lang = self.lang
        rows = []
        for rank, entry in enumerate(self._entries):
            if wanted is not None and entry.status is not wanted:
                continue
            symbol, style = SYMBOLS[entry.status]
            label = lang.label("catalog.status", entry.status)
            app = entry.application
            reserves = (
                f"{len(entry.open_reserves)} ({len(entry.overdue_reserves)})" if entry.open_reserves else ""
            )
            cells = (
                Text.styled(f"{symbol} {label}", style),
                app.name,
                app.ministry,
                lang.label("catalog.criticality", app.criticality),
                entry.expires_on.isoformat() if entry.expires_on else MISSING,
                Text(lang.number(entry.days_left), justify="right"),
                Text(reserves, style="bold red" if entry.overdue_reserves else "", justify="right"),
                "RGPD" if entry.personal_data or entry.personal_data_flows else "",
            )
            sort_values = (
                rank,
                app.name.casefold(),
                app.ministry,
                app.criticality.value,
                entry.expires_on,
                entry.days_left,
                len(entry.overdue_reserves),
                entry.personal_data,
            )
            rows.append(Row(app.id, cells, sort_values, search=label))
        self.query_one(ConsoleTable).set_rows(rows)
