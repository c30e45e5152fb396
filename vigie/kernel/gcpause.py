"""Pausing Python's cyclic garbage collector around bulk loads.

Bulk loads (a catalog, a graph, a history import) allocate millions of objects that all
survive or are freed by reference counting: the cyclic collector would walk them again
and again for nothing (a third to a half of those loads' time when measured).

Once the collector is back on, its first collection still walks everything the pause
created (1.7 s after building a 500,000-interface map). A process that ends soon after
its loads, a CLI command, says so with :func:`one_shot`: what the loads built then leaves
the collector's generations for good (``gc.freeze``). Long-running processes (the daemon,
the console) do not: frozen objects that later become cyclic garbage would never go.

A process's start is such a load too: importing the program's modules allocates some
300,000 objects, and the collections they triggered were 50 ms of CPU of the console's
start (a tenth of it). :func:`quiet_start` turns the collector off before the imports and
:func:`started` turns it back on once the process has started: for a CLI command, when its
arguments are read; for the console, once its first rows are on screen.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

_freeze = False
_starting = False


def quiet_start() -> None:
    """The process starts: no collection until :func:`started` (see above)."""
    global _starting
    _starting = True
    gc.disable()


def started() -> None:
    """The process has started: collections resume (nothing if :func:`quiet_start` was not called)."""
    global _starting
    if _starting:
        _starting = False
        gc.enable()


def one_shot() -> None:
    """This process ends soon after its bulk loads: freeze what they build (see above)."""
    global _freeze
    _freeze = True


@contextmanager
def gc_paused() -> Iterator[None]:
    """Run the block with the cyclic collector off (restored as it was afterwards)."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if _freeze:
            gc.freeze()
        if collecting:
            gc.enable()
