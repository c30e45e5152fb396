"""`vigie tickets pull`: tickets from GLPI's REST API (``apirest.php``), incrementally.

Follows GLPI's documented API: ``initSession`` with ``Authorization: user_token ...``
(and ``App-Token`` when the GLPI API client requires one), ``search/Ticket`` with
``forcedisplay`` search-option ids and ``range`` pages announced by ``Content-Range``
(answers 206 until the last page, 200 for a complete one), ``killSession`` at the end.
Tickets opened from incidents are added with ``POST Ticket`` and followed up with ``POST
ITILFollowup`` (``{"input": {...}}``, answered 201 with the new item's id).
Transient failures of reads (connection errors, 429 and 5xx answers) are retried with
exponential backoff by urllib3 (never an addition: a retried POST could open two tickets);
an expired session (401) is renewed once. Tokens are sent in headers only and scrubbed from
every message (the program's one scrubber, :mod:`vigie.probes.secrets`). GLPI's REST API does
not redirect, so redirects are not followed (requests would forward the ``App-Token`` header
to another origin): a redirect is an error naming where it pointed.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.util import Retry

from vigie.kernel.problems import ConfigError
from vigie.kernel.table import Table
from vigie.probes.secrets import SCRUBBER, scrub
from vigie.probes.tickets.config import GlpiConfig
from vigie.probes.tickets.mapping import GlpiMapper
from vigie.probes.tickets.model import Ticket
from vigie.probes.tickets.store import TicketStore

# Ticket search options (GLPI's documented ids): field id -> Vigie's GLPI field name.
SEARCH_FIELDS: Mapping[str, str] = {
    "2": "id",
    "12": "status",
    "15": "opened",
    "16": "closed",
    "17": "solved",
    "7": "category",
    "9": "request_source",
    "80": "entity",
    "8": "group",
    "19": "modified",
}
MODIFIED = "19"
INCIDENT_TYPE = 1
"""GLPI's ticket type for an incident (2 is a request)."""
_CONTENT_RANGE = re.compile(r"(\d+)-(\d+)/(\d+)")
_GLPI_TIME = "%Y-%m-%d %H:%M:%S"


class GlpiError(Exception):
    """GLPI could not be reached or refused; the message never holds a token."""


@dataclass(frozen=True)
class PullResult:
    """What a pull did: tickets fetched, the new cursor, tickets stored after it."""

    source: str
    fetched: int
    cursor: str | None
    stored: int


