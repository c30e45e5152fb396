"""The kernel's readers of users' files: text opening (textfile), typed rows (table), and the
messages they share with the TOML readers (problems, tomlfile)."""

from __future__ import annotations

import codecs
import io
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from vigie.kernel.problems import ConfigError
from vigie.kernel.table import Codes, CsvFile, Record, Table
from vigie.kernel.textfile import TextLines, read_text
from vigie.kernel.tomlfile import Document, Section


def _lines(data: bytes, block: int = 16) -> list[str]:
    return list(TextLines(io.BytesIO(data), "f.csv", block))


def _problem(action: Callable[[], object]) -> str:
    with pytest.raises(ConfigError) as caught:
        action()
    assert len(caught.value.problems) == 1
    return str(caught.value.problems[0])


# --- opening text files -------------------------------------------------------------------


def test_lines_come_whole_across_blocks_and_a_bom_is_dropped() -> None:
    text = "a,b\r\nété,2\n" + "x" * 40 + "\nlast"
    lines = _lines(codecs.BOM_UTF8 + text.encode())
    assert "".join(lines) == text
    assert lines[:2] == ["a,b\r\n", "été,2\n"]
    reader = TextLines(io.BytesIO(b"a\nb"), "f.csv", 4)
    assert reader.complete
    assert list(reader) == ["a\n", "b"] and not reader.complete


def test_a_bad_byte_is_located_after_every_line_before_it() -> None:
    data = (
        b"".join(f"row {n},\xc3\xa9\n".encode("latin-1") for n in range(20)) + b"row 20,\xe9t\xe9\nrow 21\n"
    )
    reader = iter(TextLines(io.BytesIO(data), "f.csv", 16))
    seen = [next(reader) for _ in range(20)]
    assert seen[-1] == "row 19,é\n"
    with pytest.raises(ConfigError) as caught:
        next(reader)
    assert str(caught.value) == (
        'f.csv:21: not UTF-8 text (byte 0xE9 at column 8): save the file as UTF-8 ("CSV UTF-8" in Excel)'
    )


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"a,b\nd\xc3\xa9j\xc3\xa0,\x00\n", "t.toml:2: a NUL byte at column 6: not a text file (UTF-16?): save the file as UTF-8"),
        (codecs.BOM_UTF16_LE + "a".encode("utf-16-le"), "t.toml:1: not UTF-8 text (UTF-16, by its byte-order mark): save the file as UTF-8"),
        (b"ok\n\x93quoted\x94\n", "t.toml:2: not UTF-8 text (byte 0x93 at column 1): save the file as UTF-8"),
    ],
)  # fmt: skip
def test_read_text_refuses_what_is_not_utf8_text_at_its_line(
    tmp_path: Path, data: bytes, expected: str
) -> None:
    path = tmp_path / "t.toml"
    path.write_bytes(data)
    assert _problem(lambda: read_text(path)) == f"{tmp_path}/{expected}"
    path.write_bytes(codecs.BOM_UTF8 + b"a = 1\n")
    assert read_text(path) == "a = 1\n"
    assert Document.load(path).data == {"a": 1}


def test_an_unreadable_file_is_one_problem(tmp_path: Path) -> None:
    assert _problem(lambda: read_text(tmp_path / "nope")) == f"{tmp_path}/nope: cannot read: file not found"
    assert _problem(lambda: read_text(tmp_path)) == f"{tmp_path}: cannot read: a directory, not a file"


# --- CSV files and records ----------------------------------------------------------------


def _csv(
    text: str, known: tuple[str, ...] = ("id", "name", "size"), required: tuple[str, ...] = ("id",)
) -> CsvFile:
    sheet = CsvFile("t.csv", io.StringIO(text, newline=""))
    sheet.use_columns(known, required)
    return sheet


def _messages(table: Table) -> list[str]:
    return [str(p) for p in table.problems]


def test_the_header_says_the_delimiter_and_names_the_columns() -> None:
    sheet = _csv("ID;Name;Nmae;size;size\n1;a;;2;3\n\n ; ;\n", required=("id", "name", "kind"))
    assert sheet.delimiter == ";"
    assert _messages(sheet) == [
        "t.csv:1: Nmae: unknown column (did you mean 'name'?)",
        "t.csv:1: kind: missing required column",
    ]
    (record,) = sheet.records()  # blank rows skipped
    assert (record.line, record.values) == (
        2,
        {"id": "1", "name": "a", "size": "3"},
    )  # the last "size" counts
    record.problem("id", "bad")
    assert _messages(sheet)[-1] == "t.csv:2: ID: bad"  # the header's spelling
    assert "(columns: id, name, size)" in _messages(_csv("id\tcolour\n"))[0]


def test_aliases_map_labels_to_columns_and_the_first_present_counts() -> None:
    sheet = CsvFile("t.csv", io.StringIO("Statut;Status;Titre;Autre\nnew;old;t;x\n"))
    found = sheet.use_columns(
        {"statut": "status", "status": "status", "titre": "title"}, ("status",), others=True
    )
    assert found == {"status": 0, "title": 2} and sheet.problems == []


