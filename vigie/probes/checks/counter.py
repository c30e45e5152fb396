"""Throughput counters: a number read from a JSON endpoint or a Prometheus instant query.

A ``counter`` reading (a growing total) becomes a rate per second from two successive
readings; a reset (the total went down) restarts from the new reading. The first check
after a start reads twice, :data:`FIRST_SPAN` apart (within its timeout), so a rate shows
at once rather than one interval later (five minutes of "—" for a 5-minute probe). A ``rate``
reading is taken as it is. The Prometheus source speaks the documented HTTP API:
``GET <url>/api/v1/query?query=...`` answering a ``vector`` or ``scalar`` result.
Redirects follow the HTTP probe's rules (credential headers left out on another origin,
https to http refused).
"""

from __future__ import annotations

import json
import math
import threading
import time
from typing import Any
from urllib.parse import urljoin

import requests

from vigie.accounting.results import Status
from vigie.probes import jsonpath
from vigie.probes.checks.base import Outcome, short
from vigie.probes.checks.http import RedirectRefused, redirected_headers
from vigie.probes.config import CounterOptions
from vigie.probes.secrets import SecretError, is_credential

MAX_BYTES = 1_000_000
MAX_REDIRECTS = 3
FIRST_SPAN = 5.0
"""Seconds between the two readings of a counter's first check (at most half its timeout)."""


def _fetch_json(options: CounterOptions, timeout: float) -> Any:
    headers = [(name, value.reveal(), is_credential(name, value)) for name, value in options.headers]
    url, params = options.url, None
    if options.source == "prometheus":
        url = url.rstrip("/")
        if not url.endswith("/api/v1/query"):
            url += "/api/v1/query"
        params = {"query": options.query}
    for _ in range(MAX_REDIRECTS + 1):
        with requests.get(
            url,
            params=params,
            headers={name: value for name, value, _ in headers},
            timeout=timeout,
            verify=options.verify_tls,
            stream=True,
            allow_redirects=False,
        ) as response:
            if not response.is_redirect:
                if response.status_code != 200:
                    raise ValueError(f"HTTP {response.status_code}")
                body = response.raw.read(MAX_BYTES + 1, decode_content=True)
                break
            target = urljoin(response.url, response.headers["location"])
            headers = redirected_headers(response.url, target, headers, allow_insecure=False)
            url, params = target, None
    else:
        raise ValueError(f"more than {MAX_REDIRECTS} redirects")
    if len(body) > MAX_BYTES:
        raise ValueError(f"answer over {MAX_BYTES} bytes")
    try:
        return json.loads(body)
    except ValueError:
        raise ValueError("answer is not JSON") from None


def read_number(options: CounterOptions, document: Any) -> float:
    """Extract the reading from a decoded answer (JSON path, or a Prometheus query result)."""
    if options.source == "prometheus":
        if not isinstance(document, dict) or document.get("status") != "success":
            error = document.get("error") if isinstance(document, dict) else None
            raise ValueError(f"query failed: {error or 'unexpected answer'}")
        data = document.get("data") or {}
        kind, result = data.get("resultType"), data.get("result")
        if kind == "scalar" and isinstance(result, list):
            raw = result[1]
        elif kind == "vector" and isinstance(result, list):
            if len(result) != 1:
                raise ValueError(f"query returned {len(result)} series, expected 1")
            raw = result[0]["value"][1]
        else:
            raise ValueError(f"unsupported result type {kind!r}")
    else:
        assert options.json_path is not None
        raw = jsonpath.extract(document, options.json_path)
    if isinstance(raw, bool):
        raise ValueError(f"not a number: {raw!r}")
    try:
        number = float(raw)
    except (TypeError, ValueError):
        raise ValueError(f"not a number: {raw!r}") from None
    if not math.isfinite(number):
        raise ValueError(f"not a finite number: {raw!r}")
    return number


class CounterCheck:
    """A counter probe with its previous reading, for turning totals into rates."""

    def __init__(self, options: CounterOptions) -> None:
        self.options = options
        self._previous: tuple[float, float] | None = None
        self._readings = 0
        self._lock = threading.Lock()

    def __call__(self, timeout: float) -> Outcome:
        """Read once (twice on a counter's first check); the value is a rate per second."""
        started = time.perf_counter()
        outcome = self._read(timeout)
        if self.options.mode == "counter" and outcome.value is None and self._first_pending():
            # No previous reading yet: take a second one shortly, within the timeout.
            span = min(FIRST_SPAN, timeout / 2)
            time.sleep(span)
            second = self._read(max(0.1, timeout - (time.perf_counter() - started)))
            if second.status is Status.UP:
                return second
        return outcome

    def _first_pending(self) -> bool:
        """True right after the first successful reading (one reading known, no rate yet)."""
        with self._lock:
            return self._previous is not None and self._readings == 1

    def _read(self, timeout: float) -> Outcome:
        started = time.perf_counter()
        try:
            number = read_number(self.options, _fetch_json(self.options, timeout))
        except SecretError as exc:
            return Outcome(Status.DOWN, str(exc))
        except requests.RequestException as exc:
            return Outcome(Status.DOWN, f"cannot read counter: {short(exc)}")
        except RedirectRefused as exc:
            return Outcome(Status.DOWN, short(exc))
        except (ValueError, KeyError) as exc:
            return Outcome(Status.DOWN, f"bad counter answer: {short(exc)}")
        elapsed = (time.perf_counter() - started) * 1000
        if self.options.mode == "rate":
            return Outcome(Status.UP, f"rate {number:g}/s", elapsed, value=number)
        now = time.time()
        with self._lock:
            previous, self._previous = self._previous, (now, number)
            self._readings += 1
        if previous is None:
            return Outcome(Status.UP, f"first reading {number:g}", elapsed)
        then, before = previous
        if number < before:
            return Outcome(Status.UP, f"counter reset ({before:g} -> {number:g})", elapsed)
        rate = (number - before) / max(now - then, 1e-6)
        return Outcome(Status.UP, f"total {number:g}, {rate:.3g}/s", elapsed, value=rate)
