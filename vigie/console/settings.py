"""Reads `config.toml` once and hands each section to the package that owns it."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

from vigie.catalog.config import CatalogConfig, load_catalog_config
from vigie.kernel.tomlfile import Document
from vigie.probes.config import ProbesConfig, load_probes_config
from vigie.probes.flows.config import FlowsConfig, load_flows_config
from vigie.probes.sources import MeasurementsConfig, load_measurements_config
from vigie.probes.tickets.config import TicketsConfig, load_tickets_config
from vigie.reports.config import LANGUAGES, ReportsConfig, load_reports_config
from vigie.reports.status.config import StatusConfig, load_status_config

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
    "status",
    "flows",
    "flow_tracking",
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
    status: StatusConfig = field(default_factory=StatusConfig)
    flows: FlowsConfig = field(default_factory=FlowsConfig)

    def store_path(self) -> Path:
        """The measurement store's file, resolved against the config file's folder."""
        return self.file.parent / self.probes.store.path

    def flow_store_path(self) -> Path:
        """The flow store's file (``[flow_tracking] path``), against the config file's folder."""
        return self.file.parent / self.flows.path


def config_path(explicit: str | None) -> Path:
    """``--config`` if given, else ``$VIGIE_CONFIG``, else ``./config.toml``."""
    return Path(explicit or os.environ.get("VIGIE_CONFIG") or DEFAULT_CONFIG)


def _component_names(doc: Document, probes: ProbesConfig) -> dict[str, str]:
    """Configured component ids and names; ids of components with problems too, so a
    mistake in one is reported once, not again where the status page names it."""
    raw = doc.data.get("components")
    ids = (
        [c["id"] for c in raw if isinstance(c, dict) and isinstance(c.get("id"), str)]
        if isinstance(raw, list)
        else []
    )
    names = {c.id: c.name for c in probes.components}
    return {cid: names.get(cid, cid) for cid in ids} | names


def load_settings(path: Path) -> Settings:
    """Load and validate the config file; raises ConfigError with every problem found."""
    doc = Document.load(path)
    doc.check_top_level(TOP_LEVEL)
    general = doc.section("vigie")
    timezone = general.timezone("timezone", "Europe/Paris") or ZoneInfo("Europe/Paris")
    language = general.string("language", "fr", choices=LANGUAGES) or "fr"
    general.done()
    base = path.parent
    probes = load_probes_config(doc, timezone)
    settings = Settings(
        file=path,
        timezone=timezone,
        language=language,
        probes=probes,
        catalog=load_catalog_config(doc, base),
        reports=load_reports_config(doc, base, language),
        tickets=load_tickets_config(doc, timezone),
        measurements=load_measurements_config(doc),
        status=load_status_config(doc, _component_names(doc, probes)),
        flows=load_flows_config(doc),
    )
    _check_store_path(doc, settings.store_path())
    doc.raise_if_problems()
    return settings


def _check_store_path(doc: Document, store: Path) -> None:
    """A store path that is a folder, or lies under a file, is a problem of ``[store] path``
    (SQLite would only say "unable to open database file" when a command runs)."""
    try:
        store.exists()
    except OSError as exc:  # a name too long, say: Path.exists raises for those
        doc.problem(("store", "path"), f"not a usable path ({exc.strerror or exc})")
        return
    if store.is_dir():
        doc.problem(("store", "path"), f"{store} is a folder, not a file (name the database file in it)")
        return
    for parent in store.parents:
        if parent.exists():
            if not parent.is_dir():
                doc.problem(("store", "path"), f"{parent} is a file, so {store} cannot be created under it")
            return
