"""`python -m vigie` and the `vigie` program: the CLI, with the collector off while it starts."""

from vigie.kernel.gcpause import quiet_start


def main() -> None:
    """Run the CLI in this process (see :func:`vigie.kernel.gcpause.quiet_start`)."""
    quiet_start()
    from vigie.console.cli import entry  # imported once the collector is off

    entry()


if __name__ == "__main__":
    main()
