"""What importing a catalog's rows changes: the rows merged into the current catalog, checked
as a whole, and the difference, table by table.

The rows read (from a workbook, a CSV folder or a JSON file) are matched with the catalog's
by key: the id (a domain's name; a reserve's homologation and text). A row read replaces
the catalog's rows of its key, or adds one; a catalog row the source does not hold is kept
(a deletion candidate, listed), never inferred deleted; a row whose ``status`` says
``supprimer`` (or ``delete``) removes the rows of its key. A table the source does not hold
at all is kept as it is. The merged rows are then checked by the catalog's own rules
(:func:`~vigie.catalog.loader.build_catalog`), so a row deleted while others still refer to
it, or a new row naming an unknown ministry, is a problem located where it is.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from vigie.catalog.loader import COLUMNS, build_catalog, catalog_records
from vigie.catalog.model import Catalog
from vigie.kernel.problems import Problem
from vigie.kernel.table import Codes, Record, Table
from vigie.kernel.text.language import Language
from vigie.kernel.text.messages import LANGUAGES

#: The column, last on a workbook's sheets, where a source row is marked for deletion.
STATUS = "status"
#: What marks a row for deletion: the word of either language.
MARKS = Codes.words(Language(code).t("catalog.xlsx.delete") for code in LANGUAGES)
#: The columns whose values make a row's key, by table (the id otherwise).
KEYS: dict[str, tuple[str, ...]] = {"domains": ("name",), "reserves": ("homologation", "text")}


def key_columns(table: str) -> tuple[str, ...]:
    """The columns whose values identify a row of ``table``."""
    return KEYS.get(table, ("id",))


def row_key(table: str, values: dict[str, Any]) -> str | None:
    """A row's key as shown (``hom-1 / Chiffrer les flux`` for a reserve), None when a part is empty."""
    columns = KEYS.get(table)
    if columns is None:  # the id alone: most rows, kept quick for large maps
        ident = values.get("id")
        return None if ident is None or ident == "" else ident if ident.__class__ is str else str(ident)
    parts = [values.get(column) for column in columns]
    if any(part is None or part == "" for part in parts):
        return None
    return " / ".join(str(part) for part in parts)


@dataclass(frozen=True)
class Cell:
    """One value changed: the column, the value before and after (JSON form, None for empty)."""

    column: str
    old: Any
    new: Any


@dataclass(frozen=True)
class Row:
    """A row created, updated or deleted, by key; ``name`` says what it is (its name or text)."""

    key: str
    name: str = ""
    cells: tuple[Cell, ...] = ()


@dataclass
class TableChanges:
    """What an import changes in one table. ``read``: the source holds the table (when it
    does not, the table is kept as it is and ``unchanged`` counts its rows)."""

    table: str
    read: bool
    created: list[Row] = field(default_factory=list)
    updated: list[Row] = field(default_factory=list)
    unchanged: int = 0
    deleted: list[Row] = field(default_factory=list)
    absent: list[str] = field(default_factory=list)  # in the catalog, not in the source: kept as they are

    @property
    def changed(self) -> bool:
        """Whether the table is written differently."""
        return bool(self.created or self.updated or self.deleted)


@dataclass(frozen=True)
class Plan:
    """An import checked: the catalog it makes and what it changes, table by table."""

    catalog: Catalog
    tables: list[TableChanges]

    @property
    def changed(self) -> bool:
        """Whether the catalog changes at all."""
        return any(t.changed for t in self.tables)


def plan_import(
    current: Catalog,
    source: dict[str, list[Record] | None],
    kept_files: dict[str, str],
    problems: list[Problem],
) -> Plan | None:
    """The catalog made by importing ``source`` (each table's rows, None for a table the
    source lacks) into ``current``, and its changes; None when ``problems`` holds any once
    merged rows are checked. Rows kept from ``current`` report their problems under their
    table's file in ``kept_files``, keyed ``table[key].column``.
    """
    before = catalog_records(current)
    merged: dict[str, list[Record]] = {}
    touched: dict[str, set[str]] = {}
    marked: dict[str, set[str]] = {}
    for table in COLUMNS:
        rows = source.get(table)
        kept = Table(kept_files[table], problems)
        if rows is None:
            merged[table] = [_kept(kept, table, values) for values in before[table]]
            continue
        merged[table], touched[table], marked[table] = _merge(table, rows, before[table], kept)
    catalog = build_catalog(merged)
    if problems:
        return None
    after = catalog_records(catalog)
    changes = [
        _changes(table, before[table], after[table], touched.get(table), marked.get(table, set()))
        for table in COLUMNS
    ]
    return Plan(catalog, changes)


def _kept(kept: Table, table: str, values: dict[str, Any]) -> Record:
    return kept.record(None, values, prefix=f"{table}[{row_key(table, values)}].")


def _merge(
    table: str, rows: list[Record], current: list[dict[str, Any]], kept: Table
) -> tuple[list[Record], set[str], set[str]]:
    """The rows of one table after the import, the keys the source holds, those it deletes."""
    deleting: dict[str, Record] = {}
    replacing: dict[str, list[Record]] = {}
    keyless: list[Record] = []
    for row in rows:
        key = row_key(table, row.values)
        mark = row.choice(STATUS, MARKS) if STATUS in row.values else None
        if mark is not None:
            if key is None:
                for column in key_columns(table):
                    row.string(column, required=True)
            else:
                deleting.setdefault(key, row)
        elif key is None:
            keyless.append(row)
        else:
            replacing.setdefault(key, []).append(row)
    for key, row in deleting.items():
        if key in replacing:
            again = replacing[key][0]
            row.problem(STATUS, f"'{key}' is marked for deletion but defined again at line {again.line}")
    out: list[Record] = []
    present = _grouped(table, current)
    # The catalog's order first (rows replaced in place), then the new rows in the source's.
    for key, group in present.items():
        if key in replacing:
            out.extend(replacing[key])
        elif key not in deleting:
            out.extend(_kept(kept, table, values) for values in group)
    out.extend(row for key, group in replacing.items() if key not in present for row in group)
    out.extend(keyless)
    return out, {*replacing, *deleting}, set(deleting)


def _grouped(table: str, records: Iterable[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    groups: dict[str, list[dict[str, Any]]] = {}
    for values in records:
        key = row_key(table, values)
        if key is not None:
            groups.setdefault(key, []).append(values)
    return groups


def _changes(
    table: str,
    before: list[dict[str, Any]],
    after: list[dict[str, Any]],
    touched: set[str] | None,
    deleted: set[str],
) -> TableChanges:
    old, new = _grouped(table, before), _grouped(table, after)
    changes = TableChanges(table, touched is not None)
    for key, rows in new.items():
        was = old.get(key)
        if was is None:
            changes.created.append(Row(key, _name(rows[0])))
        elif touched is not None and key not in touched:
            changes.absent.append(key)
        elif was == rows:
            changes.unchanged += 1
        else:
            cells = tuple(
                Cell(column, was[0][column], rows[0][column])
                for column in COLUMNS[table]
                if was[0][column] != rows[0][column]
            )
            changes.updated.append(Row(key, _name(rows[0]), cells))
    for key, rows in old.items():
        if key not in new and key in deleted:
            changes.deleted.append(Row(key, _name(rows[0])))
    return changes


def _name(values: dict[str, Any]) -> str:
    return str(values.get("name") or "")
