"""The life cycle of a flow (an invoice, an EDI file): pure rules over its business events.

A flow is a business key and events at hops of the map (catalog applications): ``received``,
``transformed``, ``sent``, ``acknowledged``, ``status`` (with the source's own code) and
``error``. Folded in time order (:func:`step`), the events give the flow's
:class:`Progress`: its normalised :class:`Stage` (received -> in transit -> made available
-> accepted / rejected / suspended -> paid, plus withdrawn), how far along its expected
path (:class:`Route`) it went, and its :class:`Flag` s. Nothing here raises on odd input:
an out-of-order, regressive or unknown status, a skipped hop or a hop off the map is kept
and flagged, never refused.

- **Stage.** A status moves the stage through :data:`CHORUS_PRO` (Chorus Pro's codes) or a
  route's own codes. A move the life cycle does not allow (back from accepted to made
  available, anything after paid, rejected or withdrawn: Hélios pushes "mise à disposition
  comptable" after "mise en paiement") is flagged ``regressive`` and leaves the stage where
  it was. Suspended back to made available is allowed (the supplier completed the invoice,
  or it was recycled to the right recipient); a "received" status (Chorus Pro's deposit)
  after the transport already moved the flow on changes nothing and is no regression. A transport event (``transformed``, ``sent``,
  ``acknowledged``, or ``received`` at another hop than the first) puts a received flow in
  transit.
- **Path.** The furthest hop of the route reached is the flow's position; reaching a hop
  with an earlier one never seen is ``skipped-hop``; an event at a hop not on the route, or
  a ``received`` at a hop no interface of the map leads to from the hop of the event before
  (:attr:`Route.links`, when the catalog is known), is ``off-map``.
- **Stuck.** A flow on a route that is not settled (closed, or at its last hop) and not
  suspended is due at the next hop by its last event plus the deadline of the hop it is
  at; past that instant it is stuck (:func:`due_at`).
- **Order.** Statuses that arrived in another order than their times (an arrival sequence
  ``seq`` is kept) are ``out-of-order``; a second ``received`` at one hop is ``duplicate``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from enum import IntFlag, StrEnum
from operator import attrgetter
from typing import Any, NamedTuple


class Kind(StrEnum):
    """What happened to a flow at a hop."""

    RECEIVED = "received"
    TRANSFORMED = "transformed"
    SENT = "sent"
    ACKNOWLEDGED = "acknowledged"
    STATUS = "status"
    ERROR = "error"


KINDS: tuple[Kind, ...] = tuple(Kind)
"""The kinds in a fixed order: the store keeps a kind as its index here."""


class Stage(StrEnum):
    """The normalised life cycle every source's statuses are mapped onto."""

    RECEIVED = "received"
    IN_TRANSIT = "in-transit"
    AVAILABLE = "made-available"
    SUSPENDED = "suspended"
    ACCEPTED = "accepted"
    PAID = "paid"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


STAGES: tuple[Stage, ...] = tuple(Stage)
"""The stages in a fixed order: the store keeps a stage as its index here."""

CLOSED = frozenset({Stage.PAID, Stage.REJECTED, Stage.WITHDRAWN})
"""Stages a flow never leaves."""
_ON_THE_WAY = frozenset({Stage.RECEIVED, Stage.IN_TRANSIT})

# Forward order of the open stages; rejected and withdrawn are exits from any of them.
_RANK = {
    Stage.RECEIVED: 0,
    Stage.IN_TRANSIT: 1,
    Stage.AVAILABLE: 2,
    Stage.SUSPENDED: 3,
    Stage.ACCEPTED: 4,
    Stage.PAID: 5,
}

