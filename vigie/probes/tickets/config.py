"""The tickets' part of `config.toml`: the GLPI source, header labels and mappings.

GLPI speaks in its users' language: CSV exports carry translated column labels and
request sources ("Téléphone", "Phone"), and categories or entities name applications in
the service desk's words. The mappings below turn those into Vigie's fields, channels
and application ids; French and English GLPI labels are known out of the box.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from zoneinfo import ZoneInfo

from vigie.kernel.tomlfile import Document, Section
from vigie.probes.secrets import Secret
from vigie.probes.tickets.model import CHANNELS

# Fields of a GLPI ticket export, by Vigie's name.
GLPI_FIELDS = (
    "id",
    "title",
    "status",
    "opened",
    "modified",
    "solved",
    "closed",
    "category",
    "request_source",
    "entity",
    "group",
)
GLPI_REQUIRED = ("id", "status", "opened")

# The labels GLPI 9.5 and 10 write in a ticket export's header for the fields Vigie reads,
# in English and French (apostrophes straight or typographic: headers are matched through
# the kernel's column_key). The assigned technician group is search option 8, "Technician
# group" in the "Assigned to" block: GLPI heads its column "Assigned to - Technician group".
DEFAULT_LABELS: Mapping[str, str] = MappingProxyType(
    {
        # English
        "id": "id",
        "title": "title",
        "status": "status",
        "opening date": "opened",
        "last update": "modified",
        "resolution date": "solved",
        "closing date": "closed",
        "category": "category",
        "request source": "request_source",
        "entity": "entity",
        "technician group": "group",
        "assigned to - technician group": "group",
        "assigned to - group": "group",
        # French
        "titre": "title",
        "statut": "status",
        "date d'ouverture": "opened",
        "dernière modification": "modified",
        "date de résolution": "solved",
        "date de clôture": "closed",
        "catégorie": "category",
        "source de la demande": "request_source",
        "entité": "entity",
        "groupe de techniciens": "group",
        "attribué à - groupe de techniciens": "group",
        "attribué à - groupe": "group",
    }
)

DEFAULT_CHANNELS: Mapping[str, str] = MappingProxyType(
    {
        "phone": "phone",
        "téléphone": "phone",
        "e-mail": "email",
        "email": "email",
        "courriel": "email",
        "helpdesk": "web",
        "web form": "web",
        "formulaire web": "web",
        "chat": "chat",
        "chatbot": "chatbot",
        "direct": "other",
        "written": "other",
        "écrit": "other",
        "other": "other",
        "autre": "other",
    }
)


@dataclass(frozen=True)
class GlpiConfig:
    """Where and how to pull from GLPI's REST API (``url`` ends with ``apirest.php``)."""

    url: str
    user_token: Secret
    app_token: Secret | None = None
    page_size: int = 500
    timeout: float = 30.0
    retries: int = 4
    backoff: float = 1.0
    verify_tls: bool = True


@dataclass(frozen=True)
class GlpiPlace:
    """Where a ticket opens in GLPI: its category and entity (GLPI's ids)."""

    category_id: int = 0
    entity_id: int = 0


@dataclass(frozen=True)
class TicketOpening:
    """Tickets opened from incidents (``[tickets.open]``): an incident that lasts ``after``
    (a component's ``ticket_after`` overrides it) opens a GLPI incident ticket with
    ``urgency``, in ``place``, or in the place ``places`` gives the component or its catalog
    application (by id); GLPI unreachable is retried every ``retry_every``."""

    after: float = 30 * 60.0
    urgency: int = 4
    retry_every: float = 60.0
    place: GlpiPlace = field(default_factory=GlpiPlace)
    places: Mapping[str, GlpiPlace] = field(default_factory=dict)

    def place_of(self, component: str, application: str | None) -> GlpiPlace:
        """The category and entity of a component's tickets."""
        return self.places.get(component) or self.places.get(application or "") or self.place


@dataclass(frozen=True)
class TicketsConfig:
    """Ticket sources and mappings. Label, channel and application keys are lower-case.

    ``timezone`` is the one GLPI writes its local date-times in; ``delimiter`` None means
    guess between ``;`` and ``,`` from the header line.
    """

    source: str = "glpi"
    timezone: ZoneInfo = field(default_factory=lambda: ZoneInfo("Europe/Paris"))
    delimiter: str | None = None
    labels: Mapping[str, str] = field(default_factory=lambda: DEFAULT_LABELS)
    channels: Mapping[str, str] = field(default_factory=lambda: DEFAULT_CHANNELS)
    applications: Mapping[str, str] = field(default_factory=dict)
    unmapped_application: str = "other"
    level2_groups: frozenset[str] = frozenset()
    glpi: GlpiConfig | None = None
    open: TicketOpening | None = None


