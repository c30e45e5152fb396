"""`vigie catalog export|import`: the catalog as a workbook (and as CSV and JSON), read back
losslessly, merged by key with a dry run, every mistake located as `Sheet!Cell`, written all
or nothing. The workbook is read by three readers: ours (calamine), openpyxl, and LibreOffice
(headless, converting it to CSV), where Debian's libreoffice-calc is installed (make test does)."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import subprocess
import zipfile
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from tests.conftest import ROOT
from vigie.catalog import forms
from vigie.catalog.changes import STATUS
from vigie.catalog.forms import plan_import, write_catalog
from vigie.catalog.loader import COLUMNS, build_catalog, catalog_json, catalog_records, load_catalog
from vigie.catalog.model import Catalog, Zone
from vigie.catalog.xlsx import (
    BOOLEANS,
    DATES,
    LISTS_SHEET,
    META_SHEET,
    NUMBERS,
    catalog_hash,
    columns_of,
    text_of,
    write_xlsx,
)
from vigie.console.cli import main
from vigie.kernel.problems import ConfigError
from vigie.kernel.table import CsvFile
from vigie.kernel.text.language import Language

SAMPLE = ROOT / "catalog"
FR, EN = Language("fr"), Language("en")
NOW = datetime(2026, 12, 4, 9, 30, tzinfo=UTC)
SHEETS_FR = ["Ministères", "Domaines", "Applications", "Interfaces", "Homologations", "Réserves", "Contrats"]
SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")


@pytest.fixture(scope="module")
def sample() -> Catalog:
    return load_catalog(SAMPLE)


@pytest.fixture(scope="module")
def workbook(sample: Catalog, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample exported once (French), for the tests that only read it."""
    return write_xlsx(sample, tmp_path_factory.mktemp("xlsx") / "carte.xlsx", FR, NOW)


def project(tmp_path: Path) -> Path:
    """A copy of the sample catalog and a config naming it; returns the config."""
    shutil.copytree(SAMPLE, tmp_path / "catalog", ignore=shutil.ignore_patterns("*.md"))
    config = tmp_path / "config.toml"
    config.write_text('[catalog]\npath = "catalog"\n', encoding="utf-8")
    return config


def said(capsys: pytest.CaptureFixture[str]) -> str:
    """What the command printed, its colons' no-break spaces as plain ones."""
    return capsys.readouterr().out.replace("\u00a0:", " :")


