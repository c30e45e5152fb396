"""Issue 16, item 14: `vigie run --once --dry-run` measures and prints, and stores nothing,
even beside a running daemon; the guides use it on the demo's directory."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from vigie.console.cli import main
from vigie.probes.daemon import StoreLock
from vigie.probes.store import Store

CONFIG = """
[vigie]
language = "fr"

[store]
path = "v.db"

[exporter]
enabled = false

[[components]]
id = "chorus-pro"
name = "Chorus Pro"
target = 99

[[probes]]
id = "chorus-pro-tcp"
component = "chorus-pro"
kind = "tcp"
host = "127.0.0.1"
port = 9
timeout = "2s"
"""


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(CONFIG, encoding="utf-8")
    return path


def test_a_dry_run_measures_prints_and_stores_nothing(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = config.parent / "v.db"
    assert main(["run", "--once", "--dry-run", "--json", "--config", str(config)]) == 1
    (result,) = json.loads(capsys.readouterr().out)
    assert (result["component"], result["status"]) == ("chorus-pro", "down")
    assert not store.exists() and not (config.parent / "v.db.lock").exists()
    # Beside a daemon holding the store: it measures all the same, and writes nothing.
    with Store(store) as existing:
        assert existing.count() == 0
    lock = StoreLock(store)
    try:
        assert main(["run", "--once", "--dry-run", "--config", str(config)]) == 1
        assert "indisponible" in capsys.readouterr().out
    finally:
        lock.release()
    with Store(store) as existing:
        assert existing.count() == 0


def test_dry_run_goes_with_once(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "--dry-run", "--config", str(config)]) == 2
    assert capsys.readouterr().err == "vigie: error: --dry-run goes with --once (the daemon always stores)\n"
