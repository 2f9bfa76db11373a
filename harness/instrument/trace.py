"""Ad-hoc recording without a scenario (``harness trace``): instrument targets, store everything.

``run_trace(options, ...)`` reaches the device, checks its frida-server, creates the run, starts
the targets and records until the duration elapses, every target is gone (and no relaunch is
being watched for) or a stop signal arrives.  Then every agent stops recording and sends what it
holds, which is stored before the run is closed (``Tracer.stop``); a second signal meanwhile
aborts that wait and records how many events were lost.  The run's ``stop_reason`` says which
(``duration``, ``targets-ended``, ``interrupted``, ``aborted``); a target that crashed says so in
its detach reason, with the signal.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import frida

from harness.errors import ConfigError
from harness.instrument.config import all_modules
from harness.instrument.devices import FridaDevice
from harness.instrument.session import (
    AgentConfig,
    AgentSession,
    BatchSizer,
    Decoder,
    default_decoder,
    default_sizer,
)
from harness.instrument.tracer import Tracer
from harness.instrument.versions import check_server
from harness.record.meta import RunMeta
from harness.record.store import RunSlot, RunStore
from harness.signals import StopRequested, StopSignals

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TraceOptions:
    out: Path
    process: str | None = None
    pid: int | None = None
    spawn: Sequence[str] = ()
    hooks: tuple[str, ...] = field(default_factory=all_modules)
    duration: float | None = None
    force: bool = False
    watch_relaunch: bool = False
    server_version: str | None = None
    app_package: str | None = None
    max_data: int = 64 * 1024
    #: How to start ``spawn[0]`` when the device cannot spawn (Android: launch the package over adb)
    launch: Callable[[], object] | None = None
    #: leave spawned targets running when the trace ends (default: they end with it)
    keep_running: bool = False
    #: longest wait, after the stop, for the agents' backlog to be stored
    drain_timeout: float = 30.0


@dataclass
class TraceResult:
    out: Path
    received: int = 0
    written: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)
    targets: list[tuple[str, int, str, str | None]] = field(default_factory=list)  # name, pid, mode, reason
    stop: str = "targets-ended"   # duration | interrupted | aborted | targets-ended
    signal: str | None = None     # the stop signal (SIGINT, SIGTERM)
    lost: int = 0                 # events recorded on the device but not stored (aborted only)


def parse_hooks(text: str | None) -> tuple[str, ...]:
    """``"network,sms"`` -> the module names; unknown names are a ``ConfigError``."""
    if not text or text == "all":
        return all_modules()
    names = tuple(dict.fromkeys(n.strip() for n in text.split(",") if n.strip()))
    unknown = [n for n in names if n not in all_modules()]
    if unknown or not names:
        raise ConfigError(f"--hooks: unknown module(s) {', '.join(unknown) or '(none given)'}; "
                          f"choose from {', '.join(all_modules())}")
    return names


def load_agent(script: Path | None = None) -> tuple[str, Decoder]:
    """The agent source (the compiled bundle, or a JS file) and the batch decoder."""
    if script is not None:
        try:
            source = script.read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"{script}: cannot read the agent script: {exc.strerror}") from exc
    else:
        from harness.instrument.agent import agent_source

        source = agent_source()
    return source, default_decoder()


def _start_targets(tracer: Tracer, opts: TraceOptions) -> AgentSession:
    if opts.spawn and opts.launch is not None:
        return tracer.spawn_or_launch(opts.spawn, opts.launch, name=opts.spawn[0],
                                      watch_relaunch=opts.watch_relaunch)
    if opts.spawn:
        return tracer.spawn(opts.spawn)
    if opts.pid is not None:
        return tracer.attach(pid=opts.pid, watch_relaunch=opts.watch_relaunch)
    if opts.process is not None:
        return tracer.attach(name=opts.process, watch_relaunch=opts.watch_relaunch)
    raise ConfigError("trace needs --process NAME, --pid N or --spawn -- CMD")


def _record(tracer: Tracer, opts: TraceOptions, result: TraceResult, *, received: Callable[[], int],
            progress: Callable[[int, float], None] | None, tick: float) -> None:
    started = time.monotonic()
    try:
        while True:
            remaining = None if opts.duration is None else opts.duration - (time.monotonic() - started)
            if remaining is not None and remaining <= 0:
                result.stop = "duration"
                return
            if tracer.wait(tick if remaining is None else min(tick, remaining)):
                result.stop = "targets-ended"
                return
            if progress is not None:
                progress(received(), time.monotonic() - started)
    except KeyboardInterrupt as exc:
        result.stop = "interrupted"
        result.signal = exc.signame if isinstance(exc, StopRequested) else "SIGINT"
        log.info("%s: stopping; storing everything received (again to abort)", result.signal)


#: Drain progress, called with the events still to store about once a second.
DrainProgress = Callable[[int], None]


def run_trace(device: FridaDevice, opts: TraceOptions, *, source: str, decode: Decoder,
              size: BatchSizer | None = None, progress: Callable[[int, float], None] | None = None,
              draining: DrainProgress | None = None, tick: float = 1.0) -> TraceResult:
    """Record ``opts``'s targets on ``device`` into the run ``opts.out``."""
    with StopSignals() as signals:
        return _run_trace(device, opts, signals, source=source, decode=decode, size=size, progress=progress,
                          draining=draining, tick=tick)


