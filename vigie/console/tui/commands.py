"""The console's own commands in the command palette (`ctrl+p`)."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, cast

from textual.command import DiscoveryHit, Hit, Hits, Provider

if TYPE_CHECKING:
    from vigie.console.tui.app import VigieApp


class ConsoleCommands(Provider):
    """Jump to a component, a tab or an application; this month's report; pause; refresh."""

    def _commands(self) -> list[tuple[str, str, Callable[[], object]]]:
        app = cast("VigieApp", self.app)
        t = app.labels
        commands: list[tuple[str, str, Callable[[], object]]] = []
        for comp in app.settings.probes.components:
            commands.append(
                (
                    t("cmd.component", name=f"{comp.name} ({comp.id})"),
                    t("cmd.component_help"),
                    partial(app.open_component, comp.id),
                )
            )
        for tab in app.tab_ids:
            commands.append(
                (t("cmd.tab", name=t(f"tab.{tab}")), t("cmd.tab_help"), partial(app.action_tab, tab))
            )
        commands.append(
            (t("cmd.report", month=app.month_label()), t("cmd.report_help"), app.open_month_report)
        )
        commands.append(
            (
                t("cmd.report_file", month=app.month_label()),
                t("cmd.report_file_help", folder=app.settings.reports.output_dir),
                app.write_report_file,
            )
        )
        commands.append((t("cmd.pause"), "", app.action_pause))
        commands.append((t("cmd.refresh"), "", app.action_refresh_now))
        for app_id, name in app.application_names():
            commands.append(
                (
                    t("cmd.application", name=f"{name} ({app_id})"),
                    t("cmd.application_help"),
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
