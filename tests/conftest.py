"""Shared fixtures: the bundled config and a way to write broken variants of it."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.reliability import ledger
from vigie.probes.secrets import SCRUBBER

ROOT = Path(__file__).resolve().parent.parent
BUNDLED_CONFIG = ROOT / "config.toml"


@pytest.fixture
def bundled_config_text() -> str:
    """The text of the config.toml shipped at the repository root."""
    return BUNDLED_CONFIG.read_text(encoding="utf-8")


def pytest_configure(config: pytest.Config) -> None:
    """The reliability suite's ledger, made before the xdist workers start (they inherit it)."""
    ledger.start()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """The reliability suite's table, at the end of the run (by the controller, not a worker)."""
    if not hasattr(terminalreporter.config, "workerinput"):
        ledger.table(terminalreporter.write_line)


@pytest.fixture(autouse=True)
def _forget_secrets() -> Iterator[None]:
    """Each test starts with a scrubber that knows no secret value (tests use throwaway tokens)."""
    yield
    SCRUBBER.clear()


@pytest.fixture(autouse=True)
def _restore_vigie_logger() -> Iterator[None]:
    """`vigie run` called in process points the "vigie" logger at the test's captured stderr
    (and stops its propagation): each test gets the logger back as it found it."""
    logger = logging.getLogger("vigie")
    handlers, level, propagate = list(logger.handlers), logger.level, logger.propagate
    yield
    logger.handlers[:] = handlers
    logger.setLevel(level)
    logger.propagate = propagate
