"""The flow store's own bookkeeping: the monthly report's tallies kept at ingest equal those
counted afresh from the stored flows, however the events came (late, repeated, merging two
flows, over several writes of one import); a store of schema 1 is carried forward."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vigie.probes.db import connect, migrate
from vigie.probes.flows import store as flow_store
from vigie.probes.flows.lifecycle import Kind, Route, Stage
from vigie.probes.flows.store import FlowStore, Incoming, Month, SearchFilter
from vigie.probes.flows.stuck import stuck_flows
from vigie.reports.flows import integration_report

PATH = ("se-chorus-pro", "chorus-pro", "systeme-echanges", "chorus-coeur")
ROUTES = {"facture-edi": Route("facture-edi", PATH, (1800.0, 3600.0, 7200.0))}
DAY = 86_400.0
T0 = 1_499_025_600.0  # 2017-07-02 22:00 UTC: the events straddle UTC midnights
STATUSES = ("", "DEPOSEE", "MISE_A_DISPOSITION", "REJETEE", "SUSPENDUE", "MISE_EN_PAIEMENT")


def counted_afresh(store: FlowStore, since: float, until: float) -> Month:
    """The period's tallies from every stored flow, one by one."""
    month = Month()
    for flow in store.search(SearchFilter(since=since, until=until), limit=1_000_000):
        tally, hops = flow_store._facts(flow.type, flow.partner, flow.progress)
        month.add(tally[1:], 1)
        for _, kind, step, seconds in hops:
            month.hops[kind][step][seconds] += 1
    return month


@st.composite
def imports(draw: st.DrawFn) -> list[list[Incoming]]:
    """A few imports of events of a few invoices, some renamed at a later hop (the new key
    naming the old one), some events late or repeated, over two UTC days."""
    events = []
    for _ in range(draw(st.integers(1, 25))):
        n = draw(st.integers(0, 5))
        key = draw(st.sampled_from([f"CPP-{n}", f"SE-{n}"]))
        kind = draw(st.sampled_from([Kind.RECEIVED, Kind.SENT, Kind.ACKNOWLEDGED, Kind.STATUS]))
        status = draw(st.sampled_from(STATUSES[1:])) if kind is Kind.STATUS else ""
        named = (("chorus_pro", f"CPP-{n}"),) if key.startswith("SE-") and draw(st.booleans()) else ()
        events.append(
            Incoming(
                key,
                T0 + draw(st.integers(0, 48)) * 3600.0,
                draw(st.sampled_from(PATH)),
                kind,
                "facture-edi" if draw(st.booleans()) else "",
                status,
                draw(st.sampled_from(["", "P1", "P2"])),
                draw(st.sampled_from(["", "doublon"])),
                correlation=named,
            )
        )
    cuts = sorted(draw(st.lists(st.integers(0, len(events)), max_size=3)))
    batches = [events[a:b] for a, b in zip([0, *cuts], [*cuts, len(events)], strict=True)]
    return [*batches, *draw(st.lists(st.sampled_from(batches), max_size=2))]  # some imported again


@settings(max_examples=80, deadline=None)
@given(imports())
def test_the_tallies_kept_at_ingest_are_those_of_the_stored_flows(
    tmp_path_factory: pytest.TempPathFactory, batches: list[list[Incoming]]
) -> None:
    # Tiny chunks and writes: flows are written, then read back to take more events.
    with (
        pytest.MonkeyPatch.context() as patch,
        FlowStore(tmp_path_factory.mktemp("tally") / "flows.db") as store,
    ):
        patch.setattr(flow_store, "CHUNK", 3)
        patch.setattr(flow_store, "_FLUSH_EVENTS", 4)
        for batch in batches:
            store.ingest(batch, ROUTES)
        for since, until in (
            (T0, T0 + 3 * DAY),  # partial days at both ends
            (T0 + 2 * 3600, T0 + 2 * 3600 + DAY),  # exactly one UTC day
            (T0 + 3600, T0 + 7200),  # within a day
            (T0 - DAY, T0 + 10 * DAY),
        ):
            kept, afresh = store.month(since, until), counted_afresh(store, since, until)
            assert kept.groups == afresh.groups
            assert kept.hops == afresh.hops
        assert store.conn.execute("SELECT count(*) FROM flow_tally WHERE count <= 0").fetchone()[0] == 0
        assert store.conn.execute("SELECT count(*) FROM flow_hops WHERE count <= 0").fetchone()[0] == 0


