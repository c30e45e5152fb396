"""The report as Markdown, for wikis and e-mail (tables, no charts: the heat map becomes a table)."""

from __future__ import annotations

from vigie.kernel.text.language import Language
from vigie.reports.content import Report
from vigie.reports.templating import context, environment


def render_markdown(report: Report, lang: Language) -> str:
    """Render the report to Markdown (template ``report.md.j2``; cells go through the ``md`` filter)."""
    return environment().get_template("report.md.j2").render(context(report, lang))
