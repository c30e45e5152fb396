"""The daemon's HTTP server says nothing when a client leaves mid-answer (a scraper's timeout)
and one log line, never a traceback, for any other failure of a request."""

from __future__ import annotations

import logging

import pytest
from prometheus_client import CollectorRegistry

from vigie.probes.checks.heartbeat import Heartbeats
from vigie.probes.server import ProbeServer


def test_a_client_gone_is_silent_and_another_failure_is_one_log_line(
    caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    server = ProbeServer("127.0.0.1", 0, CollectorRegistry(), Heartbeats([]))
    try:
        with caplog.at_level(logging.WARNING, logger="vigie.server"):
            for error in (BrokenPipeError(32, "Broken pipe"), ConnectionResetError(104, "reset")):
                try:
                    raise error
                except ConnectionError:
                    server.handle_error(None, ("127.0.0.1", 5000))
            assert caplog.records == []
            try:
                raise ValueError("bad request line")
            except ValueError:
                server.handle_error(None, ("127.0.0.1", 5001))
        assert [r.getMessage() for r in caplog.records] == [
            "HTTP request from 127.0.0.1 failed: bad request line"
        ]
        assert capsys.readouterr().err == ""
    finally:
        server.server_close()
