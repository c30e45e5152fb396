"""A loopback GLPI REST API for tests, built from GLPI's documented API (``apirest.md`` of
glpi-project/glpi): ``initSession`` (``Authorization: user_token ...`` and ``App-Token``
headers, answering ``{"session_token": ...}`` or 401), ``killSession``, and
``search/Ticket`` with ``forcedisplay[]`` search-option ids, ``criteria[0]`` on a field
with ``morethan``, ``sort``/``order``, ``range=start-end`` pages answered 206 with
``Content-Range: start-end/total`` (200 for the last page) and ``{"totalcount", "count",
"data": [{option id: value}]}`` bodies; errors as GLPI's ``["ERROR_...", "message"]`` arrays.
Adding items (``POST :itemtype`` with ``{"input": {...}}``, answered ``201`` with ``{"id": n}``
and a ``Location`` header): ``Ticket`` (``name`` and ``content`` required) and
``ITILFollowup`` (``itemtype`` "Ticket", ``items_id`` of an existing ticket, ``content``).

Faults for the client's resilience: answers to queue before the next search pages
(e.g. 500) or the next additions (``post_faults``), sessions that expire after some pages (401 ERROR_SESSION_TOKEN_INVALID), and a
hook run after the first page (a ticket changed by someone during the pull).
"""

from __future__ import annotations

