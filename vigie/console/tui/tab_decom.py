"""Tab 5, Décommissionnement: progress by ministry, applications being retired, and the
interfaces still to remove or reroute."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import Static

from vigie.catalog.lifecycle import LABELS, DecomState, decom_state
from vigie.console.tui import fmt
from vigie.console.tui.base import ConsoleTab
from vigie.console.tui.data import CatalogSnapshot
from vigie.console.tui.table import Cell, ConsoleTable, Row

STATE_STYLES = {
    DecomState.SWITCHED_OFF: "green",
    DecomState.PLANNED: "cyan",
    DecomState.LATE: "bold red",
    DecomState.UNSCHEDULED: "yellow",
}


class DecomTab(ConsoleTab):
    """Three tables: by ministry, retiring applications, interfaces to remove."""

    def compose_body(self) -> ComposeResult:
        """Section titles and tables."""
        t = self.labels
        yield Static(t("decom.by_ministry"), classes="section")
        yield ConsoleTable(
            [
                ("ministry", t("col.ministry")),
                ("progress", t("col.progress")),
                ("done", t("col.switched_off")),
                ("planned", t("col.planned")),
                ("late", t("col.late")),
                ("contract", t("col.contract")),
            ],
            id="decom-ministries",
        )
        yield Static(t("decom.retiring"), classes="section")
        yield ConsoleTable(
            [
                ("application", t("col.application")),
                ("ministry", t("col.ministry")),
                ("state", t("col.state")),
                ("date", t("col.decom_on")),
                ("replaced_by", t("col.replaced_by")),
            ],
            id="decom-retiring",
        )
        yield Static(t("decom.findings"), classes="section")
        yield ConsoleTable(
            [
                ("interface", t("col.interface")),
                ("retiring", t("col.retiring")),
                ("counterpart", t("col.counterpart")),
                ("action", t("col.action")),
                ("deadline", t("col.deadline")),
            ],
            id="decom-findings",
        )

    def update_catalog(self, snapshot: CatalogSnapshot) -> None:
        """Show the decommissioning figures of a new catalog snapshot."""
        t = self.labels
        lang = t.language
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
                Text(f"{fmt.bar(group.ratio, 20)} {fmt.percent(group.ratio, lang, digits=0)}", style="green"),
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
                Text(LABELS[lang][state], style=STATE_STYLES[state]),
                when.isoformat() if when else "—",
                apps[replacement].name if replacement in apps else (replacement or ""),
            )
            retiring.append(Row(app.id, cells, (app.name, app.ministry, state.value, when, replacement)))
        self.query_one("#decom-retiring", ConsoleTable).set_rows(retiring)
        findings = []
        for finding in snapshot.findings:
            action = (
                t("action.reroute", target=finding.replacement)
                if finding.action == "reroute"
                else t("action.remove")
            )
            deadline = finding.deadline.isoformat() if finding.deadline else "—"
            cells = (
                finding.interface,
                apps[finding.retiring].name if finding.retiring in apps else finding.retiring,
                apps[finding.counterpart].name if finding.counterpart in apps else finding.counterpart,
                action,
                Text(
                    f"{deadline} {t('decom.overdue')}" if finding.overdue else deadline,
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
