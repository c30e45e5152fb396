"""The reliability suite's ledger: what each test tried and what held, gathered across the
pytest-xdist workers in files, and printed as one table at the end of the run.

``tests/conftest.py`` creates the ledger's folder before the workers start (they inherit
it through the environment) and prints the table from the controller. A test adds counts
with :func:`record`; a figure (such as the daemon's longest wait) with :func:`figure`.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

ENV = "VIGIE_RELIABILITY_LEDGER"

ROWS = (
    ("faults tried / held", ("faults", "faults_held")),
    (
        "bad inputs tried / refused cleanly (exit 2, one located line, store unchanged)",
        ("bad", "bad_refused"),
    ),
    ("fuzzed files tried / exit 0 or 2", ("fuzzed", "fuzzed_clean")),
    ("kills (SIGKILL) / integrity ok / batches lost", ("kills", "kills_intact", "batches_lost")),
    ("tracebacks", ("tracebacks",)),
    ("corruptions", ("corruptions",)),
    ("outputs grepped (logs, reports, databases, /metrics) / secrets found", ("grepped", "secrets_found")),
)


def start() -> None:
    """Make the ledger's folder (once per run, before the workers start)."""
    if ENV not in os.environ:
        os.environ[ENV] = tempfile.mkdtemp(prefix="vigie-reliability-")


def record(**counts: int) -> None:
    """Add counts to the ledger (keys of :data:`ROWS`)."""
    _write({"counts": counts})


def figure(name: str, value: float, unit: str) -> None:
    """Note a measured figure (the largest of a name is kept)."""
    _write({"figure": name, "value": value, "unit": unit})


def _write(entry: dict[str, object]) -> None:
    folder = os.environ.get(ENV)
    if folder is None:
        return
    with (Path(folder) / f"{os.getpid()}.jsonl").open("a", encoding="utf-8") as out:
        out.write(json.dumps(entry) + "\n")


def table(write: Callable[[str], None]) -> None:
    """Print the table of the counts gathered (nothing when no reliability test ran); forget them."""
    folder = os.environ.get(ENV)
    if folder is None or not Path(folder).is_dir():
        return
    counts: dict[str, int] = {}
    figures: dict[str, tuple[float, str]] = {}
    for path in Path(folder).glob("*.jsonl"):
        for line in path.read_text(encoding="utf-8").splitlines():
            entry = json.loads(line)
            for key, value in entry.get("counts", {}).items():
                counts[key] = counts.get(key, 0) + value
            if "figure" in entry:
                name, value = entry["figure"], float(entry["value"])
                if value >= figures.get(name, (value, ""))[0]:
                    figures[name] = (value, entry["unit"])
    shutil.rmtree(folder, ignore_errors=True)
    if not counts and not figures:
        return
    write("reliability suite (tests/reliability)")
    for label, keys in ROWS:
        write(f"  {label:<84} {' / '.join(str(counts.get(k, 0)) for k in keys)}")
    for name, (value, unit) in sorted(figures.items()):
        write(f"  {name:<84} {value:.2f} {unit}")
