"""`vigie status serve`: the public site as an ASGI app (Starlette), answered from memory.

A background thread renders the whole site (:func:`.site.render_site`) at start and then
every ``[status] refresh`` seconds, when the store changed or the minute turned (a
maintenance starts and ends by the clock); requests are answered from the last rendered
site, so a slow or locked store never slows the page, and a store gone or unreadable
leaves the last good pages up. The server reads only: GET and HEAD (405 otherwise), no
query string longer than :data:`MAX_QUERY`, ``Cache-Control`` with a short ``max-age`` and
an ``ETag`` (``If-None-Match`` gets 304), so a new update shows within a minute; gzipped
bytes (made once per rendering) to clients that accept them.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from email.utils import formatdate
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from vigie.console.status.site import Resource, render_site
from vigie.probes.config import ProbesConfig, probe_intervals
from vigie.probes.db import KeptReader
from vigie.probes.store import Store
from vigie.reports.status.config import StatusConfig
from vigie.reports.status.page import StatusPage, build_page

MAX_AGE = 30
BUSY_TIMEOUT = 2.0
"""How long a refresh waits for a store another process holds: then the last pages stay."""
MAX_QUERY = 256
LOG = logging.getLogger("vigie.status")
HEADERS = {
    "Cache-Control": f"public, max-age={MAX_AGE}",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; img-src 'self'; frame-ancestors 'none'",
}


class SiteCache:
    """The last rendered site, refreshed in a thread from the store at ``store_path``."""

    def __init__(
        self,
        store_path: Path,
        probes: ProbesConfig,
        config: StatusConfig,
        clock: Callable[[], float] = time.time,
        busy_timeout: float = BUSY_TIMEOUT,
    ) -> None:
        self.store_path = store_path
        self.probes = probes
        self.config = config
        self.clock = clock
        intervals = probe_intervals(probes)
        self._reader = KeptReader(lambda: Store(store_path, busy_timeout, intervals))
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._seen: tuple[int, int] | None = None
        self.pages: dict[str, Resource] = {}
        self.error: str | None = None
        self._thread: threading.Thread | None = None

    def page(self, missing_ok: bool = False) -> StatusPage:
        """The page at this instant, read from the store (raises when it cannot be read).

        ``missing_ok``: without a store yet, a page with no data and nothing published.
        """
        now = self.clock()
        if not self.store_path.exists():
            # Never create the store: that is the daemon's job, and a public page must not write.
            if missing_ok:
                return build_page(None, self.probes, self.config, now)
            raise FileNotFoundError(f"{self.store_path}: no measurement store")
        with self._reader.snapshot() as store:
            return build_page(store, self.probes, self.config, now)

    def refresh(self, force: bool = False) -> bool:
        """Render again if the store changed or the minute turned; True when new pages are up.
        A failure keeps the last good pages (and is logged once per kind of error)."""
        try:
            minute = int(self.clock() // 60)
            if not self.pages and not self.store_path.exists():
                # Nothing to keep yet: an empty page says "no data" rather than nothing at all.
                self.pages = render_site(self.page(missing_ok=True))
                raise FileNotFoundError(f"{self.store_path}: no measurement store")
            version = self._version()
            if not force and self._seen == (version, minute) and self.pages:
                return False
            pages = render_site(self.page())
        except Exception as exc:  # the store locked, gone, or half-written: keep the last pages
            message = f"{type(exc).__name__}: {exc}"
            if message != self.error:
                LOG.warning("status page not refreshed, keeping the last good pages: %s", message)
            self.error = message
            self._reader.close()
            self._seen = None
            return False
        with self._lock:
            self.pages = pages
        self._seen, self.error = (version, minute), None
        return True

    def _version(self) -> int:
        if not self.store_path.exists():
            raise FileNotFoundError(f"{self.store_path}: no measurement store")
        with self._reader.snapshot() as store:
            return store.data_version()

    def get(self, path: str) -> Resource | None:
        """The resource at a URL path (``/history/2017-07`` finds ``/history/2017-07/``)."""
        pages = self.pages
        return pages.get(path) or (pages.get(path + "/") if not path.endswith("/") else None)

    def start(self) -> None:
        """Render once now, then keep refreshing in a daemon thread."""
        self.refresh(force=True)
        self._thread = threading.Thread(target=self._loop, daemon=True, name="status-refresh")
        self._thread.start()

    def _loop(self) -> None:
        while not self._stop.wait(self.config.refresh):
            self.refresh()

    def stop(self) -> None:
        """Stop refreshing and close the store."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._reader.close()


def create_app(cache: SiteCache) -> Starlette:
    """The ASGI app over a site cache (the caller starts and stops the cache)."""
    root = cache.config.root

    async def serve(request: Request) -> Response:
        if len(request.url.query) > MAX_QUERY:
            return Response("query string too long\n", 414, media_type="text/plain")
        path = request.url.path
        if root and (path == root or path.startswith(root + "/")):
            path = path[len(root) :] or "/"
        found = cache.get(path)
        if found is None:
            if not cache.pages:
                return Response("status page not ready\n", 503, {"Retry-After": "5"}, "text/plain")
            return Response("not found\n", 404, media_type="text/plain")
        packed = found.gzipped is not None and "gzip" in request.headers.get("accept-encoding", "")
        etag = found.gzip_etag if packed else found.etag
        headers = {**HEADERS, "ETag": etag, "Last-Modified": formatdate(found.last_modified, usegmt=True)}
        if found.gzipped is not None:
            headers["Vary"] = "Accept-Encoding"
        if etag in _tags(request.headers.get("if-none-match", "")):
            return Response(status_code=304, headers=headers)
        if packed and found.gzipped is not None:
            headers["Content-Encoding"] = "gzip"
            return Response(found.gzipped, 200, headers, found.media_type)
        return Response(found.body, 200, headers, found.media_type)

    return Starlette(routes=[Route("/{path:path}", serve, methods=["GET", "HEAD"])])


def _tags(header: str) -> set[str]:
    return {tag.strip().removeprefix("W/") for tag in header.split(",") if tag.strip()}
