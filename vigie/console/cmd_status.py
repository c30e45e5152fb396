"""`vigie status serve | build`: the public status page, served or written as static files."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vigie.console.errors import UserError
from vigie.console.settings import Settings, config_path, load_settings
from vigie.kernel.text.language import Language

if TYPE_CHECKING:
    from vigie.console.status.site import Resource

PAGE_FILE = "index.html"


def register(sub: Any) -> None:
    """Add `vigie status` to the CLI."""
    parser = sub.add_parser(
        "status",
        help="the public status page: serve it, or build it as static files",
        description="The public status page: each public component's state as communicated, its daily "
        "bars from the measurements, incidents and maintenance notices, in French (at /) and English "
        "(/en/), with a Statuspage-compatible JSON API (/api/v2/summary.json), an Atom feed "
        "(/history.atom) and SVG badges (/badge/ID.svg).",
    )
    parser.add_argument("--config", metavar="FILE", default=argparse.SUPPRESS, help="configuration file")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    serve = actions.add_parser(
        "serve",
        help="serve the page (read-only; 127.0.0.1 unless [status] host says otherwise)",
        description="Serve the page with uvicorn, read-only (GET and HEAD). The pages are rendered in "
        "memory and refreshed every [status] refresh; when the store cannot be read, the last good "
        "pages stay up.",
    )
    serve.add_argument("--config", metavar="FILE", default=argparse.SUPPRESS, help="configuration file")
    serve.add_argument("--host", help="address to listen on (default: [status] host, 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port (default: [status] port, 8470)")
    serve.set_defaults(handler=run_serve)
    build = actions.add_parser(
        "build",
        help="write the page as static files (for nginx or a CDN)",
        description="Write the same pages, JSON, feed and badges as files under DIR (each file replaced "
        "whole, so a web server never serves half a file). Serve DIR as the site's root.",
    )
    build.add_argument("--config", metavar="FILE", default=argparse.SUPPRESS, help="configuration file")
    build.add_argument("--out", required=True, metavar="DIR", help="folder to write the site into")
    build.set_defaults(handler=run_build)


def _cache(settings: Settings) -> Any:
    # Imported on use: starlette and the templates would slow every other command's start.
    from vigie.console.status.app import SiteCache

    return SiteCache(settings.store_path(), settings.probes, settings.status)


def run_serve(args: argparse.Namespace) -> int:
    """Serve the page until interrupted."""
    import uvicorn

    from vigie.console.status.app import create_app

    settings = load_settings(config_path(getattr(args, "config", None)))
    host = args.host or settings.status.host
    port = settings.status.port if args.port is None else args.port
    cache = _cache(settings)
    cache.start()
    t = Language(settings.language).t
    if cache.error:
        sys.stderr.write(f"vigie status: {t('cli.status.unreadable', error=cache.error)}\n")
    sys.stderr.write(f"vigie status: {t('cli.status.serving', url=f'http://{host}:{port}/')}\n")
    sys.stderr.flush()
    try:
        uvicorn.run(create_app(cache), host=host, port=port, log_level="warning", access_log=False)
    finally:
        cache.stop()
    return 0


def run_build(args: argparse.Namespace) -> int:
    """Render the site once and write it under ``--out``."""
    settings = load_settings(config_path(getattr(args, "config", None)))
    cache = _cache(settings)
    started = time.perf_counter()
    from vigie.console.status.site import render_site

    try:
        pages = render_site(cache.page())
    except FileNotFoundError as exc:
        raise UserError(str(exc)) from None
    finally:
        cache.stop()
    out = Path(args.out)
    written = write_site(pages, out)
    lang = Language(settings.language)
    print(
        lang.t(
            "cli.status.built",
            files=lang.number(written),
            out=out,
            seconds=lang.duration(time.perf_counter() - started),
        )
    )
    return 0


def file_of(path: str) -> str:
    """The file a site path is written to (``/history/`` is ``history/index.html``)."""
    relative = path.lstrip("/")
    return relative + PAGE_FILE if relative.endswith("/") or not relative else relative


def write_site(pages: dict[str, Resource], out: Path) -> int:
    """Write every resource under ``out``, each replaced whole (and its gzipped bytes beside
    it as ``NAME.gz``, for web servers that serve precompressed files: nginx's gzip_static);
    returns the number of resources."""
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError(f"--out {out}: {exc.strerror}") from None
    for path, found in pages.items():
        target = out / file_of(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        _replace(target, found.body)
        if found.gzipped is not None:
            _replace(target.with_name(target.name + ".gz"), found.gzipped)
    return len(pages)


def _replace(target: Path, data: bytes) -> None:
    """Write ``target`` through a temporary file renamed over it: never seen half-written."""
    fd, temp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    os.chmod(temp, 0o644)
    os.replace(temp, target)
