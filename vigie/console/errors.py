"""Exit statuses and the user-error exception, importable by every `cmd_*` module
(defined apart from `cli.py`, which imports the commands, to avoid an import cycle)."""

from __future__ import annotations

EXIT_OK, EXIT_FINDING, EXIT_USAGE = 0, 1, 2


class UserError(Exception):
    """A mistake of the user's (bad argument, bad file): one line, exit 2."""
