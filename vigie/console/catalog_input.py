"""What the catalog's faces share: the catalog named by the config, ``--as-of``, the /metrics collector."""

from __future__ import annotations

import argparse
import json
import logging
import threading
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from vigie.catalog.loader import load_catalog
from vigie.catalog.model import Catalog
from vigie.console.settings import Settings
from vigie.kernel.problems import ConfigError, Problem

if TYPE_CHECKING:
    from prometheus_client.registry import Collector

_log = logging.getLogger("vigie")


def as_of_date(text: str) -> date:
    """argparse type for ``--as-of``: an ISO date (YYYY-MM-DD)."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a date (use YYYY-MM-DD)") from None


def today(settings: Settings) -> date:
    """The current day in the configured time zone."""
    return datetime.now(settings.timezone).date()


def load_configured_catalog(settings: Settings) -> Catalog:
    """The catalog at ``[catalog] path``; ConfigError with every located problem when unusable."""
    path = settings.catalog.path
    if path is None:
        raise ConfigError(
            [Problem(str(settings.file), None, "catalog.path", "not set (the catalog's folder)")]
        )
    return load_catalog(path)


class CatalogSource:
    """The catalog for a long-running process: reloaded when its files change.

    Calling it returns the catalog, or None while the files do not load (the problems are
    logged once per change), so a scrape never fails because an architect is mid-edit.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._signature: tuple[tuple[str, int, int], ...] | None = None
        self._catalog: Catalog | None = None
        self._lock = threading.Lock()

    def _files(self) -> tuple[tuple[str, int, int], ...]:
        try:
            paths = sorted(self.path.iterdir()) if self.path.is_dir() else [self.path]
            return tuple((p.name, p.stat().st_mtime_ns, p.stat().st_size) for p in paths if p.is_file())
        except OSError:
            return ()

    def __call__(self) -> Catalog | None:
        """The current catalog, or None when it cannot be loaded."""
        with self._lock:
            signature = self._files()
            if signature != self._signature:
                self._signature = signature
                try:
                    self._catalog = load_catalog(self.path)
                except ConfigError as exc:
                    self._catalog = None
                    for problem in exc.problems:
                        _log.warning(json.dumps({"event": "catalog-invalid", "problem": str(problem)}))
            return self._catalog


def catalog_collectors(settings: Settings) -> tuple[Collector, ...]:
    """The catalog's /metrics collector for the daemon (none when no catalog is configured)."""
    if settings.catalog.path is None:
        return ()
    # Only the daemon needs prometheus_client: keep it out of every other command's start-up.
    from vigie.catalog.metrics import CatalogCollector

    return (
        CatalogCollector(CatalogSource(settings.catalog.path), settings.timezone, lambda: today(settings)),
    )