def load_tickets_config(doc: Document, timezone: ZoneInfo) -> TicketsConfig:
    """Read ``[tickets]``; problems are recorded on ``doc``."""
    sec = doc.section("tickets")
    source = sec.string("source", "glpi", pattern=r"[a-z0-9][a-z0-9_.-]*") or "glpi"
    zone = sec.timezone("timezone") or timezone
    delimiter = sec.string("delimiter", "auto", choices=("auto", ";", ",", "\t")) or "auto"
    unmapped = sec.string("unmapped_application", "other") or "other"
    groups = sec.string_list("level2_groups", []) or []
    labels = dict(DEFAULT_LABELS)
    labels.update(_mapping(sec, "labels", GLPI_FIELDS))
    channels = dict(DEFAULT_CHANNELS)
    channels.update(_mapping(sec, "channels", CHANNELS))
    applications = _mapping(sec, "applications", None)
    glpi_sec = sec.table("glpi")
    glpi = _glpi(glpi_sec) if glpi_sec is not None else None
    open_sec = sec.table("open")
    opening = _opening(open_sec) if open_sec is not None else None
    if open_sec is not None and glpi_sec is None:
        open_sec.problem(None, "opening tickets needs [tickets.glpi] (GLPI's REST API)")
    sec.done()
    return TicketsConfig(
        source=source,
        timezone=zone,
        delimiter=None if delimiter == "auto" else delimiter,
        labels=MappingProxyType(labels),
        channels=MappingProxyType(channels),
        applications=MappingProxyType(applications),
        unmapped_application=unmapped,
        level2_groups=frozenset(g.strip().lower() for g in groups),
        glpi=glpi,
        open=opening,
    )


def normal_key(text: str) -> str:
    """How mapping keys are compared: lower-case, ``a > b`` paths with single spaces."""
    return " > ".join(part.strip() for part in text.lower().split(">"))


def _mapping(sec: Section, key: str, allowed: tuple[str, ...] | None) -> dict[str, str]:
    table = sec.table(key)
    if table is None:
        return {}
    out: dict[str, str] = {}
    for name in table.data:
        value = table.string(name, choices=allowed)
        if value is not None:
            out[normal_key(name)] = value
    return out


def _glpi(sec: Section) -> GlpiConfig | None:
    url = sec.string("url", required=True, pattern=r"https?://\S+")
    user_token = sec.string("user_token", required=True)
    app_token = sec.string("app_token")
    page_size = sec.integer("page_size", 500, minimum=1, maximum=10_000)
    timeout = sec.duration("timeout", 30.0, minimum=0.1, maximum=600)
    retries = sec.integer("retries", 4, minimum=0, maximum=20)
    backoff = sec.duration("backoff", 1.0, minimum=0, maximum=60)
    verify = sec.boolean("verify_tls", True)
    for key, value in (("user_token", user_token), ("app_token", app_token)):
        if value is not None and not Secret(value).variables:
            sec.problem(
                key, 'must be an environment reference like "${GLPI_USER_TOKEN}", not a literal token'
            )
    sec.done()
    if url is None or user_token is None:
        return None
    return GlpiConfig(
        url=url.rstrip("/"),
        user_token=Secret(user_token),
        app_token=None if app_token is None else Secret(app_token),
        page_size=page_size or 500,
        timeout=timeout or 30.0,
        retries=4 if retries is None else retries,
        backoff=1.0 if backoff is None else backoff,
        verify_tls=True if verify is None else verify,
    )


def _place(sec: Section) -> GlpiPlace:
    return GlpiPlace(
        category_id=sec.integer("category_id", 0, minimum=0) or 0,
        entity_id=sec.integer("entity_id", 0, minimum=0) or 0,
    )


def _opening(sec: Section) -> TicketOpening:
    base = TicketOpening()
    place = _place(sec)
    places: dict[str, GlpiPlace] = {}
    entries = sec.raw("places", [])
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        sec.problem("places", "must be an array of tables ([[tickets.open.places]])")
        entries = []
    for index, data in enumerate(entries):
        entry = Section(sec.doc, (*sec.path, "places", index), data)
        target = entry.string("for", required=True)
        if target is not None:
            places[target] = _place(entry)
        entry.done()
    opening = TicketOpening(
        after=sec.duration("after", base.after, minimum=60, maximum=30 * 86400) or base.after,
        urgency=sec.integer("urgency", base.urgency, minimum=1, maximum=5) or base.urgency,
        retry_every=sec.duration("retry_every", base.retry_every, minimum=1, maximum=3600)
        or base.retry_every,
        place=place,
        places=MappingProxyType(places),
    )
    sec.done()
    return opening
