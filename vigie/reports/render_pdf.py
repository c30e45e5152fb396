"""The report as PDF, printed from the HTML by WeasyPrint (the optional ``pdf`` extra)."""

from __future__ import annotations

import importlib
from typing import Any

from vigie.kernel.text.language import Language
from vigie.reports.content import Report
from vigie.reports.render_html import render_html


class PdfUnavailable(Exception):
    """WeasyPrint (or the system libraries it needs) is not installed."""


def _weasyprint() -> Any:
    try:
        return importlib.import_module("weasyprint")
    except (ImportError, OSError) as exc:
        # OSError: WeasyPrint is there but Pango/HarfBuzz are not.
        raise PdfUnavailable(
            "PDF output needs WeasyPrint: install the extra with `pip install 'vigie[pdf]'` "
            f"(or `make pdf-deps`) ({type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''})"
        ) from exc


def render_pdf(report: Report, lang: Language) -> bytes:
    """Render the report to PDF bytes (A4, page numbers from the HTML's ``@page`` rules)."""
    weasyprint = _weasyprint()
    return bytes(weasyprint.HTML(string=render_html(report, lang)).write_pdf())
