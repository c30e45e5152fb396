"""Ticket statistics: the pure functions against a brute-force computation (hypothesis),
period flags, and `vigie tickets stats` end to end."""

from __future__ import annotations

import json
import math
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from prometheus_client import CollectorRegistry, generate_latest

from vigie.console.cli import main
from vigie.probes.tickets.metrics import TicketCollector
from vigie.probes.tickets.model import CHANNELS, Ticket
from vigie.probes.tickets.store import TicketStore
from vigie.reports.periods import Period, between, month, year
from vigie.reports.tickets import GROUPINGS, previous_year, stats_from_facts, ticket_stats

PARIS = ZoneInfo("Europe/Paris")
ORIGIN = datetime(2015, 6, 1, tzinfo=UTC)


@st.composite
def tickets(draw: st.DrawFn) -> list[Ticket]:
    count = draw(st.integers(0, 40))
    out = []
    for number in range(count):
        opened = ORIGIN + timedelta(seconds=draw(st.integers(0, 3 * 365 * 86400)))
        delay = draw(st.one_of(st.none(), st.integers(0, 90 * 86400)))
        solved = None if delay is None else opened + timedelta(seconds=delay)
        closed = draw(st.sampled_from([None, solved])) if solved else None
        out.append(
            Ticket(
                "t",
                str(number),
                draw(st.sampled_from(["chorus-pro", "place", "orme"])),
                opened,
                draw(st.sampled_from([solved, None])) if closed else solved,
                closed,
                "solved" if solved else "new",
                draw(st.sampled_from(CHANNELS)),
                "",
                draw(st.sampled_from([1, 2])),
                draw(st.booleans()),
            )
        )
    return out


@st.composite
def periods(draw: st.DrawFn) -> Period:
    kind = draw(st.sampled_from(["month", "year", "range"]))
    if kind == "year":
        return year(draw(st.sampled_from([2016, 2017])), PARIS)
    if kind == "month":
        return month(draw(st.sampled_from([2016, 2017])), draw(st.integers(1, 12)), PARIS)
    first = date(2016, 1, 1) + timedelta(days=draw(st.integers(0, 700)))
    last = first + timedelta(days=draw(st.integers(0, 200)))
    return between(first, last, PARIS)