def _run_trace(device: FridaDevice, opts: TraceOptions, signals: StopSignals, *, source: str, decode: Decoder,
               size: BatchSizer | None, progress: Callable[[int, float], None] | None,
               draining: DrainProgress | None, tick: float) -> TraceResult:
    slot = RunSlot(opts.out, force=opts.force)
    info = check_server(device, opts.server_version)
    meta = RunMeta(frida_client_version=frida.__version__, frida_server_version=opts.server_version,
                   device_serial=device.serial,
                   extra={"command": "trace", "device": device.label, "hooks": list(opts.hooks)})
    result = TraceResult(out=opts.out)
    try:
        store = RunStore.create(opts.out, meta)
    except BaseException:
        slot.restore()
        raise
    try:
        store.set_device_facts({"frida": info.to_json(), "device": device.label})
        writer = store.writer()
        config = AgentConfig(modules=opts.hooks, max_data=opts.max_data, app_package=opts.app_package)
        tracer = Tracer(device, source=source, config=config, sink=writer, decode=decode,
                        size=size if size is not None else default_sizer(), listener=store,
                        keep_running=opts.keep_running)
        try:
            _start_targets(tracer, opts)
        except BaseException:
            tracer.abort()
            raise
    except BaseException:
        with signals.shield(swallow=True):
            store.close()
            slot.restore()  # nothing was recorded: leave the old run (or nothing) behind
        raise
    slot.discard_old()
    try:
        _record(tracer, opts, result, received=lambda: writer.stats().received, progress=progress, tick=tick)
        try:
            tracer.stop(opts.drain_timeout, progress=draining)
        except KeyboardInterrupt as exc:  # a second signal: stop waiting for the backlog
            result.stop = "aborted"
            result.signal = result.signal or (exc.signame if isinstance(exc, StopRequested) else "SIGINT")
            with signals.shield(swallow=True):
                result.lost = sum(s.drain().left for s in tracer.sessions)
                tracer.abort()
                result.lost += writer.abort().discarded
    finally:
        with signals.shield(swallow=True):
            _close(store, tracer, result)
    return _summarise(result)


def _close(store: RunStore, tracer: Tracer, result: TraceResult) -> None:
    sessions = tracer.sessions
    store.update_meta({
        "stop_reason": result.stop, "stop_signal": result.signal, "finished": time.time(),
        "events_not_stored": sum(s.lost for s in sessions),
        "events_lost": result.lost,
        "agent_errors": [{"pid": s.pid, **e} for s in sessions for e in s.agent_errors][:1000],
        "agent_script_errors": sum(s.script_errors for s in sessions),
        "crashes": [{"pid": s.pid, "process": s.process, **s.crash} for s in sessions if s.crash][:1000],
    })
    store.close()


def _summarise(result: TraceResult) -> TraceResult:
    reopened = RunStore.open(result.out)
    try:
        stats = reopened.meta()
        result.received = int(stats.get("events_received", 0))
        result.written = int(stats.get("events_written", 0))
        result.by_kind = reopened.count_by_kind()
        result.targets = [(t.process, t.pid, t.mode, t.detach_reason) for t in reopened.targets()]
    finally:
        reopened.close()
    return result
