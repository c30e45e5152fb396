"""Decommissioning: states, progress by ministry/domain with contracts, burn-down, integrity."""

from __future__ import annotations

from datetime import date

import pytest

from tests.catalog_factory import app, catalog, link
from vigie.catalog.lifecycle import (
    DecomState,
    FindingKind,
    burn_down,
    decom_state,
    earlier_switched_off,
    integrity,
    ministry_root,
    month_end,
    overall,
    progress,
)
from vigie.catalog.model import Application, Ministry, Phase, ProgressContract

OFF = Phase.DECOMMISSIONED
OUT = Phase.PHASE_OUT


def sample() -> list[Application]:
    return [
        app("old1", ministry="MEF", domain="Dépense", phase=OFF, decommission_on=date(2017, 2, 10)),
        app("old2", ministry="MEF", domain="Recette", phase=OFF, decommission_on=date(2017, 4, 30)),
        app("gibus", ministry="MEF", domain="Dépense", phase=OUT, decommission_on=date(2017, 6, 30)),
        app("nemo", ministry="MININT", domain="Dépense", phase=OUT, decommission_on=date(2018, 6, 30)),
        app("vague", ministry="MININT", domain="Recette", phase=OUT),
        app("chorus", ministry="MEF", domain="Dépense"),
    ]


def test_states_as_of_a_date() -> None:
    apps = {a.id: a for a in sample()}
    as_of = date(2017, 12, 31)
    assert decom_state(apps["old1"], as_of) is DecomState.SWITCHED_OFF
    assert decom_state(apps["gibus"], as_of) is DecomState.LATE
    assert decom_state(apps["nemo"], as_of) is DecomState.PLANNED
    assert decom_state(apps["vague"], as_of) is DecomState.UNSCHEDULED
    # Before it happened, a switch-off was on plan, never late.
    assert decom_state(apps["old2"], date(2017, 4, 29)) is DecomState.PLANNED
    assert decom_state(apps["old2"], date(2017, 4, 30)) is DecomState.SWITCHED_OFF
    assert decom_state(apps["gibus"], date(2017, 6, 30)) is DecomState.PLANNED  # due today
    assert decom_state(apps["gibus"], date(2017, 7, 1)) is DecomState.LATE


def test_progress_by_ministry_with_contract() -> None:
    contract = ProgressContract(
        "cp-minint", "MININT", ("nemo", "vague"), date(2016, 1, 1), date(2017, 12, 1), "CP-2016-04"
    )
    cat = catalog(sample(), contracts=[contract])
    groups = {g.key: g for g in progress(cat, date(2017, 12, 31), by="ministry")}
    mef = groups["MEF"]
    assert mef.total == 3 and mef.counts[DecomState.SWITCHED_OFF] == 2 and mef.late == ("gibus",)
    assert mef.ratio == pytest.approx(2 / 3) and mef.contract is None
    minint = groups["MININT"]
    assert minint.ratio == 0 and minint.contract is contract
    assert minint.contract_done == 0 and minint.contract_late
    assert [g.key for g in progress(cat, date(2017, 12, 31))] == ["MININT", "MEF"]  # lowest ratio first
    assert minint.to_json()["contract"]["late"] is True  # type: ignore[index]


def test_contract_brings_an_active_application_into_scope() -> None:
    contract = ProgressContract("cp", "MEF", ("chorus",), target_on=date(2020, 1, 1))
    cat = catalog(sample(), contracts=[contract])
    mef = {g.key: g for g in progress(cat, date(2017, 12, 31))}["MEF"]
    assert mef.total == 4 and mef.counts[DecomState.UNSCHEDULED] == 1 and not mef.contract_late


def test_progress_by_domain_and_overall() -> None:
    cat = catalog(sample())
    groups = {g.key: g for g in progress(cat, date(2017, 12, 31), by="domain")}
    assert groups["Dépense"].total == 3 and groups["Recette"].total == 2
    whole = overall(cat, date(2017, 12, 31))
    assert whole.total == 5 and sum(whole.counts.values()) == 5
    assert whole.counts[DecomState.SWITCHED_OFF] == 2
    with pytest.raises(ValueError, match="unknown grouping"):
        progress(cat, date(2017, 12, 31), by="zone")


