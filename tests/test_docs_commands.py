"""Every command of the README, the guides and the reference runs as written, against one demo directory.

Convention (also stated in README.md): in fenced blocks marked `sh`, each line starting
with `vigie ` or `.venv/bin/vigie ` is a command (a trailing `\\` continues it). A trailing
`# exit 1` says the command signals a finding (exit 1 expected); `# not run: why` marks the
commands a test cannot run (they need a terminal, run until stopped, or must not run beside
the others); those are still parsed, so their options cannot rot. Commands run in a
folder whose `demo-data` is a demo made once per test session (`vigie demo --headless`),
with `VIGIE_CONFIG` pointing at its config for commands that name none.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from vigie.console.cli import build_parser

ROOT = Path(__file__).resolve().parent.parent
DOCUMENTS = ["README.md", *sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "docs").glob("*.md"))]
# The documents whose purpose is to show commands: each must have some that run.
WITH_COMMANDS = [
    "README.md",
    *(f"docs/{n}.md" for n in ("operations", "manager", "architect", "security", "reference")),
]
VIGIE = Path(sys.executable).parent / "vigie"
# Commands that need a terminal or run until stopped: they must carry `# not run`.
INTERACTIVE = re.compile(r"^vigie (tui|demo(?!.*--headless)|run(?!.*(--once|--for))|status serve)\b")


@dataclass(frozen=True)
class Command:
    """One documented command: where it is, its text, the exit status it should give, its marker."""

    where: str
    text: str
    expect: int | None  # None: not run
    comment: str = ""  # the trailing `# ...`, if any


def documented_commands(name: str) -> list[Command]:
    """The commands of the `sh` blocks of one document (see the module docstring)."""
    commands: list[Command] = []
    in_sh = False
    pending = ""
    lines = (ROOT / name).read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(lines, 1):
        if line.startswith("```"):
            in_sh = not in_sh and line.strip() == "```sh"
            continue
        if not in_sh:
            continue
        text = pending + line.strip()
        if text.endswith("\\"):
            pending = text[:-1]
            continue
        pending = ""
        text = text.removeprefix(".venv/bin/")
        if not text.startswith("vigie "):
            continue
        command, _, comment = text.partition("  #")
        comment = comment.strip()
        expect = None if comment.startswith("not run") else 1 if comment.startswith("exit 1") else 0
        commands.append(Command(f"{name}:{number}", command.strip(), expect, comment))
    return commands


@pytest.fixture(scope="session")
def demo_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder holding `demo-data`, made once for all xdist workers (the first one builds it)."""
    shared = tmp_path_factory.getbasetemp().parent / "docs-commands"
    shared.mkdir(exist_ok=True)
    demo = shared / "demo-data"
    with open(shared / "lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (shared / "ready").exists():
            run = subprocess.run(
                [VIGIE, "demo", "--headless", "--for", "5s", "--dir", demo],
                capture_output=True,
                text=True,
                timeout=600,
            )
            assert (demo / "config.toml").exists(), run.stdout + run.stderr
            (shared / "ready").touch()
    return shared


# Runs a list of argv through the `vigie` entry point in one interpreter (the imports cost
# more than most commands), writing the exit statuses as JSON to the file named last.
BATCH = """
import json, sys
from vigie.console.cli import main
statuses = []
for argv in json.loads(sys.argv[1]):
    try:
        statuses.append(main(argv))
    except SystemExit as exc:
        statuses.append(exc.code if isinstance(exc.code, int) else 1)
    sys.stdout.flush()
open(sys.argv[2], "w").write(json.dumps(statuses))
"""


def run_commands(commands: list[Command], folder: Path) -> list[int]:
    """Exit statuses of the commands, run in `folder`; the daemon (`vigie run`) on its own."""
    env = {**os.environ, "VIGIE_CONFIG": str(folder / "demo-data" / "config.toml")}
    argvs = [shlex.split(c.text)[1:] for c in commands]
    batch = [argv for argv in argvs if argv[0] != "run"]
    results = folder / f"statuses-{os.getpid()}.json"
    subprocess.run(
        [sys.executable, "-c", BATCH, json.dumps(batch), results],
        cwd=folder,
        env=env,
        capture_output=True,
        timeout=600,
        check=True,
    )
    batched = iter(json.loads(results.read_text()))
    statuses = []
    for argv in argvs:
        if argv[0] != "run":
            statuses.append(next(batched))
            continue
        run = subprocess.run([VIGIE, *argv], cwd=folder, env=env, capture_output=True, timeout=120)
        statuses.append(run.returncode)
    return statuses


@pytest.mark.parametrize("document", DOCUMENTS)
def test_documented_commands_run_as_written(document: str, demo_folder: Path) -> None:
    commands = [c for c in documented_commands(document) if c.expect is not None]
    statuses = run_commands(commands, demo_folder)
    wrong = [
        f"{c.where}: {c.text} -> exit {status}, expected {c.expect}"
        for c, status in zip(commands, statuses, strict=True)
        if status != c.expect
    ]
    assert wrong == []


def test_commands_needing_a_terminal_are_marked() -> None:
    unmarked = [
        f"{c.where}: {c.text}"
        for name in DOCUMENTS
        for c in documented_commands(name)
        if c.expect is not None and INTERACTIVE.match(c.text)
    ]
    assert unmarked == []


def test_every_guide_has_commands() -> None:
    for name in WITH_COMMANDS:
        assert [c for c in documented_commands(name) if c.expect is not None], name


def test_markers_are_known_and_commands_not_run_still_parse() -> None:
    """A trailing comment is `# exit 1...` or `# not run: why`; a command not run has valid options."""
    parser = build_parser()
    wrong = []
    for name in DOCUMENTS:
        for c in documented_commands(name):
            if c.comment and not re.match(r"(exit 1|not run: \S)", c.comment):
                wrong.append(f"{c.where}: unknown or bare marker '# {c.comment}'")
            if c.expect is None:
                try:
                    args = parser.parse_args(shlex.split(c.text)[1:])
                except SystemExit:
                    wrong.append(f"{c.where}: {c.text} does not parse")
                    continue
                if getattr(args, "handler", None) is None:
                    wrong.append(f"{c.where}: {c.text} names no command")
    assert wrong == []
