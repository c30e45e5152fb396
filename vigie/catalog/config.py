"""The catalog's part of `config.toml`: where the architects' files are."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from vigie.kernel.tomlfile import Document


@dataclass(frozen=True)
class CatalogConfig:
    """Location of the catalog (a folder of CSV files, or one JSON file).

    ``path`` is resolved against the config file's folder.
    """

    path: Path | None


def load_catalog_config(doc: Document, base: Path) -> CatalogConfig:
    """Read ``[catalog]``; problems are recorded on ``doc``."""
    sec = doc.section("catalog")
    raw = sec.string("path")
    sec.done()
    return CatalogConfig(path=None if raw is None else (base / raw))
