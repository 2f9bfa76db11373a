"""What system_server schedules on an app process (its ``IApplicationThread`` on Android).

A JVM app's process runs ``android.app.ActivityThread.main`` (``runtime/java``), which takes its
work from here through the binder: ``app.next`` (a long poll) hands it the next message,
``{"what": "launch"}`` (run the app's program: what an activity launch is here; once per process)
or ``{"what": "receiver", "id": N, "class": ..., "action": ..., "extras": {...}, ...}`` (create
that manifest receiver and call its ``onReceive``), and ``app.finish`` reports a receiver's result
(``BroadcastReceiver.PendingResult.finish``).  Queues are kept per process id, from the process
table's start of a process to its death; a receiver whose process dies is released with no result.
"""

from __future__ import annotations

import itertools
import queue
import threading
import time
from dataclasses import dataclass, field
from typing import Any

_MAX_POLL_SECONDS = 60.0


@dataclass
class ReceiverCall:
    """One receiver's delivery; ``result`` is set when it finished (None: its process died)."""

    id: int
    pid: int
    done: threading.Event = field(default_factory=threading.Event)
    result: dict[str, Any] | None = None


@dataclass
class _AppProcess:
    package: str
    messages: queue.Queue[dict[str, Any]] = field(default_factory=queue.Queue)
    launched: bool = False
    calls: dict[int, ReceiverCall] = field(default_factory=dict)


class AppThreads:
    """The message queues of a phone's running app processes; safe to use from any thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._processes: dict[int, _AppProcess] = {}
        self._ids = itertools.count(1)

    # --- the process table ----------------------------------------------------------------------

    def attach(self, pid: int, package: str) -> None:
        """A process of ``package`` started."""
        with self._lock:
            self._processes[pid] = _AppProcess(package)

    def detach(self, pid: int) -> None:
        """The process died: its queued work is dropped, receivers waiting on it are released."""
        with self._lock:
            process = self._processes.pop(pid, None)
        for call in process.calls.values() if process else ():
            call.done.set()

    def launch(self, pid: int) -> None:
        """Run the app's program in ``pid`` (the first time only)."""
        with self._lock:
            process = self._processes.get(pid)
            if process is None or process.launched:
                return
            process.launched = True
        process.messages.put({"what": "launch"})

    # --- the broadcast queue --------------------------------------------------------------------

    def schedule_receiver(self, pid: int, message: dict[str, Any]) -> ReceiverCall | None:
        """Queue a receiver for ``pid``; None if that process is gone."""
        with self._lock:
            process = self._processes.get(pid)
            if process is None:
                return None
            call = ReceiverCall(next(self._ids), pid)
            process.calls[call.id] = call
        process.messages.put({**message, "what": "receiver", "id": call.id})
        return call

    # --- the binder (the app's side) ------------------------------------------------------------

    def next_message(self, package: str, pid: int, timeout: float) -> dict[str, Any] | None:
        """The next message for process ``pid`` of ``package``, or None after ``timeout`` seconds."""
        timeout = max(0.0, min(timeout, _MAX_POLL_SECONDS))
        with self._lock:
            process = self._processes.get(pid)
        if process is None or process.package != package:
            time.sleep(min(timeout, 1.0))   # not (or no longer) a process the phone started
            return None
        try:
            return process.messages.get(timeout=timeout)
        except queue.Empty:
            return None

    def finish(self, package: str, pid: int, call_id: int, result: dict[str, Any]) -> bool:
        """A receiver of process ``pid`` finished with ``result``; False if no such receiver waits."""
        with self._lock:
            process = self._processes.get(pid)
            call = process.calls.pop(call_id, None) if process and process.package == package else None
        if call is None:
            return False
        call.result = result
        call.done.set()
        return True
