"""How the virtual phone starts an app process (the part zygote plays on Android).

Every app runs as a real host process whose name is its package name: frida names a process
after its executable, so the launcher runs a copy of the (tiny) program launcher named after the
package — ``python3`` for idle apps (its libpython and stdlib found through PYTHONHOME), ``java``
inside a per-app view of the JDK for JVM apps (``bin/<package>`` beside symlinks to the JDK's
``lib``, ``conf``, ...) — so ``frida-ps`` shows ``com.example.messenger``, as on a phone.  Right
after start the process joins the phone's frida portal, so it is reachable through the phone's
frida-server port.  Apps with no
program of their own (no ``app:`` section in the profile) idle until they are stopped.
"""

from __future__ import annotations

import contextlib
import errno
import importlib.util
import logging
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO

from harness.errors import HarnessError, VirtualPhoneError
from harness.files import write_atomic
from harness.virtual.profile.spec import PackageSpec
from harness.virtual.system.state import PhoneState

log = logging.getLogger(__name__)


def _loaded_extension() -> str | None:
    """A standard module this Python loads with dlopen (from lib-dynload), if it has one."""
    for name in ("math", "select", "_json", "_socket"):
        if name not in sys.builtin_module_names and importlib.util.find_spec(name) is not None:
            return name
    return None


# An idle app imports a module that is dlopen'ed before it settles: once that module is mapped, the
# dynamic loader and libc have finished starting the process, and frida can inject into it.  With
# only libc mapped, the process may still be relocating, and frida's loader crashed in it with
# SIGSEGV now and then on a loaded machine (an app that never became hookable).
_DLOPENED = _loaded_extension()
_BARE_IDLE_PROGRAM = ("import signal, time\nsignal.signal(signal.SIGTERM, signal.SIG_DFL)\n"
                      "while True: time.sleep(3600)\n")
_IDLE_PROGRAM = (f"import {_DLOPENED}\n" if _DLOPENED else "") + _BARE_IDLE_PROGRAM
#: What maps an app's runtime once it is safe to inject: libjava (dlopen'ed by the JVM's launcher),
#: the idle program's dlopen'ed module, or libc where Python has none.
_READY_MARKERS = {"java": "/libjava.so", "python": f"/{_DLOPENED}." if _DLOPENED else "/libc.so"}
_JOIN_ATTEMPTS = 200  # x 50 ms: a loaded machine can take seconds to start a JVM

#: What an app runs: (kind, the real program, its arguments); kind is "python" or "java".
Program = tuple[str, Path, list[str]]
ProgramFactory = Callable[[PackageSpec], Program]


def idle_program(_spec: PackageSpec) -> Program:
    python = Path(os.path.realpath(Path(sys.base_prefix) / "bin" / "python3"))
    return "python", python, ["-IS", "-c", _IDLE_PROGRAM]


def idle_launcher(spec: PackageSpec, phone: PhoneState) -> subprocess.Popen[bytes]:
    """The process table's default launcher: an app that does nothing until it is killed (an
    unnamed python process that joins no portal; for tests of the tools without a daemon)."""
    return subprocess.Popen(
        [sys.executable, "-c", _BARE_IDLE_PROGRAM], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL, start_new_session=True,
        env={**os.environ, "VPHONE_PACKAGE": spec.name, "VPHONE_STATE": str(phone.state_dir)})


def _copy_if_changed(source: Path, target: Path) -> None:
    if target.is_symlink() or not target.exists() or target.stat().st_size != source.stat().st_size:
        write_atomic(target, source.read_bytes(), mode=source.stat().st_mode & 0o777)


def named_executable(kind: str, program: Path, package: str, names_dir: Path) -> Path:
    """A copy of ``program`` whose file name is ``package``, set up so it still finds its runtime."""
    if kind == "java":
        home = program.parent.parent          # .../jvm/java-17-openjdk-amd64
        view = names_dir / package
        (view / "bin").mkdir(parents=True, exist_ok=True)
        for entry in home.iterdir():
            link = view / entry.name
            if entry.name != "bin" and not link.is_symlink():
                link.symlink_to(entry)
        target = view / "bin" / package
    else:
        target = names_dir / package
    _copy_if_changed(program, target)
    return target


def _popen_retrying(argv: list[str], output: IO[bytes], cwd: Path, env: dict[str, str]) -> subprocess.Popen[bytes]:
    """Start the app; retry while its freshly copied executable is "busy": a process forked
    elsewhere in the daemon at the moment of the copy holds the write descriptor until it execs."""
    for attempt in range(20):
        try:
            return subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=output, stderr=output,
                                    start_new_session=True, cwd=str(cwd), env=env)
        except OSError as exc:
            if exc.errno != errno.ETXTBSY or attempt == 19:
                raise
            time.sleep(0.05)
    raise AssertionError("unreachable")


