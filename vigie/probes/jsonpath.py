"""A small JSON path: ``$.data.items[0].count`` (dotted keys and list indexes, nothing more)."""

from __future__ import annotations

import re
from typing import Any

_STEP = re.compile(r"\.([A-Za-z_][A-Za-z0-9_-]*)|\[(\d+)\]|\[['\"]([^'\"]+)['\"]\]")


def parse(path: str) -> list[str | int]:
    """Split a path into keys and indexes; raise ValueError when it is not one."""
    text = path.strip()
    if text.startswith("$"):
        text = text[1:]
    if text and not text.startswith((".", "[")):
        text = "." + text
    steps: list[str | int] = []
    pos = 0
    while pos < len(text):
        match = _STEP.match(text, pos)
        if not match:
            raise ValueError(f"'{path}' is not a JSON path like $.data.items[0].count")
        key, index, quoted = match.groups()
        steps.append(int(index) if index is not None else (key if key is not None else quoted))
        pos = match.end()
    return steps


def extract(document: Any, path: str) -> Any:
    """The value at ``path``; KeyError naming the missing step when there is none."""
    value = document
    for step in parse(path):
        if isinstance(step, int):
            if not isinstance(value, list) or step >= len(value):
                raise KeyError(f"no item [{step}] at {path}")
        elif not isinstance(value, dict) or step not in value:
            raise KeyError(f"no key '{step}' at {path}")
        value = value[step]
    return value