def interpolated(values: list[float], fraction: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    position = fraction * (len(ordered) - 1)
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def brute_force(all_tickets: list[Ticket], period: Period, by: str | None) -> dict[str, dict[str, object]]:
    previous = previous_year(period)

    def key(t: Ticket, shift: int) -> str:
        if by is None:
            return "total"
        if by == "month":
            local = t.opened.astimezone(PARIS)
            return f"{local.year + shift}-{local.month:02d}"
        return str(getattr(t, by))

    current = [t for t in all_tickets if period.start <= t.opened < period.end]
    before = [t for t in all_tickets if previous.start <= t.opened < previous.end]
    backlog = [t for t in all_tickets if t.is_open_at(period.end)]
    keys = {key(t, 0) for t in current} | {key(t, 1) for t in before}
    if by is None:
        keys = {"total"}
    elif by != "month":
        keys |= {key(t, 0) for t in backlog}
    out: dict[str, dict[str, object]] = {}
    for k in keys:
        mine = [t for t in current if key(t, 0) == k]
        times = [t.resolved.timestamp() - t.opened.timestamp() for t in mine if t.resolved is not None]
        older = sum(1 for t in before if key(t, 1) == k)
        out[k] = {
            "opened": len(mine),
            "previous": older,
            "growth": None if older == 0 else len(mine) / older - 1,
            "resolved": len(times),
            "first_contact_rate": None if not mine else sum(t.first_contact for t in mine) / len(mine),
            "median_resolve_s": interpolated(times, 0.5),
            "p90_resolve_s": interpolated(times, 0.9),
            "backlog": sum(1 for t in backlog if key(t, 1 if t in before and t not in current else 0) == k),
        }
    return out


@settings(max_examples=80, deadline=None)
@given(tickets(), periods(), st.sampled_from([None, *GROUPINGS]))
def test_stats_match_brute_force(all_tickets: list[Ticket], period: Period, by: str | None) -> None:
    stats = ticket_stats(all_tickets, period, by=by, timezone=PARIS)
    expected = brute_force(all_tickets, period, by)
    got = {g.key: g for g in stats.groups} if by else {"total": stats.total}
    if by is not None:
        assert set(got) == set(expected)
        total = brute_force(all_tickets, period, None)["total"]
        assert stats.total.opened == total["opened"] and stats.total.backlog == total["backlog"]
    for k, figures in got.items():
        want = expected[k]
        assert figures.opened == want["opened"]
        assert figures.previous == want["previous"]
        assert figures.resolved == want["resolved"]
        assert figures.backlog == want["backlog"]
        for name in ("growth", "first_contact_rate", "median_resolve_s", "p90_resolve_s"):
            value, wanted = getattr(figures, name), want[name]
            assert (value is None) == (wanted is None), name
            if value is not None:
                assert value == pytest.approx(wanted, rel=1e-9, abs=1e-6), name


def test_the_year_before_keeps_dates_and_names() -> None:
    march = previous_year(month(2017, 3, PARIS))
    assert (march.label, march.start, march.end) == (
        "2016-03",
        datetime(2016, 3, 1, tzinfo=PARIS),
        datetime(2016, 4, 1, tzinfo=PARIS),
    )
    days = previous_year(between(date(2017, 1, 1), date(2017, 1, 31), PARIS))
    assert days.label == "2016-01-01..2016-01-31"
    leap = previous_year(between(date(2016, 2, 29), date(2016, 3, 1), PARIS))
    assert leap.start == datetime(2015, 2, 28, tzinfo=PARIS)


def test_stats_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[store]\npath = "vigie.db"\n[vigie]\nlanguage = "en"\n', encoding="utf-8")
    opened = datetime(2017, 12, 4, 9, tzinfo=PARIS)
    with TicketStore(tmp_path / "vigie.db") as store:
        store.upsert(
            [
                Ticket("t", "1", "chorus-pro", opened, opened + timedelta(minutes=5), None, "solved", "phone", "", 1, True),
                Ticket("t", "2", "chorus-pro", opened, None, None, "new", "chat", "", 2, False),
                Ticket("t", "3", "place", opened.replace(year=2016), None, None, "waiting", "web", "", 1, False),
            ]
        )  # fmt: skip
    assert (
        main(["tickets", "stats", "--month", "2017-12", "--by", "channel", "--json", "--config", str(config)])
        == 0
    )
    data = json.loads(capsys.readouterr().out)
    assert data["total"]["opened"] == 2 and data["total"]["previous"] == 1 and data["total"]["growth"] == 1.0
    assert data["total"]["backlog"] == 2 and data["total"]["median_resolve_s"] == 300.0
    assert {g["key"]: g["opened"] for g in data["groups"]} == {"phone": 1, "chat": 1, "web": 0}
    assert main(["tickets", "stats", "--year", "2017", "--by", "application", "--config", str(config)]) == 0
    out = capsys.readouterr().out
    assert "First-contact resolution" in out and "chorus-pro" in out and "50.0%" in out
    config.write_text('[store]\npath = "vigie.db"\n', encoding="utf-8")  # French by default
    assert main(["tickets", "stats", "--month", "2017-12", "--by", "channel", "--config", str(config)]) == 0
    out = capsys.readouterr().out
    assert "Résolus au 1er contact" in out and "Téléphone" in out and "Messagerie instantanée" in out
    assert "100,0\u202f%" in out and "5\u202fmin" in out  # the phone ticket solved in five minutes
    assert main(["tickets", "stats", "--month", "2017-1", "--config", str(config)]) == 2
    assert capsys.readouterr().err == "vigie: error: --month: '2017-1' is not a month like 2017-12\n"


def test_exporter_collector_counts_by_application_and_channel(tmp_path: Path) -> None:
    opened = datetime(2017, 12, 4, 9, tzinfo=PARIS)
    with TicketStore(tmp_path / "vigie.db") as store:
        store.upsert(
            [
                Ticket("t", "1", "chorus-pro", opened, opened, None, "solved", "phone", "", 1, True),
                Ticket("t", "2", "chorus-pro", opened, None, None, "new", "phone", "", 2, False),
                Ticket("t", "3", "place", opened, None, None, "new", "chatbot", "", 1, False),
            ]
        )
    registry = CollectorRegistry()
    collector = TicketCollector(tmp_path / "vigie.db")
    registry.register(collector)
    try:
        text = generate_latest(registry).decode()
    finally:
        collector.close()
    assert 'vigie_tickets_opened_total{application="chorus-pro",channel="phone"} 2.0' in text
    assert 'vigie_tickets_opened_total{application="place",channel="chatbot"} 1.0' in text
    assert 'vigie_tickets_open{application="chorus-pro"} 1.0' in text


def test_ticket_objects_and_facts_give_the_same_figures(tmp_path: Path) -> None:
    opened = datetime(2017, 12, 4, 9, tzinfo=PARIS)
    with TicketStore(tmp_path / "vigie.db") as store:
        store.upsert(
            [
                Ticket("t", "1", "chorus-pro", opened, opened + timedelta(hours=2), None, "solved", "phone", "", 1, True),
                Ticket("t", "2", "place", opened.replace(year=2015), None, None, "new", "chat", "", 2, False),
                Ticket("t", "3", "place", opened.replace(year=2016), None, opened, "closed", "web", "", 1, False),
            ]
        )  # fmt: skip
        period = month(2017, 12, PARIS)
        since = previous_year(period).start
        tickets = list(store.for_period(since, period.end))
        assert sorted(t.id for t in tickets) == ["1", "2", "3"]
        from_facts = stats_from_facts(
            store.facts_for_period(since, period.end), period, by="level", timezone=PARIS
        )
    assert ticket_stats(tickets, period, by="level", timezone=PARIS) == from_facts
    assert from_facts.total.backlog == 1 and from_facts.total.previous == 1
