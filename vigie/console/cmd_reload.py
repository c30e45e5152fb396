"""`vigie reload`: tell the daemon writing to the store to read its configuration again."""

from __future__ import annotations

import argparse
import os
import signal
from typing import Any

from vigie.console.errors import EXIT_FINDING, EXIT_OK
from vigie.console.settings import config_path, load_settings
from vigie.kernel.text.language import Language
from vigie.probes.storelock import holder


def register(sub: Any) -> None:
    """Add `vigie reload` to the CLI."""
    reload = sub.add_parser(
        "reload",
        help="make the running daemon read config.toml again (SIGHUP)",
        description="Check the configuration file, then send SIGHUP to the daemon writing to its "
        "store (the process holding <store>.lock): it applies the new components, probes, "
        "maintenance windows and targets without a restart. A broken file is refused here "
        "(exit 2) and the daemon keeps its configuration. Exit 1 when no daemon runs.",
    )
    reload.add_argument("--config", metavar="FILE", default=argparse.SUPPRESS, help="configuration file")
    reload.set_defaults(handler=run_reload)


def run_reload(args: argparse.Namespace) -> int:
    """Check the file (ConfigError: one located line, exit 2), then signal the daemon."""
    settings = load_settings(config_path(getattr(args, "config", None)))
    lang = Language(settings.language)
    store = settings.store_path()
    pid = holder(store)
    if not pid:
        print(lang.t("cli.reload.no_daemon", store=store))
        return EXIT_FINDING
    os.kill(pid, signal.SIGHUP)
    print(lang.t("cli.reload.sent", pid=pid, config=settings.file))
    return EXIT_OK
