"""Stored results as the series the agents serve, for an engine to take in (`vigie export
openmetrics`): a site moving to Prometheus or VictoriaMetrics keeps its past.

Each result becomes, at its own time, ``vigie_probe_success`` (1 up or degraded, else 0),
``vigie_probe_state{state}`` (1, its state's series only) and ``vigie_probe_duration_seconds``,
labelled ``component``, ``probe`` and ``agent`` as an agent would serve them. Read back
through :mod:`vigie.probes.promql`, one sample per result gives the same windows, hence the
same figures, as the store.

Two spellings: OpenMetrics (timestamps in seconds, ``# EOF`` at the end) for ``promtool tsdb
create-blocks-from openmetrics``, and the Prometheus text format with millisecond timestamps
for VictoriaMetrics' ``/api/v1/import/prometheus``. Each metric family comes whole, each
series in time order, as both readers require.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TextIO

from vigie.accounting.results import ProbeResult, Status
from vigie.probes.store import Store

FORMATS = ("openmetrics", "prometheus")

_FAMILIES = (
    ("vigie_probe_success", "1 when the probe's check answered (up or degraded)"),
    ("vigie_probe_state", "1 for the state of the probe's check"),
    ("vigie_probe_duration_seconds", "Duration of the probe's check"),
)
_UP = (Status.UP, Status.DEGRADED)


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _samples(family: str, result: ProbeResult, agent: str) -> Iterator[tuple[str, float]]:
    labels = f'component="{_escape(result.component)}",probe="{_escape(result.probe)}"'
    if agent:
        labels += f',agent="{_escape(agent)}"'
    if family == "vigie_probe_success":
        yield labels, 1.0 if result.status in _UP else 0.0
    elif family == "vigie_probe_state":
        yield f'{labels},state="{result.status}"', 1.0
    elif result.latency_ms is not None:
        yield labels, result.latency_ms / 1000


def write_series(
    store: Store,
    start: float,
    end: float,
    out: TextIO,
    *,
    agent: str = "",
    spelling: str = "openmetrics",
    progress: Callable[[int], None] | None = None,
) -> int:
    """Write the results in ``[start, end)`` to ``out``; returns how many results were written."""
    millis = spelling == "prometheus"
    pairs = [(c, p) for c in store.components() for p in store.probes(c)]
    written = 0
    for family, help_text in _FAMILIES:
        out.write(f"# HELP {family} {help_text}\n# TYPE {family} gauge\n")
        for component, probe in pairs:
            for result in store.results(component, start, end, probe):
                stamp = f"{round(result.ts * 1000)}" if millis else f"{result.ts:.3f}"
                for labels, value in _samples(family, result, agent):
                    out.write(f"{family}{{{labels}}} {value:g} {stamp}\n")
                if family == "vigie_probe_success":
                    written += 1
                    if progress is not None and written % 10_000 == 0:
                        progress(written)
    if not millis:
        out.write("# EOF\n")
    return written
