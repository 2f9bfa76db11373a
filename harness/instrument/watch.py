"""Instrumenting the processes a scenario targets, including those that start later.

``TargetWatcher(tracer, patterns)`` puts the agent into every process whose name matches one of
``patterns`` (exact names such as ``system_server``, packages, or globs such as ``com.vendor.*``):

* those running when it starts (mode ``attach``);
* with frida's spawn gating, where the device offers it (Android's zygote: a real phone's
  frida-server), each new process is held at its first instruction; a matching one gets the agent
  before it runs (mode ``spawn``), every one is resumed at once (on a worker thread: frida's own
  must not block);
* and, polling every ``poll`` seconds, those that appear otherwise (mode ``attach-after-launch``,
  or ``reattach`` for a name already instrumented, i.e. a process that died and came back:
  whatever such a process did before the poll found it is missed).  frida's local and portal
  backends (this host, the virtual phone) have no spawn gating, so there polling is all there is.

A process the tracer already instrumented (a launch it did itself) is not attached twice.
"""

from __future__ import annotations

import contextlib
import fnmatch
import logging
import queue
import threading
from collections.abc import Sequence

from harness.errors import InstrumentError
from harness.events import InstrumentMode
from harness.instrument.tracer import Tracer

log = logging.getLogger(__name__)

_STOP = (-1, "")


class TargetWatcher:
    def __init__(self, tracer: Tracer, patterns: Sequence[str], poll: float = 0.2,
                 spawn_gating: bool = True) -> None:
        self._tracer = tracer
        self._patterns = tuple(patterns)
        self._poll = poll
        self._want_gating = spawn_gating
        self._seen: set[int] = set()
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []
        self._spawns: queue.Queue[tuple[int, str]] = queue.Queue()
        self._listing_failed = False
        self.gated = False
        self.failures: list[str] = []

    def matches(self, name: str) -> bool:
        return any(fnmatch.fnmatchcase(name, p) for p in self._patterns)

    def start(self) -> TargetWatcher:
        """Hold new processes (spawn gating, where there is any), attach to the matching processes
        running now, then watch for new ones."""
        if self._want_gating and self._patterns:
            self.gated = self._tracer.device.enable_spawn_gating(lambda pid, name: self._spawns.put((pid, name)))
            if self.gated:
                self._thread(self._resume_spawns, "harness-spawn-gate")
        self._scan("attach")
        self._thread(self._poll_loop, "harness-target-watch")
        return self

    def _thread(self, target: object, name: str) -> None:
        thread = threading.Thread(target=target, name=name, daemon=True)  # type: ignore[arg-type]
        self._threads.append(thread)
        thread.start()

    def stop(self) -> None:
        self._stopping.set()
        if self.gated:
            self._tracer.device.disable_spawn_gating()
            self._spawns.put(_STOP)
        for thread in self._threads:
            thread.join(10.0)
        self._release_pending()

    # ---- spawn gating --------------------------------------------------------------------

    def _resume_spawns(self) -> None:
        while True:
            pid, identifier = self._spawns.get()
            if (pid, identifier) == _STOP:
                return
            try:
                if not self._stopping.is_set() and self.matches(identifier) and self._claim(pid, identifier):
                    self._instrument(pid, identifier, "spawn")
            finally:
                self._resume(pid)  # every held process runs on, instrumented or not

    def _release_pending(self) -> None:
        while True:
            try:
                pid, identifier = self._spawns.get_nowait()
            except queue.Empty:
                return
            if (pid, identifier) != _STOP:
                self._resume(pid)

    def _resume(self, pid: int) -> None:
        with contextlib.suppress(InstrumentError):
            self._tracer.device.resume(pid)

    # ---- polling ---------------------------------------------------------------------------

    def _poll_loop(self) -> None:
        while not self._stopping.wait(self._poll):
            self._scan("attach-after-launch")

    def _scan(self, mode: InstrumentMode) -> None:
        try:
            processes = self._tracer.device.enumerate_processes()
        except InstrumentError as exc:
            if not self._listing_failed:  # once, not every poll (a phone that went away)
                log.warning("%s: %s (still trying)", self._tracer.device.label, exc)
            self._listing_failed = True
            return
        self._listing_failed = False
        for process in processes:
            if self._stopping.is_set():
                return
            if self.matches(process.name) and self._claim(process.pid, process.name):
                self._instrument(process.pid, process.name, mode)

    # ---- both ------------------------------------------------------------------------------

    def _claim(self, pid: int, name: str) -> bool:
        """True the first time ``pid`` is seen (the gate's worker and the poller both look)."""
        with self._lock:
            if pid in self._seen:
                return False
            self._seen.add(pid)
            return True

    def _instrument(self, pid: int, name: str, mode: InstrumentMode) -> None:
        if mode == "attach-after-launch":
            same = [session for session in self._tracer.sessions if session.process == name]
            if same and all(session.detached.is_set() for session in same):
                mode = "reattach"  # it died and came back
        try:
            self._tracer.instrument(pid, name, mode)
        except InstrumentError as exc:
            message = f"{name} (pid {pid}): {exc}"
            self.failures.append(message)
            log.warning("%s: could not instrument %s", self._tracer.device.label, message)