def files_of(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def unreferenced(catalog: Catalog) -> str:
    """An application nothing else names (so it can be deleted on its own)."""
    named = {ref for i in catalog.interfaces.values() for ref in (i.source, i.target)}
    named |= {a for h in catalog.homologations.values() for a in h.applications}
    named |= {a for c in catalog.progress_contracts.values() for a in c.applications}
    named |= {a.lifecycle.replaced_by for a in catalog.applications.values() if a.lifecycle.replaced_by}
    return next(a for a in catalog.applications if a not in named)


def row_of(sheet: object, ident: str) -> int:
    """The row of a sheet whose id (column A) is ``ident``."""
    return next(cell.row for cell in sheet["A"] if cell.value == ident)  # type: ignore[index]


# --- the round trip -------------------------------------------------------------------------


@pytest.mark.parametrize("lang", [FR, EN], ids=["fr", "en"])
def test_export_then_import_is_lossless(sample: Catalog, tmp_path: Path, lang: Language) -> None:
    book = write_xlsx(sample, tmp_path / "carte.xlsx", lang, NOW)
    into_nothing = plan_import(book, tmp_path / "new-catalog")
    assert catalog_json(into_nothing.plan.catalog) == catalog_json(sample)
    assert [len(t.created) for t in into_nothing.plan.tables] == [
        len(r) for r in catalog_records(sample).values()
    ]
    into_itself = plan_import(book, SAMPLE)
    assert not into_itself.plan.changed
    assert catalog_json(into_itself.plan.catalog) == catalog_json(sample)
    assert into_itself.meta["catalog_sha256"] == catalog_hash(sample)


def test_the_cli_round_trip_in_the_three_forms(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = project(tmp_path)
    before = files_of(tmp_path / "catalog")
    for name in ("carte.xlsx", "carte.json", "dossier"):
        assert main(["catalog", "export", str(tmp_path / name), "--config", str(config)]) == 0
        assert main(["catalog", "import", str(tmp_path / name), "--apply", "--config", str(config)]) == 0
        out = said(capsys)
        assert "Aucun changement : rien à écrire." in out and "Applications : 268 sans changement" in out
    assert files_of(tmp_path / "catalog") == before
    assert catalog_json(load_catalog(tmp_path / "dossier")) == catalog_json(load_catalog(SAMPLE))
    assert main(["catalog", "export", str(tmp_path / "x.csv"), "--config", str(config)]) == 2
    assert "a catalog in CSV is a folder of files" in capsys.readouterr().err


def test_export_with_format_writes_to_the_output_or_checks_the_name(
    tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    """`vigie catalog export --format xlsx > carte.xlsx`: the workbook's bytes on the output,
    the summary on the error stream; a name and a --format that disagree are one line, exit 2."""
    config = project(tmp_path)
    assert main(["catalog", "export", "--format", "xlsx", "--config", str(config)]) == 0
    captured = capsysbinary.readouterr()
    (tmp_path / "out.xlsx").write_bytes(captured.out)
    assert "Catalogue exporté : -".encode() in captured.err.replace("\u00a0".encode(), b" ")
    assert not plan_import(tmp_path / "out.xlsx", tmp_path / "catalog").plan.changed
    assert main(["catalog", "export", "--format", "json", "--config", str(config)]) == 0
    (tmp_path / "out.json").write_bytes(capsysbinary.readouterr().out)
    assert catalog_json(load_catalog(tmp_path / "out.json")) == catalog_json(load_catalog(SAMPLE))
    for argv, said_err in (
        (["--format", "csv"], "a CSV catalog is a folder of files: name a FOLDER"),
        ([], "name a FILE (.xlsx, .json or a folder) or give --format"),
        ([str(tmp_path / "x.json"), "--format", "xlsx"], "the name says json, --format says xlsx"),
        (["--format", "json", "--json"], "--json: name a FILE"),
    ):
        assert main(["catalog", "export", *argv, "--config", str(config)]) == 2
        err = capsysbinary.readouterr().err.decode()
        assert err.count("\n") == 1 and said_err in err
    assert not (tmp_path / "x.json").exists()


# --- what the workbook holds ------------------------------------------------------------------


def test_the_workbook_as_architects_open_it(sample: Catalog, workbook: Path) -> None:
    book = load_workbook(workbook)
    assert book.sheetnames == [*SHEETS_FR, META_SHEET, LISTS_SHEET]
    assert book[LISTS_SHEET].sheet_state == "hidden"
    meta = {row[0]: row[1] for row in book[META_SHEET].iter_rows(values_only=True)}
    assert meta["version"] == 1 and meta["catalog_sha256"] == catalog_hash(sample)
    assert meta["exported_at"] == "2026-12-04T09:30:00+00:00" and meta["rows.applications"] == 268
    apps = book["Applications"]
    assert apps.freeze_panes == "B3"
    labels = [c.value for c in apps[1]]
    codes = [c.value for c in apps[2]]
    assert codes == list(columns_of("applications")) and codes[-1] == STATUS
    assert labels[:3] == ["Identifiant", "Nom", "Description"] and labels[-1] == "Statut (supprimer)"
    first = row_of(apps, "chorus-coeur")
    cells = {code: apps.cell(first, index) for index, code in enumerate(codes, 1)}
    assert cells["id"].number_format == "@" and cells["ministry"].number_format == "@"
    assert (
        cells["active_on"].value == datetime(2012, 1, 2) and cells["active_on"].number_format == "dd/mm/yyyy"
    )
    assert cells["core"].value is True and cells["need_integrity"].value == 4
    # Every code column offers its codes from the hidden sheet; references warn, codes refuse.
    lists = book[LISTS_SHEET]
    validations = {str(v.sqref).split(":")[0]: v for v in apps.data_validations.dataValidation}
    for code in ("zone", "category", "criticality", "phase", "ministry", "domain", STATUS):
        letter = apps.cell(2, codes.index(code) + 1).column_letter
        check = validations[f"{letter}3"]
        assert check.type == "list" and str(check.sqref) == f"{letter}3:{letter}1048576"
        target = book.defined_names[check.formula1].attr_text
        sheet, cells_range = target.split("!")
        values = [c.value for row in lists[cells_range.replace("$", "")] for c in row]
        assert sheet == LISTS_SHEET and values, code
        assert check.errorStyle == ("warning" if code in ("ministry", "domain") else "stop")
    zones = book.defined_names["liste_zone"].attr_text.split("!")[1].replace("$", "")
    assert [c.value for row in lists[zones] for c in row] == [z.value for z in Zone]
    for table, name in zip(COLUMNS, SHEETS_FR, strict=True):
        sheet = book[name]
        assert [c.value for c in sheet[2]] == list(columns_of(table))
        for index, code in enumerate(columns_of(table), 1):
            kind = sheet.column_dimensions[sheet.cell(1, index).column_letter].number_format
            assert kind == (
                "dd/mm/yyyy" if code in DATES else "General" if code in NUMBERS | BOOLEANS else "@"
            )


def test_texts_that_look_like_formulas_stay_texts(sample: Catalog, tmp_path: Path) -> None:
    tricky = [
        '=HYPERLINK("http://evil.example","x")',
        "+33 1 40 00 00 00",
        "-2 jours",
        "@SUM(A1)",
        "0012",
        "1.10",
    ]
    apps = dict(sample.applications)
    for ident, text in zip(list(apps)[:6], tricky, strict=True):
        apps[ident] = replace(apps[ident], description=text)
    catalog = replace(sample, applications=apps)
    path = write_xlsx(catalog, tmp_path / "piege.xlsx", FR, NOW)
    with zipfile.ZipFile(path) as archive:
        assert not any(
            re.search(rb"<f[ >]", archive.read(n)) for n in archive.namelist() if "worksheets" in n
        )
    sheet = load_workbook(path)["Applications"]
    for ident, text in zip(list(apps)[:6], tricky, strict=True):
        cell = sheet.cell(row_of(sheet, ident), 3)
        assert (cell.value, cell.data_type) == (text, "s")
        assert cell.quotePrefix is text.startswith(("=", "+", "-", "@"))
    assert catalog_json(plan_import(path, tmp_path / "vide").plan.catalog) == catalog_json(catalog)
    # The CSV form escapes them (the kernel's writer) and reads them back as they were.
    write_catalog(catalog, tmp_path / "csv", FR, NOW)
    text = (tmp_path / "csv" / "applications.csv").read_text(encoding="utf-8")
    assert "'=HYPERLINK" in text and "'+33 1" in text and "'@SUM" in text
    assert catalog_json(load_catalog(tmp_path / "csv")) == catalog_json(catalog)


def test_openpyxl_reads_what_our_reader_reads(workbook: Path) -> None:
    """Two readers, one workbook: openpyxl's values are calamine's, cell for cell."""
    ours = plan_import(workbook, workbook.parent / "nothing").plan.catalog
    theirs = load_workbook(workbook, read_only=True)
    tables: dict[str, list[dict[str, str]]] = {}
    for table, name in zip(COLUMNS, SHEETS_FR, strict=True):
        rows = list(theirs[name].iter_rows(values_only=True))
        codes = rows[1]
        tables[table] = [
            {
                code: text
                for code, value in zip(codes, row, strict=False)
                if (text := text_of(value)) is not None
            }
            for row in rows[2:]
        ]
    assert tables == _as_cells(catalog_json(ours))


def _as_cells(data: dict[str, object]) -> dict[str, list[dict[str, str]]]:
    """The catalog's tables as the cells of a spreadsheet would hold them, as text."""
    out: dict[str, list[dict[str, str]]] = {}
    for table in COLUMNS:
        rows = data[table]
        assert isinstance(rows, list)
        out[table] = [
            {
                column: "|".join(value) if isinstance(value, list) else text
                for column, value in row.items()
                if value not in (None, "", []) and (text := text_of(value)) is not None
            }
            for row in rows
        ]
    return out


@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (Debian's libreoffice-calc) is not installed")
def test_libreoffice_opens_the_workbook_and_reads_the_catalog(
    sample: Catalog, workbook: Path, tmp_path: Path
) -> None:
    """LibreOffice converts every sheet to CSV: those CSV files are the catalog; and the
    workbook LibreOffice saves back imports with no change (booleans come back as TRUE())."""
    profile = f"-env:UserInstallation=file://{tmp_path / 'profile'}"
    # Every sheet (-1), as shown (dates dd/mm/yyyy), UTF-8 (76), comma-separated.
    as_csv = "csv:Text - txt - csv (StarCalc):44,34,76,1,,1036,false,true,true,false,false,-1"
    for target in (as_csv, "xlsx:Calc MS Excel 2007 XML"):
        subprocess.run(
            [
                SOFFICE,
                "--headless",
                "--norestore",
                profile,
                "--convert-to",
                target,
                "--outdir",
                tmp_path,
                workbook,
            ],
            check=True,
            capture_output=True,
            timeout=120,
            env={"HOME": str(tmp_path), "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"},
        )
    problems: list = []
    tables = {}
    for table, name in zip(COLUMNS, SHEETS_FR, strict=True):
        text = (tmp_path / f"carte-{name}.csv").read_text(encoding="utf-8")
        sheet = CsvFile(name, io.StringIO(text.split("\n", 1)[1], newline=""), problems=problems)
        sheet.use_columns(columns_of(table), ())
        tables[table] = list(sheet.records())
    assert catalog_json(build_catalog(tables)) == catalog_json(sample)
    assert problems == []
    resaved = tmp_path / "carte.xlsx"
    assert not plan_import(resaved, SAMPLE).plan.changed


# --- mistakes ----------------------------------------------------------------------------------


def test_eight_kinds_of_mistakes_are_all_reported_located_and_nothing_is_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = project(tmp_path)
    book_path = tmp_path / "carte.xlsx"
    assert main(["catalog", "export", str(book_path), "--config", str(config)]) == 0
    book = load_workbook(book_path)
    apps = book["Applications"]
    apps["D3"] = "minefy"  # an unknown reference
    apps["I4"] = "critique"  # a bad code
    apps["S5"] = "31/02/2017"  # a bad date
    apps["A6"] = apps["A7"].value  # a duplicate id
    apps["C8"] = "=UPPER(B8)"  # a formula
    apps.merge_cells("B9:C9")  # merged cells
    book.create_sheet("Feuil1")["A1"] = "notes"  # an extra sheet
    links = book["Interfaces"]  # a moved column: protocol (D) cut and pasted after status
    end = links.max_column + 1
    for row in range(1, links.max_row + 1):
        links.cell(row, end).value, links.cell(row, 4).value = links.cell(row, 4).value, None
    book.save(book_path)
    capsys.readouterr()
    before = files_of(tmp_path / "catalog")
    assert main(["catalog", "import", str(book_path), "--apply", "--config", str(config)]) == 2
    duplicate = apps["A7"].value
    assert capsys.readouterr().err.splitlines() == [
        "Applications!D3: ministry: unknown ministry 'minefy' (did you mean 'minefi'?)",
        "Applications!I4: criticality: 'critique' is not one of: low, medium, high, critical (did you mean 'critical'?)",
        "Applications!S5: active_on: '31/02/2017' is not a date (use YYYY-MM-DD or DD/MM/YYYY)",
        f"Applications!A7: id: duplicate id '{duplicate}' (first defined at A6)",
        "Applications!C8: description: a formula (=UPPER(B8)): type the value itself",
        "Applications!B9: name: merged cells B9:C9: unmerge them (one value per cell)",
        f"Interfaces!{get_column_letter(end)}2: protocol: column moved: it belongs after 'target', in the order of the export",
        "Feuil1: unknown sheet (the sheets: Ministères, Domaines, Applications, Interfaces, Homologations, "
        "Réserves, Contrats)",
    ]
    assert files_of(tmp_path / "catalog") == before


def test_header_mistakes_and_numbers_where_ids_belong(sample: Catalog, tmp_path: Path) -> None:
    path = write_xlsx(sample, tmp_path / "carte.xlsx", FR, NOW)
    book = load_workbook(path)
    apps = book["Applications"]
    apps["Z2"] = "commentaire"  # an unknown column
    apps["AA2"] = "zone"  # a repeated one
    domains = book["Domaines"]
    domains["B2"] = None  # a required one taken away
    links = book["Interfaces"]
    links["A5"] = 1.1  # an id typed as a number in a General cell
    links["A5"].number_format = "General"
    book.save(path)
    with pytest.raises(ConfigError) as caught:
        plan_import(path, SAMPLE)
    lines = [str(p) for p in caught.value.problems]
    assert lines[:3] == [
        "Domaines!A2: zone: missing required column",
        "Applications!Z2: commentaire: unknown column (columns: id, name, description, ministry, "
        "user_ministries, domain, zone, category, criticality, need_availability, need_integrity, "
        "need_confidentiality, need_traceability, rto_hours, rpo_hours, personal_data, phase, "
        "phase_in_on, active_on, phase_out_on, decommission_on, replaced_by, core, placeholder, status)",
        "Applications!AA2: zone: column repeated (first in column G)",
    ]
    assert (
        "Interfaces!A5: id: the number 1.1 where an id is expected: format the cell as text and type "
        "the id again (a spreadsheet turns 1.10 into 1.1)"
    ) in lines


def test_not_a_workbook_or_too_big_or_too_new(
    sample: Catalog, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = tmp_path / "faux.xlsx"
    fake.write_text("id,name\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        plan_import(fake, SAMPLE)
    assert [str(p) for p in caught.value.problems] == [
        f"{fake}: not an xlsx workbook (File is not a zip file)"
    ]
    path = write_xlsx(sample, tmp_path / "carte.xlsx", FR, NOW)
    monkeypatch.setattr("vigie.catalog.xlsx.MAX_UNPACKED", 1000)
    with pytest.raises(ConfigError, match="more than 1000: not read"):
        plan_import(path, SAMPLE)
    monkeypatch.undo()
    book = load_workbook(path)
    book[META_SHEET]["B2"] = 2
    book.save(path)
    with pytest.raises(ConfigError, match="_meta: version: schema 2: written by a later Vigie"):
        plan_import(path, SAMPLE)


# --- the import: a dry run, then all or nothing --------------------------------------------------


def test_dry_run_lists_the_changes_and_apply_writes_them(
    sample: Catalog, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = project(tmp_path)
    path = tmp_path / "carte.xlsx"
    assert main(["catalog", "export", str(path), "--config", str(config)]) == 0
    gone = unreferenced(sample)
    book = load_workbook(path)
    apps = book["Applications"]
    codes = [c.value for c in apps[2]]
    column = {code: index for index, code in enumerate(codes, 1)}
    apps.cell(row_of(apps, "infocentre"), column["criticality"]).value = "high"
    apps.cell(row_of(apps, "infocentre"), column["rto_hours"]).value = 2.5
    apps.cell(row_of(apps, gone), column[STATUS]).value = "supprimer"
    new = apps.max_row + 1
    for code, value in {
        "id": "nouvelle-app",
        "name": "Nouvelle application",
        "ministry": "aife",
        "domain": "Système central Chorus",
        "zone": "Ressources et support",
        "category": "métier",
        "criticality": "low",
        "phase": "plan",
        "active_on": date(2027, 1, 4),
    }.items():
        apps.cell(new, column[code]).value = value
    links = book["Interfaces"]
    links.delete_rows(3)  # the first interface left out: kept, listed
    book.save(path)
    capsys.readouterr()
    before = files_of(tmp_path / "catalog")
    assert main(["catalog", "import", str(path), "--dry-run", "--config", str(config)]) == 0
    out = capsys.readouterr().out
    assert "Applications\u00a0: 1 ajout" in out  # French typography: a no-break space before a colon
    out = out.replace("\u00a0:", " :")
    assert files_of(tmp_path / "catalog") == before
    assert "Applications : 1 ajout, 1 modification, 1 suppression, 266 sans changement" in out
    assert "  + nouvelle-app (Nouvelle application)" in out
    assert "  ~ infocentre : criticality critical → high ; rto_hours 4 → 2.5" in out
    assert f"  - {gone}" in out
    assert "Interfaces : 141 sans changement, 1 ligne absente du fichier, conservée\n  = if-001" in out
    assert "Essai à blanc : rien n'est écrit" in out and "Classeur exporté de ce catalogue" in out
    assert main(["catalog", "import", str(path), "--apply", "--json", "--config", str(config)]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["applied"] and len(report["written"]) == 7
    assert report["tables"]["applications"]["updated"] == [
        {
            "key": "infocentre",
            "cells": {
                "criticality": {"old": "critical", "new": "high"},
                "rto_hours": {"old": 4.0, "new": 2.5},
            },
        }
    ]
    after = load_catalog(tmp_path / "catalog")
    assert after.applications["infocentre"].rto_hours == 2.5 and gone not in after.applications
    assert after.applications["nouvelle-app"].lifecycle.active_on == date(2027, 1, 4)
    assert "if-001" in after.interfaces
    assert sorted(p.name for p in (tmp_path / "catalog").iterdir()) == sorted(f"{t}.csv" for t in COLUMNS)
    # The catalog has changed since the export: a second dry run says so.
    assert main(["catalog", "import", str(path), "--dry-run", "--config", str(config)]) == 0
    assert re.search(
        r"Le catalogue a changé depuis l'export de ce classeur \(\d\d/\d\d/\d{4} \d\d:\d\d\)", said(capsys)
    )


def test_deleting_a_row_still_referenced_is_refused_where_it_is_referenced(
    tmp_path: Path, workbook: Path
) -> None:
    path = tmp_path / "carte.xlsx"
    book = load_workbook(workbook)
    apps = book["Applications"]
    apps.cell(row_of(apps, "farandole"), len(columns_of("applications"))).value = "delete"
    book.save(path)
    with pytest.raises(ConfigError) as caught:
        plan_import(path, SAMPLE)
    assert [str(p) for p in caught.value.problems] == [
        f"Interfaces!B{row_of(book['Interfaces'], 'if-014')}: source: unknown application 'farandole'"
    ]


def test_a_row_deleted_and_defined_again_names_the_other_row_by_its_cell(
    tmp_path: Path, workbook: Path
) -> None:
    path = tmp_path / "carte.xlsx"
    book = load_workbook(workbook)
    apps = book["Applications"]
    status = len(columns_of("applications"))
    marked, again = row_of(apps, "farandole"), apps.max_row + 1
    for column in range(1, status):
        apps.cell(again, column).value = apps.cell(marked, column).value
    apps.cell(marked, status).value = "supprimer"
    book.save(path)
    with pytest.raises(ConfigError) as caught:
        plan_import(path, SAMPLE)
    assert [str(p) for p in caught.value.problems] == [
        f"Applications!{get_column_letter(status)}{marked}: status: 'farandole' is marked for deletion "
        f"but defined again at A{again}"
    ]


def test_a_partial_workbook_keeps_the_other_tables(sample: Catalog, tmp_path: Path, workbook: Path) -> None:
    book = load_workbook(workbook)
    for name in SHEETS_FR:
        if name != "Interfaces":
            del book[name]
    links = book["Interfaces"]
    links.delete_rows(1)  # one header row, the CSV names, as a sheet made by hand
    links["F2"] = "weekly"
    book.save(tmp_path / "flux.xlsx")
    plan = plan_import(tmp_path / "flux.xlsx", SAMPLE).plan
    assert [t.table for t in plan.tables if t.read] == ["interfaces"]
    (changes,) = [t for t in plan.tables if t.read]
    assert [(r.key, [c.column for c in r.cells]) for r in changes.updated] == [("if-001", ["frequency"])]
    assert catalog_json(plan.catalog)["applications"] == catalog_json(sample)["applications"]


def test_a_status_column_in_csv_deletes_rows_too(
    sample: Catalog, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = project(tmp_path)
    folder = tmp_path / "edition"
    assert main(["catalog", "export", str(folder), "--config", str(config)]) == 0
    gone = unreferenced(sample)
    path = folder / "applications.csv"
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
    rows[0].append(STATUS)
    for row in rows[1:]:
        row.append("supprimer" if row[0] == gone else "")
    with path.open("w", encoding="utf-8", newline="") as out:
        csv.writer(out).writerows(rows)
    assert main(["catalog", "import", str(folder), "--apply", "--config", str(config)]) == 0
    assert f"  - {gone}" in capsys.readouterr().out
    assert gone not in load_catalog(tmp_path / "catalog").applications
    rows[1][-1] = "garder"
    with path.open("w", encoding="utf-8", newline="") as out:
        csv.writer(out).writerows(rows)
    assert main(["catalog", "import", str(folder), "--dry-run", "--config", str(config)]) == 2
    assert capsys.readouterr().err == f"{path}:2: status: 'garder' is not one of: supprimer, delete\n"


def test_apply_is_all_or_nothing(sample: Catalog, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project(tmp_path)
    folder = tmp_path / "catalog"
    before = files_of(folder)
    renamed = replace(sample.ministries["aife"], name="Agence pour l'informatique financière")
    changed = replace(sample, ministries={**sample.ministries, "aife": renamed})

    def failing(catalog: Catalog, staging: Path) -> list[Path]:
        (staging / "ministries.csv").write_text("id,name\n", encoding="utf-8")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(forms, "write_csv", failing)
    with pytest.raises(OSError):
        write_catalog(changed, folder, FR, NOW)
    assert files_of(folder) == before  # no file replaced, no staging folder left
    monkeypatch.undo()
    write_catalog(changed, folder, FR, NOW)
    assert catalog_json(load_catalog(folder)) == catalog_json(changed)


def test_a_control_character_is_named_and_no_file_is_left(sample: Catalog, tmp_path: Path) -> None:
    apps = dict(sample.applications)
    first = next(iter(apps))
    apps[first] = replace(apps[first], description="bip\x07")
    with pytest.raises(ValueError, match=f"applications '{first}': description: a control character"):
        write_catalog(replace(sample, applications=apps), tmp_path / "carte.xlsx", FR, NOW)
    assert list(tmp_path.iterdir()) == []