import json
import secrets
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class FakeGlpi:
    """State of the fake server; ``tickets`` rows are keyed by search-option id (str)."""

    app_token: str
    user_token: str
    tickets: list[dict[str, Any]] = field(default_factory=list)
    faults: list[int] = field(default_factory=list)
    post_faults: list[int] = field(default_factory=list)
    created: dict[int, dict[str, Any]] = field(default_factory=dict)
    followups: list[dict[str, Any]] = field(default_factory=list)
    expire_after_pages: int | None = None
    after_first_page: Callable[[FakeGlpi], None] | None = None
    sessions: set[str] = field(default_factory=set)
    calls: list[tuple[str, dict[str, list[str]], dict[str, str]]] = field(default_factory=list)
    pages_served: int = 0
    url: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock)

    def endpoint_calls(self, endpoint: str) -> list[dict[str, list[str]]]:
        """Query strings of the calls made to ``endpoint``."""
        return [query for path, query, _ in self.calls if path == endpoint]

    def answer(
        self, path: str, query: dict[str, list[str]], headers: dict[str, str]
    ) -> tuple[int, dict[str, str], Any]:
        """Status, extra headers and JSON body for one GET."""
        with self.lock:
            self.calls.append((path, query, headers))
            if headers.get("App-Token") != self.app_token:
                return 400, {}, ["ERROR_APP_TOKEN_PARAMETERS_MISSING", "missing or wrong App-Token"]
            if path == "initSession":
                if headers.get("Authorization") != f"user_token {self.user_token}":
                    return 401, {}, ["ERROR_GLPI_LOGIN_USER_TOKEN", "parameter user_token seems invalid"]
                token = secrets.token_hex(20)
                self.sessions.add(token)
                return 200, {}, {"session_token": token}
            token = headers.get("Session-Token", "")
            if token not in self.sessions:
                return 401, {}, ["ERROR_SESSION_TOKEN_INVALID", "session_token seems invalid"]
            if path == "killSession":
                self.sessions.discard(token)
                return 200, {}, True
            if path == "search/Ticket":
                return self._search(query)
            return 400, {}, ["ERROR_ITEMTYPE_NOT_FOUND_NOR_COMMONDBTM", path]

    def add(self, path: str, body: Any, headers: dict[str, str]) -> tuple[int, dict[str, str], Any]:
        """Status, extra headers and JSON body for one POST (adding an item)."""
        with self.lock:
            self.calls.append((path, {}, headers))
            if headers.get("App-Token") != self.app_token:
                return 400, {}, ["ERROR_APP_TOKEN_PARAMETERS_MISSING", "missing or wrong App-Token"]
            if headers.get("Session-Token", "") not in self.sessions:
                return 401, {}, ["ERROR_SESSION_TOKEN_INVALID", "session_token seems invalid"]
            if self.post_faults:
                return self.post_faults.pop(0), {}, ["ERROR", "simulated failure"]
            item = body.get("input") if isinstance(body, dict) else None
            if not isinstance(item, dict):
                return 400, {}, ["ERROR_BAD_ARRAY", "input should be an object"]
            if path == "Ticket":
                if not item.get("name") or not item.get("content"):
                    return 400, {}, ["ERROR_GLPI_ADD", "name and content are mandatory"]
                number = 1000 + len(self.created) + 1
                self.created[number] = dict(item)
                return 201, {"Location": f"{self.url}/Ticket/{number}"}, {"id": number, "message": ""}
            if path == "ITILFollowup":
                if item.get("itemtype") != "Ticket" or item.get("items_id") not in self.created:
                    return 400, {}, ["ERROR_GLPI_ADD", "item not found"]
                self.followups.append(dict(item))
                number = len(self.followups)
                return 201, {"Location": f"{self.url}/ITILFollowup/{number}"}, {"id": number, "message": ""}
            return 400, {}, ["ERROR_ITEMTYPE_NOT_FOUND_NOR_COMMONDBTM", path]

    def _search(self, query: dict[str, list[str]]) -> tuple[int, dict[str, str], Any]:
        if self.faults:
            return self.faults.pop(0), {}, ["ERROR", "simulated failure"]
        rows = list(self.tickets)
        if "criteria[0][field]" in query:
            option = query["criteria[0][field]"][0]
            assert query["criteria[0][searchtype]"] == ["morethan"]
            value = query["criteria[0][value]"][0]
            rows = [r for r in rows if str(r.get(option) or "") > value]
        sort = query.get("sort", ["1"])[0]
        rows.sort(key=lambda r: (str(r.get(sort) or ""), int(r["2"])), reverse=query.get("order") == ["DESC"])
        first, _, last = query.get("range", ["0-49"])[0].partition("-")
        start, end = int(first), int(last)
        total = len(rows)
        if total and start >= total:
            return 400, {}, ["ERROR_RANGE_EXCEED_TOTAL", "range exceeds total"]
        shown = [k for k, v in sorted(query.items()) if k.startswith("forcedisplay[")]
        options = {query[k][0] for k in shown} | {"1", "2", "80"}
        page = [{o: r.get(o) for o in sorted(options)} for r in rows[start : end + 1]]
        self.pages_served += 1
        if self.pages_served == 1 and self.after_first_page is not None:
            self.after_first_page(self)
        if self.expire_after_pages is not None and self.pages_served >= self.expire_after_pages:
            self.sessions.clear()
            self.expire_after_pages = None
        last_index = start + len(page) - 1
        headers = {"Content-Range": f"{start}-{max(last_index, 0)}/{total}", "Accept-Range": "990"}
        status = 206 if last_index < total - 1 else 200
        body = {"totalcount": total, "count": len(page), "data": page}
        return status, headers, body


def _handler(glpi: FakeGlpi) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            path = parts.path.removeprefix("/apirest.php/").strip("/")
            self._reply(*glpi.answer(path, parse_qs(parts.query), dict(self.headers.items())))

        def do_POST(self) -> None:
            path = urlsplit(self.path).path.removeprefix("/apirest.php/").strip("/")
            length = int(self.headers.get("Content-Length") or 0)
            try:
                body = json.loads(self.rfile.read(length) or b"null")
            except ValueError:
                body = None
            self._reply(*glpi.add(path, body, dict(self.headers.items())))

        def _reply(self, status: int, headers: dict[str, str], body: Any) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=UTF-8")
            self.send_header("Content-Length", str(len(data)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@contextmanager
def running(glpi: FakeGlpi) -> Iterator[FakeGlpi]:
    """Serve ``glpi`` on 127.0.0.1 (an ephemeral port) for the duration of the block."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(glpi))
    server.daemon_threads = True
    glpi.url = f"http://127.0.0.1:{server.server_address[1]}/apirest.php"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield glpi
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
