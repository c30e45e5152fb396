"""A client of Alertmanager's API v2: post alerts, list alerts and silences, create, update
and expire silences, over a list of Alertmanagers (an HA pair).

Each call goes to the Alertmanager that answered last; one that cannot be reached or answers
5xx is skipped for the next of the list. A 4xx is the request's fault and no other
Alertmanager would take it: it is raised at once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from vigie.probes.oncall.model import AlertView, Silence


class AlertmanagerError(Exception):
    """No Alertmanager of the list took the call; the message says what each answered."""


class AlertmanagerClient:
    """Alertmanager's API v2 over a list of base URLs (``http://host:9093``)."""

    def __init__(self, urls: Sequence[str], timeout: float = 5.0) -> None:
        if not urls:
            raise ValueError("no Alertmanager address")
        self.urls = tuple(urls)
        self.timeout = timeout
        self.current = 0
        # Imported with the first client (a tenth of a second): the console starts without it.
        import requests

        self.http = requests.Session()

    @property
    def url(self) -> str:
        """The Alertmanager that answered last (the first at start)."""
        return self.urls[self.current]

    def close(self) -> None:
        """Close the connections."""
        self.http.close()

    def _call(self, method: str, path: str, body: Any = None, params: Mapping[str, Any] | None = None) -> Any:
        import requests

        failures = []
        for step in range(len(self.urls)):
            index = (self.current + step) % len(self.urls)
            url = self.urls[index]
            try:
                response = self.http.request(
                    method, f"{url}/api/v2/{path}", json=body, params=params, timeout=self.timeout
                )
            except requests.RequestException as exc:
                failures.append(f"{url}: {type(exc).__name__}")
                continue
            if response.status_code >= 500:
                failures.append(f"{url}: HTTP {response.status_code}")
                continue
            self.current = index
            if response.status_code == 404 and method == "DELETE":
                return None
            if response.status_code >= 400:
                raise AlertmanagerError(
                    f"Alertmanager {url} refused {method} /api/v2/{path}: HTTP {response.status_code} "
                    f"{response.text.strip()[:200]}"
                )
            if not response.content:
                return True
            try:
                return response.json()
            except ValueError:
                raise AlertmanagerError(f"Alertmanager {url}: /api/v2/{path} did not answer JSON") from None
        raise AlertmanagerError(f"no Alertmanager answers ({'; '.join(failures)})")

    def post_alerts(self, alerts: Sequence[Mapping[str, Any]]) -> None:
        """``POST /api/v2/alerts``: alerts as the API takes them (labels, annotations,
        startsAt, endsAt, generatorURL)."""
        self._call("POST", "alerts", list(alerts))

    def alerts(self) -> list[AlertView]:
        """The alerts Alertmanager holds that have not resolved (active and suppressed)."""
        body = self._call("GET", "alerts", params={"active": "true", "silenced": "true", "inhibited": "true"})
        return [AlertView.from_api(a) for a in body or ()]

    def silences(self) -> list[Silence]:
        """Every silence Alertmanager holds (expired ones too, until it forgets them)."""
        return [Silence.from_api(s) for s in self._call("GET", "silences") or ()]

    def put_silence(self, silence: Silence) -> str:
        """Create a silence, or update the one with the silence's id; returns its id."""
        body = self._call("POST", "silences", silence.to_api())
        return str(body["silenceID"])

    def expire_silence(self, sid: str) -> bool:
        """Expire a silence now; False when Alertmanager knows no silence with this id."""
        return self._call("DELETE", f"silence/{sid}") is not None
