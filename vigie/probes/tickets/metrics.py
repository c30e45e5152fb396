"""Ticket counts for the Prometheus exporter: a custom collector reading the store on
each scrape. Labels are the application (bounded by the configured mappings) and the
channel (six values); never a ticket id or a free text."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric

from vigie.probes.db import KeptReader
from vigie.probes.tickets.store import TicketStore


class TicketCollector:
    """``vigie_tickets_opened_total{application, channel}`` and
    ``vigie_tickets_open{application}``; register it on the exporter's registry."""

    def __init__(self, store_path: str | Path, busy_timeout: float = 10.0) -> None:
        self.store_path = Path(store_path)
        self.busy_timeout = busy_timeout
        self._reader = KeptReader(lambda: TicketStore(self.store_path, self.busy_timeout))

    def close(self) -> None:
        """Close the reading connection."""
        self._reader.close()

    def collect(self) -> Iterator[Metric]:
        """One read of the store per scrape."""
        with self._reader.snapshot() as store:
            opened = store.opened_counts()
            backlog = store.open_counts()
        counter = CounterMetricFamily(
            "vigie_tickets_opened",
            "Service-desk tickets stored, by application and channel.",
            labels=["application", "channel"],
        )
        for (application, channel), count in sorted(opened.items()):
            counter.add_metric([application, channel], count)
        yield counter
        gauge = GaugeMetricFamily(
            "vigie_tickets_open",
            "Service-desk tickets not yet solved or closed, by application.",
            labels=["application"],
        )
        for application, count in sorted(backlog.items()):
            gauge.add_metric([application], count)
        yield gauge
