"""The catalog's three forms as one family: a folder of CSV files, one JSON file, a workbook.

A path's form is told by its name (:func:`form_of`): ``.xlsx`` a workbook, ``.json`` a JSON
file, anything else a folder of CSV files. :func:`write_catalog` writes a catalog in any form,
all or nothing; :func:`plan_import` reads any form's rows (with their ``status`` column) and
merges them into the current catalog (:mod:`vigie.catalog.changes`).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from pathlib import Path

from vigie.catalog.changes import STATUS, Plan
from vigie.catalog.changes import plan_import as merge
from vigie.catalog.loader import COLUMNS, Plain, load_catalog, read_tables, write_csv, write_json
from vigie.catalog.model import Catalog
from vigie.catalog.xlsx import read_xlsx, write_xlsx
from vigie.kernel.problems import ConfigError, Problem
from vigie.kernel.text.language import Language


class Form(StrEnum):
    """The forms a catalog is kept or exchanged in."""

    CSV = "csv"
    JSON = "json"
    XLSX = "xlsx"


def form_of(path: Path) -> Form:
    """The form of a catalog at ``path``, by its name; ValueError for a single CSV file."""
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        return Form.XLSX
    if suffix == ".json":
        return Form.JSON
    if suffix == ".csv" and not path.is_dir():
        raise ValueError(f"{path}: a catalog in CSV is a folder of files (one per table): name a folder")
    return Form.CSV


def write_catalog(catalog: Catalog, path: Path, lang: Language, now: datetime) -> list[Path]:
    """Write the catalog at ``path`` in the form its name says; returns the files written.

    All or nothing: a file is written beside its target then renamed over it; a folder's
    files are all written in a folder inside it first, then renamed into place one after
    the other (a crash can only fall between two renames). Other files of a folder stay.
    """
    form = form_of(path)
    if form is Form.CSV:
        return _replace_folder(catalog, path)
    if form is Form.JSON:
        return [_replace_file(path, lambda partial: write_json(catalog, partial))]
    return [_replace_file(path, lambda partial: write_xlsx(catalog, partial, lang, now))]


def _replace_file(path: Path, write: Callable[[Path], object]) -> Path:
    partial = path.with_name(path.name + ".partial")
    try:
        write(partial)
        _sync(partial)
        partial.replace(path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return path


def _replace_folder(catalog: Catalog, folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    # A file already there keeps its name (Applications.csv is the same table).
    present = {p.name.lower(): p.name for p in folder.iterdir() if p.is_file()}
    staging = Path(tempfile.mkdtemp(prefix=".vigie-", suffix=".partial", dir=folder))
    try:
        written = write_csv(catalog, staging)
        for path in written:
            _sync(path)
        targets = []
        for path in written:
            target = folder / present.get(path.name, path.name)
            path.replace(target)
            targets.append(target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return targets


def _sync(path: Path) -> None:
    """Flush a written file to the disk before it replaces another."""
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


@dataclass(frozen=True)
class Imported:
    """An import checked: its plan, and the workbook's ``_meta`` values (empty for CSV and JSON)."""

    plan: Plan
    current: Catalog
    meta: dict[str, str]


def plan_import(source: Path, catalog_path: Path) -> Imported:
    """Read ``source`` (any form) and merge its rows into the catalog at ``catalog_path``
    (an empty one when nothing is there yet); raises ConfigError with every problem, of the
    source and of the catalog it would make, each located (``Sheet!Cell`` in a workbook)."""
    form = form_of(source)
    current = load_catalog(catalog_path) if catalog_path.exists() else Catalog({}, {}, {}, {})
    problems: list[Problem] = []
    arrange: Callable[[list[Problem]], list[Problem]]
    if form is Form.XLSX:
        book = read_xlsx(source, problems)
        tables, meta = book.tables, book.meta

        def arrange(found: list[Problem]) -> list[Problem]:
            return [book.locate(p) for p in sorted(found, key=book.order)]

    else:
        # Rows the loader read by its fast path are read again as records: the merge reads cells.
        tables = {
            table: [entry.record() if isinstance(entry, Plain) else entry for entry in entries]
            for table, entries in read_tables(source, problems, extra=(STATUS,)).items()
        }
        meta, arrange = {}, _by_file
    if problems and not any(tables.values()):
        raise ConfigError(arrange(problems))
    kept = {
        table: str(catalog_path / f"{table}.csv" if form_of(catalog_path) is Form.CSV else catalog_path)
        for table in COLUMNS
    }
    plan = merge(current, tables, kept, problems)
    if plan is None or problems:
        raise ConfigError(arrange(problems))
    return Imported(plan, current, meta)


def _by_file(problems: list[Problem]) -> list[Problem]:
    """Problems of files in order: by the file's first appearance, then by line."""
    files = {name: index for index, name in enumerate(dict.fromkeys(p.file for p in problems))}
    return sorted(problems, key=lambda p: (files[p.file], p.line or 0))
