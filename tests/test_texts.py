"""The one catalogue of messages and the one set of formats (vigie.kernel.text): every key in
both languages and used, every key the code and the templates use present, figures floored
as the accounting floors them, and the same figure read the same in `vigie sla`, the console
and the report."""

from __future__ import annotations

import ast
import random
import re
import string
from datetime import date, datetime
from fractions import Fraction
from html.parser import HTMLParser
from zoneinfo import ZoneInfo

import pytest

from tests.conftest import ROOT
from tests.test_report_render import figures
from vigie.accounting.figures import FLOOR_DIGITS, floor_ratio
from vigie.accounting.results import Status
from vigie.catalog.graph import ImpactDirection
from vigie.catalog.homologation import Status as HomologationStatus
from vigie.catalog.lifecycle import DecomState, FindingKind
from vigie.catalog.model import Criticality, Decision, DossierProgress, Phase, Protocol
from vigie.console.cmd_report import SECTIONS
from vigie.console.cmd_sla import sla_row
from vigie.console.tui.keys import KEYS, TAB_IDS
from vigie.console.tui.screens import month_report_cells
from vigie.kernel.text.language import MINUS, MISSING, NNBSP, Language
from vigie.kernel.text.messages import LANGUAGES, MESSAGES
from vigie.probes.config import PERIODS
from vigie.probes.flows.lifecycle import FLAG_NAMES, KINDS, STAGES
from vigie.probes.tickets.model import CHANNELS
from vigie.reports import collect, content
from vigie.reports.content import Absent, ComponentRef
from vigie.reports.render_html import render_html
from vigie.reports.status.communication import (
    COMPONENT_STATUSES,
    IMPACTS,
    INCIDENT_STATUSES,
    MAINTENANCE_STATUSES,
    POSTMORTEM,
)
from vigie.reports.status.days import DAY_STATES
from vigie.reports.status.page import INDICATORS

FR, EN = Language("fr"), Language("en")
PACKAGE = ROOT / "vigie"
TEMPLATES = PACKAGE / "reports" / "templates"
STATUS_TEMPLATES = PACKAGE / "console" / "status" / "templates"
NAMESPACES = (
    "report",
    "tui",
    "cli",
    "catalog",
    "probes",
    "state",
    "channel",
    "unit",
    "count",
    "common",
    "schedule",
    "status",
)
KEY_LIKE = re.compile(rf"(?:{'|'.join(NAMESPACES)})\.[a-z0-9_.-]*")
NOT_KEYS = {
    "catalog.path",
    "report.html.j2",
    "report.md.j2",
    "status.json",
}  # a config key, the templates' names, an API path

# Keys built from a code at run time: (prefix, the codes it is completed with).
FAMILIES: list[tuple[str, list[str]]] = [
    ("state", [s.value for s in Status]),
    ("channel", list(CHANNELS)),
    ("unit.per", list(PERIODS)),
    ("tui.flow.per", list(PERIODS)),
    ("tui.tab", list(TAB_IDS)),
    ("tui.tab", [f"{tab}.short" for tab in TAB_IDS]),
    ("tui", [key.help for key in KEYS] + [key.footer for key in KEYS if key.footer]),
    ("report", list(SECTIONS)),
    ("report.title", ["monthly", "yearly"]),
    ("report.summary.throughput_over", ["monthly", "yearly"]),
    ("cli.report.written", ["monthly", "yearly"]),
    ("catalog.status", [s.value for s in HomologationStatus]),
    ("catalog.decom", [s.value for s in DecomState]),
    ("catalog.phase", [p.value for p in Phase]),
    ("catalog.criticality", [c.value for c in Criticality]),
    ("catalog.protocol", [p.value for p in Protocol]),
    ("catalog.decision", [d.value for d in Decision]),
    ("catalog.progress", [p.value for p in DossierProgress]),
    ("catalog.direction", [d.value for d in ImpactDirection]),
    ("catalog.finding", [k.value for k in FindingKind]),
    ("catalog.action", ["remove", "reroute"]),
    ("probes.role", ["availability", "throughput"]),
    ("status.component", list(COMPONENT_STATUSES)),
    ("status.impact", list(IMPACTS)),
    ("status.update", [*INCIDENT_STATUSES, POSTMORTEM, *MAINTENANCE_STATUSES]),
    ("status.indicator", list(INDICATORS)),
    ("status.day", list(DAY_STATES)),
    ("status.legend", [s for s in DAY_STATES if s != "closed"]),
    ("status.auto", ["scheduled", "in_progress", "completed"]),
    ("cli.incident.kind", ["incident", "maintenance"]),
    ("probes.flow.stage", [s.value for s in STAGES]),
    ("probes.flow.kind", [k.value for k in KINDS]),
    ("probes.flow.flag", list(FLAG_NAMES.values())),
]


