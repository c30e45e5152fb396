"""`vigie catalog export|import FILE`: the catalog as a workbook, a CSV folder or a JSON file.

``export`` writes the catalog named by ``[catalog] path`` in the form FILE's name says;
``import`` reads FILE in any form, prints what it changes in that catalog (``--dry-run``)
or writes it there, all or nothing (``--apply``). Every problem is one located line, exit 2.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import Any

from vigie.catalog.changes import Plan, TableChanges
from vigie.catalog.forms import Form, form_of, plan_import, write_catalog
from vigie.catalog.loader import catalog_records
from vigie.catalog.model import Catalog
from vigie.catalog.xlsx import catalog_hash
from vigie.console.catalog_input import load_configured_catalog
from vigie.console.errors import EXIT_OK, EXIT_USAGE, UserError
from vigie.console.output import print_json
from vigie.console.settings import config_path, load_settings
from vigie.kernel.problems import ConfigError, Problem
from vigie.kernel.text.language import MISSING, Language
from vigie.kernel.text.messages import LANGUAGES

#: Rows kept though the file left them out, listed by key up to this many per table.
LISTED = 20


def register(sub: Any) -> None:
    """Add `vigie catalog export|import` to the CLI."""
    parser = sub.add_parser("catalog", help="export the catalog as xlsx, CSV or JSON; import it back")
    commands = parser.add_subparsers(dest="catalog_command", metavar="COMMAND", parser_class=type(parser))
    forms = "FILE.xlsx (a workbook), FILE.json, or a folder of CSV files"

    exp = commands.add_parser(
        "export", help="write the catalog as a workbook, a JSON file or a CSV folder", description=forms
    )
    exp.add_argument("file", metavar="FILE", type=Path, nargs="?", help=f"{forms} (default: standard output)")
    exp.add_argument(
        "--format", choices=[form.value for form in Form], help="the form (default: told by FILE's name)"
    )
    exp.add_argument("--lang", choices=LANGUAGES, help="the workbook's words (default: [vigie] language)")
    exp.add_argument("--config", metavar="FILE", default=argparse.SUPPRESS, help="configuration file")
    exp.add_argument("--json", action="store_true", help="print JSON for scripts")
    exp.set_defaults(handler=run_export)

    imp = commands.add_parser(
        "import",
        help="show (--dry-run) or write (--apply) what FILE changes in the catalog",
        description=f"{forms}. Rows are matched by id; a row is deleted only when its status "
        "column says 'supprimer' (or 'delete'), never because it is missing.",
    )
    imp.add_argument("file", metavar="FILE", type=Path, help=forms)
    mode = imp.add_mutually_exclusive_group(required=True)
    mode.add_argument("--dry-run", action="store_true", help="print the changes, write nothing")
    mode.add_argument("--apply", action="store_true", help="write the changed catalog, all or nothing")
    imp.add_argument("--config", metavar="FILE", default=argparse.SUPPRESS, help="configuration file")
    imp.add_argument("--json", action="store_true", help="print JSON for scripts")
    imp.set_defaults(handler=run_import)
    parser.set_defaults(handler=lambda args: parser.print_help() or EXIT_USAGE)


def _form(path: Path) -> str:
    try:
        return form_of(path).value
    except ValueError as exc:
        raise UserError(str(exc)) from None


def run_export(args: argparse.Namespace) -> int:
    """`vigie catalog export FILE`."""
    settings = load_settings(config_path(getattr(args, "config", None)))
    lang = Language(args.lang or settings.language)
    form = _export_form(args.file, args.format, args.json)
    catalog = load_configured_catalog(settings)
    try:
        if args.file is None:
            _export_to_stdout(catalog, Form(form), lang)
        else:
            write_catalog(catalog, args.file, lang, datetime.now(UTC))
    except ValueError as exc:
        raise UserError(str(exc)) from None
    except BrokenPipeError:
        raise  # the reader stopped reading (`| head`): not an error of ours
    except OSError as exc:
        raise UserError(f"{args.file or '-'}: cannot write: {exc.strerror or exc}") from None
    rows = {table: len(records) for table, records in catalog_records(catalog).items()}
    where = "-" if args.file is None else str(args.file)
    # The summary goes where the catalog does not: standard error when the catalog is on the output.
    report = sys.stdout if args.file is not None else sys.stderr
    if args.json:
        print_json({"file": where, "form": form, "rows": rows, "sha256": catalog_hash(catalog)})
        return EXIT_OK
    counts = ", ".join(f"{lang.t(f'catalog.sheet.{table}')} {lang.number(n)}" for table, n in rows.items())
    print(lang.t("cli.catalog.exported", path=where, colon=lang.colon, counts=counts), file=report)
    return EXIT_OK


def _export_form(file: Path | None, chosen: str | None, json: bool) -> str:
    """The export's form: ``--format``, else FILE's name; both given, they must agree."""
    if file is None:
        if json:
            raise UserError("catalog export --json: name a FILE (without it the catalog is the output)")
        if chosen is None:
            raise UserError("catalog export: name a FILE (.xlsx, .json or a folder) or give --format")
        if chosen == Form.CSV:
            raise UserError("catalog export --format csv: a CSV catalog is a folder of files: name a FOLDER")
        if chosen == Form.XLSX and sys.stdout.isatty():
            raise UserError(
                "catalog export --format xlsx: a workbook is binary: name a FILE.xlsx or redirect the output"
            )
        return chosen
    named = _form(file)
    if chosen is not None and chosen != named:
        hint = "a folder" if chosen == Form.CSV else f"FILE.{chosen}"
        raise UserError(f"{file}: the name says {named}, --format says {chosen} (name {hint})")
    return named


def _export_to_stdout(catalog: Catalog, form: Form, lang: Language) -> None:
    """The catalog written to standard output (a workbook as its bytes)."""
    with tempfile.TemporaryDirectory(prefix="vigie-export-") as folder:
        path = Path(folder) / f"catalog.{form.value}"
        write_catalog(catalog, path, lang, datetime.now(UTC))
        sys.stdout.flush()
        with path.open("rb") as source:
            shutil.copyfileobj(source, sys.stdout.buffer)
        sys.stdout.buffer.flush()


def run_import(args: argparse.Namespace) -> int:
    """`vigie catalog import FILE --dry-run|--apply`."""
    settings = load_settings(config_path(getattr(args, "config", None)))
    lang = Language(settings.language)
    target = settings.catalog.path
    if target is None:
        raise ConfigError(
            [Problem(str(settings.file), None, "catalog.path", "not set (the catalog's folder)")]
        )
    _form(args.file)
    if _form(target) == Form.XLSX:
        raise UserError(
            f"{target}: [catalog] path names a folder of CSV files or a .json file, not a workbook"
        )
    imported = plan_import(args.file, target)
    plan = imported.plan
    written: list[Path] = []
    if args.apply and plan.changed:
        try:
            written = write_catalog(plan.catalog, target, lang, datetime.now(UTC))
        except OSError as exc:
            raise UserError(f"{target}: cannot write: {exc.strerror or exc}") from None
    since = _changed_since(imported.meta, imported.current)
    if args.json:
        print_json(
            {
                "file": str(args.file),
                "catalog": str(target),
                "applied": bool(written),
                "changed": plan.changed,
                "exported_at": imported.meta.get("exported_at"),
                "catalog_changed_since_export": since,
                "tables": {t.table: _table_json(t) for t in plan.tables},
                "written": [str(p) for p in written],
            }
        )
        return EXIT_OK
    print(lang.t("cli.catalog.title", source=args.file, catalog=target))
    if since is not None:
        when = _when(imported.meta.get("exported_at"), settings.timezone, lang)
        print(
            lang.t(
                "cli.catalog.changed_since" if since else "cli.catalog.same_catalog",
                when=when,
                colon=lang.colon,
            )
        )
    _print_plan(plan, lang)
    if not plan.changed:
        print(lang.t("cli.catalog.no_change", colon=lang.colon))
    elif written:
        files = lang.plural("cli.catalog.files", len(written))
        print(lang.t("cli.catalog.applied", path=target, colon=lang.colon, files=files))
    else:
        print(lang.t("cli.catalog.dry_run", colon=lang.colon))
    return EXIT_OK


def _changed_since(meta: dict[str, str], current: Any) -> bool | None:
    """Whether the catalog changed since the workbook was exported (None: not known)."""
    exported = meta.get("catalog_sha256")
    return None if not exported else exported != catalog_hash(current)


def _when(text: str | None, zone: tzinfo, lang: Language) -> str:
    """The export's time, in the configured time zone."""
    try:
        return lang.date_time(datetime.fromisoformat(text or "").astimezone(zone))
    except ValueError:
        return text or MISSING


