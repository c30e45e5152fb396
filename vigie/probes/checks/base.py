"""What every check returns and how a check is run so that it never raises."""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import Executor
from dataclasses import dataclass, field

from vigie.accounting.results import ProbeResult, Status
from vigie.probes.config import ProbeConfig
from vigie.probes.secrets import scrub


@dataclass
class Outcome:
    """A check's measurement before it becomes a stored :class:`ProbeResult`.

    ``timings`` holds phases in milliseconds (``connect``, ``tls``, ``total``) where the
    protocol has them; ``cert_expiry`` is the TLS certificate's notAfter (epoch seconds);
    ``files`` the (name, modification time) of the files a file-flow check saw waiting.
    """

    status: Status
    detail: str = ""
    latency_ms: float | None = None
    value: float | None = None
    timings: dict[str, float] = field(default_factory=dict)
    cert_expiry: float | None = None
    files: tuple[tuple[str, float], ...] | None = None


Check = Callable[[], Outcome]
AsyncCheck = Callable[[], Awaitable[Outcome]]


def short(exc: BaseException, limit: int = 200) -> str:
    """A one-line reason from an exception, without secrets the caller did not put in it."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= limit else text[: limit - 1] + "…"


# Beyond its own timeout, how long a check may take before the scheduler gives up on it.
GRACE = 1.0


async def run_safely(
    probe: ProbeConfig, check: Check | AsyncCheck, executor: Executor | None = None
) -> tuple[ProbeResult, Outcome]:
    """Run a check (a coroutine function on the loop, else on ``executor``); never raises.

    Any exception becomes a ``down`` result naming it; a blocking check still running
    after its timeout plus a grace second is abandoned and ``down``. The detail is scrubbed
    of every secret value (:func:`~vigie.probes.secrets.scrub`).
    """
    started = time.time()
    limit = probe.timeout + GRACE
    try:
        if inspect.iscoroutinefunction(check):
            # The network checks bound themselves with the probe's timeout; a second timer
            # per check would cost a tenth of the scheduler's CPU at thousands of checks.
            outcome = await check()
        else:
            async with asyncio.timeout(limit) as deadline:
                outcome = await asyncio.get_running_loop().run_in_executor(executor, check)
    except TimeoutError as exc:
        outcome = (
            Outcome(Status.DOWN, f"probe did not finish within {limit:g}s")
            if not inspect.iscoroutinefunction(check) and deadline.expired()
            else _crashed(exc)
        )
    except Exception as exc:  # a probe must never take the scheduler down
        outcome = _crashed(exc)
    # Before anything stores, logs or prints it: a target may echo a secret header back.
    outcome.detail = scrub(outcome.detail)
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


def _crashed(exc: BaseException) -> Outcome:
    return Outcome(Status.DOWN, f"probe error: {type(exc).__name__}: {short(exc)}")


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
