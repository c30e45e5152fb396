"""From a probe's configuration to a callable check of its kind."""

from __future__ import annotations

from vigie.probes.checks.base import Check, Outcome
from vigie.probes.checks.counter import CounterCheck
from vigie.probes.checks.dns import check_dns
from vigie.probes.checks.fileflow import check_fileflow
from vigie.probes.checks.heartbeat import Heartbeats, check_heartbeat
from vigie.probes.checks.host import check_host
from vigie.probes.checks.http import check_http
from vigie.probes.checks.tcp import check_tcp
from vigie.probes.config import ProbeConfig


def make_check(probe: ProbeConfig, heartbeats: Heartbeats) -> Check:
    """A no-argument callable measuring the probe once (it may raise; the runner catches)."""
    options, timeout = probe.options, probe.timeout
    if probe.kind == "http":
        return lambda: check_http(options, timeout)
    if probe.kind == "tcp":
        return lambda: check_tcp(options, timeout)
    if probe.kind == "dns":
        return lambda: check_dns(options, timeout)
    if probe.kind == "host":
        return lambda: check_host(options, timeout)
    if probe.kind == "fileflow":
        return lambda: check_fileflow(options, probe.interval)
    if probe.kind == "counter":
        counter = CounterCheck(options)
        return lambda: counter(timeout)
    if probe.kind == "heartbeat":
        return lambda: check_heartbeat(probe, heartbeats)
    raise ValueError(f"unknown probe kind {probe.kind!r}")


__all__ = ["Check", "Outcome", "make_check"]