CHORUS_PRO: Mapping[str, Stage] = {
    "DEPOSEE": Stage.RECEIVED,
    "EN_COURS_ACHEMINEMENT": Stage.IN_TRANSIT,
    "MISE_A_DISPOSITION": Stage.AVAILABLE,
    "PRISE_EN_COMPTE_DESTINATAIRE": Stage.AVAILABLE,
    "TRANSMISE_MOA": Stage.AVAILABLE,
    "A_VALIDER_MOE": Stage.AVAILABLE,
    "COMPLETEE": Stage.AVAILABLE,
    "A_RECYCLER": Stage.SUSPENDED,
    "SUSPENDUE": Stage.SUSPENDED,
    "SERVICE_FAIT": Stage.ACCEPTED,
    "MANDATEE": Stage.ACCEPTED,
    "MISE_A_DISPOSITION_COMPTABLE": Stage.ACCEPTED,
    "COMPTABILISEE": Stage.ACCEPTED,
    "MISE_EN_PAIEMENT": Stage.PAID,
    "REJETEE": Stage.REJECTED,
    "REFUSEE_MOE": Stage.REJECTED,
    "ABANDONNEE": Stage.WITHDRAWN,
    "SUPPRIMEE": Stage.WITHDRAWN,
}
"""Chorus Pro's invoice statuses (``statutFacture``) on the normalised life cycle."""


class Flag(IntFlag):
    """What is odd about a flow; kept, shown and counted, never a reason to refuse an event."""

    SKIPPED = 1
    OFF_MAP = 2
    REGRESSIVE = 4
    OUT_OF_ORDER = 8
    DUPLICATE = 16
    UNKNOWN_STATUS = 32


FLAG_NAMES: Mapping[Flag, str] = {
    Flag.SKIPPED: "skipped-hop",
    Flag.OFF_MAP: "off-map",
    Flag.REGRESSIVE: "regressive",
    Flag.OUT_OF_ORDER: "out-of-order",
    Flag.DUPLICATE: "duplicate",
    Flag.UNKNOWN_STATUS: "unknown-status",
}
"""Each flag's code, as the CLI's JSON and the messages' keys name it."""


def flag_names(flags: int) -> tuple[str, ...]:
    """The codes of the flags set in ``flags``."""
    return tuple(name for flag, name in FLAG_NAMES.items() if flags & flag)


@dataclass(frozen=True)
class Route:
    """A flow type's expected path through catalog applications, with a deadline per step.

    ``deadlines[i]`` is how long a flow may stay at ``path[i]`` (after its last event) before
    it is stuck on its way to ``path[i + 1]``. ``statuses`` maps status codes onto stages
    (Chorus Pro's and the type's own). ``links`` holds the moves between applications that
    the map's interfaces carry for this type, or None when the map is not known.
    """

    type: str
    path: tuple[str, ...]
    deadlines: tuple[float, ...]
    statuses: Mapping[str, Stage] = field(default_factory=lambda: CHORUS_PRO)
    links: frozenset[tuple[str, str]] | None = None
    _index: Mapping[str, int] = field(init=False, repr=False, compare=False, default_factory=dict)

    def __post_init__(self) -> None:
        # Frozen: the index of hops is set once, here (a hop listed twice counts at its first).
        object.__setattr__(self, "_index", {hop: i for i, hop in reversed(list(enumerate(self.path)))})

    def index(self, hop: str) -> int | None:
        """The position of ``hop`` on the path (its first), or None when it is not on it."""
        return self._index.get(hop)


class Event(NamedTuple):
    """One event of a flow as the rules need it. ``seq`` is the arrival order (the store's).

    A named tuple: the store makes one per event ingested, millions a month, and keeps a
    flow's events packed as these tuples, with what the rules ignore: the ``report`` the
    event named and the ``alias`` it came with (a key of the flow other than its own).
    """

    at: float
    hop: str
    kind: Kind
    status: str = ""
    reason: str = ""
    seq: int = 0
    report: str = ""
    alias: str = ""


Entry = tuple[float, str, Kind, str, str, int, str, str]
"""An :class:`Event`'s values in its fields' order (an Event is one): a store keeps plain
tuples in the logs it gathers (a named tuple's copy per event spared)."""


