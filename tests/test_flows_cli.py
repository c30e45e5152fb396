"""`vigie flows ...` end to end on a small config with the sample catalog: files in (JSON
Lines and CSV, bad files refused whole with one located line), trace, search, stuck,
report, attach and get-report."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import ROOT
from vigie.console.cli import main
from vigie.kernel.table import Table
from vigie.probes.flows.ingest import FIELDS, EventReader
from vigie.probes.flows.store import FlowStore

CONFIG = f"""
[vigie]
timezone = "Europe/Paris"
language = "en"
[catalog]
path = "{(ROOT / "catalog").as_posix()}"
[[components]]
id = "chorus-pro"
target = 99
[[flows]]
type = "facture-edi"
path = ["se-chorus-pro", "chorus-pro", "systeme-echanges", "chorus-coeur"]
deadlines = ["30m", "1h", "2h"]
[[flows]]
type = "facture-portail"
path = ["chorus-pro", "systeme-echanges", "chorus-coeur"]
deadline = "2h"
"""

EVENTS = [
    {
        "key": "CPP-1",
        "at": "2017-07-03T10:00:00+02:00",
        "hop": "se-chorus-pro",
        "event": "received",
        "type": "facture-edi",
        "partner": "P1",
        "batch": "FLUX_1.xml",
        "correlation": {"file": "FLUX_1.xml", "edi_control": "0001"},
    },
    {
        "key": "CPP-1",
        "at": "2017-07-03T10:05:00+02:00",
        "hop": "chorus-pro",
        "event": "status",
        "status": "DEPOSEE",
    },
    {
        "key": "SE-77",
        "at": "2017-07-03T10:20:00+02:00",
        "hop": "systeme-echanges",
        "event": "received",
        "correlation": {"chorus_pro": "CPP-1"},
    },
    {
        "key": "CPP-1",
        "at": "2017-07-03T10:40:00+02:00",
        "hop": "chorus-coeur",
        "event": "received",
        "report": "CR_1.xml",
    },
    {
        "key": "CPP-2",
        "at": "2017-07-03T10:00:00+02:00",
        "hop": "se-chorus-pro",
        "event": "received",
        "type": "facture-edi",
        "partner": "P1",
        "batch": "FLUX_1.xml",
    },
    {
        "key": "CPP-3",
        "at": "2017-07-03T10:00:00Z",
        "hop": "chorus-pro",
        "event": "received",
        "type": "facture-portail",
        "partner": "P2",
    },
    {"key": "CPP-3", "at": "2017-07-03T10:10:00Z", "hop": "systeme-echanges", "event": "sent"},
    {
        "key": "CPP-3",
        "at": "2017-07-04T10:10:00Z",
        "hop": "chorus-coeur",
        "event": "status",
        "status": "REJETEE",
        "reason": "SIRET inconnu",
    },
]


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "config.toml").write_text(CONFIG, encoding="utf-8")
    monkeypatch.setenv("VIGIE_CONFIG", str(tmp_path / "config.toml"))
    return tmp_path


def jsonl(path: Path, events: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(e) + "\n" for e in events), encoding="utf-8")
    return path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def stored(folder: Path) -> tuple[int, int]:
    with FlowStore(folder / "flows.db") as store:
        return store.count()


def test_ingest_trace_search_stuck_report(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "flows", "ingest", "--json", str(jsonl(folder / "e.jsonl", EVENTS)))
    assert code == 0
    assert json.loads(out) == [
        {"file": str(folder / "e.jsonl"), "format": "jsonl", "events": 8, "new_flows": 3, "flows": 3}
    ]
    code, out, _ = run(capsys, "flows", "trace", "SE-77", "--json", "--as-of", "2017-07-03T11:00")
    trace = json.loads(out)["trace"]
    assert (trace["key"], trace["hop"], trace["next_hop"], trace["stuck"]) == (
        "CPP-1",
        "chorus-coeur",
        None,
        False,
    )
    assert [e["hop"] for e in trace["events"]] == [
        "se-chorus-pro",
        "chorus-pro",
        "systeme-echanges",
        "chorus-coeur",
    ]
    assert [e["since_previous_s"] for e in trace["events"]] == [None, 300.0, 900.0, 1200.0]
    assert trace["keys"] == [{"name": "key", "value": "SE-77"}]
    assert trace["carried_by"] == ["FLUX_1.xml"]
    assert trace["flags"] == []
    # A shared id lists the flows it names; the human trace says where a flow is and by when it is due.
    code, out, _ = run(capsys, "flows", "trace", "FLUX_1.xml", "--json")
    assert [f["key"] for f in json.loads(out)["flows"]] == ["CPP-1", "CPP-2"]
    code, out, _ = run(capsys, "flows", "trace", "CPP-2", "--as-of", "2017-07-03T10:20+02:00")
    assert "Next: chorus-pro, due by 2017-07-03 10:30 (in 10\u202fmin)" in out
    code, out, _ = run(capsys, "flows", "search", "--status", "rejected", "--json")
    [rejected] = json.loads(out)
    assert (rejected["key"], rejected["reason"], rejected["flags"]) == (
        "CPP-3",
        "SIRET inconnu",
        [],
    )
    code, out, _ = run(
        capsys, "flows", "search", "--key", "CPP-", "--partner", "P1", "--month", "2017-07", "--json"
    )
    assert [f["key"] for f in json.loads(out)] == ["CPP-2", "CPP-1"]
    # CPP-2 waits at se-chorus-pro since 10:00 with 30 minutes to move on.
    code, out, _ = run(capsys, "flows", "stuck", "--as-of", "2017-07-03T10:30+02:00", "--json")
    assert (code, json.loads(out)) == (0, [])
    code, out, _ = run(capsys, "flows", "stuck", "--as-of", "2017-07-03T10:31+02:00", "--json")
    assert code == 1
    assert [(s["key"], s["hop"], s["next_hop"], s["overdue_s"]) for s in json.loads(out)] == [
        ("CPP-2", "se-chorus-pro", "chorus-pro", 60.0)
    ]
    code, out, _ = run(capsys, "flows", "report", "--month", "2017-07", "--json")
    report = json.loads(out)
    assert (report["total"]["received"], report["total"]["rejected"], report["total"]["pending"]) == (3, 1, 1)
    assert report["total"]["sent"] == report["total"]["missing_ack"] == 1
    assert report["reasons"] == [
        {"type": "facture-portail", "stage": "rejected", "reason": "SIRET inconnu", "count": 1}
    ]
    edi = [h for h in report["hop_times"] if h["type"] == "facture-edi"]
    assert [(h["source"], h["p50_s"]) for h in edi] == [
        ("se-chorus-pro", 300.0),
        ("chorus-pro", 900.0),
        ("systeme-echanges", 1200.0),
    ]
    code, out, _ = run(capsys, "flows", "report", "--month", "2017-07")
    assert code == 0 and "Integration report — July 2017" in out


def test_csv_events_read_as_the_json_lines_do(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = ["key;at;hop;event;type;status;partner;batch;correlation"]
    for e in EVENTS:
        correlation = "|".join(f"{k}={v}" for k, v in e.get("correlation", {}).items())  # type: ignore[attr-defined]
        rows.append(
            ";".join(
                str(e.get(c, "")) for c in ("key", "at", "hop", "event", "type", "status", "partner", "batch")
            )
            + f";{correlation}"
        )
    (folder / "e.csv").write_text("\ufeff" + "\n".join(rows) + "\n", encoding="utf-8")
    assert run(capsys, "flows", "ingest", str(folder / "e.csv"))[0] == 0
    code, out, _ = run(capsys, "flows", "trace", "0001", "--json")
    assert code == 0
    assert json.loads(out)["trace"]["key"] == "CPP-1"
    assert stored(folder) == (3, 8)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (
            '{"key": "X", "at": "2017-07-03T10:00:00", "hop": "chorus-pro", "event": "received"}',
            "e.jsonl:3: at: '2017-07-03T10:00:00' has no offset (add Z or +01:00)",
        ),
        (
            '{"key": "X", "at": "2017-07-03T10:00:00Z", "hop": "chorus-pr", "event": "received"}',
            "e.jsonl:3: hop: unknown application 'chorus-pr' (did you mean 'chorus-pro'?)",
        ),
        (
            '{"key": "X", "at": "2017-07-03T10:00:00Z", "hop": "chorus-pro", "event": "received", "type": "facture-ed"}',
            "e.jsonl:3: type: unknown flow type 'facture-ed' (did you mean 'facture-edi'?)",
        ),
        (
            '{"key": "X", "at": "2017-07-03T10:00:00Z", "hop": "chorus-pro", "event": "status"}',
            "e.jsonl:3: status: required for a status event (the source's status code)",
        ),
        (
            '{"key": "X", "at": "2017-07-03T10:00:00Z", "hop": "chorus-pro", "event": "recieved"}',
            "e.jsonl:3: event: 'recieved' is not one of: received, transformed, sent, acknowledged, status, error (did you mean 'received'?)",
        ),
        (
            '{"at": "2017-07-03T10:00:00Z", "hop": "chorus-pro", "event": "received"}',
            "e.jsonl:3: key: missing required field",
        ),
        (
            '{"key": 12, "at": "2017-07-03T10:00:00Z", "hop": "chorus-pro", "event": "received"}',
            "e.jsonl:3: key: must be a string, not an integer",
        ),
        (
            '{"key": "X", "at": "2017-07-03T10:00:00Z", "hop": "chorus-pro", "event": "received", "correlation": ["a"]}',
            "e.jsonl:3: correlation: must be an object of named ids, or name=id|name=id",
        ),
        ('["X"]', "e.jsonl:3: must be a JSON object (one event per line)"),
        ('{"key": "X", "at": ', "e.jsonl:3: not JSON (unexpected end of data)"),
    ],
)
def test_a_bad_event_stops_the_file_with_one_located_line_and_nothing_stored(
    folder: Path, capsys: pytest.CaptureFixture[str], line: str, expected: str
) -> None:
    path = folder / "e.jsonl"
    path.write_text(
        json.dumps(EVENTS[0]) + "\n\n" + line + "\n" + json.dumps(EVENTS[1]) + "\n", encoding="utf-8"
    )
    code, out, err = run(capsys, "flows", "ingest", str(path))
    assert (code, out) == (2, "")
    assert err == f"{folder / expected}\n"
    assert stored(folder) == (0, 0)


def test_bad_csv_files_are_refused_whole(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (folder / "a.csv").write_text("key,at,hop\nX,2017-07-03T10:00:00Z,chorus-pro\n", encoding="utf-8")
    code, _, err = run(capsys, "flows", "ingest", str(folder / "a.csv"))
    assert (code, err) == (2, f"{folder / 'a.csv'}:1: event: missing required column\n")
    (folder / "b.csv").write_bytes(
        b"key,at,hop,event\nX,2017-07-03T10:00:00Z,chorus-pro,received\nY\xe9,2017-07-03T10:00:00Z,chorus-pro,received\n"
    )
    code, _, err = run(capsys, "flows", "ingest", str(folder / "b.csv"))
    assert code == 2 and err.startswith(f"{folder / 'b.csv'}:3: not UTF-8 text (byte 0xE9 at column 2)")
    (folder / "c.csv").write_text(
        "key,at,hop,event,correlation\nX,2017-07-03T10:00:00Z,chorus-pro,received,file\n"
    )
    code, _, err = run(capsys, "flows", "ingest", str(folder / "c.csv"))
    assert (code, err) == (
        2,
        f"{folder / 'c.csv'}:2: correlation: 'file' is not name=id (ids separated by |)\n",
    )
    code, _, err = run(capsys, "flows", "ingest", str(folder / "missing.jsonl"))
    assert (code, err) == (2, f"{folder / 'missing.jsonl'}: cannot read: file not found\n")
    assert stored(folder) == (0, 0)


def test_reports_are_attached_and_downloaded(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run(capsys, "flows", "ingest", str(jsonl(folder / "e.jsonl", EVENTS)))
    (folder / "CR_2.xml").write_bytes(b"<compteRendu flux='CPP-2'/>\n")
    (folder / "CR_1.xml").write_bytes(b"<compteRendu flux='CPP-1'/>\n")
    assert run(capsys, "flows", "attach", str(folder / "CR_2.xml"), "--key", "CPP-2")[0] == 0
    assert run(capsys, "flows", "attach", str(folder / "CR_1.xml"))[0] == 0  # named by CPP-1's event
    for key, content in (
        ("CPP-2", b"<compteRendu flux='CPP-2'/>\n"),
        ("SE-77", b"<compteRendu flux='CPP-1'/>\n"),
    ):
        out_file = folder / f"{key}.out"
        assert run(capsys, "flows", "get-report", key, "--out", str(out_file))[0] == 0
        assert out_file.read_bytes() == content
    code, _, err = run(capsys, "flows", "attach", str(folder / "CR_1.xml"), "--key", "NOPE")
    assert (code, err) == (2, "vigie: error: flows attach: --key: no flow is known by 'NOPE'\n")
    code, _, err = run(capsys, "flows", "get-report", "CPP-3")
    assert (code, err) == (2, "vigie: error: flows get-report: flow 'CPP-3' has no integration report\n")


# --- the fast path reads what the row reader reads ---------------------------------------------

VALUES = st.one_of(
    st.none(),
    st.sampled_from(["", " x", "x ", "CPP-1", "facture-edi", "facture-ed", "chorus-pro", "DEPOSEE"]),
    st.integers(0, 3),
    st.sampled_from(["2017-07-03T10:00:00Z", "2017-07-03T10:00:00", " 2017-07-03T10:00:00+02:00", "x"]),
    st.sampled_from(["received", "status", "Received", "nope"]),
    st.dictionaries(
        st.sampled_from(["file", " file", "chorus_pro"]), st.sampled_from(["a", "", " b", 3]), max_size=2
    ),
)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from(FIELDS), VALUES))
def test_the_fast_path_takes_only_what_the_row_reader_reads_the_same(obj: dict[str, object]) -> None:
    reader = EventReader({"facture-edi"}, {"chorus-pro", "se-chorus-pro"})
    fast = reader.fast(obj)
    if fast is not None:
        table = Table("e.jsonl")
        assert reader.checked(table.record(1, obj), required_present=False) == fast
        assert table.problems == []


def test_config_check_holds_the_paths_against_the_catalog(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(capsys, "config", "check")[0] == 0
    config = folder / "config.toml"
    text = CONFIG.replace('"se-chorus-pro", "chorus-pro"', '"se-chorus-pro", "chorus-pr"').replace(
        'path = ["chorus-pro", "systeme-echanges", "chorus-coeur"]', 'path = ["chorus-pro", "chorus-coeur"]'
    )
    config.write_text(text, encoding="utf-8")
    code, _, err = run(capsys, "config", "check")
    assert code == 2
    assert err.splitlines() == [
        f"{config}:12: flows.facture-edi.path: unknown application 'chorus-pr' (did you mean 'chorus-pro'?)",
        f"{config}:16: flows.facture-portail.path: no interface of the catalog carries 'facture-portail' "
        "from 'chorus-pro' to 'chorus-coeur'",
    ]


def test_the_monthly_report_carries_the_integration_report(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run(capsys, "flows", "ingest", str(jsonl(folder / "e.jsonl", EVENTS)))
    code, out, _ = run(capsys, "report", "monthly", "2017-07", "--format", "json", "--out", "-")
    assert code == 0
    flows = json.loads(out)["flows"]
    assert flows["available"] is True
    assert [(r["type"], r["received"], r["rejected"]) for r in flows["by_type"]] == [
        ("facture-edi", 2, 0),
        ("facture-portail", 1, 1),
    ]
    code, out, _ = run(capsys, "report", "monthly", "2017-07", "--format", "html", "--out", "-")
    assert '<section id="flows">' in out and "SIRET inconnu" in out
    code, out, _ = run(capsys, "report", "monthly", "2017-06", "--format", "csv", "--out", "-")
    assert "# flows\nabsent\nNo data: no flow followed in the period" in out
