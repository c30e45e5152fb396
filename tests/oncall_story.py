"""What the on-call tests share: a config around a loopback target, the daemon running in a
thread with its on-call parts, the CLI run in-process."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.probes.testbed import TestBed
from vigie.console.cli import main
from vigie.console.oncall_input import oncall_parts
from vigie.console.settings import Settings, load_settings
from vigie.probes.daemon import Daemon

CONFIG = """
[vigie]
language = "fr"

[store]
path = "vigie.db"

[exporter]
enabled = false

[alerts]
resend_every = "1s"
backoff = "100ms"
timeout = "2s"
{alerts}
[alerts.labels]
site = "paris"

[[components]]
id = "alpha"
name = "Alpha"
target = 99
runbook = "https://wiki.example/runbooks/alpha"
{component}
[[probes]]
id = "alpha-http"
component = "alpha"
kind = "http"
url = "{url}"
interval = "1s"
timeout = "1s"
{extra}
"""


def write_settings(
    folder: Path, bed: TestBed, *, alerts: str = "", component: str = "", extra: str = ""
) -> Settings:
    """A config with one 24x7 component probed every second at ``bed``'s ``/svc``."""
    path = folder / "config.toml"
    text = CONFIG.format(alerts=alerts, component=component, url=bed.url("/svc"), extra=extra)
    path.write_text(text, encoding="utf-8")
    return load_settings(path)


@contextmanager
def running_daemon(settings: Settings) -> Iterator[Daemon]:
    """`vigie run` in a thread: probes, alerts, on-call delivery and incident tickets."""
    oncall, tickets = oncall_parts(settings)
    daemon = Daemon(settings.probes, settings.store_path(), oncall=oncall, incident_tickets=tickets)
    stop = threading.Event()
    runner = threading.Thread(target=daemon.run, args=(stop,), daemon=True)
    runner.start()
    try:
        yield daemon
    finally:
        stop.set()
        runner.join(15)
        daemon.close()


def vigie(capsys: pytest.CaptureFixture[str], config: Path, *argv: str) -> tuple[int, str, str]:
    """Run a `vigie` command in-process: its status, stdout and stderr."""
    capsys.readouterr()
    status = main(["--config", str(config), *argv])
    out, err = capsys.readouterr()
    return status, out, err


def alerts_json(capsys: pytest.CaptureFixture[str], config: Path) -> list[dict[str, Any]]:
    """`vigie alerts --json`."""
    status, out, err = vigie(capsys, config, "alerts", "--json")
    assert status == 0, err
    return list(json.loads(out))