@dataclass(slots=True)
class Progress:
    """Where a flow stands after the events folded so far (time order), and what is odd.

    ``pos`` is the furthest position reached on the route (-1: none yet); ``arrivals`` the
    time of the first event at each hop of the route (None: never seen there);
    ``received`` a bit per route hop where a ``received`` was seen; ``settled_at`` when the
    flow was closed or reached the route's last hop (a flow without a route is settled by
    its first event: it cannot be stuck); ``status_seq`` the highest arrival sequence of
    its statuses, in time order.
    """

    first_at: float
    first_hop: str
    last_at: float
    last_hop: str
    last_kind: Kind
    last_status: str = ""
    stage: Stage = Stage.RECEIVED
    pos: int = -1
    arrivals: list[float | None] = field(default_factory=list)
    received: int = 0
    flags: int = 0
    settled_at: float | None = None
    sent: bool = False
    acknowledged: bool = False
    reason: str = ""
    status_seq: int = -1
    events: int = 0


def allowed(current: Stage, new: Stage) -> bool:
    """Whether the life cycle lets a flow go from ``current`` to ``new``."""
    if new is current:
        return True
    if current in CLOSED:
        return False
    if new is Stage.REJECTED or new is Stage.WITHDRAWN:
        return True
    if current is Stage.SUSPENDED and new is Stage.AVAILABLE:
        return True
    return _RANK[new] > _RANK[current]


State = tuple[Any, ...]
"""A :class:`Progress`'s field values, in its fields' order (``Progress(*state)`` makes one)."""

FIELDS: tuple[str, ...] = tuple(f.name for f in fields(Progress))
"""The names of :class:`Progress`'s fields, in order."""
state_of: Callable[[Progress], State] = attrgetter(*FIELDS)
"""The :data:`State` of a progress."""


def _initial(event: Entry, route: Route | None) -> State:
    """The state of a flow before its first event is folded in."""
    arrivals: list[float | None] = [None] * len(route.path) if route is not None else []
    at, hop, kind = event[0], event[1], event[2]
    return (
        at,
        hop,
        at,
        hop,
        kind,
        "",
        Stage.RECEIVED,
        -1,
        arrivals,
        0,
        0,
        None,
        False,
        False,
        "",
        -1,
        0,
    )


def start(event: Event, route: Route | None) -> Progress:
    """The progress of a flow before its first event is folded in (see :func:`step`)."""
    return Progress(*_initial(event, route))


# Members and flags as plain names and ints: the fold runs once per event stored, and an
# enum member's attribute lookup on its class, or an IntFlag's "|" (Python code), costs
# more than the rest of a simple step.
_RECEIVED, _SENT, _ACKNOWLEDGED, _STATUS, _ERROR = (
    Kind.RECEIVED,
    Kind.SENT,
    Kind.ACKNOWLEDGED,
    Kind.STATUS,
    Kind.ERROR,
)
_STAGE_RECEIVED, _IN_TRANSIT = Stage.RECEIVED, Stage.IN_TRANSIT
_REASONED = (Stage.REJECTED, Stage.SUSPENDED, Stage.WITHDRAWN)
_SKIPPED, _OFF_MAP, _REGRESSIVE, _OUT_OF_ORDER, _DUPLICATE, _UNKNOWN = (
    int(Flag.SKIPPED),
    int(Flag.OFF_MAP),
    int(Flag.REGRESSIVE),
    int(Flag.OUT_OF_ORDER),
    int(Flag.DUPLICATE),
    int(Flag.UNKNOWN_STATUS),
)


def step(progress: Progress, event: Event, route: Route | None) -> None:
    """Fold one event (not earlier than any folded before) into ``progress``."""
    advance(progress, (event,), route)


def advance(progress: Progress, events: Iterable[Entry], route: Route | None) -> None:
    """Fold events in time order (none earlier than any folded before) into ``progress``,
    one :func:`step` after the other."""
    for name, value in zip(FIELDS, _fold(state_of(progress), events, route)[0], strict=True):
        setattr(progress, name, value)


def folded(events: Sequence[Entry], route: Route | None) -> tuple[State, bool]:
    """The state of a flow after its events, in time order (at least one): what
    :func:`start` then :func:`advance` give, without a :class:`Progress` made (a store
    folds each flow it writes); and whether two of the events share a time (only then
    may one be there twice: the store checks)."""
    state, ties = _fold(_initial(events[0], route), events, route)
    return state, ties > 1  # the first event is at the time it starts from


