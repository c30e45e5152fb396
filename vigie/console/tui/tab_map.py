"""Tab 6, Cartographie: find an application as you type, see its interfaces in and out and
its impact downstream and upstream; `enter` on a neighbour opens that one's page."""

from __future__ import annotations

import unicodedata

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Input, OptionList, Static
from textual.widgets.option_list import Option

from vigie.catalog.graph import ImpactDirection, Link, Reach, impact, neighbours
from vigie.console.tui.base import CatalogTab
from vigie.console.tui.data import CatalogSnapshot
from vigie.console.tui.table import ALWAYS, MAIN, SECONDARY, Column, ConsoleTable, Row
from vigie.kernel.text.language import Language

MAX_MATCHES = 12


def fold(text: str) -> str:
    """Lower case without accents, so "coeur" finds "Cœur" and "echanges" "Échanges"."""
    text = text.casefold().replace("œ", "oe").replace("æ", "ae")
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


class MapTab(CatalogTab):
    """An application's page in the map."""

    def __init__(self, lang: Language, *, id: str | None = None) -> None:
        super().__init__(lang, id=id)
        self.snapshot: CatalogSnapshot | None = None
        self.current: str | None = None

    def compose_body(self) -> ComposeResult:
        """Search box, matches, the application's header and four tables."""
        t = self.lang.t
        yield Input(placeholder=t("tui.map.search"), id="map-search")
        yield OptionList(id="map-matches")
        yield Static(t("tui.map.pick"), id="map-header", classes="title")
        with Horizontal(classes="map-row"):
            with Vertical():
                yield Static(t("tui.map.incoming"), classes="section")
                yield ConsoleTable(self._link_columns(), id="map-incoming")
            with Vertical():
                yield Static(t("tui.map.outgoing"), classes="section")
                yield ConsoleTable(self._link_columns(), id="map-outgoing")
        with Horizontal(classes="map-row"):
            with Vertical():
                yield Static(t("tui.map.impact_down"), classes="section")
                yield ConsoleTable(self._reach_columns(), id="map-down")
            with Vertical():
                yield Static(t("tui.map.impact_up"), classes="section")
                yield ConsoleTable(self._reach_columns(), id="map-up")

    def on_mount(self) -> None:
        """No matches until the user types."""
        self.query_one("#map-matches", OptionList).display = False

    def focus_first(self) -> None:
        """The search box: switching to the map is for typing a name."""
        self.query_one("#map-search", Input).focus()

    def _link_columns(self) -> list[Column]:
        t = self.lang.t
        return [
            Column("application", t("tui.col.application"), ALWAYS, max_width=26),
            Column("interfaces", t("tui.col.interface"), MAIN, max_width=24),
            Column("protocols", t("tui.col.protocols"), SECONDARY),
            Column("volume", t("tui.col.volume"), MAIN - 10),
        ]

    def _reach_columns(self) -> list[Column]:
        t = self.lang.t
        return [
            Column("application", t("tui.col.application"), ALWAYS, max_width=25),
            Column("distance", t("tui.col.distance"), MAIN),
            Column("via", t("tui.col.via"), SECONDARY, max_width=18),
        ]

    def update_catalog(self, snapshot: CatalogSnapshot) -> None:
        """Keep the new catalog; the open page is redrawn from it."""
        self.snapshot = snapshot
        if self.current is not None:
            self.show_application(self.current)

    def matches(self, text: str) -> list[tuple[str, str]]:
        """(id, name) of the applications whose id or name contains ``text``, best first."""
        if self.snapshot is None or self.snapshot.catalog is None or not text.strip():
            return []
        wanted = fold(text.strip())
        found = []
        for app in self.snapshot.catalog.applications.values():
            name, ident = fold(app.name), fold(app.id)
            if wanted in name or wanted in ident:
                found.append((not (name.startswith(wanted) or ident.startswith(wanted)), app.name, app.id))
        return [(ident, name) for _, name, ident in sorted(found)[:MAX_MATCHES]]

    @on(Input.Changed, "#map-search")
    def _typed(self, event: Input.Changed) -> None:
        options = self.query_one("#map-matches", OptionList)
        options.clear_options()
        found = self.matches(event.value)
        options.add_options([Option(f"{name} ({ident})", id=ident) for ident, name in found])
        options.display = bool(found)

    @on(Input.Submitted, "#map-search")
    def _submitted(self, event: Input.Submitted) -> None:
        found = self.matches(event.value)
        if found:
            self.show_application(found[0][0])

    @on(OptionList.OptionSelected, "#map-matches")
    def _picked(self, event: OptionList.OptionSelected) -> None:
        if event.option.id is not None:
            self.show_application(event.option.id)

    @on(DataTable.RowSelected)
    def _jump(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if event.row_key.value is not None:
            self.show_application(event.row_key.value)

    def show_application(self, app_id: str) -> None:
        """Open an application's page."""
        snapshot = self.snapshot
        if snapshot is None or snapshot.catalog is None or snapshot.graph is None:
            return
        apps = snapshot.catalog.applications
        if app_id not in apps:
            return
        self.current = app_id
        app = apps[app_id]
        self.query_one("#map-matches", OptionList).display = False
        ministry = snapshot.catalog.ministries.get(app.ministry)
        self.query_one("#map-header", Static).update(
            Text(
                self.lang.t(
                    "tui.map.header",
                    name=app.name,
                    id=app.id,
                    ministry=ministry.name if ministry else app.ministry,
                    domain=app.domain,
                    zone=app.zone.value,
                    phase=self.lang.label("catalog.phase", app.lifecycle.phase),
                ),
                style="bold",
            )
        )
        graph = snapshot.graph
        near = neighbours(graph, app_id)
        self.query_one("#map-incoming", ConsoleTable).set_rows(
            [self._link_row(link) for link in near.incoming]
        )
        self.query_one("#map-outgoing", ConsoleTable).set_rows(
            [self._link_row(link) for link in near.outgoing]
        )
        self.query_one("#map-down", ConsoleTable).set_rows(
            [self._reach_row(r) for r in impact(graph, app_id, ImpactDirection.DOWN)]
        )
        self.query_one("#map-up", ConsoleTable).set_rows(
            [self._reach_row(r) for r in impact(graph, app_id, ImpactDirection.UP)]
        )
        first = self.query_one("#map-incoming", ConsoleTable)
        (first if first.row_count else self.query_one("#map-outgoing", ConsoleTable)).focus()

    def _app_name(self, app_id: str) -> str:
        catalog = self.snapshot.catalog if self.snapshot else None
        if catalog is not None and app_id in catalog.applications:
            return catalog.applications[app_id].name
        return app_id

    def _link_row(self, link: Link) -> Row:
        lang = self.lang
        cells = (
            self._app_name(link.app),
            ", ".join(link.interfaces),
            ", ".join(lang.label("catalog.protocol", p) for p in link.protocols),
            Text(lang.number(link.volume or None), justify="right"),
        )
        return Row(
            link.app,
            cells,
            (self._app_name(link.app).casefold(), link.interfaces, link.protocols, link.volume),
        )

    def _reach_row(self, reach: Reach) -> Row:
        cells = (
            self._app_name(reach.app),
            Text(str(reach.distance), justify="right"),
            self._app_name(reach.via),
        )
        return Row(reach.app, cells, (self._app_name(reach.app).casefold(), reach.distance, reach.via))
