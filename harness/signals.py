"""Stopping on SIGINT and SIGTERM without losing what was recorded.

``StopSignals`` turns both signals into ``StopRequested`` (a ``KeyboardInterrupt``, so code that
handles Ctrl-C handles a ``kill`` the same way) raised in the main thread, every time one arrives:
the first asks a command to stop cleanly, a second one (while it is still stopping) to abort.
``shield()`` holds them back while something must not be cut short (closing the run); they are
counted, and the first one held back is raised when the shield ends unless ``swallow`` is set.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from types import FrameType, TracebackType

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class StopRequested(KeyboardInterrupt):
    """SIGINT or SIGTERM arrived; ``signame`` says which."""

    def __init__(self, signame: str) -> None:
        super().__init__(signame)
        self.signame = signame


class StopSignals:
    """Installs the handlers for its ``with`` block (in the main thread; elsewhere it does nothing)."""

    def __init__(self) -> None:
        self.received: list[str] = []
        self._shielded = 0
        self._held: str | None = None
        self._previous: dict[int, object] = {}

    def __enter__(self) -> StopSignals:
        if threading.current_thread() is threading.main_thread():
            for sig in STOP_SIGNALS:
                self._previous[sig] = signal.signal(sig, self._handle)
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)  # type: ignore[arg-type]
        self._previous.clear()

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        name = signal.Signals(signum).name
        self.received.append(name)
        if self._shielded:
            self._held = self._held or name
            return
        raise StopRequested(name)

    @property
    def first(self) -> str | None:
        """The first stop signal received, if any."""
        return self.received[0] if self.received else None

    @contextlib.contextmanager
    def shield(self, swallow: bool = False) -> Iterator[None]:
        """Hold stop signals back for the block (they are still counted in ``received``)."""
        self._shielded += 1
        try:
            yield
        finally:
            self._shielded -= 1
            held, self._held = self._held, None
            if held is not None and not swallow and not self._shielded:
                raise StopRequested(held)
