"""The `vigie` command line: argument parsing, error handling and command registry.

Each command lives in its own `cmd_*.py` module with a ``register(subparsers)``
function; this module adds them in order and turns user errors into one line and exit 2.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
from collections.abc import Sequence
from typing import NoReturn

from vigie import __version__
from vigie.console import (
    cmd_alerts,
    cmd_catalog,
    cmd_config,
    cmd_decom,
    cmd_demo,
    cmd_deploy,
    cmd_export,
    cmd_flows,
    cmd_homologations,
    cmd_incident,
    cmd_incidents,
    cmd_ingest,
    cmd_map,
    cmd_reload,
    cmd_report,
    cmd_run,
    cmd_silence,
    cmd_sla,
    cmd_status,
    cmd_store,
    cmd_tickets,
    cmd_tui,
)
from vigie.console.errors import EXIT_FINDING, EXIT_OK, EXIT_USAGE, UserError
from vigie.kernel.gcpause import one_shot
from vigie.kernel.problems import ConfigError
from vigie.probes.db import SchemaError, storage_failure
from vigie.probes.secrets import SecretError, scrub
from vigie.probes.sources import EngineError

COMMANDS = [
    cmd_config,
    cmd_run,
    cmd_reload,
    cmd_map,
    cmd_catalog,
    cmd_homologations,
    cmd_decom,
    cmd_tickets,
    cmd_flows,
    cmd_sla,
    cmd_incidents,
    cmd_incident,
    cmd_status,
    cmd_ingest,
    cmd_store,
    cmd_report,
    cmd_alerts,
    cmd_silence,
    cmd_tui,
    cmd_demo,
    cmd_deploy,
    cmd_export,
]
__all__ = ["COMMANDS", "EXIT_FINDING", "EXIT_OK", "EXIT_USAGE", "UserError", "build_parser", "main"]


class Parser(argparse.ArgumentParser):
    """argparse that reports a usage error in one line, without the usage block."""

    def error(self, message: str) -> NoReturn:
        sys.stderr.write(f"{self.prog}: error: {message} (see --help)\n")
        raise SystemExit(EXIT_USAGE)


def build_parser() -> Parser:
    """The full `vigie` argument parser."""
    parser = Parser(
        prog="vigie",
        description="Vigie: probes, SLA accounting, application map and reports for a large "
        "public-sector information system.",
    )
    parser.add_argument("--version", action="version", version=f"vigie {__version__}")
    parser.add_argument(
        "--config",
        metavar="FILE",
        help="configuration file (default: $VIGIE_CONFIG, else ./config.toml)",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    for module in COMMANDS:
        module.register(sub)
    return parser


LONG_RUNNING = frozenset({"run", "tui", "demo"})
"""Commands whose process outlives its bulk loads (see :func:`vigie.kernel.gcpause.one_shot`)."""


def entry() -> None:
    """The `vigie` program: :func:`main` in a process of its own, which ends with the command."""
    raise SystemExit(main(own_process=True))


def main(argv: Sequence[str] | None = None, *, own_process: bool = False) -> int:
    """Run the CLI; returns the exit status. ``own_process``: the process ends with the command."""
    parser = build_parser()
    args = parser.parse_args(argv)
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return EXIT_USAGE
    if own_process and args.command not in LONG_RUNNING:
        one_shot()
    try:
        return int(handler(args) or EXIT_OK)
    except ConfigError as exc:
        for problem in exc.problems:
            sys.stderr.write(scrub(f"{problem}\n"))
        return EXIT_USAGE
    except (UserError, SchemaError, SecretError, EngineError) as exc:
        sys.stderr.write(scrub(f"vigie: error: {exc}\n"))
        return EXIT_USAGE
    except sqlite3.OperationalError as exc:
        if not storage_failure(exc):
            raise
        # Each file is imported whole or in committed pieces: what was committed stays.
        sys.stderr.write(f"vigie: error: the store cannot be written: {exc}\n")
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return EXIT_OK
