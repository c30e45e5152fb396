"""Pausing Python's cyclic garbage collector around bulk loads.

Bulk loads (a catalog, a graph, a history import) allocate millions of objects that all
survive or are freed by reference counting: the cyclic collector would walk them again
and again for nothing (a third to a half of those loads' time when measured).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def gc_paused() -> Iterator[None]:
    """Run the block with the cyclic collector off (restored as it was afterwards)."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()
