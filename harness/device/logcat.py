"""Logcat capture to a file while a run goes on (``logcat -v threadtime``, streamed).

A quiet device is not an error: the stream is polled every ``poll`` seconds (adbutils' default
would end the capture after ten quiet minutes), and ``stop()`` ends it within one poll.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from pathlib import Path
from typing import IO, TYPE_CHECKING

import adbutils

if TYPE_CHECKING:
    from harness.device.device import Device

log = logging.getLogger(__name__)


class LogcatCapture:
    """Streams the device log into ``path`` until ``stop()``; lines are flushed as they come."""

    def __init__(self, device: Device, path: Path, clear_first: bool = False, poll: float = 1.0) -> None:
        self._device = device
        self.path = path
        self._clear_first = clear_first
        self._poll = poll
        self._conn: adbutils.AdbConnection | None = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self.lines = 0

    def start(self) -> LogcatCapture:
        if self._clear_first:
            self._device.shell(["logcat", "-c"], check=False)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._conn = self._device.stream("logcat -v threadtime", poll=self._poll)
        out = self.path.open("ab")
        self._thread = threading.Thread(target=self._pump, args=(self._conn, out), name="logcat", daemon=True)
        self._thread.start()
        return self

    def _pump(self, conn: adbutils.AdbConnection, out: IO[bytes]) -> None:
        try:
            while not self._stopping.is_set():
                try:
                    chunk = conn.recv(65536)  # what has come (read() would wait for all 64 KiB)
                except adbutils.AdbTimeout:
                    continue  # a quiet device: nothing was lost, look again
                if not chunk:
                    break
                out.write(chunk)
                out.flush()
                self.lines += chunk.count(b"\n")
        except (OSError, adbutils.AdbError, EOFError, ValueError):
            pass
        finally:
            out.close()

    def stop(self) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=self._poll + 5)
        if self._conn is not None:
            with contextlib.suppress(OSError):
                self._conn.close()
        log.info("%s: logcat captured %d lines to %s", self._device.serial, self.lines, self.path)

    def __enter__(self) -> LogcatCapture:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
