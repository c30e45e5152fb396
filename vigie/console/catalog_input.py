"""What the catalog commands share: the catalog named by the config, and the ``--as-of`` day."""

from __future__ import annotations

import argparse
from datetime import date, datetime

from vigie.catalog.loader import load_catalog
from vigie.catalog.model import Catalog
from vigie.configfile import ConfigError, Problem
from vigie.console.settings import Settings


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
