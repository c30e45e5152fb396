"""The command palette (`ctrl+p`) in the console's language, and the console's own commands in it."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, cast

from rich.align import Align
from rich.text import Text
from textual.command import CommandList, CommandPalette, DiscoveryHit, Hit, Hits, Provider
from textual.widgets.option_list import Option

from vigie.kernel.text.language import Language

if TYPE_CHECKING:
    from vigie.console.tui.app import VigieApp


class ConsoleCommands(Provider):
    """Jump to a component, a tab or an application; this month's report; pause; refresh."""

    def _commands(self) -> list[tuple[str, str, Callable[[], object]]]:
        app = cast("VigieApp", self.app)
        t = app.lang.t
        commands: list[tuple[str, str, Callable[[], object]]] = []
        for comp in app.settings.probes.components:
            commands.append(
                (
                    t("tui.cmd.component", name=f"{comp.name} ({comp.id})"),
                    t("tui.cmd.component_help"),
                    partial(app.open_component, comp.id),
                )
            )
        for tab in app.tab_ids:
            commands.append(
                (
                    t("tui.cmd.tab", name=t(f"tui.tab.{tab}")),
                    t("tui.cmd.tab_help"),
                    partial(app.action_tab, tab),
                )
            )
        commands.append(
            (t("tui.cmd.report", month=app.month_label()), t("tui.cmd.report_help"), app.open_month_report)
        )
        commands.append(
            (
                t("tui.cmd.report_file", month=app.month_label()),
                t("tui.cmd.report_file_help", folder=app.settings.reports.output_dir),
                app.write_report_file,
            )
        )
        commands.append(
            (t("tui.cmd.communication"), t("tui.cmd.communication_help"), app.action_communication)
        )
        commands.append((t("tui.cmd.pause"), "", app.action_pause))
        commands.append((t("tui.cmd.refresh"), "", app.action_refresh_now))
        for app_id, name in app.application_names():
            commands.append(
                (
                    t("tui.cmd.application", name=f"{name} ({app_id})"),
                    t("tui.cmd.application_help"),
                    partial(app.open_application, app_id),
                )
            )
        return commands

    async def discover(self) -> Hits:
        """Everything, before the user types."""
        for text, help_text, command in self._commands():
            yield DiscoveryHit(text, command, help=help_text)

    async def search(self, query: str) -> Hits:
        """Fuzzy match on the command texts."""
        matcher = self.matcher(query)
        for text, help_text, command in self._commands():
            score = matcher.match(text)
            if score > 0:
                yield Hit(score, matcher.highlight(text), command, text=text, help=help_text)


class Palette(CommandPalette):
    """Textual's command palette with its prompt and its "no match" line in the console's
    language (Textual writes them in English)."""

    def __init__(self, lang: Language) -> None:
        super().__init__(placeholder=lang.t("tui.palette.placeholder"), id="--command-palette")
        self.lang = lang

    def _start_no_matches_countdown(self, search_value: str) -> None:
        # Textual's countdown, with our line instead of its "No matches found".
        super()._start_no_matches_countdown(search_value)
        if search_value and self._no_matches_timer is not None:
            self._no_matches_timer.stop()
            self._no_matches_timer = self.set_timer(self._NO_MATCHES_COUNTDOWN, self._show_no_matches)

    def _show_no_matches(self) -> None:
        line = Text(self.lang.t("tui.palette.no_match"), style="not bold")
        self.query_one(CommandList).add_option(Option(Align.center(line), disabled=True, id=self._NO_MATCHES))
        self._list_visible = True
