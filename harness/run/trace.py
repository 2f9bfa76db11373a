"""Ad-hoc recording without a scenario (``harness trace``): instrument targets, store everything.

``run_trace(options, ...)`` opens a ``Recording`` (device checked, run created), starts the
targets with its tracer and records until the duration elapses, every target is gone (and no
relaunch is being watched for) or a stop signal arrives.  Then every agent stops recording and
sends what it holds, which is stored before the run is closed (``Recording.stop``); a second
signal meanwhile aborts that wait and records how many events were lost.  The run's
``stop_reason`` says which (``duration``, ``targets-ended``, ``interrupted``, ``aborted``); a target
that crashed says so in its detach reason, with the signal.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from harness.errors import ConfigError
from harness.instrument.config import AgentConfig, BatchSizer, Decoder, all_modules, default_decoder
from harness.instrument.devices import FridaDevice
from harness.instrument.session import AgentSession
from harness.instrument.tracer import Tracer
from harness.run.recording import DrainProgress, Recording
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


def run_trace(device: FridaDevice, opts: TraceOptions, *, source: str, decode: Decoder,
              size: BatchSizer | None = None, progress: Callable[[int, float], None] | None = None,
              draining: DrainProgress | None = None, tick: float = 1.0) -> TraceResult:
    """Record ``opts``'s targets on ``device`` into the run ``opts.out``."""
    with StopSignals() as signals:
        agent = AgentConfig(modules=opts.hooks, max_data=opts.max_data, app_package=opts.app_package)
        recording = Recording.open(device, opts.out, signals, agent=agent, source=source, decode=decode,
                                   force=opts.force, server_version=opts.server_version,
                                   meta={"command": "trace"}, size=size, keep_running=opts.keep_running)
        tracer = recording.tracer()
        try:
            _start_targets(tracer, opts)
        except BaseException:
            recording.failed()
            raise
        recording.started()
        result = TraceResult(out=opts.out)
        aborted_by: str | None = None
        try:
            _record(tracer, opts, result, received=lambda: recording.writer.stats().received, progress=progress,
                    tick=tick)
            aborted_by = recording.stop(tracer, drain_timeout=opts.drain_timeout, progress=draining)
        finally:
            if aborted_by is not None:
                result.stop, result.signal = "aborted", result.signal or aborted_by
            summary = recording.close(result.stop, result.signal, aborted=aborted_by is not None)
        result.lost = recording.lost
        result.received, result.written = summary.received, summary.written
        result.by_kind, result.targets = summary.by_kind, summary.targets
        return result
