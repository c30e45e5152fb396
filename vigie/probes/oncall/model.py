"""Alerts, silences and acknowledgements in the shape of Alertmanager's API v2.

Both backends speak it: Alertmanager itself, and Vigie's built-in notifier (its own tables),
so moving from one to the other changes nothing for the operator. An acknowledgement is a
silence whose matchers are the alert's labels and whose comment reads ``ACK #<ticket>: text``
(Alertmanager has none of its own, prometheus/alertmanager#1860; karma does the same).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

_FNV_OFFSET = 14695981039346656037
_FNV_PRIME = 1099511628211
_SEPARATOR = b"\xff"

ACK = re.compile(r"ACK(?: #(\d+))?: (.*)", re.DOTALL)
MAINTENANCE = re.compile(r"MAINT ([a-z0-9][a-z0-9_.-]*): (.*)", re.DOTALL)


def fingerprint(labels: Mapping[str, str]) -> str:
    """Alertmanager's fingerprint of a label set (FNV-1a 64 over the sorted pairs), as it
    prints it: 16 hex digits. The same alert has the same id in both backends."""
    value = _FNV_OFFSET
    for name in sorted(labels):
        for byte in name.encode() + _SEPARATOR + labels[name].encode() + _SEPARATOR:
            value = ((value ^ byte) * _FNV_PRIME) & 0xFFFFFFFFFFFFFFFF
    return f"{value:016x}"


def to_iso(ts: float) -> str:
    """An epoch as Alertmanager writes times (RFC 3339, UTC, milliseconds)."""
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def from_iso(text: str | None) -> float | None:
    """An RFC 3339 time as an epoch; None for none (Alertmanager's zero time included)."""
    if not text or text.startswith("0001-01-01"):
        return None
    return datetime.fromisoformat(text).timestamp()


@dataclass(frozen=True)
class Matcher:
    """One condition on a label: equal (or not) to a value, or matching (or not) a regex."""

    name: str
    value: str
    is_regex: bool = False
    is_equal: bool = True

    def matches(self, labels: Mapping[str, str]) -> bool:
        """True when the labels meet the condition (a missing label reads as empty)."""
        actual = labels.get(self.name, "")
        hit = re.fullmatch(self.value, actual) is not None if self.is_regex else actual == self.value
        return hit == self.is_equal

    def to_api(self) -> dict[str, Any]:
        """The matcher as Alertmanager's API writes it."""
        return {"name": self.name, "value": self.value, "isRegex": self.is_regex, "isEqual": self.is_equal}

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> Matcher:
        """A matcher from Alertmanager's API (``isEqual`` absent means true)."""
        return cls(
            str(data["name"]), str(data["value"]), bool(data["isRegex"]), bool(data.get("isEqual", True))
        )

    def __str__(self) -> str:
        op = ("=~" if self.is_regex else "=") if self.is_equal else ("!~" if self.is_regex else "!=")
        return f'{self.name}{op}"{self.value}"'


def equal_matchers(labels: Mapping[str, str]) -> tuple[Matcher, ...]:
    """Matchers equal to every label: the silence that acknowledges exactly this alert."""
    return tuple(Matcher(name, labels[name]) for name in sorted(labels))


@dataclass(frozen=True)
class Ack:
    """What an acknowledgement's comment says: the ticket (if any) and the operator's text."""

    ticket: str | None
    text: str

    @property
    def comment(self) -> str:
        """The comment written on the silence."""
        return f"ACK #{self.ticket}: {self.text}" if self.ticket else f"ACK: {self.text}"

    @classmethod
    def parse(cls, comment: str) -> Ack | None:
        """The acknowledgement a silence's comment holds, or None for a plain silence."""
        match = ACK.fullmatch(comment)
        return None if match is None else cls(match.group(1), match.group(2))


@dataclass(frozen=True)
class Silence:
    """A silence: alerts whose labels meet every matcher are muted from ``starts_at`` to
    ``ends_at`` (epochs); ``id`` is empty until a backend stores it."""

    id: str
    matchers: tuple[Matcher, ...]
    starts_at: float
    ends_at: float
    created_by: str
    comment: str

    def state(self, now: float) -> str:
        """``pending`` (not started), ``active`` or ``expired``, as Alertmanager says."""
        if now >= self.ends_at:
            return "expired"
        return "pending" if now < self.starts_at else "active"

    def matches(self, labels: Mapping[str, str]) -> bool:
        """True when the silence mutes an alert with these labels (whatever its time)."""
        return all(m.matches(labels) for m in self.matchers)

    @property
    def ack(self) -> Ack | None:
        """The acknowledgement it stands for, or None."""
        return Ack.parse(self.comment)

    def to_api(self) -> dict[str, Any]:
        """The body of ``POST /api/v2/silences`` (with ``id`` to update an existing one)."""
        body: dict[str, Any] = {
            "matchers": [m.to_api() for m in self.matchers],
            "startsAt": to_iso(self.starts_at),
            "endsAt": to_iso(self.ends_at),
            "createdBy": self.created_by,
            "comment": self.comment,
        }
        if self.id:
            body["id"] = self.id
        return body

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> Silence:
        """A silence as ``GET /api/v2/silences`` lists it."""
        return cls(
            id=str(data["id"]),
            matchers=tuple(Matcher.from_api(m) for m in data["matchers"]),
            starts_at=from_iso(data["startsAt"]) or 0.0,
            ends_at=from_iso(data["endsAt"]) or 0.0,
            created_by=str(data.get("createdBy", "")),
            comment=str(data.get("comment", "")),
        )


@dataclass(frozen=True)
class AlertView:
    """A firing alert as a backend lists it: ``state`` is ``active`` or ``suppressed``
    (silenced or inhibited)."""

    labels: Mapping[str, str]
    annotations: Mapping[str, str]
    starts_at: float
    state: str = "active"
    silenced_by: tuple[str, ...] = ()
    inhibited_by: tuple[str, ...] = ()
    fingerprint: str = field(default="")

    def __post_init__(self) -> None:
        if not self.fingerprint:
            object.__setattr__(self, "fingerprint", fingerprint(self.labels))

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> AlertView:
        """An alert as ``GET /api/v2/alerts`` lists it."""
        status = data.get("status") or {}
        return cls(
            labels=dict(data.get("labels") or {}),
            annotations=dict(data.get("annotations") or {}),
            starts_at=from_iso(data.get("startsAt")) or 0.0,
            state=str(status.get("state", "active")),
            silenced_by=tuple(status.get("silencedBy") or ()),
            inhibited_by=tuple(status.get("inhibitedBy") or ()),
            fingerprint=str(data.get("fingerprint") or ""),
        )
