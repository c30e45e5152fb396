"""Who writes to a store: the daemon's lock file ``<store>.lock``, read by everyone else.

The daemon (:class:`vigie.probes.daemon.StoreLock`) holds an exclusive ``flock`` on the
file for as long as it runs and writes its pid in it; the kernel drops the lock the moment
the process dies, however it dies. So "is a daemon writing to this store?" is answered by
the lock itself, at once, not by the age of the last result (a killed daemon's results stay
fresh-looking for two intervals). Reading it never blocks and never takes the lock for
more than an instant (the daemon retries for a moment when it starts, see
:data:`ACQUIRE_TRIES`).

This module imports nothing heavy: the console asks it on every refresh.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

ACQUIRE_TRIES = 10
"""How many times the daemon tries the lock, :data:`ACQUIRE_PAUSE` apart, before it says
another daemon holds it (a reader may hold it for an instant)."""
ACQUIRE_PAUSE = 0.05


def lock_path(store_path: Path) -> Path:
    """The lock file of the store at ``store_path``."""
    return store_path.with_name(store_path.name + ".lock")


def holder(store_path: Path) -> int | None:
    """The pid of the daemon writing to the store (0 when its pid cannot be read), or None
    when no process holds the store's lock."""
    try:
        fd = os.open(lock_path(store_path), os.O_RDONLY)
    except OSError:
        return None  # never locked: no daemon ever ran on this store (or not readable)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            text = os.pread(fd, 32, 0).decode(errors="replace").strip()
            return int(text) if text.isdigit() else 0
        fcntl.flock(fd, fcntl.LOCK_UN)
        return None
    finally:
        os.close(fd)
