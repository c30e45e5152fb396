"""The period options every reporting command shares: --month, --year, --from/--to."""

from __future__ import annotations

import argparse
from datetime import datetime

from vigie.reports.periods import Period, parse_period


def add_period_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``--month YYYY-MM``, ``--year YYYY``, ``--from DATE`` and ``--to DATE``."""
    group = parser.add_argument_group("period (default: the current month)")
    group.add_argument("--month", metavar="YYYY-MM", help="a calendar month")
    group.add_argument("--year", metavar="YYYY", help="a calendar year")
    group.add_argument("--from", dest="from_", metavar="DATE", help="start (ISO date or date-time)")
    group.add_argument("--to", metavar="DATE", help="end: a date is inclusive, a date-time exclusive")


def period_from_args(args: argparse.Namespace, now: datetime) -> Period:
    """The period the options name, in ``now``'s time zone; ValueError with a one-line reason."""
    tz = now.tzinfo
    assert tz is not None
    return parse_period(
        tz,  # type: ignore[arg-type]
        month_text=args.month,
        year_text=args.year,
        from_text=args.from_,
        to_text=args.to,
        now=now,
    )
