"""Tab 2, Flux: throughput against nominal capacity, file backlog, over-capacity alerts."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult

from vigie.accounting.results import Status
from vigie.console.tui import fmt
from vigie.console.tui.base import ConsoleTab
from vigie.console.tui.data import FileBacklog, FlowRow, LiveSnapshot
from vigie.console.tui.table import ConsoleTable, Row
from vigie.probes.config import PERIODS

COLUMNS = (
    ("component", "col.component"),
    ("rate", "col.rate"),
    ("capacity", "col.capacity"),
    ("utilisation", "col.utilisation"),
    ("trend", "col.trend24"),
    ("backlog", "col.backlog"),
    ("alert", "col.alert"),
)


def utilisation_style(ratio: float | None) -> str:
    """Colour of a utilisation figure: green, yellow from 80 %, red over capacity."""
    if ratio is None:
        return "dim"
    if ratio > 1:
        return "bold red"
    return "yellow" if ratio >= 0.8 else "green"


BACKLOG_STYLES = {Status.DOWN: "bold red", Status.DEGRADED: "yellow"}


class FlowsTab(ConsoleTab):
    """One row per component with a nominal capacity or a throughput probe."""

    def compose_body(self) -> ComposeResult:
        """One table."""
        yield ConsoleTable([(key, self.labels(label)) for key, label in COLUMNS], id="flows-table")

    def _per_period(self, flow: FlowRow, per_s: float | None) -> str:
        # Figures are shown in the unit the capacity was declared in (flux/mois, appels/j).
        if per_s is None:
            return "—"
        value = per_s * PERIODS[flow.per]
        return f"{fmt.number(value, self.labels.language)} {flow.unit}{self.labels(f'flow.per.{flow.per}')}"

    def _backlog(self, backlogs: tuple[FileBacklog, ...]) -> Text | str:
        # Worded here from the probe's counts: its stored detail is an English sentence.
        if not backlogs:
            return "—"
        t, lang = self.labels, self.labels.language
        parts = []
        for backlog in backlogs:
            facts = backlog.facts
            if facts is None:
                # Not the check's own wording: its failure (down), else counts unknown.
                text = t("flow.not_read") if backlog.status is Status.DOWN else "—"
            elif facts.oldest_s is None:  # nothing waiting
                text = t("flow.none_waiting")
            else:
                text = t(
                    "flow.waiting",
                    count=fmt.number(facts.waiting, lang),
                    age=fmt.duration(facts.oldest_s, lang),
                )
            if facts is not None and facts.over_s is not None:
                text += t("flow.over_limit", limit=fmt.duration(facts.over_s, lang))
            parts.append(Text(text, style=BACKLOG_STYLES.get(backlog.status, "")))
        return Text("; ").join(parts)

    def update_live(self, live: LiveSnapshot) -> None:
        """Show the flows of a new snapshot."""
        if not live.flows:
            self.show_message(self.labels("msg.no_flows"))
            return
        self.show_message(None)
        lang = self.labels.language
        ordered = sorted(live.flows, key=lambda f: -(f.utilisation or 0.0))
        rows = []
        for flow in ordered:
            ratio = flow.utilisation
            style = utilisation_style(ratio)
            cells = (
                flow.name,
                Text(self._per_period(flow, flow.rate_per_s), justify="right"),
                Text(self._per_period(flow, flow.capacity_per_s), justify="right"),
                Text(f"{fmt.bar(ratio)} {fmt.percent(ratio, lang, digits=0)}", style=style),
                Text(fmt.sparkline(flow.hourly, width=24), style="cyan"),
                self._backlog(flow.backlog),
                Text(self.labels("flow.over"), style="bold red") if ratio is not None and ratio > 1 else "",
            )
            sort_values = (
                flow.name.casefold(),
                flow.rate_per_s,
                flow.capacity_per_s,
                ratio,
                flow.rate_per_s,
                max((b.facts.oldest_s or 0.0 for b in flow.backlog if b.facts), default=None),
                ratio,
            )
            rows.append(Row(flow.id, cells, sort_values))
        self.query_one(ConsoleTable).set_rows(rows)
