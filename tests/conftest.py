"""Shared fixtures: the bundled config and a way to write broken variants of it."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BUNDLED_CONFIG = ROOT / "config.toml"


@pytest.fixture
def bundled_config_text() -> str:
    """The text of the config.toml shipped at the repository root."""
    return BUNDLED_CONFIG.read_text(encoding="utf-8")
