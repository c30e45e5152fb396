"""The sample catalog's generator (the demo's application map): the committed files are its output."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT
from vigie.catalog.loader import load_catalog, write_csv
from vigie.console.demo.sample_catalog import build_sample

SAMPLE = ROOT / "catalog"


def test_committed_sample_is_what_the_script_generates(tmp_path: Path) -> None:
    write_csv(build_sample(), tmp_path)
    for path in sorted(SAMPLE.glob("*.csv")):
        assert (tmp_path / path.name).read_text(encoding="utf-8") == path.read_text(encoding="utf-8"), (
            path.name
        )


def test_sample_script_runs_as_a_module(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "vigie.console.demo.sample_catalog", str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert len(load_catalog(tmp_path).applications) == len(build_sample().applications)
