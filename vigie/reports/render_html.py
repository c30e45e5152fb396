"""The report as one self-contained HTML file: inline CSS and SVG, no script, no external URL."""

from __future__ import annotations

from vigie.kernel.text.language import Language
from vigie.reports.content import Report
from vigie.reports.templating import context, environment


def render_html(report: Report, lang: Language) -> str:
    """Render the report to HTML (autoescaped template ``report.html.j2``)."""
    return environment().get_template("report.html.j2").render(context(report, lang))
