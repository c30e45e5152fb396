"""Report rendering from a hand-built content tree: escaping, languages, number formatting,
charts, the catalog's sections, PDF."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests import catalog_factory as cf
from tests.conftest import ROOT
from vigie.accounting.figures import SlaFigures
from vigie.catalog.homologation import register
from vigie.catalog.lifecycle import progress
from vigie.catalog.model import Decision, Phase, Reserve
from vigie.kernel.text.language import NNBSP, Language
from vigie.probes.config import Capacity
from vigie.reports import collect, content
from vigie.reports.content import Absent, ComponentRef, IncidentRow, MonthRef
from vigie.reports.render_csv import render_csv
from vigie.reports.render_html import render_html
from vigie.reports.render_json import report_dict
from vigie.reports.render_markdown import render_markdown
from vigie.reports.throughput import Bucket, throughput_row

PARIS = ZoneInfo("Europe/Paris")
FR, EN = Language("fr"), Language("en")
MONTH_S = 31 * 86400


def figures(component: str, target: float, down_s: float) -> SlaFigures:
    measured = MONTH_S - 3600
    availability = int((measured - down_s) / measured * 100_000) / 100_000
    budget = (1 - target) * MONTH_S
    return SlaFigures(
        component, target, availability, measured - down_s, 0, down_s, 3600, 0, MONTH_S, 1.0,
        budget, budget - down_s, 1 if down_s else 0, availability < target,
        MONTH_S, down_s, down_s / budget, down_s, down_s or None, None,
    )  # fmt: skip


COMPONENTS = [
    ComponentRef("coeur", "Chorus Cœur", 0.98),
    ComponentRef("pro", "Chorus Pro", 0.99),
    ComponentRef("evil", "<script>alert(1)</script>", 0.98),
]


def build(kind: str = "monthly", **sections: object) -> content.Report:
    """A July 2017 (or 2017) report: Chorus Pro misses its 99 % target with a 12-hour outage."""
    period = collect.ReportPeriod(kind, 2017, 7 if kind == "monthly" else None, PARIS)
    months = content.month_window(period.year, period.month)
    monthly = {
        m: [figures("coeur", 0.98, 300), figures("pro", 0.99, 60), figures("evil", 0.98, 0)] for m in months
    }
    july = [figures("coeur", 0.98, 300), figures("pro", 0.99, 12 * 3600), figures("evil", 0.98, 0)]
    monthly[MonthRef(2017, 7)] = july
    incident = IncidentRow(
        "pro", "Chorus Pro", datetime(2017, 7, 3, 14, 25, tzinfo=PARIS), datetime(2017, 7, 4, 2, 25, tzinfo=PARIS),
        12 * 3600, "HTTP 503 <b>Service Unavailable</b>",
    )  # fmt: skip
    buckets = period.buckets()
    samples = [
        (b.start.timestamp() + 3600, (60_000 if b.label.endswith("07") else 40_000) / (30 * 86400))
        for b in buckets
    ]
    flows = throughput_row("se", "Système d'échanges", Capacity(50_000, "flux", "month"), buckets, samples)
    parts: dict[str, object] = {
        "availability": content.availability_rows(COMPONENTS, july),
        "trend": content.trend_rows(COMPONENTS, months, monthly),
        "incidents": (incident,),
        "throughput": (flows,),
        "tickets": Absent("report.absent.no_tickets"),
        "homologations": Absent("report.absent.no_catalog"),
        "decommissioning": Absent("report.absent.no_catalog"),
        **sections,
    }
    return collect.assemble(
        period, COMPONENTS, generated_at=datetime(2017, 8, 1, 7, 0, tzinfo=PARIS), **parts
    )  # type: ignore[arg-type]


def test_component_named_script_is_escaped_everywhere() -> None:
    report = build()
    html = render_html(report, FR)
    assert "<script" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "HTTP 503 &lt;b&gt;Service Unavailable&lt;/b&gt;" in html
    md = render_markdown(report, FR)
    assert "\\<script\\>alert(1)\\</script\\>" in md
    assert "<script>" not in md


def test_html_has_no_script_nor_external_reference() -> None:
    for kind in ("monthly", "yearly"):
        html = render_html(build(kind), FR)
        assert "<script" not in html.lower() and "javascript:" not in html.lower()
        assert "http://" not in html and "https://" not in html and "url(" not in html
        assert "<link" not in html and "<img" not in html and "@import" not in html


def test_summary_figures() -> None:
    summary = build().summary
    assert (summary.measured, summary.met) == (3, 2)
    assert summary.worst is not None and summary.worst.component == "pro"
    assert summary.notable[0].component == "pro"
    assert (
        summary.over_capacity[0].name == "Système d'échanges"
        and summary.over_capacity[0].peak == "2017-07-07"
    )


def test_french_and_english_formatting() -> None:
    assert FR.percent(0.999889) == f"99,988{NNBSP}%"
    assert EN.percent(0.999889) == "99.988%"
    assert FR.percent(0.99999999) == f"99,999{NNBSP}%"  # floored, never 100 %
    assert FR.number(6_000_000) == f"6{NNBSP}000{NNBSP}000"
    assert EN.number(6_000_000) == "6,000,000"
    assert FR.target(0.995) == f"99,5{NNBSP}%" and FR.target(0.98) == f"98{NNBSP}%"
    assert FR.change(2.6) == f"+260,0{NNBSP}%"
    assert (
        FR.duration(12 * 3600) == f"12{NNBSP}h 00{NNBSP}min"
        and EN.duration(2 * 86400 + 3600) == f"2{NNBSP}d 01{NNBSP}h"
    )
    assert (
        FR.day_or_month_ranges(["2017-07-10", "2017-07-11", "2017-07-12", "2017-07-20"])
        == "10/07–12/07, 20/07"
    )
    assert EN.day_or_month_ranges(["2017-06", "2017-07"]) == "June 2017–July 2017"


def test_labels_follow_the_language() -> None:
    report = build()
    fr, en = render_html(report, FR), render_html(report, EN)
    assert "Taux de disponibilité totale" in fr and "Moyenne réelle" in fr and "Cible" in fr
    assert "Total availability" in en and "Actual" in en and "Taux de disponibilité" not in en
    assert f"98,384{NNBSP}%" in fr and "98.384%" in en  # Chorus Pro in July
    assert 'lang="fr"' in fr and 'lang="en"' in en


def test_availability_table_marks_the_breach() -> None:
    md = render_markdown(build(), FR)
    row = next(line for line in md.splitlines() if line.startswith("| Chorus Pro | 99"))
    assert "**✗ non atteinte**" in row
    assert f"−4{NNBSP}h 33{NNBSP}min" in row  # budget overspent: 7 h 26 min allowed, 12 h down


def test_yearly_report_has_month_by_month_columns() -> None:
    report = build("yearly")
    md = render_markdown(report, FR)
    assert "## 3. Disponibilité mois par mois" in md
    assert "| Composant | janv. 17 |" in md
    html = render_html(report, FR)
    assert html.count('<th class="num">juil.</th>') == 1
    csv_text = render_csv(report, FR)
    assert "component,name,target,2017-01,2017-02" in csv_text


def test_absent_sections_say_so() -> None:
    report = build(availability=Absent("report.absent.no_data"), trend=Absent("report.absent.no_data"))
    md = render_markdown(report, EN)
    assert "## 2. Availability by component\n\n*No data: nothing was measured in the period.*\n" in md
    html = render_html(report, FR)
    assert '<p class="absent">Données non disponibles : aucune mesure sur la période.</p>' in html
    data = report_dict(report, FR)
    assert data["availability"] == {
        "available": False,
        "absent": data["availability"]["absent"],
        "rows": None,
    }
    assert "# availability\nabsent\n" in render_csv(report, FR)


def test_catalog_sections_from_the_register() -> None:
    catalog = cf.catalog(
        [
            cf.app("gibus", ministry="INT", phase=Phase.PHASE_OUT, decommission_on=date(2017, 6, 30)),
            cf.app("nemo", ministry="INT", phase=Phase.DECOMMISSIONED, decommission_on=date(2017, 3, 1)),
            cf.app("dt"),
            cf.app("old"),
        ],
        homologations=[
            cf.homologation("h-dt", "dt", commission_on=date(2015, 3, 1), validity_months=24),
            cf.homologation(
                "h-old",
                "old",
                commission_on=date(2016, 9, 1),
                validity_months=12,
                decision=Decision.WITH_RESERVES,
                reserves=[Reserve("Plan de continuité à tester", "RSSI", date(2017, 3, 31))],
            ),
        ],
    )
    as_of = date(2017, 7, 31)
    homologations = content.homologation_status(register(catalog, as_of), as_of)
    decom = content.decommissioning_progress(progress(catalog, as_of, by="ministry"), {"INT": "Intérieur"})
    assert [h.application for h in homologations.expired] == ["dt"]
    assert [h.application for h in homologations.expiring] == ["old"]
    assert [r.owner for r in homologations.reserves_past_due] == ["RSSI"]
    assert decom[0].ministry == "Intérieur" and (decom[0].switched_off, decom[0].late) == (1, 1)
    report = build(homologations=homologations, decommissioning=decom)
    html = render_html(report, FR)
    assert "Plan de continuité à tester" in html and "expirée\u00a0: 1" in html and "Intérieur" in html
    md = render_markdown(report, EN)
    assert "### Expired (1)" in md and "| Intérieur | 2 | 1 | 0 | 1 | 0 | 50% |" in md


def test_catalog_application_named_script_is_escaped() -> None:
    evil = replace(cf.app("evil"), name="<script>alert(1)</script>")
    catalog = cf.catalog([evil], homologations=[cf.homologation("h", "evil", commission_on=date(2014, 1, 1))])
    as_of = date(2017, 7, 31)
    report = build(homologations=content.homologation_status(register(catalog, as_of), as_of))
    html = render_html(report, FR)
    assert "<td>&lt;script&gt;alert(1)&lt;/script&gt;</td>" in html
    assert "<script" not in html


def test_trend_heat_map_colours_breaches() -> None:
    report = build()
    assert not isinstance(report.trend, Absent)
    pro = report.trend[1]
    assert pro.points[-1].breached and not pro.points[0].breached
    svg = render_html(report, FR).split('<section id="trend">')[1].split("</section>")[0]
    assert svg.count('fill="#c62828"') == 2  # the July cell of Chorus Pro and the legend


def test_pdf_renders_with_weasyprint() -> None:
    pytest.importorskip("weasyprint")
    from vigie.reports.render_pdf import render_pdf

    data = render_pdf(build(), FR)
    assert data.startswith(b"%PDF-")


def test_pdf_without_the_extra_names_it(tmp_path: object) -> None:
    # Hide WeasyPrint from the child process, as on an install without the `pdf` extra.
    code = (
        "import sys; sys.modules['weasyprint'] = None\n"
        "from vigie.console.cli import main\n"
        f"sys.exit(main(['report', 'monthly', '2017-07', '--format', 'pdf', '--out', '{tmp_path}/r.pdf',"
        f" '--config', '{ROOT / 'config.toml'}']))"
    )
    store = tmp_path / "vigie.db"  # type: ignore[operator]
    config = tmp_path / "config.toml"  # type: ignore[operator]
    config.write_text((ROOT / "config.toml").read_text(encoding="utf-8"), encoding="utf-8")
    code = code.replace(str(ROOT / "config.toml"), str(config))
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60, check=False
    )
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "pip install 'vigie[pdf]'" in lines[0] and "Traceback" not in proc.stderr
    assert not (tmp_path / "r.pdf").exists()  # type: ignore[operator]
    assert store.exists()


def test_throughput_buckets_mean_and_overrun() -> None:
    start = datetime(2017, 7, 1, tzinfo=PARIS)
    buckets = [
        Bucket(f"2017-07-0{d + 1}", start + timedelta(days=d), start + timedelta(days=d + 1))
        for d in range(3)
    ]
    per_s = 1 / 86400
    samples = [
        (start.timestamp() + 10, 50 * per_s),
        (start.timestamp() + 20, 70 * per_s),
        (start.timestamp() + 86400 * 2 + 5, 200 * per_s),
    ]
    row = throughput_row("x", "X", Capacity(100, "calls", "day"), buckets, samples)
    assert [b.volume for b in row.buckets] == [pytest.approx(60), None, pytest.approx(200)]
    assert [b.label for b in row.over] == ["2017-07-03"]
    assert row.peak is not None and row.peak.utilisation == pytest.approx(2.0)
    assert row.mean == pytest.approx(320 / 3)


def test_report_dict_is_json_ready() -> None:
    import json

    data = report_dict(replace(build(), generated_at=datetime(2017, 8, 1, tzinfo=PARIS)), EN)
    text = json.dumps(data)
    assert data["schema_version"] == 1 and data["generated_at"] == "2017-08-01T00:00:00+02:00"
    assert data["incidents"]["rows"][0]["start"] == "2017-07-03T14:25:00+02:00"
    assert "HTTP 503" in text
