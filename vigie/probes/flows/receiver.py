"""The daemon's way into the flow store: POST /events batches and the files the file-flow
probes see (``received`` events, the file name as the key).

A POST /events body is a JSON array of events or JSON Lines, checked whole before anything
is stored: one bad event rejects the batch with 400 and the reason (``event 3: at: ...``).
The request carries ``Authorization: Bearer <token>``, the token being ``[flow_tracking]
token`` (an environment reference, read once at start). Writes go through one connection,
one at a time; a store kept busy beyond its timeout (a bulk `vigie flows ingest`) answers
503, to be retried.
"""

from __future__ import annotations

import hmac
import json
import logging
import sqlite3
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from vigie.kernel.problems import ConfigError
from vigie.probes.flows.ingest import EventReader
from vigie.probes.flows.lifecycle import Kind, Route
from vigie.probes.flows.store import FlowStore, Incoming

log = logging.getLogger("vigie.flows")


class FlowRecorder:
    """Records events for the daemon: request batches (when a token is set) and files seen."""

    def __init__(
        self,
        store_path: str | Path,
        routes: Mapping[str, Route],
        reader: EventReader,
        token: str | None = None,
        busy_timeout: float = 10.0,
    ) -> None:
        self.routes = routes
        self.reader = reader
        self.token = token
        self._store = FlowStore(store_path, busy_timeout)
        self._lock = threading.Lock()

    def authorised(self, header: str | None) -> bool:
        """Whether an ``Authorization`` header carries the token (compared in constant time)."""
        if self.token is None or header is None:
            return False
        scheme, _, given = header.partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), self.token.encode())

    def post(self, body: bytes) -> tuple[int, dict[str, Any]]:
        """Check and store a batch; the HTTP status and the JSON answer."""
        try:
            events = self.reader.body(body)
        except ConfigError as exc:
            problem = exc.problems[0]
            where = f"event {problem.line}: " if problem.line else ""
            field = f"{problem.key}: " if problem.key else ""
            return 400, {"error": f"{where}{field}{problem.message}", "stored": 0}
        if not events:
            return 400, {"error": "no event in the body", "stored": 0}
        try:
            result = self._write(events)
        except sqlite3.OperationalError as exc:
            return 503, {"error": f"flow store busy ({exc}): retry later", "stored": 0}
        return 200, {"stored": result, "events": len(events)}

    def files_seen(self, hop: str, files: Sequence[tuple[str, float]]) -> None:
        """Store a ``received`` event at ``hop`` for each (file name, modification time)."""
        if not files:
            return
        events = [Incoming(name, mtime, hop, Kind.RECEIVED) for name, mtime in files]
        try:
            self._write(events)
        except sqlite3.OperationalError as exc:  # the next round sees the files again
            log.warning(json.dumps({"event": "flows-busy", "files": len(events), "error": str(exc)}))

    def _write(self, events: list[Incoming]) -> int:
        with self._lock:
            self._store.ingest(events, self.routes)
        return len(events)

    def close(self) -> None:
        """Close the store."""
        with self._lock:
            self._store.close()
