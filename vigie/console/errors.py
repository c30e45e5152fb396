"""Errors the CLI turns into one line and exit 2, and the exit statuses (apart from cli.py
so commands can use them without importing the module that imports them)."""

from __future__ import annotations

EXIT_OK, EXIT_FINDING, EXIT_USAGE = 0, 1, 2


class UserError(Exception):
    """A mistake of the user's (bad argument, bad file): one line, exit 2."""