class GlpiClient:
    """A session on GLPI's REST API; use as a context manager (init/kill session)."""

    def __init__(self, config: GlpiConfig, environ: Mapping[str, str] | None = None) -> None:
        self.config = config
        self._user_token = config.user_token.reveal(environ)
        self._app_token = None if config.app_token is None else config.app_token.reveal(environ)
        self.session_token: str | None = None
        self.http = requests.Session()
        retry = Retry(
            total=config.retries,
            status_forcelist=(429, 500, 502, 503, 504),
            allowed_methods=frozenset({"GET"}),
            backoff_factor=config.backoff,
            raise_on_status=False,
        )
        adapter = HTTPAdapter(max_retries=retry)
        self.http.mount("http://", adapter)
        self.http.mount("https://", adapter)

    def __enter__(self) -> GlpiClient:
        self.open()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _headers(self, extra: Mapping[str, str]) -> dict[str, str]:
        headers = {"Content-Type": "application/json", **extra}
        if self._app_token:
            headers["App-Token"] = self._app_token
        return headers

    def _send(self, endpoint: str, headers: Mapping[str, str], params: Any = None) -> requests.Response:
        url = f"{self.config.url}/{endpoint}"
        try:
            return self.http.get(
                url,
                headers=self._headers(headers),
                params=params,
                timeout=self.config.timeout,
                verify=self.config.verify_tls,
                allow_redirects=False,
            )
        except requests.RequestException as exc:
            raise GlpiError(scrub(f"GLPI {endpoint}: cannot reach {self.config.url}: {exc}")) from None

    def _fail(self, endpoint: str, response: requests.Response) -> GlpiError:
        if response.is_redirect:
            location = response.headers.get("Location", "")
            return GlpiError(
                scrub(
                    f"GLPI {endpoint}: HTTP {response.status_code} redirect to {location or '(no Location)'} "
                    "not followed (GLPI's API does not redirect: check [tickets.glpi] url)"
                )
            )
        try:
            body = response.json()
            detail = " ".join(str(x) for x in body) if isinstance(body, list) else str(body)
        except ValueError:
            detail = response.text[:200]
        return GlpiError(scrub(f"GLPI {endpoint}: HTTP {response.status_code} {detail}".strip()))

    def open(self) -> None:
        """``initSession`` with the user token; keeps the session token."""
        response = self._send("initSession", {"Authorization": f"user_token {self._user_token}"})
        if response.status_code != 200:
            raise self._fail("initSession", response)
        try:
            self.session_token = str(response.json()["session_token"])
        except (ValueError, KeyError, TypeError):
            raise GlpiError("GLPI initSession: the answer holds no session_token") from None
        SCRUBBER.add([self.session_token])

    def close(self) -> None:
        """``killSession`` (best effort: the session expires anyway) and close connections."""
        if self.session_token is not None:
            with contextlib.suppress(GlpiError):
                self._send("killSession", {"Session-Token": self.session_token})
            self.session_token = None
        self.http.close()

    def get(self, endpoint: str, params: Any) -> requests.Response:
        """A GET in the session; a 401 (expired session) opens a new session once."""
        response = self._send(endpoint, {"Session-Token": self.session_token or ""}, params)
        if response.status_code == 401:
            self.open()
            response = self._send(endpoint, {"Session-Token": self.session_token or ""}, params)
        if response.status_code not in (200, 206):
            raise self._fail(endpoint, response)
        return response

    def post(self, endpoint: str, payload: Mapping[str, Any]) -> Any:
        """A POST in the session (adding an item), its JSON answer; a 401 (expired session)
        opens a new session once."""
        response = self._post(endpoint, payload)
        if response.status_code == 401:
            self.open()
            response = self._post(endpoint, payload)
        if response.status_code not in (200, 201):
            raise self._fail(endpoint, response)
        try:
            return response.json()
        except ValueError:
            raise GlpiError(f"GLPI {endpoint}: the answer is not JSON") from None

    def _post(self, endpoint: str, payload: Mapping[str, Any]) -> requests.Response:
        url = f"{self.config.url}/{endpoint}"
        try:
            return self.http.post(
                url,
                headers=self._headers({"Session-Token": self.session_token or ""}),
                json=payload,
                timeout=self.config.timeout,
                verify=self.config.verify_tls,
                allow_redirects=False,
            )
        except requests.RequestException as exc:
            raise GlpiError(scrub(f"GLPI {endpoint}: cannot reach {self.config.url}: {exc}")) from None

    def create_ticket(
        self, *, name: str, content: str, category_id: int, entity_id: int, urgency: int
    ) -> str:
        """Open an incident ticket (GLPI's type 1); returns its number."""
        fields: dict[str, Any] = {
            "name": name,
            "content": content,
            "entities_id": entity_id,
            "type": INCIDENT_TYPE,
            "urgency": urgency,
        }
        if category_id:
            fields["itilcategories_id"] = category_id
        return _added_id("Ticket", self.post("Ticket", {"input": fields}))

    def add_followup(self, ticket: str, content: str) -> str:
        """Add a follow-up to a ticket; returns the follow-up's id."""
        payload = {"input": {"itemtype": "Ticket", "items_id": int(ticket), "content": content}}
        return _added_id("ITILFollowup", self.post("ITILFollowup", payload))

    def search_tickets(self, since: str | None) -> Iterator[dict[str, str]]:
        """Every ticket modified after ``since`` (GLPI local time), oldest change first,
        as ``{field name: text}``; pages of ``page_size`` follow ``Content-Range``."""
        params: dict[str, str | int] = {"sort": MODIFIED, "order": "ASC"}
        for index, field in enumerate(SEARCH_FIELDS):
            params[f"forcedisplay[{index}]"] = field
        if since is not None:
            params.update(
                {
                    "criteria[0][field]": MODIFIED,
                    "criteria[0][searchtype]": "morethan",
                    "criteria[0][value]": since,
                }
            )
        start, size = 0, self.config.page_size
        # A ticket changed during the pull jumps to the end of the date_mod order and
        # shifts the rest back by one: pages overlap so the shifted rows are not skipped
        # (the duplicates are harmless, tickets are upserted).
        overlap = size // 20
        while True:
            params["range"] = f"{start}-{start + size - 1}"
            response = self.get("search/Ticket", params)
            try:
                body = response.json()
            except ValueError:
                raise GlpiError("GLPI search/Ticket: the answer is not JSON") from None
            rows = (body.get("data") or []) if isinstance(body, dict) else []
            if isinstance(rows, dict):  # withindexes-style answers
                rows = list(rows.values())
            for row in rows:
                yield {name: _text(row.get(fid)) for fid, name in SEARCH_FIELDS.items()}
            match = _CONTENT_RANGE.search(response.headers.get("Content-Range", ""))
            total = int(match.group(3)) if match else int(body.get("totalcount", 0))
            end = int(match.group(2)) if match else start + len(rows) - 1
            if not rows or end + 1 >= total:
                return
            start = max(start + 1, end + 1 - overlap)


