"""The `vigie` command line: argument parsing, error handling and command registry.

Each command lives in its own `cmd_*.py` module with a ``register(subparsers)``
function; this module adds them in order and turns user errors into one line and exit 2.
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import os
import sqlite3
import sys
import threading
from collections.abc import Sequence
from importlib import import_module
from typing import NoReturn

from vigie import __version__
from vigie.console.errors import EXIT_FINDING, EXIT_OK, EXIT_USAGE, UserError
from vigie.kernel.gcpause import one_shot, started
from vigie.kernel.problems import ConfigError
from vigie.probes.db import SchemaError, storage_failure
from vigie.probes.secrets import SecretError, scrub
from vigie.probes.sources import EngineError

# Each command's module, vigie.console.cmd_<name>, is imported only when needed: the
# parser of one command for that command (its handler's imports are its own), all of them
# for the top-level help and usage errors.
COMMANDS = [
    "config",
    "run",
    "reload",
    "map",
    "catalog",
    "homologations",
    "decom",
    "tickets",
    "flows",
    "sla",
    "incidents",
    "incident",
    "status",
    "ingest",
    "store",
    "report",
    "alerts",
    "silence",
    "tui",
    "demo",
    "deploy",
    "export",
]
__all__ = ["COMMANDS", "EXIT_FINDING", "EXIT_OK", "EXIT_USAGE", "UserError", "build_parser", "main"]


class Parser(argparse.ArgumentParser):
    """argparse that reports a usage error in one line, without the usage block."""

    def error(self, message: str) -> NoReturn:
        sys.stderr.write(f"{self.prog}: error: {message} (see --help)\n")
        raise SystemExit(EXIT_USAGE)


def build_parser(command: str | None = None) -> Parser:
    """The `vigie` argument parser: every command, or only ``command`` when it is one."""
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
    for name in [command] if command in COMMANDS else COMMANDS:
        import_module(f"vigie.console.cmd_{name}").register(sub)
    return parser


def command_named(argv: Sequence[str]) -> str | None:
    """The command word of ``argv`` (the first argument that is not an option or its value)."""
    words = iter(argv)
    for word in words:
        if word == "--config":
            next(words, None)
        elif not word.startswith("-"):
            return word
    return None


LONG_RUNNING = frozenset({"run", "tui", "demo"})
"""Commands whose process outlives its bulk loads (see :func:`vigie.kernel.gcpause.one_shot`)."""
STARTS_ITSELF = frozenset({"tui"})
"""Commands that say themselves when their start is over (:func:`vigie.kernel.gcpause.started`):
the console, once its first rows are on screen."""


def entry() -> None:
    """The `vigie` program: :func:`main` in a process of its own, which ends with the command."""
    code = main(own_process=True)
    if command_named(sys.argv[1:]) not in LONG_RUNNING and threading.active_count() == 1:
        end_now(code)
    raise SystemExit(code)


def end_now(code: int) -> NoReturn:
    """End the process after a one-shot command without freeing its objects one by one.

    The exit handlers run and the output is flushed as at any exit; only the interpreter's
    teardown is skipped, which freed a large map's millions of objects for 0.4 s after a
    `vigie map` command had answered. Stores are closed by then (each command closes its own).
    """
    atexit._run_exitfuncs()
    with contextlib.suppress(BrokenPipeError):  # the reader went away (`| head`)
        sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def main(argv: Sequence[str] | None = None, *, own_process: bool = False) -> int:
    """Run the CLI; returns the exit status. ``own_process``: the process ends with the command."""
    parser = build_parser(command_named(sys.argv[1:] if argv is None else argv))
    args = parser.parse_args(argv)
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return EXIT_USAGE
    if own_process and args.command not in LONG_RUNNING:
        one_shot()
    if args.command not in STARTS_ITSELF:
        started()
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