def test_every_message_has_both_languages_with_the_same_placeholders() -> None:
    assert LANGUAGES == ("fr", "en")
    for key, (french, english) in MESSAGES.items():
        assert french.strip() and english.strip(), key
        assert _placeholders(french) == _placeholders(english), key
        assert KEY_LIKE.fullmatch(key), f"{key}: not under one of {NAMESPACES}"


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_key_the_code_and_the_templates_use_exists_and_every_key_is_used() -> None:
    exact, prefixes = _used_in_code()
    for used in _used_in_templates():
        (prefixes if used.endswith(".") or used not in MESSAGES else exact).add(used.rstrip("."))
    for key in sorted(exact):
        assert key in MESSAGES, f"{key}: used, not in the catalogue"
    for prefix in sorted(prefixes):
        assert any(k.startswith(prefix + ".") for k in MESSAGES), (
            f"{prefix}.*: used, nothing in the catalogue"
        )
    family_keys = {f"{prefix}.{code}" for prefix, codes in FAMILIES for code in codes}
    for key in sorted(family_keys):
        assert key in MESSAGES, f"{key}: a code without its words"
    # A one-word prefix (f"tui.{...}") says little: those keys are covered by FAMILIES.
    narrow = {p for p in prefixes if "." in p}
    unused = [
        key
        for key in MESSAGES
        if key not in exact and key not in family_keys and not any(key.startswith(p + ".") for p in narrow)
    ]
    assert unused == []


def _used_in_code() -> tuple[set[str], set[str]]:
    """Key-like string constants of the package (exact keys, or prefixes of keys built at
    run time: ``label("catalog.status", code)``, ``plural("cli.map.apps", n)``, f-strings)."""
    exact: set[str] = set()
    prefixes: set[str] = set()
    for path in PACKAGE.rglob("*.py"):
        if path.parent.name == "text" and path.parent.parent.name == "kernel":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.JoinedStr) and node.values and isinstance(node.values[0], ast.Constant):
                head = str(node.values[0].value)
                if KEY_LIKE.fullmatch(head) and head.endswith("."):
                    prefixes.add(head.rstrip("."))
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                first = node.args[0] if node.args else None
                if node.func.attr in ("label", "plural") and isinstance(first, ast.Constant):
                    prefixes.add(str(first.value))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            text = node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else ""
            if KEY_LIKE.fullmatch(text) and text not in prefixes | NOT_KEYS and not text.endswith("."):
                exact.add(text)
    return exact, prefixes


def _used_in_templates() -> set[str]:
    found: set[str] = set()
    for path in [*TEMPLATES.glob("*.j2"), *STATUS_TEMPLATES.glob("*.j2")]:
        text = path.read_text(encoding="utf-8")
        for match in re.finditer(r"""["']([^"'\s]+)["']""", text):
            if KEY_LIKE.fullmatch(match.group(1)):
                found.add(match.group(1))
        # A code's words: lang.label("channel", code) names a family, not a key.
        found.update(
            f"{m.group(1)}." for m in re.finditer(r"""lang\.(?:label|plural)\(["']([^"']+)["']""", text)
        )
    assert {"report.summary.met", "report.col.target", "channel."} <= found  # the scan sees the templates
    return found


def test_keys_of_the_console_keys_exist() -> None:
    for key in KEYS:
        assert f"tui.{key.help}" in MESSAGES
        assert key.footer is None or f"tui.{key.footer}" in MESSAGES


# --- formats ---------------------------------------------------------------------------------


def test_a_ratio_is_floored_to_the_digits_shown_never_rounded_up() -> None:
    assert FR.percent(0.999995) == f"99,999{NNBSP}%"
    assert FR.percent(0.9999999999) == f"99,999{NNBSP}%"
    assert FR.percent(1.0) == f"100,000{NNBSP}%"
    assert FR.percent(0.99988) == f"99,988{NNBSP}%"  # the float just below 0.99988 keeps its digit
    assert FR.percent(0.5, 0) == f"50{NNBSP}%" and FR.percent(0.999, 1) == f"99,9{NNBSP}%"
    assert FR.percent(1.999, 0, floor=False) == f"200{NNBSP}%"  # a utilisation is rounded
    assert EN.percent(0.999995) == "99.999%"
    assert FR.percent(None) == MISSING and FR.percent(float("nan")) == MISSING


