"""Secrets in the configuration: ``${ENV_VAR}`` references, resolved only at the moment of use."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass

_ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


class SecretError(Exception):
    """A secret's environment variable is not set (the message names the variable only)."""


@dataclass(frozen=True)
class Secret:
    """A config value that may hold ``${ENV_VAR}`` references, resolved only at use.

    ``str()`` and ``repr()`` show the template (the references), never the value.
    """

    template: str

    def reveal(self, environ: Mapping[str, str] | None = None) -> str:
        """The value with every reference substituted from the environment."""
        env = os.environ if environ is None else environ

        def substitute(match: re.Match[str]) -> str:
            name = match.group(1)
            if name not in env:
                raise SecretError(f"environment variable {name} is not set")
            return env[name]

        return _ENV_REF.sub(substitute, self.template)

    @property
    def variables(self) -> list[str]:
        """Names of the environment variables referenced."""
        return _ENV_REF.findall(self.template)

    def __str__(self) -> str:
        return self.template

    def __repr__(self) -> str:
        return f"Secret({self.template!r})"