def _added_id(endpoint: str, body: Any) -> str:
    """The id GLPI gives an added item: ``{"id": 15}`` (or a one-item list of those)."""
    item = body[0] if isinstance(body, list) and body else body
    ident = item.get("id") if isinstance(item, dict) else None
    if isinstance(ident, bool) or not isinstance(ident, int | str) or not str(ident).isdigit():
        raise GlpiError(f"GLPI {endpoint}: the answer holds no id of the added item")
    return str(ident)


def _text(value: Any) -> str:
    """A search value as text; several values (e.g. two assigned groups) one per line."""
    if value is None:
        return ""
    if isinstance(value, list):
        return "\n".join(_text(v) for v in value)
    return str(value)


def pull(client: GlpiClient, store: TicketStore, mapper: GlpiMapper, *, full: bool = False) -> PullResult:
    """Fetch tickets changed since the source's cursor (all of them when ``full``) and
    store them with the new cursor in one transaction. A ticket the mappings cannot
    read raises ConfigError naming it, and nothing is stored."""
    source = mapper.source
    cursor = None if full else store.cursor(source)
    # GLPI's "morethan" is strict and its times have one-second resolution: ask again for
    # the cursor's second so a change written just after the last pull is not lost.
    since = None if cursor is None else (datetime.strptime(cursor, _GLPI_TIME) - timedelta(seconds=1))
    tickets: dict[str, Ticket] = {}
    newest = cursor
    where = Table(f"{client.config.url}/search/Ticket")
    for values in client.search_tickets(None if since is None else since.strftime(_GLPI_TIME)):
        ticket = mapper.ticket(where.record(None, values, prefix=f"ticket {values.get('id') or '?'}: "))
        if ticket is None:
            raise ConfigError(where.problems[:1])
        tickets[ticket.id] = ticket
        modified = values.get("modified", "")
        if modified and (newest is None or modified > newest):
            newest = modified
    with store.transaction():
        store.upsert_in_transaction(tickets.values())
        if newest is not None:
            store.set_cursor_in_transaction(source, newest, len(tickets))
    return PullResult(source, len(tickets), newest, store.count())