def test_burn_down() -> None:
    cat = catalog(sample())
    points = burn_down(cat, date(2017, 5, 15))
    months = [p.month for p in points]
    assert months[0] == "2017-02" and months[-1] == "2018-06"
    by_month = {p.month: p for p in points}
    assert by_month["2017-02"].remaining_actual == 4 and by_month["2017-02"].remaining_planned == 4
    assert by_month["2017-04"].remaining_actual == 3
    # The current month is counted up to the day asked about, later months are plan only.
    assert by_month["2017-05"].switched_off == 2
    assert by_month["2017-06"].remaining_actual is None and by_month["2017-06"].remaining_planned == 2
    assert by_month["2018-06"].remaining_planned == 1  # the unscheduled one never burns down
    planned = [p.remaining_planned for p in points]
    assert planned == sorted(planned, reverse=True)


def test_burn_down_of_an_empty_scope() -> None:
    assert burn_down(catalog([app("a")]), date(2018, 1, 1)) == []


def test_month_end() -> None:
    assert month_end(date(2016, 2, 3)) == date(2016, 2, 29)
    assert month_end(date(2017, 12, 31)) == date(2017, 12, 31)


def test_integrity_on_a_hand_built_graph() -> None:
    apps = [
        app("chorus"),
        app("formulaires"),
        app(
            "gibus",
            phase=OUT,
            phase_out_on=date(2016, 1, 1),
            decommission_on=date(2018, 6, 30),
            replaced_by="formulaires",
        ),
        app("nemo", phase=OUT, decommission_on=date(2018, 3, 31), replaced_by="formulaires"),
        app("ancien", phase=OFF, decommission_on=date(2017, 1, 31)),
        app("later", phase=OUT, phase_out_on=date(2019, 1, 1), decommission_on=date(2020, 1, 1)),
    ]
    links = [
        link("gibus-chorus", "gibus", "chorus"),
        link("chorus-nemo", "chorus", "nemo"),
        link("nemo-gibus", "nemo", "gibus"),
        link("ancien-chorus", "ancien", "chorus"),
        link("formulaires-gibus", "formulaires", "gibus"),
        link("chorus-later", "chorus", "later"),
        link("done", "gibus", "chorus", phase=OFF, decommission_on=date(2017, 5, 1)),
    ]
    findings = integrity(catalog(apps, links), date(2017, 12, 31))
    got = [
        (f.kind, f.interface, f.retiring, f.counterpart, f.action, f.replacement, f.overdue) for f in findings
    ]
    assert got == [
        (FindingKind.WIRED_TO_SWITCHED_OFF, "ancien-chorus", "ancien", "chorus", "remove", None, True),
        (FindingKind.WIRED_TO_PHASE_OUT, "chorus-nemo", "nemo", "chorus", "reroute", "formulaires", False),
        (FindingKind.WIRED_TO_PHASE_OUT, "formulaires-gibus", "gibus", "formulaires", "remove", None, False),
        (FindingKind.WIRED_TO_PHASE_OUT, "gibus-chorus", "gibus", "chorus", "reroute", "formulaires", False),
        (FindingKind.BETWEEN_RETIRING, "nemo-gibus", "nemo", "gibus", "remove", None, False),
    ]
    assert findings[1].deadline == date(2018, 3, 31)
    assert findings[0].to_json()["kind"] == "wired-to-switched-off"


def test_integrity_overdue_after_the_extinction_date() -> None:
    apps = [
        app("chorus"),
        app("gibus", phase=OUT, decommission_on=date(2018, 6, 30), replaced_by="formulaires"),
    ]
    findings = integrity(catalog(apps, [link("l", "gibus", "chorus")]), date(2018, 7, 1))
    assert [(f.kind, f.overdue) for f in findings] == [(FindingKind.WIRED_TO_PHASE_OUT, True)]


def test_directorates_count_for_their_ministry_and_its_contract() -> None:
    apps = [
        app("gibus", ministry="dgpn", phase=OUT, decommission_on=date(2018, 12, 31)),
        app("nemo", ministry="prefectures", phase=OFF, decommission_on=date(2017, 11, 30)),
    ]
    cat = catalog(
        apps, contracts=[ProgressContract("cp", "interieur", ("gibus", "nemo"), earlier_switched_off=22)]
    )
    cat.ministries.update(
        {
            "interieur": Ministry("interieur", "Intérieur"),
            "dgpn": Ministry("dgpn", "DGPN", "interieur"),
            "prefectures": Ministry("prefectures", "Préfectures", "interieur"),
        }
    )
    assert ministry_root(cat, "dgpn") == "interieur" and ministry_root(cat, "unknown") == "unknown"
    [group] = progress(cat, date(2017, 12, 31))
    assert group.key == "interieur" and group.total == 2 and group.contract_done == 1
    assert earlier_switched_off(cat) == 22
    assert group.to_json()["contract"]["earlier_switched_off"] == 22  # type: ignore[index]
