"""The large-map fast paths read exactly what the careful paths read: plain interface rows,
the graph's impact walk, and big tables printed line by line."""

from __future__ import annotations

import io
from contextlib import redirect_stdout

from hypothesis import given, settings
from hypothesis import strategies as st

from vigie.catalog import loader
from vigie.catalog.loader import COLUMNS, _interface, _plain_interface
from vigie.console import output
from vigie.kernel.table import CsvFile

CELLS = {
    "id": ["if-1", "if 1", "", "x:y.z", "é"],
    "source": ["a", "b", "", "a b", "a"],
    "target": ["b", "a", "", "c", "a"],
    "protocol": ["api", "API", "edi", "cre", "ftp", "", "other"],
    "direction": ["", "outbound", "bidirectional", "Inbound", "both"],
    "frequency": ["", "daily", " hourly "],
    "monthly_volume": ["", "0", "12", "007", "1 000", "-3", "1e3", "9" * 16, "²"],
    "personal_data": ["", "true", "oui", "X", "0", "maybe", "FALSE"],
    "phase": ["", "active", "phase-out", "decommissioned", "Active", "retired"],
    "description": ["", "flux", " x "],
}


@settings(max_examples=600, deadline=None)
@given(st.fixed_dictionaries({column: st.sampled_from(values) for column, values in CELLS.items()}))
def test_a_plain_interface_row_reads_as_the_careful_reader_reads_it(row: dict[str, str]) -> None:
    header = list(COLUMNS["interfaces"])
    line = ",".join(f'"{row.get(column, "")}"' for column in header)
    sheet = CsvFile("interfaces.csv", io.StringIO(",".join(header) + "\n" + line + "\n"))
    sheet.use_columns(COLUMNS["interfaces"], loader.REQUIRED["interfaces"])
    [(number, cells)] = list(sheet.rows())
    record = sheet.row(number, cells)
    assert record is not None
    careful = _interface(record)
    plain = _plain_interface([row[c].strip() if c in row else None for c in loader._PLAIN_INTERFACE])
    if plain is not None:
        assert sheet.problems == [] and plain == careful


def test_a_big_table_prints_as_rich_lays_it_out(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    rows = [["Chorus Pro", 1, "x"], ["ORME", 12, None], ["Système d'échanges", 3, "yy"]]

    def printed() -> str:
        out = io.StringIO()
        with redirect_stdout(out):
            output.print_table(["Nom", "Sauts", "Via"], rows, title="Impact", right=[1])
        return out.getvalue()

    laid_out = printed()
    monkeypatch.setattr(output, "PLAIN_ROWS", 0)
    assert printed() == laid_out


def test_the_usual_row_takes_the_plain_path() -> None:
    plain = _plain_interface(["if-7", "a", "b", "api", "", "", "12", "", "", ""])
    assert plain is not None and plain.monthly_volume == 12 and plain.lifecycle.phase.value == "active"
