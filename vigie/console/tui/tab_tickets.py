"""Tab 3, Tickets: this month's volumes by application and channel, the monthly trend,
first-contact resolution."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Static

from vigie.console.tui import fmt
from vigie.console.tui.base import ConsoleTab
from vigie.console.tui.data import TicketsSnapshot
from vigie.console.tui.table import ConsoleTable, Row
from vigie.probes.tickets.model import CHANNELS
from vigie.reports.tickets import Figures


def growth_text(ratio: float | None, language: str) -> Text:
    """A signed percentage, red when volumes grow."""
    if ratio is None:
        return Text("—", justify="right")
    shown = f"{ratio * 100:+.1f} %"
    shown = shown.replace(".", ",") if language == "fr" else shown
    return Text(shown, style="red" if ratio > 0 else "green", justify="right")


class TicketsTab(ConsoleTab):
    """Volumes and quality of the service desk."""

    def compose_body(self) -> ComposeResult:
        """A summary line, two tables side by side, the trend below."""
        t = self.labels
        yield Static(id="tickets-summary", classes="title")
        with Horizontal(id="tickets-top"):
            with Vertical():
                yield Static(t("tickets.by_application"), classes="section")
                yield ConsoleTable(
                    [
                        ("application", t("col.application")),
                        ("opened", t("col.opened")),
                        ("growth", t("col.growth")),
                        ("fcr", t("col.fcr")),
                        ("median", t("col.median")),
                        ("backlog", t("col.backlog_tickets")),
                    ],
                    id="tickets-applications",
                )
            with Vertical():
                yield Static(t("tickets.by_channel"), classes="section")
                yield ConsoleTable(
                    [
                        ("channel", t("col.channel")),
                        ("opened", t("col.opened")),
                        ("share", t("col.share")),
                        ("fcr", t("col.fcr")),
                    ],
                    id="tickets-channels",
                )
        yield Static(t("tickets.by_month"), classes="section")
        yield ConsoleTable(
            [
                ("month", t("col.month_name")),
                ("opened", t("col.opened")),
                ("bar", ""),
                ("growth", t("col.growth")),
                ("fcr", t("col.fcr")),
            ],
            id="tickets-months",
        )

    def update_tickets(self, snapshot: TicketsSnapshot) -> None:
        """Show new ticket figures."""
        t = self.labels
        lang = t.language
        if snapshot.state == "error":
            self.show_message(t("msg.store_error", error=snapshot.error))
            return
        if snapshot.by_application is None or snapshot.by_channel is None or snapshot.by_month is None:
            self.show_message(t("msg.no_tickets"))
            return
        self.show_message(None)
        total = snapshot.by_application.total
        self.query_one("#tickets-summary", Static).update(
            t(
                "tickets.summary",
                month=snapshot.by_application.period.label,
                opened=fmt.number(total.opened, lang),
                growth=growth_text(total.growth, lang).plain,
                fcr=fmt.percent(total.first_contact_rate, lang, digits=1),
                median=fmt.duration(total.median_resolve_s),
                backlog=fmt.number(total.backlog, lang),
            )
        )
        self.query_one("#tickets-applications", ConsoleTable).set_rows(
            [self._application_row(f) for f in snapshot.by_application.groups]
        )
        opened = max(total.opened, 1)
        channels = []
        for f in snapshot.by_channel.groups:
            name = t(f"channel.{f.key}") if f.key in CHANNELS else f.key
            cells = (
                name,
                Text(fmt.number(f.opened, lang), justify="right"),
                Text(fmt.percent(f.opened / opened, lang, digits=1), justify="right"),
                Text(fmt.percent(f.first_contact_rate, lang, digits=1), justify="right"),
            )
            channels.append(Row(f.key, cells, (name, f.opened, f.opened, f.first_contact_rate)))
        self.query_one("#tickets-channels", ConsoleTable).set_rows(channels)
        peak = max((f.opened for f in snapshot.by_month.groups), default=1) or 1
        months = []
        for f in snapshot.by_month.groups:
            month_cells = (
                f.key,
                Text(fmt.number(f.opened, lang), justify="right"),
                Text(fmt.bar(f.opened / peak, width=30), style="cyan"),
                growth_text(f.growth, lang),
                Text(fmt.percent(f.first_contact_rate, lang, digits=1), justify="right"),
            )
            months.append(
                Row(f.key, month_cells, (f.key, f.opened, f.opened, f.growth, f.first_contact_rate))
            )
        self.query_one("#tickets-months", ConsoleTable).set_rows(months)

    def _application_row(self, f: Figures) -> Row:
        lang = self.labels.language
        cells = (
            f.key,
            Text(fmt.number(f.opened, lang), justify="right"),
            growth_text(f.growth, lang),
            Text(fmt.percent(f.first_contact_rate, lang, digits=1), justify="right"),
            Text(fmt.duration(f.median_resolve_s), justify="right"),
            Text(fmt.number(f.backlog, lang), justify="right"),
        )
        return Row(
            f.key, cells, (f.key, f.opened, f.growth, f.first_contact_rate, f.median_resolve_s, f.backlog)
        )
