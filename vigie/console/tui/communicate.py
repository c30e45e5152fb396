"""The console's communication screen (`i`): this month's measured incidents beside what was
told to the public, and the form that drafts an incident from a measured one.

`c` ("communiquer") on a measured incident opens the form pre-filled with the component,
the outage's start and a draft text; it saves a draft or publishes at once. On the
communications table, `p` publishes the draft under the cursor and `u` adds an update
(identified, monitoring, resolved...). The public page (`vigie status`) shows only what is published.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, DataTable, Footer, Input, Select, Static, TextArea

from vigie.accounting.incidents import Incident
from vigie.console.settings import Settings
from vigie.console.status.drafts import Draft, draft_for, open_communications, public_name, save_draft
from vigie.kernel.text.language import Language
from vigie.reports.status.communication import (
    COMPONENT_STATUSES,
    INCIDENT,
    INCIDENT_STATUSES,
    MAINTENANCE_STATUSES,
    CommunicationError,
    Notice,
    covering,
)


class CommunicationScreen(Screen[None]):
    """Measured incidents and communications; `c` drafts, `p` publishes, `esc` goes back."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "back", show=False)]

    def __init__(
        self,
        lang: Language,
        settings: Settings,
        incidents: Callable[[], Sequence[Incident]],
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(id="communication")
        self.lang = lang
        self.settings = settings
        self.incidents = incidents
        self.clock = clock
        self.measured: list[Incident] = []
        self.notices: list[Notice] = []
        t = lang.t
        self._bindings.bind("escape", "back", t("tui.foot.back"))
        self._bindings.bind("c", "communicate", t("tui.comm.foot.communicate"))
        self._bindings.bind("p", "publish", t("tui.comm.foot.publish"))
        self._bindings.bind("u", "update", t("tui.comm.foot.update"))

    def compose(self) -> ComposeResult:
        """Two tables: measured incidents, then communications."""
        t = self.lang.t
        with VerticalScroll():
            yield Static(Text(t("tui.comm.title"), style="bold"), classes="title")
            yield Static(t("tui.comm.measured"), classes="section")
            measured: DataTable[str | Text] = DataTable(id="comm-measured", cursor_type="row")
            measured.add_columns(
                t("tui.col.component"),
                t("tui.col.start"),
                t("tui.col.end"),
                t("tui.col.duration"),
                t("tui.col.cause"),
                t("tui.comm.col.told"),
            )
            yield measured
            yield Static(id="comm-measured-none", classes="hint")
            yield Static(t("tui.comm.notices"), classes="section")
            notices: DataTable[str | Text] = DataTable(id="comm-notices", cursor_type="row")
            notices.add_columns(
                t("cli.incident.col.id"),
                t("cli.incident.col.status"),
                t("cli.incident.col.state"),
                t("cli.incident.col.title"),
                t("cli.incident.col.start"),
            )
            yield notices
            yield Static(t("tui.comm.hint"), classes="hint")
        yield Footer()

    def on_mount(self) -> None:
        """Read the notices and show both tables."""
        self.reload()
        self.query_one("#comm-measured", DataTable).focus()

    def reload(self) -> None:
        """Read the communications again and repaint."""
        with open_communications(self.settings) as comms:
            self.notices = comms.notices()
        self.measured = sorted(self.incidents(), key=lambda i: -i.start)
        t, lang = self.lang.t, self.lang
        table = self.query_one("#comm-measured", DataTable)
        table.clear()
        public = {c.id for c in self.settings.status.components}
        for index, inc in enumerate(self.measured):
            notice = covering(self.notices, inc.component, inc.start, inc.end)
            told = (
                Text(
                    f"{notice.id} ({t('cli.incident.published' if notice.published else 'cli.incident.draft')})"
                )
                if notice is not None
                else Text(
                    t("tui.comm.not_told") if inc.component in public else t("tui.comm.not_public"),
                    style="bold",
                )
            )
            table.add_row(
                public_name(self.settings, inc.component, lang),
                self._clock(inc.start),
                self._clock(inc.end),
                lang.duration(inc.duration_s),
                inc.cause,
                told,
                key=str(index),
            )
        self.query_one("#comm-measured-none", Static).update(
            "" if self.measured else t("tui.comm.no_measured")
        )
        notices = self.query_one("#comm-notices", DataTable)
        notices.clear()
        for notice in reversed(self.notices):
            notices.add_row(
                str(notice.id),
                lang.label("status.update", notice.status),
                t("cli.incident.published" if notice.published else "cli.incident.draft"),
                notice.title,
                self._clock(notice.started_at),
                key=str(notice.id),
            )

    def _clock(self, ts: float) -> str:
        return self.lang.date_time(datetime.fromtimestamp(ts, self.settings.timezone))

    def action_communicate(self) -> None:
        """Open the form pre-filled from the measured incident under the cursor."""
        table = self.query_one("#comm-measured", DataTable)
        if not self.measured or table.cursor_row < 0:
            return
        inc = self.measured[table.cursor_row]
        if inc.component not in {c.id for c in self.settings.status.components}:
            self.notify(self.lang.t("tui.comm.not_public_help"), severity="warning")
            return
        draft = draft_for(self.settings, inc.component, inc.start)
        self.app.push_screen(DraftScreen(self.lang, self.settings, draft, self.clock), self._saved)

    def _saved(self, notice: Notice | None) -> None:
        if notice is None:
            return
        t = self.lang.t
        state = t("cli.incident.published" if notice.published else "cli.incident.draft")
        self.notify(t("tui.comm.saved", id=notice.id, state=state))
        self.reload()

    def _selected_notice(self) -> Notice | None:
        table = self.query_one("#comm-notices", DataTable)
        if not self.notices or table.cursor_row < 0:
            return None
        return list(reversed(self.notices))[table.cursor_row]

    def action_update(self) -> None:
        """Open the update form of the incident under the cursor of the communications table."""
        notice = self._selected_notice()
        if notice is None:
            return
        if notice.resolved:
            self.notify(self.lang.t("tui.comm.already_resolved", id=notice.id), severity="warning")
            return
        self.app.push_screen(UpdateScreen(self.lang, self.settings, notice, self.clock), self._saved)

    def action_publish(self) -> None:
        """Publish the draft under the cursor of the communications table."""
        notice = self._selected_notice()
        if notice is None:
            return
        try:
            with open_communications(self.settings) as comms:
                published = comms.publish(notice.id, self.clock())
        except CommunicationError as exc:
            self.notify(str(exc), severity="warning")
            return
        self._saved(published)

    def action_back(self) -> None:
        """Back to the tabs."""
        self.app.pop_screen()


class _Form(ModalScreen[Notice | None]):
    """A form that writes a notice (returned) or is cancelled with `esc` (None)."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", show=False)]

    def __init__(self, lang: Language, settings: Settings, clock: Callable[[], float], form_id: str) -> None:
        super().__init__(id=form_id)
        self.lang = lang
        self.settings = settings
        self.clock = clock

    def action_cancel(self) -> None:
        """Close without writing."""
        self.dismiss(None)


class DraftScreen(_Form):
    """The form of an incident to communicate, pre-filled; saves a draft or publishes."""

    def __init__(self, lang: Language, settings: Settings, draft: Draft, clock: Callable[[], float]) -> None:
        super().__init__(lang, settings, clock, "draft")
        self.draft = draft

    def compose(self) -> ComposeResult:
        """Title, status, start, message, and the three buttons."""
        t, lang = self.lang.t, self.lang
        draft = self.draft
        with Vertical(classes="dialog"):
            yield Static(
                Text(
                    t("tui.comm.form_title", name=public_name(self.settings, draft.component, lang)),
                    style="bold",
                ),
                classes="title",
            )
            yield Static(t("cli.incident.col.title"), classes="section")
            yield Input(draft.title if lang.code == "fr" else draft.title_en, id="draft-title")
            yield Static(t("tui.comm.status"), classes="section")
            yield Select(
                [(lang.label("status.component", s), s) for s in COMPONENT_STATUSES if s != "operational"],
                value=draft.status,
                allow_blank=False,
                id="draft-status",
            )
            yield Static(t("tui.comm.start"), classes="section")
            yield Input(self._start_text(), id="draft-start")
            yield Static(t("tui.comm.message"), classes="section")
            yield TextArea(draft.message if lang.code == "fr" else draft.message_en, id="draft-message")
            with Horizontal(classes="buttons"):
                yield Button(t("tui.comm.save_draft"), id="draft-save")
                yield Button(t("tui.comm.publish_now"), id="draft-publish", variant="primary")
                yield Button(t("tui.comm.cancel"), id="draft-cancel")

    def _start_text(self) -> str:
        return datetime.fromtimestamp(self.draft.start, self.settings.timezone).strftime("%Y-%m-%d %H:%M")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        """Save, publish or cancel."""
        if event.button.id == "draft-cancel":
            self.dismiss(None)
            return
        self.submit(published=event.button.id == "draft-publish")

    def submit(self, published: bool) -> None:
        """Write the incident from the form (a mistake is shown, the form stays open)."""
        title = self.query_one("#draft-title", Input).value
        status = self.query_one("#draft-status", Select).value
        message = self.query_one("#draft-message", TextArea).text
        text = self.query_one("#draft-start", Input).value.strip()
        try:
            start = datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=self.settings.timezone)
        except ValueError:
            self.notify(self.lang.t("tui.comm.bad_start"), severity="error")
            return
        # Left as pre-filled, the start stays the measured one to the second.
        when = self.draft.start if text == self._start_text() else start.timestamp()
        english = self.lang.code == "en"
        draft = replace(
            self.draft,
            status=str(status),
            start=when,
            title=self.draft.title if english else title,
            title_en=title if english else self.draft.title_en,
            message=self.draft.message if english else message,
            message_en=message if english else self.draft.message_en,
        )
        try:
            notice = save_draft(self.settings, draft, self.clock(), published=published)
        except CommunicationError as exc:
            self.notify(str(exc), severity="error")
            return
        self.dismiss(notice)


class UpdateScreen(_Form):
    """The form of an update: the new status (``resolved`` resolves), the text, the cause."""

    def __init__(
        self, lang: Language, settings: Settings, notice: Notice, clock: Callable[[], float]
    ) -> None:
        super().__init__(lang, settings, clock, "update")
        self.notice = notice

    def compose(self) -> ComposeResult:
        """Status, message, cause, and the two buttons."""
        t, lang = self.lang.t, self.lang
        statuses = INCIDENT_STATUSES if self.notice.kind == INCIDENT else MAINTENANCE_STATUSES
        with Vertical(classes="dialog"):
            yield Static(
                Text(t("tui.comm.update_title", id=self.notice.id, title=self.notice.title), style="bold"),
                classes="title",
            )
            yield Static(t("cli.incident.col.status"), classes="section")
            yield Select(
                [(lang.label("status.update", s), s) for s in statuses],
                value=self.notice.status if self.notice.status in statuses else statuses[0],
                allow_blank=False,
                id="update-status",
            )
            yield Static(t("tui.comm.message"), classes="section")
            yield TextArea("", id="update-message")
            yield Static(t("tui.comm.cause"), classes="section")
            yield Input(self.notice.cause, id="update-cause")
            with Horizontal(classes="buttons"):
                yield Button(t("tui.comm.publish_update"), id="update-save", variant="primary")
                yield Button(t("tui.comm.cancel"), id="update-cancel")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        """Save or cancel."""
        if event.button.id == "update-cancel":
            self.dismiss(None)
            return
        message = self.query_one("#update-message", TextArea).text
        status = str(self.query_one("#update-status", Select).value)
        cause = self.query_one("#update-cause", Input).value
        english = self.lang.code == "en"
        try:
            with open_communications(self.settings) as comms:
                notice = comms.update(
                    self.notice.id,
                    message,
                    now=self.clock(),
                    status=status,
                    cause=cause,
                    # Written in the console's language: the French text is required, so an
                    # English console's text stands for both.
                    message_en=message if english else "",
                )
        except CommunicationError as exc:
            self.notify(str(exc), severity="error")
            return
        self.dismiss(notice)