def test_the_report_of_a_month_reads_the_tallies_and_the_days_cut_at_its_ends(tmp_path: Path) -> None:
    # July in Paris starts on June 30 at 22:00 UTC: the first two hours are a cut day.
    since, until = 1_498_860_000.0, 1_501_538_400.0
    events = [
        Incoming("EARLY", since + 60, "se-chorus-pro", Kind.RECEIVED, "facture-edi", partner="P1"),
        Incoming("EARLY", since + 360, "chorus-pro", Kind.STATUS, status="DEPOSEE"),
        Incoming("JUNE", since - 60, "se-chorus-pro", Kind.RECEIVED, "facture-edi", partner="P1"),
        Incoming("MID", since + 10 * DAY, "se-chorus-pro", Kind.RECEIVED, "facture-edi", partner="P1"),
        Incoming(
            "MID", since + 10 * DAY + 600, "chorus-pro", Kind.STATUS, status="REJETEE", reason="doublon"
        ),
        Incoming("LATE", until - 60, "se-chorus-pro", Kind.RECEIVED, "facture-edi", partner="P2"),
        Incoming("AUGUST", until, "se-chorus-pro", Kind.RECEIVED, "facture-edi", partner="P2"),
    ]
    with FlowStore(tmp_path / "flows.db") as store:
        store.ingest(events, ROUTES)
        report = integration_report(store, ROUTES, since, until, until, "2017-07")
    assert [(r.partner, r.received, r.rejected, r.pending) for r in report.rows] == [
        ("P1", 2, 1, 1),
        ("P2", 1, 0, 1),
    ]
    assert [(r.reason, r.count) for r in report.reasons] == [("doublon", 1)]
    [first, *_] = report.hop_times
    assert (first.flows, first.p50_s, first.p95_s) == (2, 300.0, 600.0)


def test_a_store_of_schema_1_is_carried_forward(tmp_path: Path) -> None:
    path = tmp_path / "flows.db"
    db = connect(path)
    migrate(db, "flows", flow_store.MIGRATIONS[:1])
    conn = db.conn
    conn.execute(
        "INSERT INTO flows VALUES (1, 'CPP-1', 'facture-edi', 'P1', ?, 'se-chorus-pro', ?, 'systeme-echanges', "
        "0, 'DEPOSEE', 1, 2, ?, 5, 0, NULL, 1, 0, '', 3, 3)",
        (T0, T0 + 1200, f"[{T0}, {T0 + 300}, {T0 + 1200}, null]"),
    )
    conn.executemany(
        "INSERT INTO flow_events VALUES (1, ?, ?, ?, ?, ?, NULL, ?, ?)",
        [
            (T0, "se-chorus-pro", 0, "", 1, "CR_F.xml", None),
            (T0 + 300, "chorus-pro", 4, "DEPOSEE", 2, None, None),
            (T0 + 1200, "systeme-echanges", 0, "", 3, None, "SE-1"),
        ],
    )
    conn.executemany("INSERT INTO flow_keys VALUES (?, ?, 1)", [("CPP-1", "key"), ("SE-1", "chorus_pro")])
    conn.executemany("INSERT INTO flow_refs VALUES (?, ?, 1)", [("F.xml", "batch"), ("F.xml", "file")])
    conn.execute("INSERT INTO flow_meta VALUES ('seq', 3), ('latest_at', ?)", (T0 + 1200,))
    conn.close()
    with FlowStore(path) as store:
        assert store.count() == (1, 3)
        assert [(e.hop, e.status, e.report, e.alias) for e in store.events(1)] == [
            ("se-chorus-pro", "", "CR_F.xml", None),
            ("chorus-pro", "DEPOSEE", None, None),
            ("systeme-echanges", "", None, "SE-1"),
        ]
        assert store.names(1) == (
            [("chorus_pro", "SE-1"), ("key", "CPP-1")],
            [("batch", "F.xml"), ("file", "F.xml")],
        )
        assert store.resolve_key("SE-1") == 1 and store.carried("F.xml") == (1, [1])
        month = store.month(T0 - DAY, T0 + DAY)
        assert month.groups == {("facture-edi", "P1", 1, 1, 0, 0, 1, None): 1}
        assert month.hops["facture-edi"] == {0: {300.0: 1}, 1: {900.0: 1}}
        assert [s.key for s in stuck_flows(store, ROUTES, T0 + 1200 + 7201)] == ["CPP-1"]
        # The next import adds to the carried flow.
        store.ingest([Incoming("SE-1", T0 + 1800, "chorus-coeur", Kind.RECEIVED)], ROUTES)
        flow = store.flow(1)
        assert flow is not None and flow.progress.stage is Stage.IN_TRANSIT and flow.progress.pos == 3
        assert store.count() == (1, 4)
    tables = {
        r[0] for r in sqlite3.connect(path).execute("SELECT name FROM sqlite_master WHERE type = 'table'")
    }
    assert "flow_events" not in tables
