"""The daemon's HTTP server: ``GET /metrics`` (Prometheus), ``POST /push/<token>`` (heartbeats)
and ``POST /events`` (flow events, when ``[flow_tracking] token`` is set).

Bound to ``[exporter] host`` (127.0.0.1 unless configured otherwise). A push with an
unknown token gets 404, the same as any unknown path, so tokens cannot be probed.
"""

from __future__ import annotations

import json
import logging
import selectors
import socket
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from prometheus_client.registry import CollectorRegistry

from vigie.probes.checks.heartbeat import Heartbeats
from vigie.probes.flows.ingest import MAX_BODY
from vigie.probes.flows.receiver import FlowRecorder

log = logging.getLogger("vigie.server")

MAX_PUSH_BODY = 64 * 1024


class ProbeServer(ThreadingHTTPServer):
    """A threaded HTTP server serving metrics and heartbeats."""

    daemon_threads = True

    def __init__(
        self,
        host: str,
        port: int,
        registry: CollectorRegistry,
        heartbeats: Heartbeats,
        events: FlowRecorder | None = None,
    ) -> None:
        self.registry = registry
        self.heartbeats = heartbeats
        self.events = events
        super().__init__((host, port), _Handler)
        self._thread: threading.Thread | None = None
        self._stopping = False
        self._wake_reader, self._wake_writer = socket.socketpair()

    @property
    def url(self) -> str:
        """Base URL of the server, with the port actually bound."""
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> None:
        """Serve on a background thread."""
        self._thread = threading.Thread(target=self._serve, name="vigie-http", daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        # socketserver's serve_forever wakes twice a second to look for shutdown(), which
        # costs the idle daemon more than a scrape: this loop sleeps until a client or stop().
        with selectors.DefaultSelector() as selector:
            selector.register(self, selectors.EVENT_READ)
            selector.register(self._wake_reader, selectors.EVENT_READ)
            while True:
                ready = selector.select()
                if self._stopping:
                    return
                if any(key.fileobj is self for key, _ in ready):
                    self.handle_request()  # ready: it does not block

    def stop(self) -> None:
        """Stop serving and close the socket."""
        if self._thread is not None:
            self._stopping = True
            self._wake_writer.send(b"\0")
            self._thread.join(5)
        self._wake_reader.close()
        self._wake_writer.close()
        self.server_close()

    def handle_error(self, request: object, client_address: Any) -> None:
        """A client gone mid-answer (a scraper's timeout) is nothing to report; anything else
        is one log line, never a traceback on the daemon's stderr."""
        error = sys.exc_info()[1]
        if not isinstance(error, ConnectionError):
            log.warning("HTTP request from %s failed: %s", client_address[0], error)


class _Handler(BaseHTTPRequestHandler):
    server: ProbeServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: scrapes every few seconds would drown the alert lines."""

    def _reply(self, status: int, body: bytes, content_type: str = "text/plain; charset=utf-8") -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        if self.path.split("?", 1)[0] == "/metrics":
            try:
                body = generate_latest(self.server.registry)
            except Exception as exc:  # a scrape error is the scraper's to see, not the daemon's end
                log.exception("scrape failed")
                self._reply(500, f"scrape failed: {type(exc).__name__}\n".encode())
                return
            self._reply(200, body, CONTENT_TYPE_LATEST)
        elif self.path == "/":
            self._reply(200, b"vigie: /metrics, POST /push/<token>\n")
        else:
            self._reply(404, b"not found\n")

    def do_POST(self) -> None:
        if self.path.split("?", 1)[0] == "/events" and self.server.events is not None:
            self._events(self.server.events)
            return
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_PUSH_BODY:
            self._reply(413, b"body too large\n")
            return
        self.rfile.read(length)
        prefix = "/push/"
        if not self.path.startswith(prefix):
            self._reply(404, b"not found\n")
            return
        probe = self.server.heartbeats.accept(self.path[len(prefix) :].split("?", 1)[0])
        if probe is None:
            self._reply(404, b"not found\n")
            return
        self._reply(200, json.dumps({"probe": probe, "ok": True}).encode(), "application/json")

    def _events(self, events: FlowRecorder) -> None:
        """A batch of flow events: the token first, then the body, all of it or nothing."""
        length = int(self.headers.get("Content-Length") or 0)
        if not events.authorised(self.headers.get("Authorization")):
            self.rfile.read(min(length, MAX_BODY))
            self.close_connection = length > MAX_BODY
            body = json.dumps({"error": "missing or wrong bearer token"}).encode()
            self.send_response(401)
            self.send_header("WWW-Authenticate", 'Bearer realm="vigie"')
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        if length > MAX_BODY:
            self.close_connection = True
            self._reply(
                413,
                json.dumps({"error": f"body over {MAX_BODY} bytes: send smaller batches"}).encode(),
                "application/json",
            )
            return
        status, answer = events.post(self.rfile.read(length))
        self._reply(status, json.dumps(answer, ensure_ascii=False).encode(), "application/json")
