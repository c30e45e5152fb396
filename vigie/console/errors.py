"""Errors the CLI turns into one line and exit 2 (apart from cli.py so commands can raise
them without importing the module that imports them)."""


class UserError(Exception):
    """A mistake of the user's (bad argument, bad file): one line, exit 2."""
