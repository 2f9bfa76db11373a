"""A run being recorded: the one place where a device, the hook agent and the run store are wired.

``Recording.open(device, out, ...)`` makes room for the run (``RunSlot``: an existing run is
replaced only with ``force``, and only once the new one has started), checks the device's
frida-server, creates the run store with the device facts, and gives ``tracer(variant)``s that feed
the run's writer and record their targets in it.  ``started()`` says the run replaced what was
there; ``failed()`` puts the old run back when nothing could be started.  ``stop(tracer)`` lets
the tracer's agents drain into the store; a second stop signal meanwhile aborts the wait, and
what was lost is counted.  ``close(stop_reason, signal)`` writes the stop reason, the counters,
agent errors and crashes, and closes the store durably, with stop signals held back.
``harness trace`` is one recording with one tracer; the scenario runner will be one with a tracer
per consent variant.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import frida

from harness.instrument.config import AgentConfig, BatchSizer, Decoder, default_sizer
from harness.instrument.devices import FridaDevice
from harness.instrument.tracer import Tracer
from harness.instrument.versions import check_server
from harness.record.meta import RunMeta
from harness.record.store import RunSlot, RunStore
from harness.signals import StopRequested, StopSignals

log = logging.getLogger(__name__)

#: Called with the events still to store, about once a second, while a stop drains the agents.
DrainProgress = Callable[[int], None]


@dataclass
class RunSummary:
    """What the closed run holds (read back from it)."""

    out: Path
    received: int = 0
    written: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)
    targets: list[tuple[str, int, str, str | None]] = field(default_factory=list)  # name, pid, mode, reason


class Recording:
    """One run being recorded; build it with ``Recording.open``."""

    def __init__(self, device: FridaDevice, store: RunStore, slot: RunSlot, signals: StopSignals, *,
                 agent: AgentConfig, source: str, decode: Decoder, size: BatchSizer | None,
                 keep_running: bool) -> None:
        self.device = device
        self.store = store
        self.writer = store.writer()
        self._slot = slot
        self._signals = signals
        self._agent = agent
        self._source = source
        self._decode = decode
        self._size = size if size is not None else default_sizer()
        self._keep_running = keep_running
        self._tracers: list[Tracer] = []
        self.lost = 0

    @classmethod
    def open(cls, device: FridaDevice, out: Path, signals: StopSignals, *, agent: AgentConfig, source: str,
             decode: Decoder, force: bool = False, server_version: str | None = None,
             meta: Mapping[str, Any] | None = None, size: BatchSizer | None = None,
             keep_running: bool = False) -> Recording:
        """Check the device, make room for the run and create it (nothing recorded yet)."""
        slot = RunSlot(out, force=force)
        info = check_server(device, server_version)
        run_meta = RunMeta(frida_client_version=frida.__version__, frida_server_version=server_version,
                           device_serial=device.serial,
                           extra={"device": device.label, "hooks": list(agent.modules), **dict(meta or {})})
        try:
            store = RunStore.create(out, run_meta)
        except BaseException:
            slot.restore()
            raise
        try:
            store.set_device_facts({"frida": info.to_json(), "device": device.label})
        except BaseException:
            with signals.shield(swallow=True):
                store.close()
                slot.restore()
            raise
        return cls(device, store, slot, signals, agent=agent, source=source, decode=decode, size=size,
                   keep_running=keep_running)

    def tracer(self, variant: str | None = None) -> Tracer:
        """A tracer whose targets feed this run (stamped with ``variant``) and are recorded in it."""
        tracer = Tracer(self.device, source=self._source, config=self._agent, sink=self.writer,
                        decode=self._decode, size=self._size, listener=self.store, variant=variant,
                        keep_running=self._keep_running)
        self._tracers.append(tracer)
        return tracer

    def started(self) -> None:
        """Something is being recorded: the run now replaces whatever was at its path."""
        self._slot.discard_old()

    def failed(self) -> None:
        """Nothing could be started: detach what was, remove the run, put the old one back."""
        with self._signals.shield(swallow=True):
            for tracer in self._tracers:
                tracer.abort()
            self.store.close()
            self._slot.restore()

    def stop(self, tracer: Tracer, *, drain_timeout: float = 30.0, progress: DrainProgress | None = None) -> str | None:
        """Stop ``tracer`` and store what its agents hold; None when everything was stored, else the
        signal that aborted the wait (the events left behind are added to ``lost``)."""
        try:
            tracer.stop(drain_timeout, progress=progress)
            return None
        except KeyboardInterrupt as exc:
            signame = exc.signame if isinstance(exc, StopRequested) else "SIGINT"
            with self._signals.shield(swallow=True):
                self.lost += sum(s.drain().left for s in tracer.sessions)
                tracer.abort()
            return signame

    def close(self, stop_reason: str, signal: str | None = None, *, aborted: bool = False) -> RunSummary:
        """Write why the run stopped and its counters, close it durably; what it holds.  With
        ``aborted`` the writer's queue is discarded (counted as lost) instead of stored."""
        with self._signals.shield(swallow=True):
            if aborted:
                self.lost += self.writer.abort().discarded
            sessions = [s for t in self._tracers for s in t.sessions]
            self.store.update_meta({
                "stop_reason": stop_reason, "stop_signal": signal, "finished": time.time(),
                "events_not_stored": sum(s.lost for s in sessions),
                "events_lost": self.lost,
                "agent_errors": [{"pid": s.pid, **e} for s in sessions for e in s.agent_errors][:1000],
                "agent_script_errors": sum(s.script_errors for s in sessions),
                "crashes": [{"pid": s.pid, "process": s.process, **s.crash} for s in sessions if s.crash][:1000],
            })
            self.store.close()
        return summarise(self.store.path)


def summarise(run: Path) -> RunSummary:
    """Counts and targets of a closed run."""
    store = RunStore.open(run)
    try:
        meta = store.meta()
        return RunSummary(
            out=run, received=int(meta.get("events_received", 0)), written=int(meta.get("events_written", 0)),
            by_kind=store.count_by_kind(),
            targets=[(t.process, t.pid, t.mode, t.detach_reason) for t in store.targets()])
    finally:
        store.close()
