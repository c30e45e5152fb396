"""The importers' fast paths accept only what the kernel's row reader reads the same way:
whichever path a row takes, it is stored alike (and problems are named by the row reader)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given, settings
from hypothesis import strategies as st

from vigie.kernel.table import Table
from vigie.probes import ingest
from vigie.probes.tickets.mapping import plain_record, plain_row
from vigie.probes.tickets.model import CHANNELS, CSV_HEADER, STATUSES

numbers = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(-(10**17), 10**17).map(str),
    st.sampled_from(["12,5", " 7 ", "1_000", "1 000", "1e3", "-0", "nan", "inf", "+3", "0x10", "", "١٢"]),
    st.text(alphabet="0123456789.,-+e _", max_size=8),
)
instants = st.one_of(
    st.datetimes().map(lambda d: d.isoformat()),
    st.sampled_from(["2017-12-01T10:00:00Z", "2017-12-01T10:00:00+01:00", "2017-12-01 10:00Z", "2017-12-01"]),
    st.text(alphabet="0123456789-T:+Z. ", max_size=25),
)


@given(text=numbers)
def test_a_number_the_history_fast_path_takes_is_the_row_readers(text: str) -> None:
    try:
        fast = ingest._cell(text)
    except ingest._Bad:
        return
    record = Table("h.csv").record(2, {"latency_ms": text})
    assert record.number("latency_ms", minimum=0) == fast
    assert not record.table.problems


@given(text=instants)
def test_an_instant_the_history_fast_path_takes_is_the_row_readers(text: str) -> None:
    try:
        fast = ingest._stamp(text)
    except ingest._Bad:
        return
    moment = Table("h.csv").record(2, {"timestamp": text}).datetime("timestamp")
    assert moment is not None and moment.timestamp() == fast


# Mostly good values (each field goes wrong now and then), so both paths are exercised.
aware = st.datetimes(
    datetime(2016, 1, 1), datetime(2018, 1, 1), timezones=st.sampled_from([UTC, timezone(timedelta(hours=1))])
).map(datetime.isoformat)
cells = st.fixed_dictionaries(
    {
        "source": st.sampled_from(["demo"] * 8 + [" demo ", ""]),
        "id": st.sampled_from(["1"] * 8 + ["", " 2"]),
        "application": st.sampled_from(["place"] * 8 + [""]),
        "opened": st.one_of(aware, aware, aware, instants),
        "solved": st.one_of(st.just(""), aware, aware, instants),
        "closed": st.one_of(st.just(""), aware, instants),
        "status": st.sampled_from([*STATUSES, *STATUSES, "Solved", "open", ""]),
        "channel": st.sampled_from([*CHANNELS, *CHANNELS, "Phone", "fax"]),
        "category": st.sampled_from(["", " Facturation "]),
        "level": st.sampled_from(["1", "2"] * 4 + [" 2", "3", ""]),
        "first_contact": st.sampled_from(["true", "false"] * 4 + ["FALSE", "yes", ""]),
    }
)


@settings(max_examples=300)
@given(row=cells)
def test_a_ticket_the_plain_fast_path_takes_is_the_row_readers(row: dict[str, str]) -> None:
    table = Table("t.csv")
    slow = plain_record(table.record(2, row))
    try:
        fast = plain_row([row[c] for c in CSV_HEADER])
    except ValueError:
        return
    assert slow == fast and not table.problems
