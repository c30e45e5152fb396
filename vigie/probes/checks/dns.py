"""DNS check through the system resolver (getaddrinfo), bounded by the probe's timeout."""

from __future__ import annotations

import socket
import time
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout

from vigie.accounting.results import Status
from vigie.probes.checks.base import Outcome, short
from vigie.probes.config import DnsOptions

_FAMILIES = {"any": socket.AF_UNSPEC, "ipv4": socket.AF_INET, "ipv6": socket.AF_INET6}

# getaddrinfo cannot be interrupted; a stuck lookup keeps one of these threads, not the caller.
_resolvers = ThreadPoolExecutor(max_workers=8, thread_name_prefix="vigie-dns")


def resolve(name: str, family: str) -> list[str]:
    """The distinct addresses ``name`` resolves to, in resolver order."""
    infos = socket.getaddrinfo(name, None, _FAMILIES[family], socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def check_dns(options: DnsOptions, timeout: float) -> Outcome:
    """Resolve the name; no answer, an error or an unexpected address set is ``down``."""
    started = time.perf_counter()
    future = _resolvers.submit(resolve, options.name, options.family)
    try:
        addresses = future.result(timeout=timeout)
    except FutureTimeout:
        return Outcome(Status.DOWN, f"no DNS answer within {timeout:g}s")
    except (OSError, UnicodeError) as exc:
        return Outcome(Status.DOWN, f"{options.name} does not resolve: {short(exc)}")
    elapsed = (time.perf_counter() - started) * 1000
    if options.expect_addresses and not set(options.expect_addresses) & set(addresses):
        return Outcome(
            Status.DOWN,
            f"{options.name} -> {', '.join(addresses)} (expected {', '.join(options.expect_addresses)})",
            elapsed,
        )
    return Outcome(Status.UP, f"{options.name} -> {', '.join(addresses)}", elapsed)
