"""Tab 3, Tickets: this month's volumes by application and channel, the monthly trend,
first-contact resolution."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from vigie.console.tui import fmt
from vigie.console.tui.base import ConsoleTab
from vigie.console.tui.data import TicketsSnapshot
from vigie.console.tui.fitline import FitLine
from vigie.console.tui.table import ALWAYS, DRAWING, MAIN, SECONDARY, Column, ConsoleTable, Row
from vigie.kernel.text.language import Language
from vigie.reports.tickets import Figures


def growth_text(ratio: float | None, lang: Language) -> Text:
    """A signed percentage, red when volumes grow."""
    style = "" if ratio is None else "red" if ratio > 0 else "green"
    return Text(lang.change(ratio), style=style, justify="right")


class TicketsTab(ConsoleTab):
    """Volumes and quality of the service desk."""

    def compose_body(self) -> ComposeResult:
        """A summary line, two tables side by side, the trend below."""
        t = self.lang.t
        yield FitLine(id="tickets-summary", classes="title")
        # One under the other, each table the full width (side by side, they lost columns
        # at 120 columns); the body scrolls on a short terminal.
        with VerticalScroll(id="tickets-body"):
            yield Static(t("tui.tickets.by_application"), classes="section")
            yield ConsoleTable(
                [
                    Column("application", t("tui.col.application"), ALWAYS, max_width=24),
                    Column("opened", t("tui.col.opened"), ALWAYS),
                    Column("growth", t("tui.col.growth"), SECONDARY),
                    Column("fcr", t("tui.col.fcr"), MAIN),
                    Column("median", t("tui.col.median"), SECONDARY + 5),
                    Column("backlog", t("tui.col.backlog_tickets"), MAIN - 5),
                ],
                id="tickets-applications",
            )
            yield Static(t("tui.tickets.by_channel"), classes="section")
            yield ConsoleTable(
                [
                    Column("channel", t("tui.col.channel"), ALWAYS),
                    Column("opened", t("tui.col.opened"), ALWAYS),
                    Column("share", t("tui.col.share"), SECONDARY),
                    Column("fcr", t("tui.col.fcr"), MAIN),
                ],
                id="tickets-channels",
            )
            yield Static(t("tui.tickets.by_month"), classes="section")
            yield ConsoleTable(
                [
                    Column("month", t("tui.col.month_name"), ALWAYS),
                    Column("opened", t("tui.col.opened"), ALWAYS),
                    Column("bar", "", DRAWING),
                    Column("growth", t("tui.col.growth"), SECONDARY),
                    Column("fcr", t("tui.col.fcr"), MAIN),
                ],
                id="tickets-months",
            )

    def show_tickets(self, snapshot: TicketsSnapshot) -> None:
        """Show new ticket figures."""
        t = self.lang.t
        lang = self.lang
        if snapshot.state == "error":
            self.show_message(t("tui.msg.store_error", error=snapshot.error))
            return
        if snapshot.by_application is None or snapshot.by_channel is None or snapshot.by_month is None:
            self.show_message(t("tui.msg.no_tickets"))
            return
        self.show_message(None)
        total = snapshot.by_application.total
        month = snapshot.by_application.period.label
        self.query_one("#tickets-summary", FitLine).set_parts(
            [
                (t("tui.tickets.summary.opened", month=month, opened=lang.number(total.opened)), ALWAYS),
                (t("tui.tickets.summary.growth", growth=growth_text(total.growth, lang).plain), SECONDARY),
                (t("tui.tickets.summary.fcr", fcr=lang.percent(total.first_contact_rate, 1)), MAIN),
                (
                    t("tui.tickets.summary.median", median=lang.duration(total.median_resolve_s)),
                    SECONDARY + 5,
                ),
                (t("tui.tickets.summary.backlog", backlog=lang.number(total.backlog)), MAIN - 5),
            ]
        )
        self.query_one("#tickets-applications", ConsoleTable).set_rows(
            [self._application_row(f) for f in snapshot.by_application.groups]
        )
        opened = max(total.opened, 1)
        channels = []
        for f in snapshot.by_channel.groups:
            name = lang.label("channel", f.key)
            cells = (
                name,
                Text(lang.number(f.opened), justify="right"),
                Text(lang.percent(f.opened / opened, 1), justify="right"),
                Text(lang.percent(f.first_contact_rate, 1), justify="right"),
            )
            channels.append(Row(f.key, cells, (name, f.opened, f.opened, f.first_contact_rate)))
        self.query_one("#tickets-channels", ConsoleTable).set_rows(channels)
        peak = max((f.opened for f in snapshot.by_month.groups), default=1) or 1
        months = []
        for f in snapshot.by_month.groups:
            month_cells = (
                f.key,
                Text(lang.number(f.opened), justify="right"),
                Text(fmt.bar(f.opened / peak, width=30), style="cyan"),
                growth_text(f.growth, lang),
                Text(lang.percent(f.first_contact_rate, 1), justify="right"),
            )
            months.append(
                Row(f.key, month_cells, (f.key, f.opened, f.opened, f.growth, f.first_contact_rate))
            )
        self.query_one("#tickets-months", ConsoleTable).set_rows(months)

    def _application_row(self, f: Figures) -> Row:
        lang = self.lang
        cells = (
            f.key,
            Text(lang.number(f.opened), justify="right"),
            growth_text(f.growth, lang),
            Text(lang.percent(f.first_contact_rate, 1), justify="right"),
            Text(lang.duration(f.median_resolve_s), justify="right"),
            Text(lang.number(f.backlog), justify="right"),
        )
        return Row(
            f.key, cells, (f.key, f.opened, f.growth, f.first_contact_rate, f.median_resolve_s, f.backlog)
        )