def _shown(value: Any) -> str:
    """A value as the CSV form writes it; an empty one as the missing figure."""
    if value is None or value == "" or value == []:
        return MISSING
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "|".join(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _print_plan(plan: Plan, lang: Language) -> None:
    hint = False
    for changes in plan.tables:
        sheet = lang.t(f"catalog.sheet.{changes.table}")
        if not changes.read:
            print(f"{sheet}{lang.colon}{lang.t('cli.catalog.not_read', n=lang.number(changes.unchanged))}")
            continue
        counts = [
            lang.plural(f"cli.catalog.{what}", n)
            for what, n in (
                ("created", len(changes.created)),
                ("updated", len(changes.updated)),
                ("deleted", len(changes.deleted)),
                ("unchanged", changes.unchanged),
                ("absent", len(changes.absent)),
            )
            if n
        ]
        print(f"{sheet}{lang.colon}{', '.join(counts) or lang.t('cli.catalog.empty')}")
        for row in changes.created:
            print(f"  + {row.key}" + (f" ({row.name})" if row.name and row.name != row.key else ""))
        separator = " ; " if lang.code == "fr" else "; "
        for row in changes.updated:
            cells = separator.join(f"{c.column} {_shown(c.old)} → {_shown(c.new)}" for c in row.cells)
            print(f"  ~ {row.key}{lang.colon}{cells}")
        for row in changes.deleted:
            print(f"  - {row.key}")
        for key in changes.absent[:LISTED]:
            print(f"  = {key}")
        if len(changes.absent) > LISTED:
            print("    " + lang.t("cli.catalog.more", n=lang.number(len(changes.absent) - LISTED)))
        hint = hint or bool(changes.absent)
    if hint:
        print(lang.t("cli.catalog.absent_hint", colon=lang.colon))


def _table_json(changes: TableChanges) -> dict[str, Any]:
    return {
        "in_file": changes.read,
        "created": [{"key": r.key, "name": r.name} for r in changes.created],
        "updated": [
            {"key": r.key, "cells": {c.column: {"old": c.old, "new": c.new} for c in r.cells}}
            for r in changes.updated
        ],
        "deleted": [r.key for r in changes.deleted],
        "unchanged": changes.unchanged,
        "absent": changes.absent,
    }
