"""The ``tracer`` fixture's objects: hooks on one process for a hand-written test.

    def test_beacon(tracer):
        with tracer("com.example.messenger", hooks=["network"]) as trace:   # attach on the phone
            ...                                                             # make it do something
            trace.wait_for("http.request")
        assert any(e.dest and e.dest.host == "analytics.tracker.example" for e in trace.events())

    with tracer(spawn=["/usr/bin/curl", "https://example.org"], local=True) as trace: ...  # this host

It is ``harness trace`` as a context manager: a ``Recording`` (the same run file ``harness trace``
writes, readable by ``harness export``/``detect``) with one ``Tracer``; on leaving the block every
agent stops recording, what it holds is stored, and the run is closed.  ``Trace.events()`` reads
the run back (what is stored so far inside the block, everything after it).
"""

from __future__ import annotations

import contextlib
import shutil
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from harness.events import Event

#: Longest wait, when the block ends, for what the hooks recorded to be stored.
DRAIN_TIMEOUT = 30.0


class Trace:
    """The run one ``with tracer(...)`` block records into."""

    def __init__(self, run: Path, label: str) -> None:
        self.run = run
        self.label = label
        self.closed = False

    def events(self, kind: str | None = None) -> list[Event]:
        """The recorded events (of ``kind``, e.g. ``"net.send"``), by id; inside the block, those
        stored so far."""
        from harness.record.reader import iter_events

        return list(iter_events(self.run, kinds={kind} if kind else None))

    def wait_for(self, kind: str | None = None, *, count: int = 1, timeout: float = 10.0,
                 where: Callable[[Event], bool] | None = None) -> list[Event]:
        """Wait until ``count`` events (of ``kind``, matching ``where``) are stored; they are returned.
        ``AssertionError`` after ``timeout`` seconds, saying what was recorded instead."""
        deadline = time.monotonic() + timeout
        while True:
            found = [e for e in self.events(kind) if where is None or where(e)]
            if len(found) >= count:
                return found
            if time.monotonic() > deadline:
                seen = sorted({e.kind for e in self.events()})
                raise AssertionError(f"{self.label}: {len(found)} of {count} {kind or 'event'}(s) within "
                                     f"{timeout:g} s; recorded kinds: {', '.join(seen) or 'none'} (run: {self.run})")
            time.sleep(0.1)


class Tracing:
    """The ``tracer`` fixture: ``tracer(process | pid= | spawn=, hooks=, local=)`` -> a context
    manager yielding a ``Trace``.  ``serial()`` gives the session's phone (only asked when not
    ``local``); ``new_folder(name)`` a fresh folder for the run file."""

    def __init__(self, serial: Callable[[], str], new_folder: Callable[[str], Path]) -> None:
        self._serial = serial
        self._new_folder = new_folder

    @contextlib.contextmanager
    def __call__(self, process: str | None = None, *, pid: int | None = None, spawn: Sequence[str] | None = None,
                 hooks: Sequence[str] | None = None, local: bool = False,
                 app_package: str | None = None) -> Iterator[Trace]:
        from harness.errors import ConfigError
        from harness.instrument.config import AgentConfig, all_modules
        from harness.instrument.devices import FridaDevice, open_local, open_usb
        from harness.run.recording import Recording
        from harness.run.trace import load_agent, parse_hooks
        from harness.signals import StopSignals

        if sum(x is not None for x in (process, pid, spawn)) != 1:
            raise ConfigError("tracer: give one of a process name, pid= or spawn=[argv]")
        modules = parse_hooks(",".join(hooks)) if hooks else all_modules()
        argv = list(spawn or [])
        launch: Callable[[], object] | None = None
        device: FridaDevice
        if local:
            device = open_local()
            if argv and "/" not in argv[0]:
                argv[0] = shutil.which(argv[0]) or argv[0]
        else:
            serial = self._serial()
            device = open_usb(serial)
            app_package = app_package or (argv[0] if argv else process)
            if argv:
                launch = _launcher(serial, argv[0])
        label = f"{process or pid or (argv[0] if argv else '?')} on {device.label}"
        run = self._new_folder(Path(str(process or (argv[0] if argv else pid))).name) / "trace.run"
        source, decode = load_agent()
        signals = StopSignals()  # not entered: the test's own signal handling stays as it is
        recording = Recording.open(device, run, signals, agent=AgentConfig(modules=modules, app_package=app_package),
                                   source=source, decode=decode, force=True, meta={"command": "pytest tracer"})
        tracer = recording.tracer()
        try:
            if argv and launch is not None:
                tracer.spawn_or_launch(argv, launch, name=argv[0])
            elif argv:
                tracer.spawn(argv)
            elif pid is not None:
                tracer.attach(pid=pid)
            else:
                tracer.attach(name=process)
        except BaseException:
            recording.failed()
            raise
        recording.started()
        trace = Trace(run, label)
        try:
            yield trace
        finally:
            aborted = recording.stop(tracer, drain_timeout=DRAIN_TIMEOUT)
            recording.close("aborted" if aborted else "stopped", aborted, aborted=aborted is not None)
            trace.closed = True


def _launcher(serial: str, package: str) -> Callable[[], object]:
    """Launching ``package`` over adb: where frida cannot spawn it (the virtual phone, some ROMs)."""
    def launch() -> object:
        from harness.device.device import Device

        return Device.connect(serial).apps.launch(package)

    return launch
