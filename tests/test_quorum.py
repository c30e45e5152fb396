"""Several agents, one verdict: the quorum of the agents with data decides, and a failure
seen from one site only is reported as that site's, not as an outage."""

from __future__ import annotations

import pytest

from vigie.accounting.results import ProbeResult, Status
from vigie.accounting.state import (
    LiveState,
    SiteFailure,
    current_state,
    effective_timeline,
    site_failures,
)
from vigie.accounting.terms import Policy, quorum_needed
from vigie.accounting.timeline import StateSpan, segments_from_results

UP, DOWN = Status.UP, Status.DOWN


def _results(name: str, statuses: list[Status], start: float = 0.0) -> list[ProbeResult]:
    """One agent's results every 10 s."""
    return [
        ProbeResult("svc", "http", start + 10 * k, s, None, f"{name}: {s}", agent=name)
        for k, s in enumerate(statuses)
    ]


def _agent(name: str, statuses: list[Status], start: float = 0.0) -> list:  # type: ignore[type-arg]
    return segments_from_results(_results(name, statuses, start), 10.0)


PARIS = _agent("paris", [UP] * 10)
LYON = _agent("lyon", [UP, UP, UP, DOWN, DOWN, DOWN, UP, UP, UP, UP], start=1.0)


@pytest.mark.parametrize(
    ("quorum", "voters", "needed"),
    [
        ("majority", 1, 1),
        ("majority", 2, 2),
        ("majority", 3, 2),
        ("majority", 4, 3),
        ("any", 3, 1),
        ("all", 3, 3),
        (2, 3, 2),
        (2, 1, 1),  # a site gone silent does not outvote the one still measuring
        ("majority", 0, 0),
    ],
)
def test_quorum_needed(quorum: str | int, voters: int, needed: int) -> None:
    assert quorum_needed(quorum, voters) == needed


def test_one_site_seeing_the_component_down_is_a_site_failure_under_a_majority() -> None:
    timeline = effective_timeline([PARIS, LYON], Policy(), [])
    assert {s.state for s in timeline} == {UP}
    assert site_failures([PARIS, LYON], Policy()) == [SiteFailure(31.0, 61.0, ("lyon",))]


def test_with_quorum_any_one_site_is_enough() -> None:
    timeline = effective_timeline([PARIS, LYON], Policy(quorum="any"), [])
    assert [s for s in timeline if s.state is DOWN] == [StateSpan(31.0, 61.0, DOWN, "lyon: down")]
    assert site_failures([PARIS, LYON], Policy(quorum="any")) == []


def test_an_agent_without_data_does_not_vote() -> None:
    """Paris stops at 50 s (its last result covers up to 70 s): from then on Lyon alone decides."""
    paris = _agent("paris", [UP] * 6)
    lyon = _agent("lyon", [UP] * 7 + [DOWN] * 3, start=1.0)
    timeline = effective_timeline([paris, lyon], Policy(), [])
    assert [(s.start, s.end, s.state) for s in timeline] == [(0.0, 71.0, UP), (71.0, 111.0, DOWN)]


def test_the_state_now_names_the_site_that_sees_it_down() -> None:
    state = current_state([PARIS, LYON], Policy(), [], 45.0)
    assert state.state is UP and state.site_down == ("lyon",)
    assert current_state([PARIS, LYON], Policy(), [], 75.0).site_down == ()
    assert current_state([PARIS, LYON], Policy(quorum="any"), [], 45.0).state is DOWN


def test_single_agent_data_is_rule_3_alone() -> None:
    """No agent named (a single machine): several probes still take the worst state."""
    one = segments_from_results([ProbeResult("svc", "a", 10.0 * k, UP) for k in range(5)], 10.0)
    two = segments_from_results(
        [ProbeResult("svc", "b", 10.0 * k + 1, DOWN if k == 2 else UP) for k in range(5)], 10.0
    )
    timeline = effective_timeline([one, two], Policy(quorum="all"), [])
    assert [s.state for s in timeline] == [UP, DOWN, UP]
    assert site_failures([one, two], Policy()) == []


def test_the_live_state_votes_like_the_timeline() -> None:
    live = LiveState("svc", Policy(), {"http": 10.0})
    results = sorted(
        _results("paris", [UP] * 10) + _results("lyon", [UP, UP, UP, DOWN, DOWN, DOWN, UP, UP, UP, UP], 1.0),
        key=lambda r: r.ts,
    )
    changes = [c for r in results for c in live.feed(r)] + live.flush()
    assert [(c.old, c.new) for c in changes] == [(Status.UNKNOWN, UP), (UP, Status.UNKNOWN)]


def test_a_site_seeing_the_outage_first_is_its_edge_not_a_site_failure() -> None:
    """Lyon probes half a second before Paris: it sees the outage start and end first."""
    paris = _agent("paris", [UP, UP, DOWN, DOWN, UP, UP], start=0.5)
    lyon = _agent("lyon", [UP, UP, DOWN, DOWN, UP, UP])
    assert [(s.start, s.end, s.state) for s in effective_timeline([paris, lyon], Policy(), [])] == [
        (0.0, 20.5, UP),
        (20.5, 40.0, DOWN),
        (40.0, 70.5, UP),
    ]
    assert site_failures([paris, lyon], Policy()) == []
