"""From a probe's configuration to a callable check of its kind."""

from __future__ import annotations

from vigie.probes.checks.base import AsyncCheck, Check, Outcome
from vigie.probes.checks.counter import CounterCheck
from vigie.probes.checks.dns import check_dns
from vigie.probes.checks.fileflow import check_fileflow
from vigie.probes.checks.heartbeat import Heartbeats, check_heartbeat
from vigie.probes.checks.host import check_host
from vigie.probes.checks.host import prime as prime_host
from vigie.probes.checks.http import check_http_async
from vigie.probes.checks.tcp import check_tcp_async
from vigie.probes.config import ProbeConfig


def make_check(probe: ProbeConfig, heartbeats: Heartbeats) -> Check | AsyncCheck:
    """A no-argument callable measuring the probe once (it may raise; the runner catches).

    Network checks are coroutine functions, run on the scheduler's event loop; the others
    block (system resolver, /proc, files) and run on its worker threads.
    """
    options, timeout = probe.options, probe.timeout
    if probe.kind == "http":

        async def http() -> Outcome:
            return await check_http_async(options, timeout)

        return http
    if probe.kind == "tcp":

        async def tcp() -> Outcome:
            return await check_tcp_async(options, timeout)

        return tcp
    if probe.kind == "dns":
        return lambda: check_dns(options, timeout)
    if probe.kind == "host":
        prime_host()
        return lambda: check_host(options, timeout)
    if probe.kind == "fileflow":
        return lambda: check_fileflow(options, probe.interval)
    if probe.kind == "counter":
        counter = CounterCheck(options)
        return lambda: counter(timeout)
    if probe.kind == "heartbeat":
        return lambda: check_heartbeat(probe, heartbeats)
    raise ValueError(f"unknown probe kind {probe.kind!r}")


__all__ = ["AsyncCheck", "Check", "Outcome", "make_check"]
