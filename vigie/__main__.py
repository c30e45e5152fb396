"""`python -m vigie` runs the CLI."""

from vigie.console.cli import entry

entry()