def test_row_shapes_stray_cells_and_truncated_rows() -> None:
    sheet = _csv("id,name,size\n1,a,2,,\n2,b,3,oops\n3,c\n")
    records = list(sheet.records(complete=True))
    assert [r.line for r in records] == [2, 3]
    assert _messages(sheet) == [
        "t.csv:3: 4 cells for 3 columns (a stray separator?)",
        "t.csv:4: size: missing (the row has 2 fields, the header 3); truncated row?",
    ]
    lenient = _csv("id,name,size\n3,c\n")
    assert [r.values for r in lenient.records()] == [{"id": "3", "name": "c"}] and not lenient.problems


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('id,name\n1,"two\nlines"\n2,"never\nclosed\n3,x\n', "t.csv:4: malformed CSV: the file ends inside a quoted cell (a quote opened on this row is never closed)"),
        ('id,name\n1,a\n2,"b"c\n3,d\n', "t.csv:3: malformed CSV (',' expected after '\"')"),
    ],
)  # fmt: skip
def test_a_malformed_row_is_a_located_problem_never_a_row(text: str, expected: str) -> None:
    sheet = _csv(text)
    assert [r.values["id"] for r in sheet.records()] == ["1"]
    assert _messages(sheet) == [expected] and sheet.broken


def _record(**values: object) -> Record:
    return Table("t.json").record(7, values, prefix="things[2].")


def test_record_readers_return_values_and_record_every_problem() -> None:
    codes = Codes({"edi": 1, "API": 2})
    good = _record(
        n="1\u202f000",
        x="12,5",
        d="31/12/2017",
        t="2017-12-31T23:00:00Z",
        b="Oui",
        c="api",
        l="a| b |",
        s=" id ",
    )
    assert good.integer("n") == 1000 and good.number("x") == 12.5 and good.date("d") == date(2017, 12, 31)
    assert good.datetime("t") == datetime(2017, 12, 31, 23, tzinfo=UTC)
    assert good.boolean("b") is True and good.choice("c", codes) == 2 and good.items("l") == ("a", "b")
    assert good.string("s") == "id" and good.boolean("absent") is False and good.integer("absent", 3) == 3
    bad = _record(
        n="1.5", big=str(10**16), x="nan", lo="-1", d="2017-02-30", t="2017-12-31T23:00:00", u="yesterday",
        b="peut-être", c="EDY", r="orne", k=5, e="",
    )  # fmt: skip
    assert bad.integer("n") is None and bad.integer("big") is None and bad.number("x") is None
    assert bad.number("lo", minimum=0) is None and bad.date("d") is None and bad.datetime("t") is None
    assert bad.datetime("u") is None and bad.boolean("b") is False and bad.choice("c", codes) is None
    assert bad.reference("r", {"orme"}, "component") is None and bad.string("k") is None
    assert bad.string("e", required=True) is None and bad.string("absent", required=True) is None
    assert _messages(bad.table) == [
        f"t.json:7: things[2].{key}: {message}"
        for key, message in [
            ("n", "'1.5' is not an integer"),
            ("big", "1e+16 is out of range (must be <= 1e+15)"),
            ("x", "nan is not a finite number"),
            ("lo", "-1 is out of range (must be >= 0)"),
            ("d", "'2017-02-30' is not a date (use YYYY-MM-DD or DD/MM/YYYY)"),
            ("t", "'2017-12-31T23:00:00' has no offset (add Z or +01:00)"),
            ("u", "'yesterday' is not an ISO 8601 date-time"),
            ("b", "'peut-être' is not true or false"),
            ("c", "'EDY' is not one of: edi, API (did you mean 'edi'?)"),
            ("r", "unknown component 'orne' (did you mean 'orme'?)"),
            ("k", "must be a string, not an integer"),
            ("e", "required value is empty"),
        ]
    ]


def test_json_values_are_read_natively() -> None:
    record = _record(n=5, f=2.0, x=0.25, b=False, l=["a", " b"], none=None, empty=[], t=True)
    assert record.integer("n") == 5 and record.integer("f") == 2 and record.number("x") == 0.25
    assert record.boolean("b", True) is False and record.items("l") == ("a", "b")
    assert "none" not in record.values and "empty" not in record.values
    assert record.integer("t") is None and record.number("x", maximum=0.1) is None
    assert _messages(record.table) == [
        "t.json:7: things[2].t: 'True' is not an integer",
        "t.json:7: things[2].x: 0.25 is out of range (must be <= 0.1)",
    ]


def test_a_parsed_cell_is_still_checked_against_each_columns_bounds() -> None:
    record = _record(a="0", b="0", c="2017-01-01T00:00:00+01:00")
    assert record.integer("a", minimum=0) == 0 and record.integer("b", minimum=1) is None
    assert record.datetime("c") == datetime(2017, 1, 1, tzinfo=timezone(timedelta(hours=1)))
    assert record.datetime("c") is record.datetime("c")  # remembered
    assert _messages(record.table) == ["t.json:7: things[2].b: 0 is out of range (must be >= 1)"]


# --- the TOML readers speak the same words ------------------------------------------------


def test_toml_sections_share_the_row_readers_messages() -> None:
    doc = Document.parse('lang = "fre"\nratio = nan\nbig = 1e16\nsize = -2\n', "c.toml")
    top = Section(doc, (), doc.data)
    assert top.string("lang", choices=("fr", "en")) is None
    assert top.number("ratio") is None and top.number("big") is None
    assert top.integer("size", minimum=0) is None
    assert [str(p) for p in doc.problems] == [
        "c.toml:1: lang: 'fre' is not one of: fr, en (did you mean 'fr'?)",
        "c.toml:2: ratio: nan is not a finite number",
        "c.toml:3: big: 1e+16 is out of range (must be <= 1e+15)",
        "c.toml:4: size: -2 is out of range (must be >= 0)",
    ]
