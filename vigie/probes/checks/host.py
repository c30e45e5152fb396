"""Local host check through psutil: a process present, CPU, memory and disk use."""

from __future__ import annotations

import psutil

from vigie.accounting.results import Status
from vigie.probes.checks.base import Outcome
from vigie.probes.config import HostOptions


def _process_running(name: str) -> bool:
    for proc in psutil.process_iter(["name", "cmdline"]):
        info = proc.info
        if info.get("name") == name or any(
            name == part.rsplit("/", 1)[-1] for part in info.get("cmdline") or ()
        ):
            return True
    return False


def prime() -> None:
    """Start psutil's CPU accounting: the first reading only sets the reference point."""
    psutil.cpu_percent(interval=None)


def check_host(options: HostOptions, timeout: float) -> Outcome:
    """Check the local host; a missing process is ``down``, a usage over threshold ``degraded``."""
    del timeout  # psutil reads /proc: nothing here waits on the network
    if options.process is not None and not _process_running(options.process):
        return Outcome(Status.DOWN, f"process {options.process} is not running")
    readings: list[tuple[str, float, float | None]] = []
    if options.cpu_max is not None:
        readings.append(("cpu", psutil.cpu_percent(interval=None), options.cpu_max))
    if options.memory_max is not None:
        readings.append(("memory", psutil.virtual_memory().percent, options.memory_max))
    if options.disk_max is not None:
        readings.append(
            (f"disk {options.disk_path}", psutil.disk_usage(options.disk_path).percent, options.disk_max)
        )
    parts = [f"{name} {value:.0f} %" for name, value, _ in readings]
    over = [
        f"{name} {value:.0f} % > {limit:g} %"
        for name, value, limit in readings
        if limit is not None and value > limit
    ]
    if options.process is not None:
        parts.insert(0, f"process {options.process} running")
    if over:
        return Outcome(Status.DEGRADED, "; ".join(over))
    return Outcome(Status.UP, "; ".join(parts))
