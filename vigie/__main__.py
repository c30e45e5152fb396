"""`python -m vigie` runs the CLI."""

from vigie.console.cli import main

raise SystemExit(main())