def _fold(state: State, events: Iterable[Entry], route: Route | None) -> tuple[State, int]:
    """The state after ``events`` are folded into ``state``, one :func:`step` after the
    other: kept in local names meanwhile (a flow's whole log is folded at once when it is
    stored); and how many events came at the time of the one before (or of ``state``)."""
    (
        first_at,
        first_hop,
        last_at,
        last_hop,
        last_kind,
        last_status,
        stage,
        pos,
        arrivals,
        received,
        flags,
        settled_at,
        sent,
        acknowledged,
        reason,
        status_seq,
        count,
    ) = state
    statuses = CHORUS_PRO if route is None else route.statuses
    index_of = None if route is None else route._index
    links = None if route is None else route.links
    end = -1 if route is None else len(route.path) - 1
    ties = 0
    for at, hop, kind, code, why, seq, _, _ in events:
        count += 1
        if at == last_at:
            ties += 1
        previous_hop = last_hop
        last_at, last_hop, last_kind = at, hop, kind
        if kind is _STATUS:
            last_status = code
            if seq < status_seq:
                flags |= _OUT_OF_ORDER
            else:
                status_seq = seq
            new = statuses.get(code) or statuses.get(code.upper())
            if new is None:
                flags |= _UNKNOWN
            elif new is stage or (new in _ON_THE_WAY and stage in _ON_THE_WAY and _RANK[new] < _RANK[stage]):
                pass  # a deposit reported after the transport moved the flow on says nothing new
            elif not allowed(stage, new):
                flags |= _REGRESSIVE
            else:
                stage = new
                if why or new in _REASONED:
                    reason = why
        elif kind is _ERROR:
            if why:
                reason = why
        else:
            if kind is _SENT:
                sent = True
            elif kind is _ACKNOWLEDGED:
                acknowledged = True
            if stage is _STAGE_RECEIVED and (kind is not _RECEIVED or hop != first_hop):
                stage = _IN_TRANSIT
        if index_of is None:
            if settled_at is None:
                settled_at = at
            continue
        index = index_of.get(hop)
        if index is None:
            flags |= _OFF_MAP
        else:
            if arrivals[index] is None:
                arrivals[index] = at
            if kind is _RECEIVED:
                bit = 1 << index
                if received & bit:
                    flags |= _DUPLICATE
                received |= bit
                if links is not None and previous_hop != hop and (previous_hop, hop) not in links:
                    flags |= _OFF_MAP
            if index > pos:
                if None in arrivals[:index]:
                    flags |= _SKIPPED
                pos = index
        if settled_at is None and (stage in CLOSED or pos == end):
            settled_at = at
    return (
        first_at,
        first_hop,
        last_at,
        last_hop,
        last_kind,
        last_status,
        stage,
        pos,
        arrivals,
        received,
        flags,
        settled_at,
        sent,
        acknowledged,
        reason,
        status_seq,
        count,
    ), ties


_TIME_ORDER = attrgetter("at", "seq")


def fold(events: Iterable[Event], route: Route | None) -> Progress | None:
    """The progress after all ``events`` (any order: sorted by time, then arrival), or None."""
    ordered = sorted(events, key=_TIME_ORDER)
    if not ordered:
        return None
    return Progress(*folded(ordered, route)[0])


def due_at(progress: Progress, route: Route | None) -> float | None:
    """When the flow must have reached its next hop, or None when nothing is due (no route,
    settled, suspended, or not yet on its route)."""
    if route is None or progress.settled_at is not None or progress.stage is Stage.SUSPENDED:
        return None
    if progress.pos < 0 or progress.pos >= len(route.deadlines):
        return None
    return progress.last_at + route.deadlines[progress.pos]


def next_hop(progress: Progress, route: Route | None) -> str | None:
    """The route's hop after the flow's position (None when at the end or not on it)."""
    if route is None or progress.pos < 0 or progress.pos + 1 >= len(route.path):
        return None
    return route.path[progress.pos + 1]
