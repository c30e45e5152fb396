"""The reports' part of `config.toml`: language and output folder of reports."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from vigie.kernel.tomlfile import Document

LANGUAGES = ("fr", "en")


@dataclass(frozen=True)
class ReportsConfig:
    """Report settings: default language and where report files go."""

    language: str = "fr"
    output_dir: Path = Path(".")


def load_reports_config(doc: Document, base: Path, language: str) -> ReportsConfig:
    """Read ``[reports]``; problems are recorded on ``doc``."""
    sec = doc.section("reports")
    lang = sec.string("language", language, choices=LANGUAGES) or language
    out = sec.string("output_dir", ".") or "."
    sec.done()
    return ReportsConfig(language=lang, output_dir=base / out)
