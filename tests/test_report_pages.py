"""The printed reports: the demo's yearly PDF laid out by WeasyPrint, page by page."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.test_demo_cli import built_demo  # noqa: F401 (the session's demo directory)
from vigie.console.settings import load_settings
from vigie.reports.content import Absent


def test_the_yearly_pdf_keeps_the_decommissioning_table_on_one_page(
    built_demo: tuple[Path, dict[str, Any], int],  # noqa: F811 (the fixture, imported above)
) -> None:
    """Issue 16, small things: the yearly report's decommissioning table is never cut
    across two pages (it used to leave its last rows alone on a page of their own)."""
    weasyprint = pytest.importorskip("weasyprint")
    from vigie.console.cmd_report import build
    from vigie.kernel.text.language import Language
    from vigie.reports.collect import ReportPeriod
    from vigie.reports.render_html import render_html

    settings = load_settings(built_demo[0] / "config.toml")
    report = build(settings, ReportPeriod("yearly", 2017, None, settings.timezone), datetime.now(UTC))
    pages = weasyprint.HTML(string=render_html(report, Language("fr"))).render().pages
    texts = [
        " ".join(
            t for box in page._page_box.descendants() if isinstance(t := getattr(box, "text", None), str)
        )
        for page in pages
    ]
    assert not isinstance(report.decommissioning, Absent)
    ministries = [d.ministry for d in report.decommissioning]
    holding = {i for i, text in enumerate(texts) for name in ministries if name.split()[-1] in text}
    assert len(holding) == 1, holding
