"""The homologation register: expiry, status windows, urgency, reserves, personal data."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.catalog_factory import app, catalog, homologation, link
from vigie.catalog.homologation import (
    WARNING_MONTHS,
    Status,
    add_months,
    expiry,
    needs_attention,
    parse_status,
    record_status,
    register,
    status_counts,
    warning_months,
    warning_starts,
)
from vigie.catalog.model import Criticality, Decision, DossierProgress, Phase, Reserve


def oracle_add_months(day: date, months: int) -> date:
    """Brute force: step month by month, then walk back from the wanted day to a real date."""
    year, month = day.year, day.month
    step = 1 if months >= 0 else -1
    for _ in range(abs(months)):
        month += step
        if month == 13:
            year, month = year + 1, 1
        if month == 0:
            year, month = year - 1, 12
    for wanted in range(day.day, 0, -1):
        try:
            return date(year, month, wanted)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def oracle_status(commission: date, validity: int, as_of: date) -> Status:
    """Brute force: list every day of validity and every day of the notice window."""
    last = oracle_add_months(commission, validity)
    notice_from = oracle_add_months(last, -WARNING_MONTHS[validity])
    if as_of > last:
        return Status.EXPIRED
    if as_of < commission:
        return Status.IN_PROGRESS
    days_in_window = {notice_from + timedelta(n) for n in range((last - notice_from).days + 1)}
    return Status.EXPIRING if as_of in days_in_window else Status.VALID


dates = st.dates(min_value=date(2000, 1, 1), max_value=date(2040, 12, 31))


@given(day=dates, months=st.integers(min_value=-60, max_value=60))
def test_add_months_matches_brute_force(day: date, months: int) -> None:
    assert add_months(day, months) == oracle_add_months(day, months)


@given(commission=dates, validity=st.sampled_from([6, 12, 24, 36]), offset=st.integers(-400, 1500))
def test_status_matches_brute_force_oracle(commission: date, validity: int, offset: int) -> None:
    record = homologation("h", "a", commission_on=commission, validity_months=validity)
    as_of = commission + timedelta(offset)
    assert record_status(record, as_of) == oracle_status(commission, validity, as_of)


def test_month_ends_clamp() -> None:
    assert add_months(date(2017, 8, 31), 6) == date(2018, 2, 28)
    assert add_months(date(2019, 8, 31), 6) == date(2020, 2, 29)
    assert add_months(date(2018, 2, 28), -6) == date(2017, 8, 28)
    assert add_months(date(2017, 1, 31), 1) == date(2017, 2, 28)


@pytest.mark.parametrize(
    ("validity", "last_day", "notice_from"),
    [
        (6, date(2017, 9, 15), date(2017, 7, 15)),
        (12, date(2018, 3, 15), date(2018, 1, 15)),
        (24, date(2019, 3, 15), date(2018, 11, 15)),
        (36, date(2020, 3, 15), date(2019, 9, 15)),
    ],
)
def test_every_boundary_of_every_validity(validity: int, last_day: date, notice_from: date) -> None:
    record = homologation("h", "a", commission_on=date(2017, 3, 15), validity_months=validity)
    one = timedelta(days=1)
    assert expiry(record) == last_day
    assert warning_starts(record) == notice_from
    assert record_status(record, date(2017, 3, 14)) is Status.IN_PROGRESS
    assert record_status(record, date(2017, 3, 15)) is Status.VALID
    assert record_status(record, notice_from - one) is Status.VALID
    assert record_status(record, notice_from) is Status.EXPIRING
    assert record_status(record, notice_from + one) is Status.EXPIRING
    assert record_status(record, last_day - one) is Status.EXPIRING
    assert record_status(record, last_day) is Status.EXPIRING
    assert record_status(record, last_day + one) is Status.EXPIRED


def test_until_end_of_service_chorus_dt() -> None:
    # Chorus DT: homologated until the end of its service, end 2019; a 34-month span gets
    # the 36-month notice (6 months).
    record = homologation(
        "dt", "chorus-dt", commission_on=date(2017, 3, 1), validity_months=None, until=date(2019, 12, 31)
    )
    assert expiry(record) == date(2019, 12, 31)
    assert warning_months(record) == 6
    assert record_status(record, date(2018, 1, 1)) is Status.VALID
    assert record_status(record, date(2019, 6, 29)) is Status.VALID
    assert record_status(record, date(2019, 6, 30)) is Status.EXPIRING
    assert record_status(record, date(2019, 12, 31)) is Status.EXPIRING
    assert record_status(record, date(2020, 1, 1)) is Status.EXPIRED


@pytest.mark.parametrize(
    ("until", "months"),
    [
        (date(2017, 9, 1), 2),
        (date(2018, 3, 1), 2),
        (date(2018, 3, 2), 4),
        (date(2020, 3, 1), 6),
        (date(2025, 1, 1), 6),
    ],
)
def test_until_notice_follows_the_span(until: date, months: int) -> None:
    record = homologation("h", "a", commission_on=date(2017, 3, 1), validity_months=None, until=until)
    assert warning_months(record) == months


def test_stored_expiry_wins_over_derivation() -> None:
    record = homologation(
        "h", "a", commission_on=date(2017, 3, 15), validity_months=12, expires_on=date(2018, 1, 31)
    )
    assert expiry(record) == date(2018, 1, 31)
    assert warning_starts(record) == date(2017, 11, 30)


def test_refused_carries_no_validity() -> None:
    record = homologation("h", "a", decision=Decision.UNFAVOURABLE, validity_months=None)
    assert expiry(record) is None
    assert record_status(record, date(2030, 1, 1)) is Status.REFUSED
    entry = register(catalog([app("a")], homologations=[record]), date(2018, 1, 1))[0]
    assert entry.status is Status.REFUSED and entry.days_left is None and entry.expires_on is None


def test_dossier_states() -> None:
    started = homologation("h1", "a", progress=DossierProgress.STARTED, decision=None, commission_on=None)
    scheduled = homologation("h2", "b", progress=DossierProgress.COMMISSION_SCHEDULED, decision=None)
    cat = catalog([app("a"), app("b"), app("c")], homologations=[started, scheduled])
    statuses = {e.application.id: e.status for e in register(cat, date(2018, 1, 1))}
    assert statuses == {"a": Status.IN_PROGRESS, "b": Status.IN_PROGRESS, "c": Status.NOT_DONE}


def test_latest_decision_wins_and_renewal_is_shown() -> None:
    old = homologation("h2014", "a", commission_on=date(2014, 1, 10), validity_months=36)
    new = homologation("h2017", "a", commission_on=date(2017, 1, 10), validity_months=12)
    renewal = homologation("h2018", "a", progress=DossierProgress.STARTED, decision=None, commission_on=None)
    cat = catalog([app("a")], homologations=[new, renewal, old])
    entry = register(cat, date(2017, 12, 1))[0]
    assert entry.record is not None and entry.record.id == "h2017"
    assert entry.status is Status.EXPIRING
    assert entry.pending is not None and entry.pending.id == "h2018"
    assert register(cat, date(2016, 6, 1))[0].record.id == "h2014"  # type: ignore[union-attr]


def test_one_record_covers_several_applications() -> None:
    record = homologation("h", "a", "b", commission_on=date(2017, 1, 1), validity_months=12)
    entries = register(catalog([app("a"), app("b")], homologations=[record]), date(2017, 6, 1))
    assert [(e.application.id, e.status) for e in entries] == [("a", Status.VALID), ("b", Status.VALID)]


def test_urgency_order() -> None:
    as_of = date(2018, 1, 1)
    records = [
        homologation("valid", "valid", commission_on=date(2017, 6, 1), validity_months=36),
        homologation("expiring", "expiring", commission_on=date(2017, 2, 1), validity_months=12),
        homologation("expired-late", "expired-late", commission_on=date(2016, 6, 1), validity_months=12),
        homologation("expired-early", "expired-early", commission_on=date(2016, 1, 1), validity_months=12),
        homologation("refused", "refused", decision=Decision.UNFAVOURABLE, validity_months=None),
        homologation("pending", "pending", progress=DossierProgress.STARTED, decision=None),
    ]
    apps = [app(r.id) for r in records] + [app("nothing")]
    order = [e.application.id for e in register(catalog(apps, homologations=records), as_of)]
    assert order == ["expired-early", "expired-late", "refused", "expiring", "nothing", "pending", "valid"]


def test_criticality_breaks_ties() -> None:
    apps = [app("low", criticality=Criticality.LOW), app("crit", criticality=Criticality.CRITICAL)]
    order = [e.application.id for e in register(catalog(apps), date(2018, 1, 1))]
    assert order == ["crit", "low"]


def test_overdue_reserves() -> None:
    reserves = [
        Reserve("chiffrer les sauvegardes", "MOE", date(2017, 6, 30)),
        Reserve("plan de continuité", "MOA", date(2018, 1, 1)),
        Reserve("revue des comptes", "RSSI", date(2017, 1, 31), closed=True),
        Reserve("journalisation", "MOE", None),
    ]
    record = homologation("h", "a", decision=Decision.WITH_RESERVES, reserves=reserves)
    entry = register(catalog([app("a")], homologations=[record]), date(2018, 1, 1))[0]
    assert [r.text for r in entry.overdue_reserves] == ["chiffrer les sauvegardes"]
    assert len(entry.open_reserves) == 3
    flags = [r["overdue"] for r in entry.to_json()["reserves"]]  # type: ignore[union-attr]
    assert flags == [True, False, False, False]


def test_personal_data_per_application_and_flow() -> None:
    apps = [app("paie", personal_data=True), app("chorus"), app("infocentre")]
    links = [
        link("i1", "paie", "chorus", personal_data=True),
        link("i2", "chorus", "infocentre"),
        link(
            "i3",
            "infocentre",
            "paie",
            personal_data=True,
            phase=Phase.DECOMMISSIONED,
            decommission_on=date(2016, 1, 1),
        ),
    ]
    entries = {e.application.id: e for e in register(catalog(apps, links), date(2018, 1, 1))}
    assert entries["paie"].personal_data and [i.id for i in entries["paie"].personal_data_flows] == ["i1"]
    assert not entries["chorus"].personal_data and [i.id for i in entries["chorus"].personal_data_flows] == [
        "i1"
    ]
    assert entries["infocentre"].personal_data_flows == ()
    # Before the old flow was switched off it still showed.
    old = {e.application.id: e for e in register(catalog(apps, links), date(2015, 1, 1))}
    assert [i.id for i in old["infocentre"].personal_data_flows] == ["i3"]


def test_decommissioned_applications_leave_the_register() -> None:
    apps = [app("gone", phase=Phase.DECOMMISSIONED, decommission_on=date(2017, 6, 30)), app("here")]
    assert [e.application.id for e in register(catalog(apps), date(2018, 1, 1))] == ["here"]
    assert [e.application.id for e in register(catalog(apps), date(2017, 1, 1))] == ["gone", "here"]


def test_scope_is_core_and_recorded_applications_unless_everything() -> None:
    apps = [app("core"), app("recorded", core=False), app("ministerial", core=False)]
    cat = catalog(apps, homologations=[homologation("h", "recorded")])
    assert {e.application.id for e in register(cat, date(2018, 1, 1))} == {"core", "recorded"}
    everything = {e.application.id: e.status for e in register(cat, date(2018, 1, 1), everything=True)}
    assert everything["ministerial"] is Status.NOT_DONE and len(everything) == 3


def test_counts_and_attention() -> None:
    records = [homologation("h", "a", commission_on=date(2015, 1, 1), validity_months=12)]
    entries = register(catalog([app("a"), app("b")], homologations=records), date(2018, 1, 1))
    counts = status_counts(entries)
    assert counts[Status.EXPIRED] == 1 and counts[Status.NOT_DONE] == 1 and sum(counts.values()) == 2
    assert [needs_attention(e) for e in entries] == [True, False]


@pytest.mark.parametrize(
    ("text", "status"),
    [("expired", Status.EXPIRED), ("Expire bientôt", Status.EXPIRING), ("non faite", Status.NOT_DONE)],
)
def test_parse_status(text: str, status: Status) -> None:
    assert parse_status(text) is status


def test_parse_status_rejects_unknown() -> None:
    with pytest.raises(ValueError, match="unknown status 'perimee'"):
        parse_status("perimee")
