"""Opening the measurement store the way every command needs it (probe intervals known), and
the source of results the reading commands account from (``--source sqlite|prometheus``)."""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from contextlib import contextmanager

from vigie.console.settings import Settings
from vigie.probes.sources import SOURCES, AgentStores, MetricsSource
from vigie.probes.store import Store


def open_store(settings: Settings) -> Store:
    """The configured store, told each probe's interval so timelines cut gaps right."""
    return Store.of_config(settings.probes, settings.store_path())


def add_source_argument(parser: argparse.ArgumentParser) -> None:
    """``--source sqlite|prometheus``: where the command reads probe results."""
    parser.add_argument(
        "--source",
        choices=SOURCES,
        help="where probe results are read: sqlite (the store, and the agents' stores found next "
        "to it) or prometheus ([measurements] url); default: [measurements] source",
    )


def source_name(settings: Settings, choice: str | None) -> str:
    """The source a command reads: its ``--source``, else ``[measurements] source``."""
    return choice or settings.measurements.source


@contextmanager
def open_source(settings: Settings, store: Store, choice: str | None) -> Iterator[MetricsSource]:
    """The results the accounting reads, closed on the way out: ``store`` itself, the store with
    the agents' stores found next to the config file, or the engine of ``[measurements]``."""
    if source_name(settings, choice) == "prometheus":
        from vigie.probes.promql import PromClient, PromQLSource

        engine = PromQLSource(PromClient(settings.measurements), settings.probes)
        try:
            yield engine
        finally:
            engine.close()
        return
    agents = {}
    for agent in settings.probes.agents:
        path = settings.file.parent / agent.store_file
        if path.exists():  # never created here: an agent's store is the agent's to make
            agents[agent.name] = Store.of_config(settings.probes, path)
    if not agents:
        yield store
        return
    stores = AgentStores(store, agents)
    try:
        yield stores
    finally:
        stores.close()
