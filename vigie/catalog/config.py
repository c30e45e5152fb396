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
    if raw is None:
        return CatalogConfig(path=None)
    path = base / raw
    try:
        path.exists()
    except OSError as exc:  # a name too long, say: Path.exists raises for those
        sec.problem("path", f"not a usable path ({exc.strerror or exc})")
        return CatalogConfig(path=None)
    return CatalogConfig(path=path)
