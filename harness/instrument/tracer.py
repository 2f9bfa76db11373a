"""Putting the hook agent into processes: spawn, attach, attach after launch, reattach.

``Tracer`` owns the ``AgentSession``s of one device and tells a ``TargetListener`` (the run store)
about each target: process, pid, instrumentation mode and, when it ends, frida's detach reason.

Modes: ``spawn`` (the agent is in before the first instruction), ``attach`` (a running process, by
pid or by unique name), ``attach-after-launch`` (the caller launches, e.g. ``am start``; we poll for
the process and attach, so its first instants may be missed) and ``reattach`` (with
``watch_relaunch``, a process of the same name appearing after "process-terminated").

Stopping (``stop``): every agent stops recording at once (``quiesce``), then sends its backlog,
which is stored before the agents are unloaded; ``abort`` skips the wait.  Processes the tracer
spawned end with it unless ``keep_running``: it kills them after detaching, and on this host a
``Reaper`` kills them if the harness dies first (SIGKILL included).
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol

from harness.errors import InstrumentError, SpawnNotSupportedError
from harness.events import InstrumentMode
from harness.instrument.devices import FridaDevice, ProcessInfo
from harness.instrument.reaper import Reaper
from harness.instrument.session import (
    AgentConfig,
    AgentSession,
    BatchSizer,
    Decoder,
    EventSink,
    ensure_started,
)

log = logging.getLogger(__name__)


class TargetListener(Protocol):
    """Told about every instrumented process (``harness.record.store.RunStore`` is one)."""

    def add_target(self, process: str, pid: int, mode: InstrumentMode, variant: str | None = None,
                   skipped: Sequence[Mapping[str, Any]] = ()) -> int: ...

    def target_detached(self, target_id: int, reason: str) -> None: ...


class Tracer:
    """Instruments processes of one device with one agent, feeding one sink."""

    def __init__(self, device: FridaDevice, *, source: str, config: AgentConfig, sink: EventSink,
                 decode: Decoder, size: BatchSizer | None = None, listener: TargetListener | None = None,
                 variant: str | None = None, poll_interval: float = 0.1, keep_running: bool = False) -> None:
        self.device = device
        self._source = source
        self._config = config
        self._sink = sink
        self._decode = decode
        self._size = size
        self._listener = listener
        self._variant = variant
        self._poll = poll_interval
        self._keep_running = keep_running
        self._reaper: Reaper | None = None
        self._lock = threading.Condition()
        self._sessions: list[AgentSession] = []
        self._claimed: set[int] = set()     # pids being instrumented or instrumented
        self._watch: set[str] = set()       # process names to reattach after process-terminated
        self._watchers: dict[str, threading.Thread] = {}
        self._stopping = threading.Event()

    # ---- finding processes ---------------------------------------------------------------

    def find_process(self, name: str) -> ProcessInfo:
        """The one running process called ``name``; none or several is an ``InstrumentError``."""
        matches = [p for p in self.device.enumerate_processes() if p.name == name]
        if not matches:
            raise InstrumentError(f"{self.device.label}: no running process named {name!r}")
        if len(matches) > 1:
            pids = ", ".join(str(p.pid) for p in sorted(matches, key=lambda p: p.pid))
            raise InstrumentError(
                f"{self.device.label}: {len(matches)} processes are named {name!r} (pids {pids}); "
                "choose one by pid (--pid)")
        return matches[0]

    def _pids_named(self, name: str) -> set[int]:
        return {p.pid for p in self.device.enumerate_processes() if p.name == name}

    # ---- instrumenting -------------------------------------------------------------------

    def spawn(self, argv: Sequence[str], *, name: str | None = None, env: Mapping[str, str] | None = None,
              cwd: str | None = None) -> AgentSession:
        """Spawn ``argv`` suspended, load the agent, then resume it (mode ``spawn``)."""
        pid = self.device.spawn(argv, env=env, cwd=cwd)
        if self.device.kind == "local" and not self._keep_running:
            if self._reaper is None:
                self._reaper = Reaper()
            self._reaper.watch(pid)
        process = name or os.path.basename(argv[0])
        try:
            session = self._instrument(pid, process, "spawn")
        except BaseException:
            with contextlib.suppress(InstrumentError):
                self.device.kill(pid)
            raise
        self.device.resume(pid)
        return session

    def spawn_or_launch(self, argv: Sequence[str], launch: Callable[[], object], *, name: str | None = None,
                        timeout: float = 15.0, watch_relaunch: bool = False) -> AgentSession:
        """Spawn ``argv``; when the device cannot spawn (a portal, some ROMs), ``launch()`` it and
        attach after launch instead (recorded as ``attach-after-launch``)."""
        try:
            return self.spawn(argv, name=name)
        except SpawnNotSupportedError as exc:
            log.info("%s: cannot spawn (%s); launching and attaching after launch", self.device.label, exc)
        return self.attach_after_launch(name or os.path.basename(argv[0]), launch, timeout=timeout,
                                        watch_relaunch=watch_relaunch)

    def attach(self, *, pid: int | None = None, name: str | None = None,
               watch_relaunch: bool = False) -> AgentSession:
        """Attach to a running process by ``pid`` or unique ``name`` (mode ``attach``)."""
        if pid is not None:
            known = {p.pid: p.name for p in self.device.enumerate_processes()}
            if pid not in known:
                raise InstrumentError(f"{self.device.label}: no running process with pid {pid}")
            process = known[pid]
        elif name is not None:
            info = self.find_process(name)
            pid, process = info.pid, info.name
        else:
            raise InstrumentError("attach needs a pid or a process name")
        if watch_relaunch:
            self._watch.add(process)
        return self._instrument(pid, process, "attach")

    def attach_after_launch(self, name: str, launch: Callable[[], object], *, timeout: float = 15.0,
                            watch_relaunch: bool = False) -> AgentSession:
        """Run ``launch()`` (e.g. ``am start``), wait for a process ``name`` and attach to it.

        Recorded as ``attach-after-launch``: whatever the process did before the attach is missed.
        A process of that name that was already running counts only when no new one appears.
        """
        before = self._pids_named(name)
        launch()
        started = time.monotonic()
        grace = min(2.0, timeout / 2)
        while True:
            now = self._pids_named(name)
            new = now - before
            waited = time.monotonic() - started
            if len(new) == 1 or (not new and len(now) == 1 and waited >= grace):
                pid = (new or now).pop()
                break
            if len(new) > 1 or (not new and len(now) > 1 and waited >= grace):
                pids = ", ".join(map(str, sorted(new or now)))
                raise InstrumentError(f"{self.device.label}: several processes named {name!r} after the "
                                      f"launch (pids {pids}); attach by pid")
            if waited > timeout:
                raise InstrumentError(f"{self.device.label}: no process named {name!r} appeared within "
                                      f"{timeout:g}s of the launch")
            time.sleep(self._poll)
        if watch_relaunch:
            self._watch.add(name)
        return self._instrument(pid, name, "attach-after-launch")

    def instrument(self, pid: int, process: str, mode: InstrumentMode) -> AgentSession:
        """Put the agent into ``pid`` (recorded with ``mode``) unless this tracer already has: then
        the session it has (two paths may find one new process: a launch and a target watcher)."""
        return self._instrument(pid, process, mode)

    def _existing(self, pid: int) -> AgentSession | None:
        """The live session of ``pid``, waiting while another thread is still instrumenting it; None
        once this thread may instrument it (the pid is then claimed)."""
        with self._lock:
            while pid in self._claimed:
                for session in self._sessions:
                    if session.pid == pid and not session.detached.is_set():
                        return session
                if not any(s.pid == pid for s in self._sessions):
                    self._lock.wait(0.1)  # another thread is loading the agent into it
                    continue
                break  # its session ended (the pid is being reused): instrument it again
            self._claimed.add(pid)
            return None

    def _instrument(self, pid: int, process: str, mode: InstrumentMode) -> AgentSession:
        existing = self._existing(pid)
        if existing is not None:
            return existing
        try:
            return self._load(pid, process, mode)
        except BaseException:
            with self._lock:
                self._claimed.discard(pid)
                self._lock.notify_all()
            raise

    def _load(self, pid: int, process: str, mode: InstrumentMode) -> AgentSession:
        session = AgentSession(self.device, pid, process, mode, source=self._source, config=self._config,
                               sink=self._sink, decode=self._decode, size=self._size,
                               on_detached=self._on_detached)
        report = ensure_started(session)
        with self._lock:
            if self._listener is not None:
                session.target_id = self._listener.add_target(process, pid, mode, self._variant,
                                                              report.skipped)
            self._sessions.append(session)
            self._lock.notify_all()
            reason = session.detach_reason
        if reason is not None:  # it died while we were loading the agent
            self._on_detached(session, reason)
        log.info("%s: instrumented (%s): %d hooks, %d skipped", session.where, mode, len(report.hooked),
                 len(report.skipped))
        return session

    # ---- detach and reattach -------------------------------------------------------------

    def _on_detached(self, session: AgentSession, reason: str) -> None:
        with self._lock:
            if session not in self._sessions:
                return  # still starting; _instrument records it
            if self._listener is not None and session.target_id is not None:
                self._listener.target_detached(session.target_id, reason)
            if (reason == "process-terminated" and session.process in self._watch
                    and not self._stopping.is_set() and session.process not in self._watchers):
                watcher = threading.Thread(target=self._reattach, args=(session.process, session.pid),
                                           name=f"harness-relaunch-{session.process}", daemon=True)
                self._watchers[session.process] = watcher
                watcher.start()
            self._lock.notify_all()

    def _reattach(self, name: str, old_pid: int) -> None:
        try:
            while not self._stopping.wait(self._poll):
                try:
                    pids = self._pids_named(name) - {old_pid}
                    if not pids:
                        continue
                    pid = min(pids)
                    log.info("%s: %s relaunched as pid %d; reattaching", self.device.label, name, pid)
                    self._instrument(pid, name, "reattach")
                    return
                except InstrumentError as exc:
                    log.warning("%s: reattaching to %s failed (%s); still watching", self.device.label,
                                name, exc)
        finally:
            with self._lock:
                self._watchers.pop(name, None)
                self._lock.notify_all()

    # ---- lifetime ------------------------------------------------------------------------

    @property
    def sessions(self) -> list[AgentSession]:
        with self._lock:
            return list(self._sessions)

    def active(self) -> bool:
        """True while a target is attached or a relaunch is being watched for."""
        with self._lock:
            return bool(self._watchers) or any(not s.detached.is_set() for s in self._sessions)

    def wait(self, timeout: float | None = None) -> bool:
        """Wait until no target is active; False on timeout."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._lock:
            while bool(self._watchers) or any(not s.detached.is_set() for s in self._sessions):
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    return False
                self._lock.wait(0.2 if remaining is None else min(remaining, 0.2))
        return True

    def stop(self, drain_timeout: float = 10.0, progress: Callable[[int], None] | None = None) -> bool:
        """Stop watching for relaunches; have every agent stop recording and send its backlog; wait
        until that is stored (at most ``drain_timeout``; ``progress(events_left)`` about once a
        second meanwhile); then detach, and end the processes this tracer spawned.  True when every
        backlog was stored.  A KeyboardInterrupt meanwhile propagates: call ``abort()`` then."""
        self._stopping.set()
        sessions = self.sessions
        for session in sessions:
            session.quiesce()
        deadline = time.monotonic() + drain_timeout
        next_report = time.monotonic() + 1.0
        drained = True
        while True:
            drains = [session.drain() for session in sessions]
            if all(d.done for d in drains):
                break
            now = time.monotonic()
            if now >= deadline:
                drained = False
                log.warning("%s: %d events were not stored within %gs of stopping", self.device.label,
                            sum(d.left for d in drains), drain_timeout)
                break
            if progress is not None and now >= next_report:
                progress(sum(d.left for d in drains))
                next_report = now + 1.0
            self._stopping.wait(0.05)
        self._detach_all()
        return drained

    def abort(self) -> None:
        """Detach from every process now, without waiting for what the agents still hold."""
        self._stopping.set()
        self._detach_all()

    def _detach_all(self) -> None:
        sessions = self.sessions
        for session in sessions:
            session.detach()
            if session.mode == "spawn" and not self._keep_running:
                with contextlib.suppress(InstrumentError):
                    self.device.kill(session.pid)
        for session in sessions:
            session.detached.wait(2.0)
        if self._reaper is not None:
            self._reaper.close()
            self._reaper = None
        with self._lock:
            watchers = list(self._watchers.values())
        for watcher in watchers:
            watcher.join(2.0)
