"""Instrumenting the processes a scenario targets, including those that start later.

``TargetWatcher(tracer, patterns)`` attaches the agent to every process whose name matches one of
``patterns`` (exact names such as ``system_server``, packages, or globs such as ``com.vendor.*``):
those running when it starts (mode ``attach``) and, polling every ``poll`` seconds, those that
appear later (mode ``attach-after-launch``, or ``reattach`` for a process of a name already
instrumented, i.e. one that died and came back: whatever such a process did before the poll found
it is missed).  A process the tracer already instrumented (a launch it did itself) is not attached
twice.  frida's spawn gating would catch a late process before its first instruction; neither the
virtual phone's frida portal nor frida's local backend supports it, so it is not used here.
"""

from __future__ import annotations

import fnmatch
import logging
import threading
from collections.abc import Sequence

from harness.errors import InstrumentError
from harness.events import InstrumentMode
from harness.instrument.tracer import Tracer

log = logging.getLogger(__name__)


class TargetWatcher:
    def __init__(self, tracer: Tracer, patterns: Sequence[str], poll: float = 0.2) -> None:
        self._tracer = tracer
        self._patterns = tuple(patterns)
        self._poll = poll
        self._seen: set[int] = set()
        self._names: set[str] = set()      # names instrumented so far
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._listing_failed = False
        self.failures: list[str] = []

    def matches(self, name: str) -> bool:
        return any(fnmatch.fnmatchcase(name, p) for p in self._patterns)

    def start(self) -> TargetWatcher:
        """Attach to the matching processes running now, then watch for new ones."""
        self._scan("attach")
        self._thread = threading.Thread(target=self._run, name="harness-target-watch", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(5.0)

    def _run(self) -> None:
        while not self._stopping.wait(self._poll):
            self._scan("attach-after-launch")

    def _scan(self, mode: str) -> None:
        try:
            processes = self._tracer.device.enumerate_processes()
        except InstrumentError as exc:
            if not self._listing_failed:  # once, not every poll (a phone that went away)
                log.warning("%s: %s (still trying)", self._tracer.device.label, exc)
            self._listing_failed = True
            return
        self._listing_failed = False
        for process in processes:
            if process.pid in self._seen or not self.matches(process.name) or self._stopping.is_set():
                continue
            self._seen.add(process.pid)
            known = process.name in self._names or any(s.process == process.name for s in self._tracer.sessions)
            chosen: InstrumentMode = "attach" if mode == "attach" else "reattach" if known else "attach-after-launch"
            self._names.add(process.name)
            try:
                self._tracer.instrument(process.pid, process.name, chosen)
            except InstrumentError as exc:
                message = f"{process.name} (pid {process.pid}): {exc}"
                self.failures.append(message)
                log.warning("%s: could not instrument %s", self._tracer.device.label, message)
