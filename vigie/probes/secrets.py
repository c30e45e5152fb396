"""Secrets in the configuration: ``${ENV_VAR}`` references, resolved only at the moment of use,
and the one scrubber that keeps their values out of everything Vigie writes.

Every value a :class:`Secret` resolves is remembered by :data:`SCRUBBER` (as are tokens a
client receives, such as a GLPI session token), and :func:`scrub` replaces them with
``***`` in any text: probe details before they are stored, log lines, error messages, the
GLPI client's messages. A value is also looked for in the forms a target or a library may
echo it in: percent-encoded (a query string, a form body), JSON- and HTML-escaped. Reports, incidents and ``/metrics`` read what was stored, so they
hold no secret either, even when a target echoes a request header back into its answer.

A value of fewer than :data:`ANYWHERE` characters is replaced only where it stands alone
(not inside a word or a number): a one-letter token must not turn ``cannot reach`` into
``c***nnot re***ch``.
"""

from __future__ import annotations

import html
import json
import logging
import os
import re
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from urllib.parse import quote, quote_plus, urlsplit

_ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")

MASK = "***"
"""What a secret value is replaced with."""
ANYWHERE = 8
"""Secret values at least this long are replaced wherever they occur; shorter ones only as a whole word."""


class SecretError(Exception):
    """A secret's environment variable is not set (the message names the variable only)."""


class Scrubber:
    """The secret values known to this process, and the means to take them out of text."""

    def __init__(self) -> None:
        self._values: frozenset[str] = frozenset()
        self._pattern: re.Pattern[str] | None = None
        self._lock = threading.Lock()

    def add(self, values: Iterable[str]) -> None:
        """Remember secret values (blank ones are ignored)."""
        new = {form for v in values if v.strip() for form in encoded_forms(v)} - self._values
        if not new:
            return
        with self._lock:
            self._values = self._values | new
            self._pattern = _pattern(self._values)

    def clear(self) -> None:
        """Forget every value (tests that use throwaway tokens start afresh)."""
        with self._lock:
            self._values = frozenset()
            self._pattern = None

    def __call__(self, text: str) -> str:
        """``text`` with every known secret value replaced by ``***``."""
        pattern = self._pattern
        if pattern is None or not text:
            return text
        return pattern.sub(MASK, text)


def encoded_forms(value: str) -> set[str]:
    """``value`` and the escaped forms it takes when echoed back in a URL, a form, JSON or HTML."""
    return {
        value,
        quote(value, safe=""),
        quote_plus(value, safe=""),
        json.dumps(value)[1:-1],
        json.dumps(value, ensure_ascii=False)[1:-1],
        html.escape(value),
    }


def _pattern(values: Iterable[str]) -> re.Pattern[str]:
    # Longest first: "Bearer abc…" goes as a whole before its token alone is looked for.
    parts = []
    for value in sorted(values, key=len, reverse=True):
        escaped = re.escape(value)
        parts.append(escaped if len(value) >= ANYWHERE else rf"(?<!\w){escaped}(?!\w)")
    return re.compile("|".join(parts))


SCRUBBER = Scrubber()
"""The program's one scrubber (see the module's docstring)."""


def scrub(text: str) -> str:
    """``text`` with every secret value this process resolved replaced by ``***``."""
    return SCRUBBER(text)


class ScrubbingFilter(logging.Filter):
    """A logging filter that scrubs each record's message and traceback before it is written."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Replace the record's text by its scrubbed form; always keeps the record."""
        record.msg = scrub(record.getMessage())
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = scrub(logging.Formatter().formatException(record.exc_info))
        return True


CREDENTIAL_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie"})
"""Headers that carry credentials whatever their value."""
_CREDENTIAL_NAME = re.compile(
    r"auth|token|key|secret|passw|session|cookie|credential|signature", re.IGNORECASE
)
_CREDENTIAL_PARAM = re.compile(
    r"(?:^|&)[^=&]*(?:auth|token|key|secret|passw|session|sig|code)[^=&]*=[^&]", re.IGNORECASE
)
# A path segment that reads like a generated token (chat webhooks put theirs in the path).
_TOKEN_SEGMENT = re.compile(r"(?=[A-Za-z0-9_-]*\d)(?=[A-Za-z0-9_-]*[A-Za-z])[A-Za-z0-9_-]{16,}")


def is_credential(name: str, value: Secret) -> bool:
    """Whether a header is a credential: ``Authorization``, ``Proxy-Authorization``,
    ``Cookie``, or any header whose value holds a ``${...}`` secret (a redirect to another
    origin must not carry it)."""
    return name.lower() in CREDENTIAL_HEADERS or bool(value.variables)


def literal_header_secret(name: str, value: Secret) -> bool:
    """Whether a header that carries a credential (by its name) is written as a literal
    value instead of a ``${ENV_VAR}`` reference."""
    credential = name.lower() in CREDENTIAL_HEADERS or _CREDENTIAL_NAME.search(name) is not None
    return credential and bool(value.template.strip()) and not value.variables


def literal_url_secret(value: Secret) -> bool:
    """Whether a URL written without a ``${ENV_VAR}`` reference carries what reads like a
    credential: a password, a query parameter named like a token, a token-like path segment."""
    if value.variables:
        return False
    parts = urlsplit(value.template)
    if parts.password or _CREDENTIAL_PARAM.search(parts.query):
        return True
    return any(_TOKEN_SEGMENT.fullmatch(segment) for segment in parts.path.split("/"))


@dataclass(frozen=True)
class Secret:
    """A config value that may hold ``${ENV_VAR}`` references, resolved only at use.

    ``str()`` and ``repr()`` show the template (the references), never the value.
    """

    template: str

    def reveal(self, environ: Mapping[str, str] | None = None) -> str:
        """The value with every reference substituted from the environment (the values
        substituted, and the whole value, are handed to the scrubber)."""
        env = os.environ if environ is None else environ
        used: list[str] = []

        def substitute(match: re.Match[str]) -> str:
            name = match.group(1)
            if name not in env:
                raise SecretError(f"environment variable {name} is not set")
            used.append(env[name])
            return env[name]

        value = _ENV_REF.sub(substitute, self.template)
        if used:
            SCRUBBER.add([*used, value])
        return value

    @property
    def variables(self) -> list[str]:
        """Names of the environment variables referenced."""
        return _ENV_REF.findall(self.template)

    def __str__(self) -> str:
        return self.template

    def __repr__(self) -> str:
        return f"Secret({self.template!r})"
