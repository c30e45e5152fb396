"""Opening the measurement store the way every command needs it (probe intervals known)."""

from __future__ import annotations

from vigie.console.settings import Settings
from vigie.probes.store import Store


def open_store(settings: Settings) -> Store:
    """The configured store, told each probe's interval so timelines cut gaps right."""
    return Store.of_config(settings.probes, settings.store_path())
