"""TCP connect check on asyncio: the time to open a connection; refused or silent targets are down."""

from __future__ import annotations

import asyncio
import time

from vigie.accounting.results import Status
from vigie.probes.checks.base import Outcome, short
from vigie.probes.config import TcpOptions


async def check_tcp_async(options: TcpOptions, timeout: float) -> Outcome:
    """Open and close one TCP connection to ``host:port``."""
    started = time.perf_counter()
    try:
        async with asyncio.timeout(timeout):
            _, writer = await asyncio.open_connection(options.host, options.port)
    except TimeoutError:
        return Outcome(Status.DOWN, f"connect timeout after {timeout:g}s")
    except ConnectionRefusedError:
        return Outcome(Status.DOWN, "connection refused")
    except OSError as exc:
        return Outcome(Status.DOWN, f"cannot connect: {short(exc)}")
    elapsed = (time.perf_counter() - started) * 1000
    writer.close()
    return Outcome(
        Status.UP, f"connected to {options.host}:{options.port}", elapsed, timings={"connect": elapsed}
    )
