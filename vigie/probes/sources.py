"""Where the accounting reads probe results from: the SQLite stores, or a Prometheus-compatible
engine (:mod:`vigie.probes.promql`), behind one small interface.

Both hand over the same thing, a component's timeline segments (each naming its probe and
its agent), so the accounting on top (:mod:`vigie.reports.sla`) is the same code whichever
the source: schedules, maintenance, unknown time, ``confirm_after``, blips and the agents'
quorum. Frozen months and tickets stay in Vigie's own SQLite store in both cases.

``[measurements]`` in `config.toml` picks the source (``sqlite`` by default, or
``prometheus`` with its ``url``); every reading command takes ``--source`` to override it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from vigie.accounting.timeline import Segment
from vigie.kernel.tomlfile import Document
from vigie.probes.secrets import Secret
from vigie.probes.store import Store

SOURCES = ("sqlite", "prometheus")


class EngineError(Exception):
    """The engine did not answer as it should: one line with the URL, the status, what to check."""


class MetricsSource(Protocol):
    """Probe results as timeline segments. :class:`~vigie.probes.store.Store` is one."""

    def segments(self, component: str, start: float, end: float) -> list[Segment]:
        """The component's segments overlapping ``[start, end)``, grouped by probe (and agent),
        each group oldest first."""
        ...


@dataclass(frozen=True)
class MeasurementsConfig:
    """``[measurements]``: where the accounting reads results (``source``), and how to reach
    the engine when it is Prometheus or VictoriaMetrics (``url``, an optional bearer token
    as a ``${ENV}`` reference, TLS verification, a timeout per query)."""

    source: str = "sqlite"
    url: str | None = None
    bearer_token: Secret | None = None
    verify_tls: bool = True
    timeout: float = 30.0


def load_measurements_config(doc: Document) -> MeasurementsConfig:
    """Read ``[measurements]``; problems are recorded on ``doc``."""
    sec = doc.section("measurements")
    base = MeasurementsConfig()
    source = sec.string("source", base.source, choices=SOURCES) or base.source
    url = sec.string("url", pattern=r"https?://\S+", what="an http(s) URL")
    token = sec.string("bearer_token", pattern=r".*\$\{[A-Za-z_][A-Za-z0-9_]*\}.*", what="a ${ENV} reference")
    verify = sec.boolean("verify_tls", base.verify_tls)
    timeout = sec.duration("timeout", base.timeout, minimum=0.1, maximum=600)
    if source == "prometheus" and url is None and "url" not in sec:
        sec.problem("url", 'source = "prometheus" needs the engine\'s url (e.g. http://127.0.0.1:9090)')
    sec.done()
    return MeasurementsConfig(
        source=source,
        url=url.rstrip("/") if url else None,
        bearer_token=None if token is None else Secret(token),
        verify_tls=base.verify_tls if verify is None else verify,
        timeout=base.timeout if timeout is None else timeout,
    )


class AgentStores:
    """The SQLite source with agents: this machine's store and the agents' own stores found
    here (each agent keeps its results in its own file); their segments carry the agent's name.
    """

    def __init__(self, store: Store, agents: Mapping[str, Store]) -> None:
        self.store = store
        self.agents = dict(agents)

    def segments(self, component: str, start: float, end: float) -> list[Segment]:
        """This machine's segments, then each agent's (in name order), each by probe then time."""
        out = self.store.segments(component, start, end)
        for name in sorted(self.agents):
            for seg in self.agents[name].segments(component, start, end):
                seg.agent = name
                out.append(seg)
        return out

    def close(self) -> None:
        """Close the agents' stores (this machine's is the caller's)."""
        for store in self.agents.values():
            store.close()
        self.agents.clear()
