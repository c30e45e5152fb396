"""Tab 5, Décommissionnement: progress by ministry, applications being retired, and the
interfaces still to remove or reroute."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import Static

from vigie.catalog.lifecycle import DecomState, decom_state
from vigie.console.tui import fmt
from vigie.console.tui.base import CatalogTab
from vigie.console.tui.data import CatalogSnapshot
from vigie.console.tui.table import ALWAYS, MAIN, SECONDARY, Cell, Column, ConsoleTable, Row
from vigie.kernel.text.language import MISSING

STATE_STYLES = {
    DecomState.SWITCHED_OFF: "green",
    DecomState.PLANNED: "cyan",
    DecomState.LATE: "bold red",
    DecomState.UNSCHEDULED: "yellow",
}


class DecomTab(CatalogTab):
    """Three tables: by ministry, retiring applications, interfaces to remove."""

    def compose_body(self) -> ComposeResult:
        """Section titles and tables."""
        t = self.lang.t
        yield Static(t("tui.decom.by_ministry"), classes="section")
        yield ConsoleTable(
            [
                Column("ministry", t("tui.col.ministry"), ALWAYS, max_width=34),
                Column("progress", t("tui.col.progress"), ALWAYS),
                Column("done", t("tui.col.switched_off"), MAIN),
                Column("planned", t("tui.col.planned"), SECONDARY),
                Column("late", t("tui.col.late"), MAIN + 5),
                Column("contract", t("tui.col.contract"), MAIN - 5),
            ],
            id="decom-ministries",
        )
        yield Static(t("tui.decom.retiring"), classes="section")
        yield ConsoleTable(
            [
                Column("application", t("tui.col.application"), ALWAYS, max_width=34),
                Column("ministry", t("tui.col.ministry"), SECONDARY),
                Column("state", t("tui.col.state"), ALWAYS),
                Column("date", t("tui.col.decom_on"), MAIN),
                Column("replaced_by", t("tui.col.replaced_by"), SECONDARY + 5, max_width=24),
            ],
            id="decom-retiring",
        )
        yield Static(t("tui.decom.findings"), classes="section")
        yield ConsoleTable(
            [
                Column("interface", t("tui.col.interface"), ALWAYS),
                Column("retiring", t("tui.col.retiring"), MAIN, max_width=24),
                Column("counterpart", t("tui.col.counterpart"), SECONDARY, max_width=22),
                Column("action", t("tui.col.action"), ALWAYS),
                Column("deadline", t("tui.col.deadline"), MAIN + 5),
            ],
            id="decom-findings",
        )

    def update_catalog(self, snapshot: CatalogSnapshot) -> None:
        """Show the decommissioning figures of a new catalog snapshot."""
        t = self.lang.t
        lang = self.lang
        catalog = snapshot.catalog
        assert catalog is not None and snapshot.as_of is not None
        ministries = catalog.ministries
        rows = []
        for rank, group in enumerate(snapshot.progress):
            name = ministries[group.key].name if group.key in ministries else group.key
            done = group.counts[DecomState.SWITCHED_OFF]
            contract = ""
            if group.contract is not None:
                contract = f"{group.contract_done}/{len(group.contract.applications)}"
                if group.contract.target_on:
                    contract += f" → {group.contract.target_on.isoformat()}"
            cells: tuple[Cell, ...] = (
                name,
                Text(f"{fmt.bar(group.ratio, 10)} {lang.percent(group.ratio, 0)}", style="green"),
                Text(f"{done}/{group.total}", justify="right"),
                Text(str(group.counts[DecomState.PLANNED]), justify="right"),
                Text(
                    str(group.counts[DecomState.LATE]),
                    style="bold red" if group.late else "",
                    justify="right",
                ),
                Text(contract, style="bold red" if group.contract_late else ""),
            )
            sort_values = (
                rank,
                group.ratio,
                done,
                group.counts[DecomState.PLANNED],
                len(group.late),
                contract,
            )
            rows.append(Row(group.key, cells, sort_values, search=name))
        self.query_one("#decom-ministries", ConsoleTable).set_rows(rows)
        apps = catalog.applications
        retiring = []
        for app in snapshot.retiring:
            state = decom_state(app, snapshot.as_of)
            when = app.lifecycle.decommission_on
            replacement = app.lifecycle.replaced_by
            cells = (
                app.name,
                app.ministry,
                Text(lang.label("catalog.decom", state), style=STATE_STYLES[state]),
                when.isoformat() if when else MISSING,
                apps[replacement].name if replacement in apps else (replacement or ""),
            )
            retiring.append(Row(app.id, cells, (app.name, app.ministry, state.value, when, replacement)))
        self.query_one("#decom-retiring", ConsoleTable).set_rows(retiring)
        findings = []
        for finding in snapshot.findings:
            action = (
                t("catalog.action.reroute", target=finding.replacement)
                if finding.action == "reroute"
                else t("catalog.action.remove")
            )
            deadline = finding.deadline.isoformat() if finding.deadline else MISSING
            cells = (
                finding.interface,
                apps[finding.retiring].name if finding.retiring in apps else finding.retiring,
                apps[finding.counterpart].name if finding.counterpart in apps else finding.counterpart,
                action,
                Text(
                    f"{deadline} {t('tui.decom.overdue')}" if finding.overdue else deadline,
                    style="bold red" if finding.overdue else "",
                ),
            )
            findings.append(
                Row(
                    finding.interface,
                    cells,
                    (
                        finding.interface,
                        finding.retiring,
                        finding.counterpart,
                        finding.action,
                        finding.deadline,
                    ),
                )
            )
        self.query_one("#decom-findings", ConsoleTable).set_rows(findings)
