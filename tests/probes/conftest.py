"""Fixtures for the probes: the loopback test bed and probe configurations built in code."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.probes.testbed import TestBed, make_certificate
from vigie.accounting.terms import Policy, Schedule
from vigie.probes.checks.base import Outcome
from vigie.probes.checks.http import check_http_async
from vigie.probes.checks.tcp import check_tcp_async
from vigie.probes.config import (
    AlertsConfig,
    Component,
    ExporterConfig,
    HttpOptions,
    ProbeConfig,
    ProbesConfig,
    SchedulerConfig,
    StoreConfig,
    TcpOptions,
)

PARIS = ZoneInfo("Europe/Paris")


@pytest.fixture
def bed() -> Iterator[TestBed]:
    """A plain-HTTP test bed on 127.0.0.1."""
    with TestBed() as running:
        yield running


@pytest.fixture(scope="session")
def certificates(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, Path]]:
    """Self-signed certificates: valid for a year, valid for 10 days, expired."""
    folder = tmp_path_factory.mktemp("certs")
    return {
        "valid": make_certificate(folder),
        "short": make_certificate(folder, days=10),
        "expired": make_certificate(folder, expired=True),
    }


def component(cid: str = "svc", **kw: Any) -> Component:
    """A 24x7 component with a 99 % target."""
    return Component(
        id=cid, name=cid, target=0.99, schedule=Schedule((), PARIS), policy=kw.pop("policy", Policy()), **kw
    )


def probe(pid: str, kind: str, options: Any, component_id: str = "svc", **kw: Any) -> ProbeConfig:
    """A probe with a 1 s timeout and interval unless told otherwise."""
    return ProbeConfig(
        id=pid,
        component=component_id,
        kind=kind,
        interval=kw.pop("interval", 1.0),
        timeout=kw.pop("timeout", 1.0),
        role=kw.pop("role", "availability"),
        options=options,
        **kw,
    )


def probes_config(components: list[Component], probes: list[ProbeConfig], **kw: Any) -> ProbesConfig:
    """A configuration around the given components and probes."""
    return ProbesConfig(
        timezone=PARIS,
        policy=Policy(),
        components=tuple(components),
        probes=tuple(probes),
        maintenance=tuple(kw.pop("maintenance", ())),
        store=kw.pop("store", StoreConfig()),
        exporter=kw.pop("exporter", ExporterConfig(port=0)),
        scheduler=kw.pop("scheduler", SchedulerConfig(workers=8, flush_interval=0.1)),
        alerts=kw.pop("alerts", AlertsConfig()),
    )


def check_http(options: HttpOptions, timeout: float) -> Outcome:
    """One HTTP check, outside the scheduler."""
    return asyncio.run(check_http_async(options, timeout))


def check_tcp(options: TcpOptions, timeout: float) -> Outcome:
    """One TCP check, outside the scheduler."""
    return asyncio.run(check_tcp_async(options, timeout))
