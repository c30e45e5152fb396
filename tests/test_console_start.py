"""The console's start: the CLI builds only the command it runs, and the modules `vigie tui`
imports leave the heavy libraries of other commands (the map's graph, HTTP clients) alone."""

from __future__ import annotations

import subprocess
import sys

import pytest

from vigie.console.cli import COMMANDS, build_parser, command_named


@pytest.mark.parametrize(
    ("argv", "command"),
    [
        (["tui"], "tui"),
        (["--config", "x.toml", "tui", "--interval", "5"], "tui"),
        (["--config=x.toml", "sla", "--month", "2024-01"], "sla"),
        (["--version"], None),
        ([], None),
        (["--config"], None),
    ],
)
def test_command_named(argv: list[str], command: str | None) -> None:
    assert command_named(argv) == command


def test_one_command_parses_as_with_all() -> None:
    argv = ["tui", "--interval", "5"]
    assert vars(build_parser("tui").parse_args(argv)) == vars(build_parser().parse_args(argv))
    subparsers = build_parser()._subparsers
    assert subparsers is not None
    assert list(subparsers._group_actions[0].choices) == COMMANDS  # type: ignore[attr-defined]


def test_console_imports_leave_heavy_libraries_alone() -> None:
    code = (
        "import sys\n"
        "from vigie.console.cli import build_parser\n"
        "build_parser('tui')\n"
        "import vigie.console.tui.app\n"
        "print(' '.join(m for m in ('networkx', 'requests', 'jinja2') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    assert out.stdout.strip() == ""
