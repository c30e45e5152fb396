"""The flow life cycle and the flow store: statuses mapped, batches fanned out, renamed ids
correlated, odd orders flagged, stuck flows found at their deadline (against a brute-force
oracle on generated flows), skipped and off-map hops flagged."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vigie.probes.flows.lifecycle import (
    CHORUS_PRO,
    Event,
    Flag,
    Kind,
    Route,
    Stage,
    allowed,
    due_at,
    flag_names,
    fold,
)
from vigie.probes.flows.store import FlowStore, Incoming
from vigie.probes.flows.stuck import stuck_flows

PATH = ("se-chorus-pro", "chorus-pro", "systeme-echanges", "chorus-coeur")
ROUTE = Route("facture-edi", PATH, (1800.0, 3600.0, 7200.0))
ROUTES = {"facture-edi": ROUTE}
T0 = 1_499_068_800.0  # 2017-07-03 10:00 Europe/Paris


@pytest.fixture
def store(tmp_path: Path) -> Iterator[FlowStore]:
    with FlowStore(tmp_path / "flows.db") as opened:
        yield opened


def ev(key: str, minutes: float, hop: str, kind: str = "received", **fields: object) -> Incoming:
    return Incoming(key, T0 + minutes * 60, hop, Kind(kind), **fields)  # type: ignore[arg-type]


# --- the life cycle ------------------------------------------------------------------------

ISSUE_STATUSES = {
    "DEPOSEE": Stage.RECEIVED,
    "EN_COURS_ACHEMINEMENT": Stage.IN_TRANSIT,
    "MISE_A_DISPOSITION": Stage.AVAILABLE,
    "REJETEE": Stage.REJECTED,
    "SUSPENDUE": Stage.SUSPENDED,
    "SERVICE_FAIT": Stage.ACCEPTED,
    "MANDATEE": Stage.ACCEPTED,
    "MISE_EN_PAIEMENT": Stage.PAID,
    # The rest of Chorus Pro's statutFacture codes.
    "A_RECYCLER": Stage.SUSPENDED,
    "COMPLETEE": Stage.AVAILABLE,
    "MISE_A_DISPOSITION_COMPTABLE": Stage.ACCEPTED,
    "COMPTABILISEE": Stage.ACCEPTED,
    "ABANDONNEE": Stage.WITHDRAWN,
    "SUPPRIMEE": Stage.WITHDRAWN,
    "PRISE_EN_COMPTE_DESTINATAIRE": Stage.AVAILABLE,
    "TRANSMISE_MOA": Stage.AVAILABLE,
    "A_VALIDER_MOE": Stage.AVAILABLE,
    "REFUSEE_MOE": Stage.REJECTED,
}


@pytest.mark.parametrize(("code", "stage"), sorted(ISSUE_STATUSES.items()))
def test_every_chorus_pro_status_maps_onto_the_normalised_cycle(code: str, stage: Stage) -> None:
    assert CHORUS_PRO[code] is stage
    # From a freshly deposited invoice, each status is reached (none is a regression from it).
    progress = fold(
        [
            Event(T0, "chorus-pro", Kind.STATUS, "DEPOSEE", seq=1),
            Event(T0 + 1, "chorus-pro", Kind.STATUS, code, seq=2),
        ],
        ROUTE,
    )
    assert progress is not None
    assert progress.stage is stage
    assert progress.last_status == code
    assert not progress.flags & Flag.REGRESSIVE


def test_the_life_cycle_goes_forward_and_exits_by_rejection_only_while_open() -> None:
    assert allowed(Stage.RECEIVED, Stage.AVAILABLE)
    assert allowed(Stage.SUSPENDED, Stage.AVAILABLE)  # completed, or recycled to the right recipient
    assert allowed(Stage.ACCEPTED, Stage.REJECTED)
    assert not allowed(Stage.ACCEPTED, Stage.AVAILABLE)
    for closed in (Stage.PAID, Stage.REJECTED, Stage.WITHDRAWN):
        assert not any(allowed(closed, other) for other in Stage if other is not closed)


def test_a_regressive_status_is_kept_and_flagged_and_the_stage_stays(store: FlowStore) -> None:
    # Hélios pushes "mise à disposition comptable" after "mise en paiement".
    store.ingest(
        [
            ev("F1", 0, "chorus-coeur", "status", type="facture-edi", status="MISE_EN_PAIEMENT"),
            ev("F1", 60, "chorus-coeur", "status", status="MISE_A_DISPOSITION_COMPTABLE"),
        ],
        ROUTES,
    )
    flow = store.flow(1)
    assert flow is not None
    assert flow.progress.stage is Stage.PAID
    assert flag_names(flow.progress.flags) == ("skipped-hop", "regressive")
    assert [e.status for e in store.events(1)] == ["MISE_EN_PAIEMENT", "MISE_A_DISPOSITION_COMPTABLE"]


def test_statuses_arriving_out_of_order_are_flagged_and_folded_in_time_order(store: FlowStore) -> None:
    store.ingest(
        [
            ev("F1", 0, "se-chorus-pro", type="facture-edi"),
            ev("F1", 120, "chorus-pro", "status", status="SERVICE_FAIT"),
        ],
        ROUTES,
    )
    flow = store.flow(1)
    assert flow is not None and not flow.progress.flags & Flag.OUT_OF_ORDER
    # The "made available" status of 10:30 comes after the "service fait" of 12:00.
    result = store.ingest([ev("F1", 30, "chorus-pro", "status", status="MISE_A_DISPOSITION")], ROUTES)
    assert (result.events, result.new_flows) == (1, 0)
    flow = store.flow(1)
    assert flow is not None
    assert flow.progress.flags & Flag.OUT_OF_ORDER
    assert flow.progress.stage is Stage.ACCEPTED  # in time order: made available, then accepted
    assert not flow.progress.flags & Flag.REGRESSIVE


def test_ingesting_the_same_events_again_changes_nothing(store: FlowStore) -> None:
    events = [
        ev("F1", 0, "se-chorus-pro", type="facture-edi"),
        ev("F1", 5, "chorus-pro", "status", status="DEPOSEE"),
    ]
    store.ingest(events, ROUTES)
    before = store.flow(1)
    store.ingest(events, ROUTES)
    assert store.count() == (1, 2)
    assert store.flow(1) == before
    assert before is not None and not before.progress.flags & Flag.DUPLICATE


def test_a_flow_received_twice_at_one_hop_is_a_duplicate(store: FlowStore) -> None:
    store.ingest([ev("F1", 0, "se-chorus-pro", type="facture-edi"), ev("F1", 10, "se-chorus-pro")], ROUTES)
    flow = store.flow(1)
    assert flow is not None and flow.progress.flags & Flag.DUPLICATE


# --- batches and correlation ---------------------------------------------------------------------


def test_a_batch_fans_out_into_the_invoices_it_carries(store: FlowStore) -> None:
    store.ingest(
        [
            ev("FLUX_0001.xml", 0, "se-chorus-pro"),
            *(
                ev(
                    f"CPP-{n}",
                    1,
                    "se-chorus-pro",
                    type="facture-edi",
                    batch="FLUX_0001.xml",
                    correlation=(("file", "FLUX_0001.xml"), ("edi_control", f"00{n}")),
                )
                for n in range(1, 4)
            ),
        ],
        ROUTES,
    )
    total, carried = store.carried("FLUX_0001.xml")
    assert total == 3
    assert [f.key for f in store.flows(carried)] == ["CPP-1", "CPP-2", "CPP-3"]
    assert {flow for _, flow in store.referring("FLUX_0001.xml")} == set(carried)
    assert store.referring("002") == [("edi_control", store.resolve_key("CPP-2"))]
    # The file itself is a flow of its own (no type: never stuck).
    file_flow = store.flow(store.resolve_key("FLUX_0001.xml") or 0)
    assert file_flow is not None and file_flow.type is None and file_flow.progress.settled_at is not None


def test_a_flow_renamed_at_a_later_hop_stays_one_flow(store: FlowStore) -> None:
    store.ingest(
        [
            ev("CPP-1", 0, "se-chorus-pro", type="facture-edi"),
            ev("CPP-1", 5, "chorus-pro", "status", status="DEPOSEE"),
        ],
        ROUTES,
    )
    # The exchange system knows the invoice by its own id, and names Chorus Pro's.
    store.ingest([ev("SE-77", 20, "systeme-echanges", correlation=(("chorus_pro", "CPP-1"),))], ROUTES)
    store.ingest([ev("SE-77", 40, "chorus-coeur")], ROUTES)
    assert store.count() == (1, 4)
    assert store.resolve_key("SE-77") == store.resolve_key("CPP-1") == 1
    flow = store.flow(1)
    assert flow is not None
    assert flow.progress.pos == 3 and flow.progress.settled_at == T0 + 40 * 60
    assert [e.alias for e in store.events(1)] == [None, None, "SE-77", "SE-77"]


def test_two_flows_an_event_names_together_become_one(store: FlowStore) -> None:
    store.ingest(
        [ev("CPP-1", 0, "se-chorus-pro", type="facture-edi"), ev("SE-77", 20, "systeme-echanges")], ROUTES
    )
    assert store.count() == (2, 2)
    store.ingest([ev("SE-77", 40, "chorus-coeur", correlation=(("chorus_pro", "CPP-1"),))], ROUTES)
    assert store.count() == (1, 3)
    flow = store.flow(1)
    assert flow is not None and flow.key == "CPP-1" and flow.type == "facture-edi"
    assert [e.hop for e in store.events(1)] == ["se-chorus-pro", "systeme-echanges", "chorus-coeur"]
    assert store.resolve_key("SE-77") == 1


# --- path: skipped and off-map hops ----------------------------------------------------------------


def test_a_skipped_hop_and_a_hop_off_the_path_are_flagged(store: FlowStore) -> None:
    store.ingest(
        [
            ev("A", 0, "se-chorus-pro", type="facture-edi"),
            ev("A", 5, "systeme-echanges"),  # chorus-pro never seen
            ev("B", 0, "se-chorus-pro", type="facture-edi"),
            ev("B", 5, "place"),  # not on the path at all
        ],
        ROUTES,
    )
    a, b = store.flow(store.resolve_key("A") or 0), store.flow(store.resolve_key("B") or 0)
    assert a is not None and flag_names(a.progress.flags) == ("skipped-hop",)
    assert b is not None and flag_names(b.progress.flags) == ("off-map",)


def test_a_move_no_interface_of_the_map_carries_is_off_map(store: FlowStore) -> None:
    on_map = Route(
        "facture-edi",
        PATH,
        ROUTE.deadlines,
        links=frozenset(
            {
                ("se-chorus-pro", "chorus-pro"),
                ("chorus-pro", "systeme-echanges"),
                ("systeme-echanges", "chorus-coeur"),
            }
        ),
    )
    store.ingest(
        [
            ev("OK", 0, "se-chorus-pro", type="facture-edi"),
            ev("OK", 5, "chorus-pro", "status", status="DEPOSEE"),
            ev("OK", 10, "systeme-echanges"),
            ev("KO", 0, "chorus-pro", type="facture-edi"),
            ev("KO", 5, "se-chorus-pro"),  # backwards: no interface carries it that way
        ],
        {"facture-edi": on_map},
    )
    ok, ko = store.flow(store.resolve_key("OK") or 0), store.flow(store.resolve_key("KO") or 0)
    assert ok is not None and ok.progress.flags == 0
    assert ko is not None and ko.progress.flags & Flag.OFF_MAP


# --- stuck ------------------------------------------------------------------------------------------


def test_a_flow_is_stuck_strictly_after_its_hop_deadline(store: FlowStore) -> None:
    store.ingest(
        [
            ev("F1", 0, "se-chorus-pro", type="facture-edi"),
            ev("F1", 10, "chorus-pro", "status", status="DEPOSEE"),
        ],
        ROUTES,
    )
    due = T0 + 10 * 60 + 3600  # at chorus-pro: one hour to reach systeme-echanges
    assert stuck_flows(store, ROUTES, due) == []
    [stuck] = stuck_flows(store, ROUTES, due + 1)
    assert (stuck.key, stuck.hop, stuck.next_hop, stuck.due_at, stuck.overdue_s) == (
        "F1",
        "chorus-pro",
        "systeme-echanges",
        due,
        1.0,
    )
    # As things stood before the flow moved on, it was stuck; after, it is not.
    store.ingest([ev("F1", 200, "systeme-echanges")], ROUTES)
    assert [s.key for s in stuck_flows(store, ROUTES, due + 1)] == ["F1"]
    assert stuck_flows(store, ROUTES, T0 + 201 * 60) == []


def test_settled_suspended_and_untyped_flows_are_never_stuck(store: FlowStore) -> None:
    store.ingest(
        [
            ev("DONE", 0, "se-chorus-pro", type="facture-edi"),
            ev("DONE", 5, "chorus-coeur"),
            ev("REJ", 0, "se-chorus-pro", type="facture-edi"),
            ev("REJ", 5, "chorus-pro", "status", status="REJETEE", reason="doublon"),
            ev("SUS", 0, "se-chorus-pro", type="facture-edi"),
            ev("SUS", 5, "chorus-pro", "status", status="SUSPENDUE"),
            ev("FILE.xml", 0, "systeme-echanges"),
        ],
        ROUTES,
    )
    assert stuck_flows(store, ROUTES, T0 + 86400 * 30) == []


# --- stuck against a brute-force oracle --------------------------------------------------------------

STATUSES = ("DEPOSEE", "MISE_A_DISPOSITION", "SUSPENDUE", "COMPLETEE", "REJETEE", "MISE_EN_PAIEMENT")
CLOSING = {"REJETEE", "MISE_EN_PAIEMENT"}


@dataclass(frozen=True)
class Gen:
    key: str
    at: float
    hop: str
    kind: str
    status: str


@st.composite
def generated(draw: st.DrawFn) -> tuple[list[Gen], list[list[int]], list[float]]:
    events: list[Gen] = []
    for n in range(draw(st.integers(1, 5))):
        count = draw(st.integers(1, 5))
        # Distinct minutes per flow: time order is total, as the oracle assumes.
        minutes = draw(st.lists(st.integers(0, 600), min_size=count, max_size=count, unique=True))
        for minute in minutes:
            hop = draw(st.sampled_from((*PATH, "place")))
            kind = draw(st.sampled_from(("received", "sent", "status", "error")))
            status = draw(st.sampled_from(STATUSES)) if kind == "status" else ""
            events.append(Gen(f"F{n}", T0 + minute * 60, hop, kind, status))
    order = draw(st.permutations(range(len(events))))
    cuts = sorted(draw(st.lists(st.integers(0, len(events)), max_size=2)))
    batches = [list(order[a:b]) for a, b in zip([0, *cuts], [*cuts, len(events)], strict=True)]
    dues = [g.at + d for g in events for d in ROUTE.deadlines]
    probes = draw(st.lists(st.sampled_from(dues), min_size=1, max_size=3))
    instants = [t + delta for t in probes for delta in (0.0, 1.0)] + [draw(st.floats(T0, T0 + 900 * 60))]
    return events, batches, instants


def oracle(events: list[Gen], as_of: float) -> set[str]:
    """Stuck keys at ``as_of``, from the definition, flow by flow."""
    stuck = set()
    for key in {g.key for g in events}:
        seen = sorted((g for g in events if g.key == key and g.at <= as_of), key=lambda g: g.at)
        if not seen:
            continue
        closed = any(g.kind == "status" and g.status in CLOSING for g in seen)
        positions = [PATH.index(g.hop) for g in seen if g.hop in PATH]
        pos = max(positions, default=-1)
        availability = [
            g.status
            for g in seen
            if g.kind == "status" and g.status in ("SUSPENDUE", "COMPLETEE", "MISE_A_DISPOSITION")
        ]
        suspended = bool(availability) and availability[-1] == "SUSPENDUE"
        if closed or suspended or pos < 0 or pos == len(PATH) - 1:
            continue
        if as_of > seen[-1].at + ROUTE.deadlines[pos]:
            stuck.add(key)
    return stuck


@settings(max_examples=60, deadline=None)
@given(generated())
def test_stuck_flows_match_the_brute_force_oracle(
    tmp_path_factory: pytest.TempPathFactory, case: tuple[list[Gen], list[list[int]], list[float]]
) -> None:
    events, batches, instants = case
    with FlowStore(tmp_path_factory.mktemp("oracle") / "flows.db") as store:
        for batch in batches:
            store.ingest(
                [
                    Incoming(g.key, g.at, g.hop, Kind(g.kind), "facture-edi", g.status)
                    for g in (events[i] for i in batch)
                ],
                ROUTES,
            )
        for as_of in instants:
            assert {s.key for s in stuck_flows(store, ROUTES, as_of)} == oracle(events, as_of), as_of
        # The stored state is the fold of the events in time order, whatever order they came in.
        for key in {g.key for g in events}:
            flow = store.flow(store.resolve_key(key) or 0)
            assert flow is not None
            again = fold(
                [Event(e.at, e.hop, e.kind, e.status, e.reason or "", e.seq) for e in store.events(flow.id)],
                ROUTE,
            )
            assert again == flow.progress
            latest = max(g.at for g in events)
            due = due_at(flow.progress, ROUTE)
            assert (due is not None and latest + 86400 > due) == (key in oracle(events, latest + 86400))


def test_a_deposit_reported_after_the_transport_moved_on_is_no_regression() -> None:
    progress = fold(
        [
            Event(T0, "se-chorus-pro", Kind.RECEIVED, seq=1),
            Event(T0 + 60, "se-chorus-pro", Kind.SENT, seq=2),
            Event(T0 + 120, "chorus-pro", Kind.STATUS, "DEPOSEE", seq=3),
        ],
        ROUTE,
    )
    assert progress is not None
    assert (progress.stage, progress.flags) == (Stage.IN_TRANSIT, 0)
