"""Turning a source's row into a :class:`Ticket`: Vigie's plain CSV row, or a GLPI ticket
(from a CSV export or the REST API) through the configured mappings.

Every check raises :class:`FieldError` naming the field, so callers can say where.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from vigie.probes.tickets.config import TicketsConfig, normal_key
from vigie.probes.tickets.model import CHANNELS, CSV_HEADER, STATUSES, Ticket, TicketRow

_STATUSES = frozenset(STATUSES)
_CHANNELS = frozenset(CHANNELS)
_PLAIN_ONLY = frozenset(CSV_HEADER) - {"id", "status", "category"}

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

# GLPI writes local date-times in the user's preferred layout.
_GLPI_LAYOUTS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%d-%m-%Y %H:%M:%S",
    "%d-%m-%Y %H:%M",
    "%d/%m/%Y %H:%M",
)


class FieldError(ValueError):
    """A bad value in one field of one row."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def iso_time(field: str, text: str, required: bool) -> datetime | None:
    """An ISO 8601 date-time with an offset or ``Z``; empty is None unless ``required``."""
    if not text:
        if required:
            raise FieldError(field, "missing date-time")
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise FieldError(field, f"'{text}' is not an ISO 8601 date-time") from None
    if moment.tzinfo is None:
        raise FieldError(field, f"'{text}' has no offset (add Z or +01:00)")
    return moment


def plain_row(row: Sequence[str]) -> TicketRow:
    """A ticket as the store writes it, from a row of Vigie's plain CSV (cells in
    :data:`CSV_HEADER` order); no :class:`Ticket` nor datetime kept per row (imports of
    millions of rows)."""
    source, tid, application, opened, solved, closed, status, channel, category, level, first = map(
        str.strip, row
    )
    for name, value in (("source", source), ("id", tid), ("application", application)):
        if not value:
            raise FieldError(name, "must not be empty")
    if status not in _STATUSES:
        raise FieldError("status", f"'{status}' is not one of: {', '.join(STATUSES)}")
    if channel not in _CHANNELS:
        raise FieldError("channel", f"'{channel}' is not one of: {', '.join(CHANNELS)}")
    if level not in ("1", "2"):
        raise FieldError("level", f"'{level}' is not 1 or 2")
    lowered = first.lower()
    if lowered not in ("true", "false"):
        raise FieldError("first_contact", f"'{first}' is not true or false")
    start = _iso_epoch("opened", opened, True)
    assert start is not None
    done = _iso_epoch("solved", solved, False)
    # Solved and closed are often the same instant: parse it once.
    ended = done if closed == solved else _iso_epoch("closed", closed, False)
    # Aware datetimes compare as instants, as their epoch seconds do.
    for name, moment in (("solved", done), ("closed", ended)):
        if moment is not None and moment < start:
            raise FieldError(name, "is before the opening date")
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


def _iso_epoch(field: str, text: str, required: bool) -> float | None:
    moment = iso_time(field, text, required)
    return None if moment is None else moment.timestamp()


def _check_order(ticket: Ticket) -> None:
    for name, moment in (("solved", ticket.solved), ("closed", ticket.closed)):
        if moment is not None and moment < ticket.opened:
            raise FieldError(name, "is before the opening date")


def glpi_time(field: str, text: str, zone: ZoneInfo, required: bool) -> datetime | None:
    """A GLPI local date-time (``2017-03-01 09:30[:00]`` or ``01-03-2017 09:30``) in ``zone``."""
    if not text:
        if required:
            raise FieldError(field, "missing date-time")
        return None
    for layout in _GLPI_LAYOUTS:
        try:
            return datetime.strptime(text, layout).replace(tzinfo=zone)
        except ValueError:
            continue
    raise FieldError(field, f"'{text}' is not a GLPI date-time like 2017-03-01 09:30")


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

    def ticket(self, values: Mapping[str, str]) -> Ticket:
        """One ticket; raises FieldError on the first bad field."""
        config = self.config
        tid = values.get("id", "").strip()
        if not tid:
            raise FieldError("id", "must not be empty")
        raw_status = values.get("status", "").strip()
        status = GLPI_STATUSES.get(raw_status.lower())
        if status is None:
            raise FieldError("status", f"'{raw_status}' is not a GLPI ticket status")
        request = values.get("request_source", "").strip()
        channel = config.channels.get(normal_key(request)) if request else "other"
        if channel is None:
            raise FieldError(
                "request_source", f"unknown request source '{request}' (map it in [tickets.channels])"
            )
        zone = config.timezone
        opened = glpi_time("opened", values.get("opened", "").strip(), zone, True)
        assert opened is not None
        category = values.get("category", "").strip()
        groups = {g.strip().lower() for g in values.get("group", "").splitlines()}
        level = 2 if groups & config.level2_groups else 1
        ticket = Ticket(
            self.source,
            tid,
            self.application(category, values.get("entity", "").strip()),
            opened,
            glpi_time("solved", values.get("solved", "").strip(), zone, False),
            glpi_time("closed", values.get("closed", "").strip(), zone, False),
            status,
            channel,
            category,
            level,
            level == 1 and status in ("solved", "closed"),
        )
        _check_order(ticket)
        return ticket

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
