"""Real engines for the tests: Debian's Prometheus and VictoriaMetrics on 127.0.0.1, each with a
random free port and its own temporary folder (the demo's :class:`EngineProcess`), started by
a fixture and stopped after.

`make test` installs them (TEST_DEBS in the Makefile); a test skips with the reason only
where a binary is truly absent.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import requests

from vigie.console.demo.engine import ENGINES, EngineProcess
from vigie.console.demo.workdir import free_port

Engine = EngineProcess
__all__ = ["Engine", "binary", "free_port", "has", "start_prometheus", "start_victoriametrics"]


def binary(name: str) -> str:
    """The program's path, or skip the test saying which Debian package provides it."""
    path = shutil.which(name)
    if path is None:
        package = {"victoria-metrics": "victoria-metrics", "amtool": "prometheus-alertmanager"}.get(
            name, "prometheus"
        )
        pytest.skip(f"{name} is not installed (Debian package {package}; `make test` installs it)")
    return path


def has(engine: Engine, query: str) -> bool:
    """True when an instant query returns at least one series."""
    try:
        answer = requests.get(f"{engine.url}/api/v1/query", params={"query": query}, timeout=5).json()
    except (requests.RequestException, ValueError):
        return False
    return bool(answer.get("data", {}).get("result"))


def start_prometheus(config: Path, folder: Path, extra: list[str] | None = None) -> Engine:
    """Prometheus on ``config`` (its rule files relative to it), data in ``folder``; ``extra``
    flags (e.g. a query limit)."""
    binary(ENGINES["prometheus"])
    return EngineProcess("prometheus", config, folder, tuple(extra or ()))


def start_victoriametrics(config: Path, folder: Path, extra: list[str] | None = None) -> Engine:
    """VictoriaMetrics (single node) scraping as ``config`` says, data in ``folder``."""
    binary(ENGINES["victoriametrics"])
    return EngineProcess("victoriametrics", config, folder, tuple(extra or ()))
