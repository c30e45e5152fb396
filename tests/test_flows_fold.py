"""The fold of a flow's whole log at once (:func:`advance`, state in local names) gives, for
generated logs, what folding one event at a time by the rules as first written gives: this
file keeps that first writing as the oracle."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from vigie.probes.flows.lifecycle import (
    _ON_THE_WAY,
    _RANK,
    CHORUS_PRO,
    CLOSED,
    Entry,
    Event,
    Flag,
    Kind,
    Progress,
    Route,
    Stage,
    advance,
    allowed,
    fold,
    folded,
    start,
    state_of,
)

PATH = ("se-chorus-pro", "chorus-pro", "systeme-echanges", "chorus-coeur")
ROUTES = [
    None,
    Route("facture-edi", PATH, (1800.0, 3600.0, 7200.0), {**CHORUS_PRO, "AP": Stage.ACCEPTED}),
    Route(
        "facture-edi",
        PATH,
        (1800.0, 3600.0, 7200.0),
        links=frozenset({(PATH[0], PATH[1]), (PATH[1], PATH[2]), (PATH[2], PATH[3])}),
    ),
]


def oracle_step(progress: Progress, event: Event, route: Route | None) -> None:
    """One event folded, attribute by attribute, as the rules were first written."""
    progress.events += 1
    previous_hop = progress.last_hop
    at, hop, kind = event.at, event.hop, event.kind
    progress.last_at, progress.last_hop, progress.last_kind = at, hop, kind
    if kind is Kind.STATUS:
        code = event.status
        progress.last_status = code
        if event.seq < progress.status_seq:
            progress.flags |= Flag.OUT_OF_ORDER
        else:
            progress.status_seq = event.seq
        statuses = CHORUS_PRO if route is None else route.statuses
        new = statuses.get(code) or statuses.get(code.upper())
        if new is None:
            progress.flags |= Flag.UNKNOWN_STATUS
        elif new is progress.stage or (
            new in _ON_THE_WAY and progress.stage in _ON_THE_WAY and _RANK[new] < _RANK[progress.stage]
        ):
            pass
        elif not allowed(progress.stage, new):
            progress.flags |= Flag.REGRESSIVE
        else:
            progress.stage = new
            if event.reason or new in (Stage.REJECTED, Stage.SUSPENDED, Stage.WITHDRAWN):
                progress.reason = event.reason
    elif kind is Kind.ERROR:
        if event.reason:
            progress.reason = event.reason
    else:
        if kind is Kind.SENT:
            progress.sent = True
        elif kind is Kind.ACKNOWLEDGED:
            progress.acknowledged = True
        if progress.stage is Stage.RECEIVED and (kind is not Kind.RECEIVED or hop != progress.first_hop):
            progress.stage = Stage.IN_TRANSIT
    if route is None:
        if progress.settled_at is None:
            progress.settled_at = at
        return
    index = route.index(hop)
    if index is None:
        progress.flags |= Flag.OFF_MAP
    else:
        if progress.arrivals[index] is None:
            progress.arrivals[index] = at
        if kind is Kind.RECEIVED:
            bit = 1 << index
            if progress.received & bit:
                progress.flags |= Flag.DUPLICATE
            progress.received |= bit
            if route.links is not None and previous_hop != hop and (previous_hop, hop) not in route.links:
                progress.flags |= Flag.OFF_MAP
        if index > progress.pos:
            if None in progress.arrivals[:index]:
                progress.flags |= Flag.SKIPPED
            progress.pos = index
    if progress.settled_at is None and (progress.stage in CLOSED or progress.pos == len(route.path) - 1):
        progress.settled_at = at


EVENTS = st.builds(
    Event,
    st.integers(0, 20).map(float),
    st.sampled_from([*PATH, "ailleurs"]),
    st.sampled_from(list(Kind)),
    st.sampled_from(
        ["", "DEPOSEE", "mise_a_disposition", "AP", "SUSPENDUE", "MISE_EN_PAIEMENT", "REJETEE", "X"]
    ),
    st.sampled_from(["", "motif"]),
    st.integers(0, 30),
)


@settings(max_examples=400, deadline=None)
@given(st.lists(EVENTS, min_size=1, max_size=14), st.sampled_from(ROUTES), st.integers(0, 14))
def test_the_fold_at_once_is_the_fold_event_by_event(
    events: list[Event], route: Route | None, cut: int
) -> None:
    ordered = sorted(events, key=lambda e: (e.at, e.seq))
    expected = start(ordered[0], route)
    for event in ordered:
        oracle_step(expected, event, route)
    assert fold(events, route) == expected
    in_two = start(ordered[0], route)  # the state carries from one call to the next
    advance(in_two, ordered[:cut], route)
    advance(in_two, ordered[cut:], route)
    assert in_two == expected


@settings(max_examples=300, deadline=None)
@given(st.lists(EVENTS, min_size=1, max_size=14), st.sampled_from(ROUTES))
def test_folded_gives_the_state_and_whether_two_events_share_a_time(
    events: list[Event], route: Route | None
) -> None:
    """The store's fold (plain tuples in, the state's values out) against the first writing
    of the rules; its ties against the times counted (the store looks for an event stored
    twice only then)."""
    ordered = sorted(events, key=lambda e: (e.at, e.seq))
    expected = start(ordered[0], route)
    for event in ordered:
        oracle_step(expected, event, route)
    entries: list[Entry] = [
        (e.at, e.hop, e.kind, e.status, e.reason, e.seq, e.report, e.alias) for e in ordered
    ]
    state, tied = folded(entries, route)
    assert state == state_of(expected)
    assert Progress(*state) == expected
    assert tied == (len({e.at for e in events}) < len(events))
