"""Tab 2, Flux: throughput against nominal capacity, file backlog, over-capacity alerts."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult

from vigie.accounting.results import Status
from vigie.console.tui import fmt
from vigie.console.tui.base import ConsoleTab
from vigie.console.tui.data import FileBacklog, FlowRow, LiveSnapshot
from vigie.console.tui.table import ALWAYS, DRAWING, MAIN, SECONDARY, Column, ConsoleTable, Row
from vigie.kernel.text.language import MISSING
from vigie.probes.config import PERIODS

# Key, title, priority: the name and the verdict (utilisation) stay, the backlog next.
COLUMNS = (
    ("component", "tui.col.component", ALWAYS),
    ("rate", "tui.col.rate", MAIN),
    ("capacity", "tui.col.capacity", SECONDARY),
    ("utilisation", "tui.col.utilisation", ALWAYS),
    ("trend", "tui.col.trend24", DRAWING),
    ("backlog", "tui.col.backlog", MAIN + 10),
    ("alert", "tui.col.alert", SECONDARY + 10),
)


def utilisation_style(ratio: float | None) -> str:
    """Colour of a utilisation figure: green, yellow from 80 %, red over capacity."""
    if ratio is None:
        return "dim"
    if ratio > 1:
        return "bold red"
    return "yellow" if ratio >= 0.8 else "green"


BACKLOG_STYLES = {Status.DOWN: "bold red", Status.DEGRADED: "yellow"}


def _pairs(hourly: tuple[float | None, ...]) -> list[float | None]:
    """Twenty-four hourly rates as twelve two-hour ones (a narrower sparkline, the same day)."""
    out: list[float | None] = []
    for first, second in zip(hourly[::2], hourly[1::2], strict=False):
        known = [v for v in (first, second) if v is not None]
        out.append(sum(known) / len(known) if known else None)
    return out


class FlowsTab(ConsoleTab):
    """One row per component with a nominal capacity or a throughput probe."""

    def compose_body(self) -> ComposeResult:
        """One table."""
        yield ConsoleTable(
            [Column(key, self.lang.t(label), priority) for key, label, priority in COLUMNS], id="flows-table"
        )

    def _per_period(self, flow: FlowRow, per_s: float | None, unit: bool = True) -> str:
        # Figures are shown in the unit the capacity was declared in (flux/mois, appels/j);
        # the capacity beside the rate needs only its period.
        if per_s is None:
            return MISSING
        value = per_s * PERIODS[flow.per]
        per = self.lang.t(f"tui.flow.per.{flow.per}")
        return f"{self.lang.number(value)} {flow.unit}{per}" if unit else f"{self.lang.number(value)}{per}"

    def _backlog(self, backlogs: tuple[FileBacklog, ...]) -> Text | str:
        # Worded here from the probe's counts: its stored detail is an English sentence.
        if not backlogs:
            return MISSING
        t, lang = self.lang.t, self.lang
        parts = []
        for backlog in backlogs:
            facts = backlog.facts
            if facts is None:
                # Not the check's own wording: its failure (down), else counts unknown.
                text = t("tui.flow.not_read") if backlog.status is Status.DOWN else MISSING
            elif facts.oldest_s is None:  # nothing waiting
                text = t("tui.flow.none_waiting")
            elif facts.over_s is not None:
                text = t(
                    "tui.flow.waiting_over",
                    count=lang.number(facts.waiting),
                    age=lang.duration(facts.oldest_s),
                    limit=lang.duration(facts.over_s),
                )
            else:
                text = t(
                    "tui.flow.waiting", count=lang.number(facts.waiting), age=lang.duration(facts.oldest_s)
                )
            parts.append(Text(text, style=BACKLOG_STYLES.get(backlog.status, "")))
        return Text("; ").join(parts)

    def show_live(self, live: LiveSnapshot, message: str | None) -> None:
        """Show ``message`` (the store cannot be read), or the flows of a new snapshot."""
        if message is not None:
            self.show_message(message)
            return
        if not live.flows:
            self.show_message(self.lang.t("tui.msg.no_flows"))
            return
        self.show_message(None)
        lang = self.lang
        ordered = sorted(live.flows, key=lambda f: -(f.utilisation or 0.0))
        rows = []
        for flow in ordered:
            ratio = flow.utilisation
            style = utilisation_style(ratio)
            cells = (
                flow.name,
                Text(self._per_period(flow, flow.rate_per_s), justify="right"),
                Text(self._per_period(flow, flow.capacity_per_s, unit=False), justify="right"),
                Text(f"{fmt.bar(ratio, 8)} {lang.percent(ratio, 0, floor=False)}", style=style),
                Text(fmt.sparkline(_pairs(flow.hourly), width=12), style="cyan"),
                self._backlog(flow.backlog),
                Text(self.lang.t("tui.flow.over"), style="bold red")
                if ratio is not None and ratio > 1
                else "",
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
