"""Tab 4, Homologations: the register sorted by urgency, filterable by status."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.widgets import Select, Static

from vigie.catalog.homologation import LABELS, RegisterEntry, Status, status_counts
from vigie.console.tui.base import ConsoleTab
from vigie.console.tui.data import CatalogSnapshot
from vigie.console.tui.i18n import Labels
from vigie.console.tui.table import ConsoleTable, Row

SYMBOLS = {
    Status.EXPIRED: ("✖", "bold white on red"),
    Status.REFUSED: ("⊘", "bold red"),
    Status.EXPIRING: ("▲", "bold yellow"),
    Status.NOT_DONE: ("?", "bold magenta"),
    Status.IN_PROGRESS: ("…", "cyan"),
    Status.VALID: ("✔", "green"),
}


class HomologationsTab(ConsoleTab):
    """One row per application in service, most urgent first."""

    def __init__(self, labels: Labels, *, id: str | None = None) -> None:
        super().__init__(labels, id=id)
        self._entries: tuple[RegisterEntry, ...] = ()

    def compose_body(self) -> ComposeResult:
        """Status filter, counts, the register."""
        t = self.labels
        lang = t.language
        options = [(LABELS[lang][s], s.value) for s in Status]
        yield Select(options, prompt=t("hom.all"), id="homologations-status", allow_blank=True)
        yield Static(id="homologations-counts", classes="hint")
        yield ConsoleTable(
            [
                ("status", t("col.status")),
                ("application", t("col.application")),
                ("ministry", t("col.ministry")),
                ("criticality", t("col.criticality")),
                ("expires", t("col.expires")),
                ("days", t("col.days_left")),
                ("reserves", t("col.reserves")),
                ("personal", t("col.personal_data")),
            ],
            id="homologations-table",
        )

    def update_catalog(self, snapshot: CatalogSnapshot) -> None:
        """Show the register of a new catalog snapshot."""
        self._entries = snapshot.register
        counts = status_counts(snapshot.register)
        lang = self.labels.language
        text = " · ".join(f"{LABELS[lang][s]} {n}" for s, n in counts.items() if n)
        self.query_one("#homologations-counts", Static).update(
            self.labels("hom.counts", as_of=snapshot.as_of, counts=text)
        )
        self._show()

    @on(Select.Changed, "#homologations-status")
    def _status_chosen(self) -> None:
        self._show()

    def _show(self) -> None:
        chosen = self.query_one("#homologations-status", Select).value
        wanted = None if chosen is Select.NULL else Status(str(chosen))
        lang = self.labels.language
        rows = []
        for rank, entry in enumerate(self._entries):
            if wanted is not None and entry.status is not wanted:
                continue
            symbol, style = SYMBOLS[entry.status]
            label = LABELS[lang][entry.status]
            app = entry.application
            reserves = (
                f"{len(entry.open_reserves)} ({len(entry.overdue_reserves)})" if entry.open_reserves else ""
            )
            cells = (
                Text.styled(f"{symbol} {label}", style),
                app.name,
                app.ministry,
                app.criticality.value,
                entry.expires_on.isoformat() if entry.expires_on else "—",
                Text("—" if entry.days_left is None else str(entry.days_left), justify="right"),
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
