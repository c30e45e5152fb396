"""Turning a source's row into a :class:`Ticket`: Vigie's plain CSV row, or a GLPI ticket
(from a CSV export or the REST API) through the configured mappings.

Rows are read with the kernel's typed row reader (a :class:`~vigie.kernel.table.Record`),
so a bad value is recorded as ``file:line: field: message`` in the words every importer
uses. :func:`plain_row` is the fast path of Vigie's own format: it accepts only rows the
record reader reads the same, and gives up on any other (the importer then reads that row
with :func:`plain_record`, which names the problem).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from functools import partial
from zoneinfo import ZoneInfo

from vigie.kernel.table import Codes, Record, parse_instant
from vigie.probes.tickets.config import TicketsConfig, normal_key
from vigie.probes.tickets.model import CHANNELS, CSV_HEADER, LEVELS, STATUSES, Ticket, TicketRow

_STATUSES = frozenset(STATUSES)
_CHANNELS = frozenset(CHANNELS)
_LEVELS = frozenset(map(str, LEVELS))
_PLAIN_ONLY = frozenset(CSV_HEADER) - {"id", "status", "category"}
STATUS_CODES = Codes.words(STATUSES)
CHANNEL_CODES = Codes.words(CHANNELS)
LEVEL_CODES = Codes({str(level): level for level in LEVELS}, what=" or ".join(map(str, LEVELS)))
FIRST_CONTACT_CODES = Codes({"true": 1, "false": 0}, what="true or false")

# GLPI's ticket statuses: the numbers of its API, the labels of its French and English UI.
GLPI_STATUSES: Mapping[str, str] = {
    "1": "new",
    "2": "assigned",
    "3": "planned",
    "4": "waiting",
    "5": "solved",
    "6": "closed",
    "new": "new",
    "processing (assigned)": "assigned",
    "processing (planned)": "planned",
    "pending": "waiting",
    "solved": "solved",
    "closed": "closed",
    "nouveau": "new",
    "en cours (attribué)": "assigned",
    "en cours (planifié)": "planned",
    "en attente": "waiting",
    "résolu": "solved",
    "clos": "closed",
}

GLPI_STATUS_CODES = Codes(GLPI_STATUSES, what="a GLPI ticket status")

# GLPI writes local date-times in the user's preferred layout.
_GLPI_LAYOUTS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%d-%m-%Y %H:%M:%S",
    "%d-%m-%Y %H:%M",
    "%d/%m/%Y %H:%M",
)


def plain_row(row: Sequence[str]) -> TicketRow:
    """A ticket as the store writes it, from a row of Vigie's plain CSV (cells in
    :data:`CSV_HEADER` order), with no :class:`Ticket` nor datetime kept per row (imports of
    millions of rows). Raises ValueError, without a message, on any row it does not read
    exactly as :func:`plain_record` does: that one then says what is wrong."""
    source, tid, application, opened, solved, closed, status, channel, category, level, first = map(
        str.strip, row
    )
    lowered = first.lower()
    if not (
        "'" not in (source[:1], tid[:1], application[:1], category[:1])  # escaped cells: the row reader's
        and source
        and tid
        and application
        and status in _STATUSES
        and channel in _CHANNELS
        and level in _LEVELS
        and lowered in ("true", "false")
    ):
        raise ValueError
    start = parse_instant(opened).timestamp()
    done = parse_instant(solved).timestamp() if solved else None
    # Solved and closed are often the same instant: parse it once.
    ended = done if closed == solved else parse_instant(closed).timestamp() if closed else None
    # Aware datetimes compare as instants, as their epoch seconds do.
    if (done is not None and done < start) or (ended is not None and ended < start):
        raise ValueError
    return (
        source,
        tid,
        application,
        start,
        done,
        ended,
        status,
        channel,
        category,
        int(level),
        1 if lowered == "true" else 0,
    )


def plain_record(record: Record) -> TicketRow | None:
    """A ticket as the store writes it, from a record of Vigie's plain CSV; None when a
    problem was recorded (the checks run in the order of the columns that matter most)."""
    problems = record.table.problems
    before = len(problems)
    source = record.string("source", required=True)
    tid = record.string("id", required=True)
    application = record.string("application", required=True)
    status = record.choice("status", STATUS_CODES, required=True)
    channel = record.choice("channel", CHANNEL_CODES, required=True)
    level = record.choice("level", LEVEL_CODES, required=True)
    first = record.choice("first_contact", FIRST_CONTACT_CODES, required=True)
    opened = record.datetime("opened", required=True)
    solved = record.datetime("solved")
    closed = record.datetime("closed")
    _check_order(record, opened, solved, closed)
    if len(problems) > before:
        return None
    assert source and tid and application and status and channel and level and first is not None and opened
    return (
        source,
        tid,
        application,
        opened.timestamp(),
        None if solved is None else solved.timestamp(),
        None if closed is None else closed.timestamp(),
        status,
        channel,
        record.string("category") or "",
        level,
        first,
    )


def _check_order(record: Record, opened: datetime | None, *ends: datetime | None) -> None:
    """Solved and closed come after the opening."""
    for column, moment in zip(("solved", "closed"), ends, strict=True):
        if moment is not None and opened is not None and moment < opened:
            record.problem(column, "is before the opening date")


def glpi_time(text: str, zone: ZoneInfo) -> datetime:
    """A GLPI local date-time (``2017-03-01 09:30[:00]`` or ``01-03-2017 09:30``) in ``zone``;
    ValueError says what is wrong."""
    for layout in _GLPI_LAYOUTS:
        try:
            return datetime.strptime(text, layout).replace(tzinfo=zone)
        except ValueError:
            continue
    raise ValueError(f"'{text}' is not a GLPI date-time like 2017-03-01 09:30")


class GlpiMapper:
    """Maps GLPI ticket values (by Vigie field name, see ``GLPI_FIELDS``) to tickets.

    Channel: the request source through ``[tickets.channels]``; an unknown one is an
    error. Application: the category, then the entity, through ``[tickets.applications]``,
    trying the full path (``Chorus Pro > Facturation``) then its shorter parents.
    Level 2 when an assigned group (one per line) is in ``level2_groups``; first-contact resolution
    is a level-1 ticket that is solved or closed.
    """

    def __init__(self, config: TicketsConfig, source: str | None = None) -> None:
        self.config = config
        self.source = source or config.source
        self._applications: dict[tuple[str, str], str] = {}

    def ticket(self, record: Record) -> Ticket | None:
        """One ticket, or None when a problem was recorded (field names: Vigie's, see
        ``GLPI_FIELDS``; a CSV export's records name them by their header labels)."""
        config = self.config
        problems = record.table.problems
        before = len(problems)
        tid = record.string("id", required=True)
        status = record.choice("status", GLPI_STATUS_CODES, required=True)
        request = record.string("request_source")
        channel = "other" if request is None else config.channels.get(normal_key(request))
        if channel is None:
            record.problem(
                "request_source", f"unknown request source '{request}' (map it in [tickets.channels])"
            )
        read_time = partial(glpi_time, zone=config.timezone)
        opened = record.convert("opened", read_time, required=True)
        solved = record.convert("solved", read_time)
        closed = record.convert("closed", read_time)
        _check_order(record, opened, solved, closed)
        if len(problems) > before:
            return None
        assert tid and status and channel and opened
        category = record.string("category") or ""
        groups = {g.strip().lower() for g in (record.string("group") or "").splitlines()}
        level = 2 if groups & config.level2_groups else 1
        return Ticket(
            self.source,
            tid,
            self.application(category, record.string("entity") or ""),
            opened,
            solved,
            closed,
            status,
            channel,
            category,
            level,
            level == 1 and status in ("solved", "closed"),
        )

    def application(self, category: str, entity: str) -> str:
        """The application a category or entity names, else ``unmapped_application``."""
        key = (category, entity)
        found = self._applications.get(key)
        if found is None:
            found = self._lookup(category) or self._lookup(entity) or self.config.unmapped_application
            self._applications[key] = found
        return found

    def _lookup(self, path: str) -> str | None:
        parts = [p.strip().lower() for p in path.split(">")] if path else []
        for end in range(len(parts), 0, -1):
            found = self.config.applications.get(" > ".join(parts[:end]))
            if found is not None:
                return found
        return None


def plain_header(cells: Sequence[str]) -> bool:
    """True when a header row is meant as Vigie's plain format: it has at least two of the
    column names no GLPI label uses (so a file missing one column is still recognised)."""
    return len({c.strip().lower() for c in cells} & _PLAIN_ONLY) >= 2