class AppLauncher:
    """A ``ProcessTable`` launcher: named processes that join the phone's frida portal."""

    def __init__(self, phone: PhoneState, names_dir: Path, join: Callable[[int], None] | None = None,
                 programs: ProgramFactory | None = None, on_start: Callable[[str], None] | None = None) -> None:
        self._phone = phone
        self._on_start = on_start
        self._names_dir = names_dir
        self._join = join
        self._programs = programs or idle_program
        names_dir.mkdir(parents=True, exist_ok=True)

    def __call__(self, spec: PackageSpec, phone: PhoneState) -> subprocess.Popen[bytes]:
        try:
            kind, program, args = self._programs(spec)
        except HarnessError as exc:  # e.g. javac missing or failing: am start reports it, the phone goes on
            raise VirtualPhoneError(f"cannot start {spec.name}: {exc}") from exc
        if self._on_start is not None:
            self._on_start(spec.name)
        executable = named_executable(kind, program, spec.name, self._names_dir)
        log_path = phone.vphone_dir / "apps" / f"{spec.name}.log"
        log_path.parent.mkdir(parents=True, exist_ok=True)
        env = self._environment(spec)
        if kind == "python":
            env["PYTHONHOME"] = sys.base_prefix
        with log_path.open("ab") as output:
            process = _popen_retrying([str(executable), *args], output, phone.device_path(f"/data/data/{spec.name}"),
                                      env)
        if self._join is not None:
            # a JVM caught before it has loaded its runtime hangs when frida injects into it, and a
            # process still being relocated can crash frida's loader (see _READY_MARKERS)
            ready_marker = _READY_MARKERS[kind]
            threading.Thread(target=self._join_when_ready, args=(process, ready_marker), name=f"join:{spec.name}",
                             daemon=True).start()
        return process

    def _environment(self, spec: PackageSpec) -> dict[str, str]:
        keep = ("PATH", "LANG", "LC_ALL", "JAVA_HOME", "HOME", "TMPDIR")
        env = {k: v for k, v in os.environ.items() if k in keep}
        env.update({"VPHONE_PACKAGE": spec.name, "VPHONE_STATE": str(self._phone.state_dir)})
        return env

    def _join_when_ready(self, process: subprocess.Popen[bytes], marker: str) -> None:
        """Hand the app to the frida portal once ``marker`` (a library the runtime loads early) is
        mapped: injecting into a program that is still starting can fail or hang it."""
        assert self._join is not None
        for _ in range(_JOIN_ATTEMPTS):
            if process.poll() is not None:
                return
            with contextlib.suppress(OSError):
                if marker in Path(f"/proc/{process.pid}/maps").read_text(errors="replace"):
                    try:
                        self._join(process.pid)
                        return
                    except Exception as exc:  # frida raises many kinds; retry, then report
                        log.debug("joining pid %d to the portal failed: %s", process.pid, exc)
            time.sleep(0.05)
        log.warning("app pid %d could not join the frida portal; it is not hookable", process.pid)


APPS_DIR = Path(__file__).resolve().parent / "apps"


class JvmPrograms:
    """Programs for apps with an ``app:`` section: ``{main: CLASS, sources: FOLDER, hosts: [...]}``.

    The app's Java sources (``harness/virtual/runtime/apps/FOLDER``) are compiled against the Android stubs
    on first use.  The JVM runs ``android.app.ActivityThread``, which runs ``main`` once the phone
    launches the app, and its manifest receivers when broadcasts come.  The JVM resolves host names
    with the phone's hosts file, trusts the CA folders ``trust(spec)`` names (``vphone.cacerts``: the
    system store, and the user store if the app's network security config allows it, see
    ``net.trust``), knows the phone's loopback address (``vphone.loopback``) and reaches the phone's
    system services through the binder socket.  Apps without an ``app:`` section idle.
    """

    def __init__(self, hosts_file: Path, binder_socket: Path, *,
                 trust: Callable[[PackageSpec], list[Path]] | None = None, loopback: str | None = None) -> None:
        self._hosts_file = hosts_file
        self._trust = trust
        self._loopback = loopback
        self._binder_socket = binder_socket
        self._compile_lock = threading.Lock()

    def classpath(self, spec: PackageSpec) -> tuple[Path, Path]:
        """The compiled stubs and app (compiled once, cached across runs)."""
        from harness.virtual.runtime.javac import compile_sources, stubs_classpath

        with self._compile_lock:  # a launch during the warm-up waits for it instead of compiling twice
            stubs = stubs_classpath()
            return stubs, compile_sources([APPS_DIR / str(spec.app.get("sources", spec.name))], classpath=[stubs])

    def warm(self, specs: list[PackageSpec]) -> None:
        """Compile every app of the phone ahead of its first launch (in the background at start-up)."""
        for spec in specs:
            if spec.app.get("main"):
                try:
                    self.classpath(spec)
                except HarnessError as exc:
                    log.warning("cannot prepare %s: %s", spec.name, exc)

    def __call__(self, spec: PackageSpec) -> Program:
        main = spec.app.get("main")
        if not main:
            return idle_program(spec)
        from harness.virtual.runtime.javac import java_executable

        stubs, classes = self.classpath(spec)
        args = ["-Xshare:auto", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmx128m",
                f"-Djdk.net.hosts.file={self._hosts_file}", f"-Dvphone.binder={self._binder_socket}",
                f"-Dvphone.package={spec.name}", f"-Dvphone.main={main}"]
        if self._trust is not None:
            args.append(f"-Dvphone.cacerts={os.pathsep.join(str(p) for p in self._trust(spec))}")
        if self._loopback is not None:
            args.append(f"-Dvphone.loopback={self._loopback}")
        # as on Android, every app process starts in ActivityThread.main, which runs what the phone
        # schedules on it (see app_threads): the program (``main``) for an activity, receivers
        args += ["-cp", os.pathsep.join([str(stubs), str(classes)]), "android.app.ActivityThread"]
        return "java", Path(os.path.realpath(java_executable())), args
