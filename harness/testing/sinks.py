"""An event sink for tests: what a session or tracer would hand the run store, kept in a list."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence

from harness.events import Event


class ListSink:
    """Collects events (thread-safe: frida's thread puts, the test reads)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._events: list[Event] = []

    def put(self, events: Sequence[Event]) -> None:
        with self._lock:
            self._events.extend(events)

    @property
    def events(self) -> list[Event]:
        """A copy of what arrived so far."""
        with self._lock:
            return list(self._events)

    def wait_for(self, count: int, timeout: float = 10.0) -> list[Event]:
        """The events once at least ``count`` arrived; AssertionError after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            events = self.events
            if len(events) >= count:
                return events
            if time.monotonic() > deadline:
                raise AssertionError(f"{len(events)} of {count} events arrived within {timeout:g} s")
            time.sleep(0.02)