def test_the_display_floor_agrees_with_the_accounting_floor() -> None:
    # floor_ratio's exact floor of n/d, shown with its five digits, is the exact floor of n/d.
    rng = random.Random(20170701)
    pairs = [(rng.randint(0, 10**7), rng.randint(1, 10**7)) for _ in range(3000)]
    pairs += [(2678399, 2678400), (2678100, 2678400), (1, 3), (2, 3), (99999, 100000), (0, 5)]
    digits = FLOOR_DIGITS - 2  # of the percentage
    for numerator, denominator in pairs:
        if numerator > denominator:
            numerator, denominator = denominator, numerator
        ratio = floor_ratio(float(numerator), float(denominator))
        assert ratio is not None
        scaled = Fraction(numerator, denominator) * 100 * 10**digits
        whole, rest = divmod(scaled.numerator // scaled.denominator, 10**digits)
        expected = f"{whole},{rest:0{digits}d}{NNBSP}%"
        assert FR.percent(ratio, digits) == expected, (numerator, denominator)


def test_numbers_durations_latencies_dates_in_each_language() -> None:
    assert (
        FR.number(1234567.891, 2) == f"1{NNBSP}234{NNBSP}567,89"
        and EN.number(1234567.891, 2) == "1,234,567.89"
    )
    assert FR.number(-3353) == f"{MINUS}3{NNBSP}353" and FR.number(None) == MISSING
    assert FR.latency(4000) == f"4,0{NNBSP}s" and EN.latency(4000) == f"4.0{NNBSP}s"
    assert FR.latency(245.4) == f"245{NNBSP}ms"
    assert FR.duration(15 * 3600 + 20 * 60) == f"15{NNBSP}h 20{NNBSP}min"
    assert FR.duration(185) == f"3{NNBSP}min 05{NNBSP}s" and FR.duration(720) == f"12{NNBSP}min"
    assert FR.duration(-(4 * 3600 + 33 * 60)) == f"{MINUS}4{NNBSP}h 33{NNBSP}min"
    assert FR.duration(0.5) == f"0,5{NNBSP}s" and FR.duration(0) == f"0{NNBSP}s"
    assert FR.target(0.995) == f"99,5{NNBSP}%" and FR.target(0.9995) == f"99,95{NNBSP}%"
    assert FR.change(-0.125) == f"{MINUS}12,5{NNBSP}%" and FR.change(None) == MISSING
    paris = ZoneInfo("Europe/Paris")
    assert FR.date_time(datetime(2017, 7, 3, 14, 25, tzinfo=paris)) == "03/07/2017 14:25"
    assert EN.date(date(2017, 7, 3)) == "2017-07-03" and FR.month(2017, 8) == "août 2017"
    assert FR.weekdays([0, 1, 2, 3, 4]) == "lun.-ven." and FR.weekdays([6]) == "dim."
    assert EN.weekdays([5, 6]) == "Sat-Sun" and EN.weekdays([0, 2]) == "Mon,Wed"
    assert FR.plural("count.days", 1) == "un jour" and FR.plural("count.days", 0) == "un jour"
    assert EN.plural("count.days", 0) == "0 days" and FR.plural("count.days", 1500) == f"1{NNBSP}500 jours"
    with pytest.raises(ValueError, match="unknown language"):
        Language("de")


# --- one figure, three faces -----------------------------------------------------------------


class _Cells(HTMLParser):
    """The text of each cell of the HTML report's table rows."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: object) -> None:
        if tag == "tr":
            self.rows.append([])
        elif tag == "td":
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "td" and self._cell is not None:
            self.rows[-1].append("".join(self._cell).strip())
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


@pytest.mark.parametrize("lang", [FR, EN], ids=["fr", "en"])
def test_vigie_sla_the_console_and_the_report_print_the_same_figure_the_same_way(lang: Language) -> None:
    # Chorus Pro in July 2017: 99,5 % target, 12 h 05 min down out of a month less an hour.
    component = ComponentRef("pro", "Chorus Pro", 0.995)
    f = figures("pro", 0.995, 12 * 3600 + 300)
    cli = sla_row(f, component.name, lang)
    console = [str(cell) for cell in month_report_cells(component.name, f, lang)]
    period = collect.ReportPeriod("monthly", 2017, 7, ZoneInfo("Europe/Paris"))
    report = collect.assemble(
        period,
        [component],
        availability=content.availability_rows([component], [f]),
        **{name: Absent("report.absent.no_data") for name in SECTIONS if name != "availability"},  # type: ignore[arg-type]
        generated_at=datetime(2017, 8, 1, 7, 0, tzinfo=ZoneInfo("Europe/Paris")),
    )
    parser = _Cells()
    parser.feed(render_html(report, lang))
    html = next(row for row in parser.rows if row and row[0] == component.name)
    target, availability, down, coverage, budget = (
        lang.target(f.target),
        lang.percent(f.availability),
        lang.duration(f.down_s),
        lang.percent(f.coverage, 1),
        lang.duration(f.budget_remaining_s),
    )
    assert budget.startswith(MINUS)  # overspent: the sign comes from the one duration formatter
    assert ("," if lang is FR else ".") in availability
    assert [cli[1], cli[2], cli[3], cli[6], cli[7]] == [target, availability, down, coverage, budget]
    assert console[1:6] == [target, availability, down, coverage, budget]
    assert html[1] == target and html[2].endswith(availability) and html[3] == down
    assert html[6] == coverage and html[7] == budget
