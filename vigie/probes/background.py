"""A loop in a thread of its own, woken on demand and stopped on close: what the daemon runs
beside probing (the on-call delivery, the incident tickets) so that probing never waits on
a network call."""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod


class Background(ABC):
    """Subclasses write :meth:`_run`, which waits on ``_wake`` and returns once ``_stop`` is set."""

    THREAD: str = "vigie-background"

    def __init__(self) -> None:
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start the thread."""
        self._thread = threading.Thread(target=self._run, name=self.THREAD, daemon=True)
        self._thread.start()

    def close(self, wait: float = 5.0) -> None:
        """Stop: wake the loop, which does what it must before returning, within ``wait``."""
        if self._thread is None:
            return
        self._stop.set()
        self._wake.set()
        self._thread.join(wait)
        self._thread = None

    @abstractmethod
    def _run(self) -> None: ...
