"""A service-desk ticket as Vigie keeps it, whatever system it came from."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

STATUSES = ("new", "assigned", "planned", "waiting", "solved", "closed")
OPEN_STATUSES = ("new", "assigned", "planned", "waiting")
CHANNELS = ("phone", "chat", "web", "chatbot", "email", "other")
LEVELS = (1, 2)

# The plain CSV format (a contract: the demo generates files in it).
CSV_HEADER = (
    "source",
    "id",
    "application",
    "opened",
    "solved",
    "closed",
    "status",
    "channel",
    "category",
    "level",
    "first_contact",
)


# What statistics read of a ticket: (opened, resolved or None, application, channel, level,
# first_contact as 0/1), timestamps in epoch seconds, so a year of tickets is counted
# without building a datetime per ticket.
TicketFacts = tuple[float, float | None, str, str, int, int]

# A ticket as the store writes it: the :data:`CSV_HEADER` columns in that order, timestamps
# in epoch seconds, first_contact as 0/1 (imports build these straight from CSV cells).
TicketRow = tuple[str, str, str, float, float | None, float | None, str, str, str, int, int]


@dataclass(frozen=True, slots=True)
class Ticket:
    """One ticket; timestamps are time-zone aware, ``(source, id)`` identifies it.

    ``level`` is the support level that handled it (1 = front desk, 2 = experts);
    ``first_contact`` is true when it was resolved at the first contact.
    """

    source: str
    id: str
    application: str
    opened: datetime
    solved: datetime | None
    closed: datetime | None
    status: str
    channel: str
    category: str
    level: int
    first_contact: bool

    @property
    def resolved(self) -> datetime | None:
        """When the ticket stopped needing work: solved, else closed, else None."""
        return self.solved or self.closed

    def is_open_at(self, moment: datetime) -> bool:
        """True when the ticket was opened before ``moment`` and not yet resolved then."""
        resolved = self.resolved
        return self.opened < moment and (resolved is None or resolved >= moment)

    def row(self) -> TicketRow:
        """The ticket as the store writes it (see :data:`TicketRow`)."""
        return (
            self.source,
            self.id,
            self.application,
            self.opened.timestamp(),
            None if self.solved is None else self.solved.timestamp(),
            None if self.closed is None else self.closed.timestamp(),
            self.status,
            self.channel,
            self.category,
            self.level,
            int(self.first_contact),
        )

    def facts(self) -> TicketFacts:
        """The ticket as statistics read it (see :data:`TicketFacts`)."""
        resolved = self.resolved
        return (
            self.opened.timestamp(),
            None if resolved is None else resolved.timestamp(),
            self.application,
            self.channel,
            self.level,
            int(self.first_contact),
        )
