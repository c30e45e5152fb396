"""Opening the measurement store the way every command needs it (probe intervals known)."""

from __future__ import annotations

from vigie.console.settings import Settings
from vigie.probes.store import Store
from vigie.probes.timeline import intervals_from_config


def open_store(settings: Settings) -> Store:
    """The configured store, told each probe's interval so timelines cut gaps right."""
    return Store(
        settings.store_path(),
        settings.probes.store.busy_timeout,
        intervals=intervals_from_config(settings.probes),
    )
