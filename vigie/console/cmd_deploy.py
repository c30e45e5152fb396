"""`vigie deploy --out DIR`: Prometheus, rules, Alertmanager, Sloth, Pyrra and Grafana files from config.toml
and the catalog (see :mod:`vigie.console.deploy`)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from vigie.catalog.loader import load_catalog
from vigie.console.deploy import ARTEFACTS
from vigie.console.errors import EXIT_OK, UserError
from vigie.console.output import print_json, print_table
from vigie.console.settings import config_path, load_settings
from vigie.kernel.text.language import Language


def register(sub: Any) -> None:
    """Add `vigie deploy` to the CLI."""
    deploy = sub.add_parser(
        "deploy",
        help="write Prometheus, rules, Alertmanager, Sloth, Pyrra and Grafana files for the agents and components",
        description="Write, from config.toml and the catalog, the configuration of the engine that "
        "scrapes the agents: prometheus/prometheus.yml (a scrape job per agent), "
        "prometheus/rules/vigie.yml (each component's verdict by its quorum of agents, burn-rate "
        "alerts on its target, absent agents paged as unknown), alertmanager/alertmanager.yml, "
        "sloth/*.yml, pyrra/*.yaml and "
        "grafana/vigie.json. Existing files are overwritten; nothing else in DIR is touched.",
    )
    deploy.add_argument("--config", metavar="FILE", default=argparse.SUPPRESS, help="configuration file")
    deploy.add_argument(
        "--out", metavar="DIR", required=True, help="folder to write into (created if missing)"
    )
    deploy.add_argument("--json", action="store_true", help="print the files written as JSON")
    deploy.add_argument("--lang", choices=("fr", "en"), help="language of the summary (default: config)")
    deploy.set_defaults(handler=run_deploy)


def run_deploy(args: argparse.Namespace) -> int:
    """Write every artefact under ``--out``."""
    settings = load_settings(config_path(getattr(args, "config", None)))
    catalog = load_catalog(settings.catalog.path) if settings.catalog.path is not None else None
    files: dict[str, str] = {}
    for module in ARTEFACTS:
        files.update(module.artefacts(settings, catalog))
    out = Path(args.out)
    written = []
    try:
        for relative, text in files.items():
            path = out / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            written.append((str(path), len(text.encode())))
    except OSError as exc:
        raise UserError(f"--out {out}: {exc.strerror or exc}") from None
    if args.json:
        print_json([{"path": p, "bytes": n} for p, n in written])
        return EXIT_OK
    lang = Language(args.lang or settings.language)
    print_table(
        [lang.t("cli.deploy.col.file"), lang.t("cli.deploy.col.size")],
        [[p, lang.number(n)] for p, n in written],
        title=lang.t("cli.deploy.title", out=out, files=lang.plural("cli.deploy.files", len(written))),
        right=(1,),
    )
    return EXIT_OK
