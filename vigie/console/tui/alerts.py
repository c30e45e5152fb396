"""The alerts view (`a`): the firing alerts and what is done about them; `enter` acknowledges.

The same alerts and the same acknowledgement as `vigie alerts` and `vigie alerts ack`, from
Alertmanager when one is configured, else from Vigie's built-in notifier. Reading and
acknowledging run in thread workers (Alertmanager is a network call).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, Footer, Input, Static

from vigie.console.errors import UserError
from vigie.console.settings import Settings
from vigie.console.tui.table import ConsoleTable, Row
from vigie.kernel.text.language import MISSING, Language

if TYPE_CHECKING:
    from vigie.console.oncall import AlertLine
    from vigie.probes.oncall.store import DeliveryStatus

STYLES = {"open": "bold red", "acknowledged": "yellow", "silenced": "dim", "inhibited": "dim"}


@dataclass(frozen=True)
class AlertsSnapshot:
    """What one reading of the alerts gave: the lines, or why there are none."""

    lines: tuple[AlertLine, ...] = ()
    backend: str = "vigie"
    where: str = ""
    delivery: DeliveryStatus | None = None
    error: str = ""

    @property
    def open_count(self) -> int:
        """Firing alerts nobody has acknowledged or silenced."""
        return sum(1 for line in self.lines if line.disposition.kind == "open")


def load_alerts(settings: Settings, now: float) -> AlertsSnapshot:
    """Read the alerts (in a worker); an unreachable Alertmanager is the snapshot's error."""
    # Imported on the first reading, after the console's first rows (see VigieApp._start_over).
    from vigie.console.oncall import read_alerts

    if not settings.probes.alerts.alertmanager and not settings.store_path().exists():
        return AlertsSnapshot()  # nothing has run yet: no alert, and no store to create
    try:
        reading = read_alerts(settings, now)
    except UserError as exc:
        return AlertsSnapshot(error=str(exc))
    return AlertsSnapshot(reading.lines, reading.backend, reading.where, reading.delivery)


def header_part(snapshot: AlertsSnapshot | None, lang: Language) -> tuple[str, str, str] | None:
    """The header's word on alerts (deliveries failing, alerts unreadable, or alerts to
    handle): its text, style and short form for a narrow terminal."""
    if snapshot is None:
        return None
    t = lang.t
    if snapshot.error:
        text = f"⚠ {t('tui.alerts.header.unreadable')}"
        return (text, "bold red", text)
    if snapshot.delivery is not None and not snapshot.delivery.ok:
        text = f"⚠ {t('tui.alerts.header.undelivered')}"
        return (text, "bold red", text)
    if snapshot.open_count:
        return (
            f"🔔 {lang.plural('tui.alerts.header.open', snapshot.open_count)}",
            "bold yellow",
            f"🔔 {lang.plural('tui.alerts.header.open_short', snapshot.open_count)}",
        )
    return None


@dataclass(frozen=True)
class AckRequest:
    """What the operator typed in the acknowledgement dialog."""

    alert: str
    text: str
    ticket: str | None


