"""What every check returns and how a check is run so that it never raises."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from vigie.probes.config import ProbeConfig
from vigie.probes.results import ProbeResult, Status


@dataclass
class Outcome:
    """A check's measurement before it becomes a stored :class:`ProbeResult`.

    ``timings`` holds phases in milliseconds (``connect``, ``tls``, ``total``) where the
    protocol has them; ``cert_expiry`` is the TLS certificate's notAfter (epoch seconds).
    """

    status: Status
    detail: str = ""
    latency_ms: float | None = None
    value: float | None = None
    timings: dict[str, float] = field(default_factory=dict)
    cert_expiry: float | None = None


Check = Callable[[], Outcome]


def short(exc: BaseException, limit: int = 200) -> str:
    """A one-line reason from an exception, without secrets the caller did not put in it."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= limit else text[: limit - 1] + "…"


def run_safely(
    probe: ProbeConfig, check: Check, clock: Callable[[], float] = time.time
) -> tuple[ProbeResult, Outcome]:
    """Run a check; any exception becomes a ``down`` result naming it. Never raises."""
    started = clock()
    try:
        outcome = check()
    except Exception as exc:  # a probe must never take the scheduler down
        outcome = Outcome(Status.DOWN, f"probe error: {type(exc).__name__}: {short(exc)}")
    result = ProbeResult(
        component=probe.component,
        probe=probe.id,
        ts=started,
        status=outcome.status,
        latency_ms=outcome.latency_ms,
        detail=outcome.detail,
        value=outcome.value,
    )
    return result, outcome


def over_latency(probe: ProbeConfig, component_threshold: float | None, outcome: Outcome) -> Outcome:
    """Turn an ``up`` answer slower than the probe's (or component's) threshold into ``degraded``."""
    threshold = probe.latency_threshold or component_threshold
    if (
        outcome.status is Status.UP
        and threshold is not None
        and outcome.latency_ms is not None
        and outcome.latency_ms > threshold * 1000
    ):
        outcome.status = Status.DEGRADED
        outcome.detail = f"slow: {outcome.latency_ms:.0f} ms > {threshold * 1000:.0f} ms; {outcome.detail}"
    return outcome
