"""``ProcessTable``: the app processes of the virtual phone and which app is in front.

Apps run as real host processes (so Frida can attach to them) started by a pluggable launcher;
the default launcher starts an idle Python process, a later one starts JVM apps.  The table
also plays ActivityManager's part for the task stack: which app is focused, home, recents.
Android's own daemons (init, zygote, system_server, ...) are not real processes here; they are
listed by ``system_processes`` with fixed pids so ``ps``/``pidof`` look like a phone's.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import subprocess
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from harness.errors import VirtualPhoneError
from harness.virtual.profile.spec import FIRST_APP_UID, PackageSpec
from harness.virtual.runtime.launcher import idle_launcher
from harness.virtual.system.logbuffer import SYSTEM_SERVER_PID

if TYPE_CHECKING:
    from harness.virtual.runtime.app_threads import AppThreads
    from harness.virtual.system.state import PhoneState
    from harness.virtual.ui.nodes import Screen

log = logging.getLogger(__name__)

ZYGOTE64_PID = 742
Launcher = Callable[[PackageSpec, "PhoneState"], "subprocess.Popen[bytes]"]
ScreenFactory = Callable[[PackageSpec, "ProcessTable"], "Screen | None"]
_STOP_GRACE_SECONDS = 2.0


@dataclass(frozen=True)
class ProcessInfo:
    """One process as ``ps`` shows it; ``ppid`` is the Android-side parent (zygote for apps)."""

    pid: int
    name: str
    uid: int
    ppid: int


def format_uid(uid: int) -> str:
    """``UserHandle.formatUid``: 10190 -> ``u0a190``, 1000 -> ``1000``."""
    return f"u0a{uid - FIRST_APP_UID}" if uid >= FIRST_APP_UID else str(uid)


@dataclass
class _Running:
    spec: PackageSpec
    process: subprocess.Popen[bytes]
    activity: str


class ProcessTable:
    """The phone's running apps; safe to use from many shell streams at once."""

    def __init__(self, phone: PhoneState, launcher: Launcher | None = None,
                 screen_factory: ScreenFactory | None = None, app_threads: AppThreads | None = None) -> None:
        self.phone = phone
        #: The processes' message queues, when they run an ActivityThread (None: they run no code).
        self.app_threads = app_threads
        self._launcher = launcher or idle_launcher
        self._screen_factory = screen_factory
        self._lock = threading.RLock()
        self._running: dict[str, _Running] = {}
        self._recents: list[str] = []      # most recent last
        self._focused: str | None = None   # None: the home screen is in front
        self._screens: dict[str, Screen | None] = {}
        self._services: dict[str, ProcessInfo] = {}

    # --- lifecycle ----------------------------------------------------------------------------

    def start(self, package: str, activity: str | None = None, *, intent: str | None = None,
              caller_uid: int = 2000) -> int:
        """Start ``package`` (if it is not running) with ``activity`` in front; returns its pid.

        Raises VirtualPhoneError when the package is not installed or its launcher fails.

        ``intent`` is the Intent.toShortString text ActivityTaskManager logs for the start (default:
        a launcher intent, as a tap on the home screen or monkey sends); ``caller_uid`` who asked.
        """
        spec = self.phone.package(package)
        if spec is None:
            raise VirtualPhoneError(f"cannot start {package}: not installed")
        with self._lock:
            self._reap()
            activity = spec.full_class(activity or spec.launcher_activity or ".MainActivity")
            if intent is None:
                intent = (f"act=android.intent.action.MAIN cat=[android.intent.category.LAUNCHER] "
                          f"flg=0x10200000 cmp={package}/{spec.short_class(activity)}")
            self.phone.log("I", "ActivityTaskManager",
                           f"START u0 {{{intent}}} with LAUNCH_MULTIPLE from uid {caller_uid} "
                           "(BAL_ALLOW_PERMISSION) result code=0", buffer="system")
            running = self._running.get(package) or self._spawn(spec, f"next-top-activity {{{package}/{activity}}}")
            running.activity = activity
            if self.app_threads is not None:
                self.app_threads.launch(running.process.pid)
            self._bring_to_front(package)
            return running.process.pid

    def start_for_broadcast(self, package: str, receiver: str) -> int:
        """``package``'s pid, its process started in the background if it is not running, to run
        ``receiver`` (a full class name); raises VirtualPhoneError as ``start`` does."""
        spec = self.phone.package(package)
        if spec is None:
            raise VirtualPhoneError(f"cannot start {package}: not installed")
        with self._lock:
            self._reap()
            running = self._running.get(package) or self._spawn(spec, f"broadcast {{{package}/{receiver}}}")
            return running.process.pid

    def _spawn(self, spec: PackageSpec, hosting: str) -> _Running:
        """Start a process of ``spec`` (the lock is held); ``hosting`` is why, as ActivityManager logs it."""
        package = spec.name
        try:
            process = self._launcher(spec, self.phone)
        except (OSError, ValueError, VirtualPhoneError) as exc:
            # On a phone the app would crash; here the launch itself failed.
            self.phone.log("E", "ActivityManager", f"Failure starting process {package}: {exc}", buffer="system")
            raise VirtualPhoneError(f"cannot start {package}: {exc}") from exc
        running = self._running[package] = _Running(spec, process, "")
        if self.app_threads is not None:
            self.app_threads.attach(process.pid, package)
        self.phone.log("I", "ActivityManager",
                       f"Start proc {process.pid}:{package}/{format_uid(spec.uid)} for {hosting}", buffer="system")
        return running

    def stop(self, package: str, reason: str | None = None) -> bool:
        """Kill ``package``'s process (SIGTERM, then SIGKILL); False if it was not running.

        ``reason`` ends the ActivityManager ``Killing`` log line (default: a force-stop's).
        """
        with self._lock:
            running = self._running.pop(package, None)
            self._screens.pop(package, None)
            if package in self._recents:
                self._recents.remove(package)
            if self._focused == package:
                self._focused = None
        if running is None:
            return False
        self._detach(running.process.pid)
        self.phone.log("I", "ActivityManager",
                       f"Killing {running.process.pid}:{package}/{format_uid(running.spec.uid)} (adj 0): "
                       f"{reason or f'stop {package} due to from pid 0'}", buffer="system")
        _terminate(running.process)
        return True

    def shutdown(self) -> None:
        """Kill every app process (the phone is powering off: nothing is logged)."""
        with self._lock:
            running = list(self._running.values())
            self._running.clear()
            self._screens.clear()
            self._recents.clear()
            self._focused = None
        for entry in running:
            self._detach(entry.process.pid)
            _terminate(entry.process)

    def _detach(self, pid: int) -> None:
        if self.app_threads is not None:
            self.app_threads.detach(pid)

    def _reap(self) -> None:
        """Forget processes that exited by themselves (and collect their exit status)."""
        for package, running in list(self._running.items()):
            if running.process.poll() is not None:
                del self._running[package]
                self._detach(running.process.pid)
                self._screens.pop(package, None)
                if self._focused == package:
                    self._focused = None
                self.phone.log("I", "ActivityManager",
                               f"Process {package} (pid {running.process.pid}) has died: fg  TOP ",
                               buffer="system")

    # --- queries ------------------------------------------------------------------------------

    def processes(self) -> list[ProcessInfo]:
        """The live app processes, oldest first."""
        with self._lock:
            self._reap()
            return [ProcessInfo(r.process.pid, name, r.spec.uid, ZYGOTE64_PID) for name, r in self._running.items()]

    def system_processes(self) -> list[ProcessInfo]:
        """Android's own daemons and persistent system apps (not real processes; fixed pids)."""
        fixed = [ProcessInfo(1, "init", 0, 0), ProcessInfo(2, "[kthreadd]", 0, 0),
                 ProcessInfo(301, "ueventd", 0, 1), ProcessInfo(512, "logd", 1036, 1),
                 ProcessInfo(515, "servicemanager", 1000, 1), ProcessInfo(ZYGOTE64_PID, "zygote64", 0, 1),
                 ProcessInfo(743, "zygote", 0, 1), ProcessInfo(981, "adbd", 2000, 1),
                 ProcessInfo(SYSTEM_SERVER_PID, "system_server", 1000, ZYGOTE64_PID)]
        persistent = {"com.android.systemui": 1688, "com.android.phone": 1921,
                      self.phone.profile.launcher_package: 2268, "com.google.android.gms.persistent": 2397}
        with self._lock:
            running = set(self._running)
        for name, pid in persistent.items():
            spec = self.phone.package(name.removesuffix(".persistent"))
            if spec is not None and name not in running:
                fixed.append(ProcessInfo(pid, name, spec.uid, ZYGOTE64_PID))
        return fixed

    def add_service(self, name: str, pid: int, uid: int = 0) -> None:
        """List a host process the daemon runs for the phone (e.g. ``frida-server``) in ps/pidof."""
        with self._lock:
            self._services[name] = ProcessInfo(pid, name, uid, 1)

    def remove_service(self, name: str) -> None:
        with self._lock:
            self._services.pop(name, None)

    def all_processes(self) -> list[ProcessInfo]:
        """Android's daemons, service processes that are still alive, then the apps."""
        with self._lock:
            services = [s for s in self._services.values() if Path(f"/proc/{s.pid}").exists()]
        return self.system_processes() + services + self.processes()

    def pids(self, name: str) -> list[int]:
        """Pids of the processes called ``name`` (an app's process name is its package name)."""
        return [p.pid for p in self.all_processes() if p.name == name]

    def is_running(self, package: str) -> bool:
        with self._lock:
            self._reap()
            return package in self._running

    def pid(self, package: str) -> int | None:
        with self._lock:
            self._reap()
            running = self._running.get(package)
            return None if running is None else running.process.pid

    # --- the task stack -----------------------------------------------------------------------

    def foreground(self) -> str | None:
        """The package in front, or None when the home screen is."""
        with self._lock:
            self._reap()
            return self._focused

    def foreground_activity(self) -> tuple[str, str]:
        """(package, full activity class) in front; the launcher's home activity when home."""
        with self._lock:
            package = self.foreground()
            if package is not None:
                return package, self._running[package].activity
        home = self.phone.package(self.phone.profile.launcher_package)
        name = self.phone.profile.launcher_package
        return name, home.full_class(home.launcher_activity or ".Launcher") if home else f"{name}.Launcher"

    def activity_of(self, package: str) -> str | None:
        with self._lock:
            running = self._running.get(package)
            return None if running is None else running.activity

    def go_home(self) -> None:
        with self._lock:
            self._focused = None

    def _bring_to_front(self, package: str) -> None:
        if package in self._recents:
            self._recents.remove(package)
        self._recents.append(package)
        self._focused = package

    def screen(self, package: str) -> Screen | None:
        """The running app's own screen from the screen factory (cached per process), if any."""
        with self._lock:
            if package not in self._screens:
                running = self._running.get(package)
                factory = self._screen_factory
                self._screens[package] = factory(running.spec, self) if running and factory else None
            return self._screens[package]


def _terminate(process: subprocess.Popen[bytes]) -> None:
    for sig, wait in ((signal.SIGTERM, _STOP_GRACE_SECONDS), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(process.pid, sig)
        except (ProcessLookupError, PermissionError):
            with contextlib.suppress(ProcessLookupError):
                process.send_signal(sig)
        try:
            process.wait(wait)
            return
        except subprocess.TimeoutExpired:
            continue
    log.warning("process %d did not exit after SIGKILL", process.pid)