class AckDialog(ModalScreen[AckRequest | None]):
    """Asks for the acknowledgement's comment (required) and ticket (optional)."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", show=False)]

    def __init__(self, lang: Language, line: AlertLine) -> None:
        super().__init__(id="ack")
        self.lang = lang
        self.line = line

    def compose(self) -> ComposeResult:
        """The alert, the comment, the ticket."""
        t = self.lang.t
        summary = self.line.alert.annotations.get("summary") or self.line.alert.labels.get("alertname", "")
        with Vertical(classes="dialog"):
            yield Static(Text(t("tui.alerts.ack_title", summary=summary), style="bold"), classes="title")
            yield Input(placeholder=t("tui.alerts.ack_text"), id="ack-text")
            yield Input(value=self.line.ticket or "", placeholder=t("tui.alerts.ack_ticket"), id="ack-ticket")
            yield Static(t("tui.alerts.ack_hint"), classes="hint")

    @on(Input.Submitted)
    def _submitted(self) -> None:
        text = self.query_one("#ack-text", Input).value.strip()
        ticket = self.query_one("#ack-ticket", Input).value.strip().lstrip("#") or None
        if not text:
            self.notify(self.lang.t("tui.alerts.ack_needs_text"), severity="error")
            self.query_one("#ack-text", Input).focus()
            return
        self.dismiss(AckRequest(self.line.alert.fingerprint, text, ticket))

    def action_cancel(self) -> None:
        """Close without acknowledging."""
        self.dismiss(None)


class AlertsScreen(Screen[None]):
    """The firing alerts, open ones first; `esc` goes back to the tabs."""

    def __init__(self, lang: Language, settings: Settings, snapshot: AlertsSnapshot | None) -> None:
        super().__init__(id="alerts")
        self._bindings.bind("escape,a", "back", lang.t("tui.foot.back"))
        # Before the table's own `enter`, so the footer shows what it does here.
        self._bindings.bind("enter", "acknowledge", lang.t("tui.foot.ack"), priority=True)
        self.lang = lang
        self.settings = settings
        self._initial = snapshot
        self._lines: dict[str, AlertLine] = {}

    def compose(self) -> ComposeResult:
        """Title, source, the alerts."""
        t = self.lang.t
        yield Static(Text(t("tui.alerts.title"), style="bold"), classes="title")
        yield Static(id="alerts-source", classes="hint")
        yield ConsoleTable(
            [
                ("state", t("cli.alerts.col.state")),
                ("alert", t("cli.alerts.col.alert")),
                ("component", t("cli.alerts.col.component")),
                ("since", t("cli.alerts.col.since")),
                ("ticket", t("cli.alerts.col.ticket")),
                ("id", t("cli.alerts.col.id")),
            ],
            id="alerts-table",
        )
        yield Footer()

    def on_mount(self) -> None:
        """Show what was read last, and focus the table."""
        if self._initial is not None:
            self.show(self._initial)
        self.query_one(ConsoleTable).focus()

    def show(self, snapshot: AlertsSnapshot) -> None:
        """Show a new reading."""
        from vigie.console.cmd_alerts import ticket_words  # with read_alerts (see load_alerts)

        t, lang = self.lang.t, self.lang
        zone = self.settings.timezone
        source = t(f"cli.alerts.source.{snapshot.backend}", where=snapshot.where)
        if snapshot.error:
            source = snapshot.error
        elif snapshot.delivery is not None and not snapshot.delivery.ok:
            since = lang.date_time(datetime.fromtimestamp(snapshot.delivery.since, zone))
            source += " — " + t("cli.alerts.delivery_down", since=since, detail=snapshot.delivery.detail)
        elif not snapshot.lines:
            source += " — " + t("tui.alerts.none")
        self.query_one("#alerts-source", Static).update(source)
        self._lines = {line.alert.fingerprint: line for line in snapshot.lines}
        rows = []
        for rank, line in enumerate(snapshot.lines):
            labels = line.alert.labels
            kind = line.disposition.kind
            silence = line.disposition.silence
            # Short, for 80 columns: who acknowledged; until when is in `vigie alerts`.
            state = t(f"cli.alerts.state.{kind}")
            if kind == "acknowledged" and silence is not None:
                state = f"{state} ({silence.created_by})"
            cells = (
                Text(state, style=STYLES[kind]),
                line.alert.annotations.get("summary") or labels.get("alertname", ""),
                labels.get("component") or labels.get("application") or MISSING,
                lang.date_time(datetime.fromtimestamp(line.alert.starts_at, zone)),
                ticket_words(line, lang),
                line.short_id,
            )
            sort = (rank, cells[1], cells[2], line.alert.starts_at, line.ticket or "", line.short_id)
            rows.append(Row(line.alert.fingerprint, cells, sort, search=kind))
        self.query_one(ConsoleTable).set_rows(rows)

    def action_back(self) -> None:
        """Back to the tabs."""
        self.app.pop_screen()

    def action_acknowledge(self) -> None:
        """Ask for the comment of the selected alert's acknowledgement."""
        key = self.query_one(ConsoleTable).selected_key
        line = self._lines.get(key or "")
        if line is not None:
            self.app.push_screen(AckDialog(self.lang, line), self._acknowledged)

    @on(DataTable.RowSelected)
    def _row_selected(self) -> None:
        self.action_acknowledge()  # a click on a row

    def _acknowledged(self, request: AckRequest | None) -> None:
        if request is not None:
            self.post_message(self.Acknowledge(request))

    class Acknowledge(Message):
        """Acknowledge an alert (the app does it in a worker)."""

        def __init__(self, request: AckRequest) -> None:
            super().__init__()
            self.request = request
