"""Prometheus collector for the catalog's figures: homologation expiry and decommissioning progress.

The probe daemon's exporter registers it next to its own collector (wired in `console/`),
so these figures reach /metrics without `probes` importing `catalog`. Every scrape asks
its source for the current catalog and computes the statuses as of the current day.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, datetime, time, timedelta, tzinfo

from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from vigie.catalog import homologation, lifecycle
from vigie.catalog.model import Catalog


def end_of_validity(last_day: date, zone: tzinfo) -> float:
    """Unix time at which a homologation valid through ``last_day`` stops being valid."""
    return datetime.combine(last_day + timedelta(days=1), time(0), tzinfo=zone).timestamp()


class CatalogCollector(Collector):
    """Homologation and decommissioning gauges, computed from the catalog on each scrape.

    ``source`` returns the catalog, or None when it cannot be read right now (the
    scrape then reports ``vigie_catalog_up 0`` and nothing else); ``today`` gives the
    day the statuses are computed for, in ``zone``.
    """

    def __init__(self, source: Callable[[], Catalog | None], zone: tzinfo, today: Callable[[], date]) -> None:
        self._source = source
        self._zone = zone
        self._today = today

    def collect(self) -> Iterator[Metric]:
        """Yield the gauges for the current catalog."""
        catalog = self._source()
        up = GaugeMetricFamily("vigie_catalog_up", "1 when the catalog could be read for this scrape")
        up.add_metric([], 0.0 if catalog is None else 1.0)
        yield up
        if catalog is None:
            return
        as_of = self._today()
        yield from self._homologations(catalog, as_of)
        yield from self._decommissioning(catalog, as_of)

    def _homologations(self, catalog: Catalog, as_of: date) -> Iterator[Metric]:
        entries = homologation.register(catalog, as_of)
        expiry = GaugeMetricFamily(
            "vigie_homologation_expiry_timestamp_seconds",
            "End of the application's current homologation (Unix time; absent when none grants a validity)",
            labels=["application"],
        )
        overdue = GaugeMetricFamily(
            "vigie_homologation_reserves_overdue",
            "Open reserves past their due date, per homologated application",
            labels=["application"],
        )
        for entry in entries:
            if entry.expires_on is not None:
                expiry.add_metric([entry.application.id], end_of_validity(entry.expires_on, self._zone))
            if entry.record is not None and entry.record.reserves:
                overdue.add_metric([entry.application.id], float(len(entry.overdue_reserves)))
        counts = GaugeMetricFamily(
            "vigie_homologation_applications",
            "Applications in service by homologation status",
            labels=["status"],
        )
        for status, count in homologation.status_counts(entries).items():
            counts.add_metric([status.value], float(count))
        yield expiry
        yield overdue
        yield counts

    def _decommissioning(self, catalog: Catalog, as_of: date) -> Iterator[Metric]:
        ratio = GaugeMetricFamily(
            "vigie_decommissioning_progress_ratio",
            "Share of the ministry's applications to decommission that are switched off",
            labels=["ministry"],
        )
        states = GaugeMetricFamily(
            "vigie_decommissioning_applications",
            "Applications to decommission by ministry and state",
            labels=["ministry", "state"],
        )
        for group in lifecycle.progress(catalog, as_of, by="ministry"):
            ratio.add_metric([group.key], group.ratio)
            for state, count in group.counts.items():
                states.add_metric([group.key, state.value], float(count))
        findings = GaugeMetricFamily(
            "vigie_decommissioning_integrity_findings",
            "Live interfaces still wired to an application being retired, by kind",
            labels=["kind"],
        )
        found = dict.fromkeys(lifecycle.FindingKind, 0)
        for finding in lifecycle.integrity(catalog, as_of):
            found[finding.kind] += 1
        for kind, count in found.items():
            findings.add_metric([kind.value], float(count))
        yield ratio
        yield states
        yield findings
