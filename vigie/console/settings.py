"""Reads `config.toml` once and hands each section to the package that owns it."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

from vigie.catalog.config import CatalogConfig, load_catalog_config
from vigie.kernel.tomlfile import Document
from vigie.probes.config import ProbesConfig, load_probes_config
from vigie.probes.sources import MeasurementsConfig, load_measurements_config
from vigie.probes.tickets.config import TicketsConfig, load_tickets_config
from vigie.reports.config import LANGUAGES, ReportsConfig, load_reports_config

DEFAULT_CONFIG = "config.toml"
TOP_LEVEL = [
    "vigie",
    "policy",
    "components",
    "probes",
    "maintenance",
    "store",
    "exporter",
    "scheduler",
    "alerts",
    "catalog",
    "reports",
    "tickets",
    "agents",
    "measurements",
]


@dataclass(frozen=True)
class Settings:
    """The whole configuration, one typed part per owner package."""

    file: Path
    timezone: ZoneInfo
    language: str
    probes: ProbesConfig
    catalog: CatalogConfig
    reports: ReportsConfig
    tickets: TicketsConfig = field(default_factory=TicketsConfig)
    measurements: MeasurementsConfig = field(default_factory=MeasurementsConfig)

    def store_path(self) -> Path:
        """The measurement store's file, resolved against the config file's folder."""
        return self.file.parent / self.probes.store.path


def config_path(explicit: str | None) -> Path:
    """``--config`` if given, else ``$VIGIE_CONFIG``, else ``./config.toml``."""
    return Path(explicit or os.environ.get("VIGIE_CONFIG") or DEFAULT_CONFIG)


def load_settings(path: Path) -> Settings:
    """Load and validate the config file; raises ConfigError with every problem found."""
    doc = Document.load(path)
    doc.check_top_level(TOP_LEVEL)
    general = doc.section("vigie")
    timezone = general.timezone("timezone", "Europe/Paris") or ZoneInfo("Europe/Paris")
    language = general.string("language", "fr", choices=LANGUAGES) or "fr"
    general.done()
    base = path.parent
    settings = Settings(
        file=path,
        timezone=timezone,
        language=language,
        probes=load_probes_config(doc, timezone),
        catalog=load_catalog_config(doc, base),
        reports=load_reports_config(doc, base, language),
        tickets=load_tickets_config(doc, timezone),
        measurements=load_measurements_config(doc),
    )
    doc.raise_if_problems()
    return settings
