"""The virtual phone's daemon: one process per phone, started by ``harness virtual start``.

It owns the phone's state folder (locked, so no two daemons share one), serves the adbd on a
loopback port, runs the service tools for the sandboxed shell, and supervises the phone's app
processes.  SIGTERM stops it cleanly; every app process dies with it.

Run as ``python -m harness.virtual.daemon --state DIR --profile NAME [--port N] [--ready FILE]``.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import importlib.metadata
import json
import logging
import os
import shutil
import signal
import socket
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any

from harness.errors import HarnessError, VirtualPhoneError
from harness.files import write_atomic
from harness.virtual.adb.adbd import AdbdServer
from harness.virtual.adb.services import PhoneServices
from harness.virtual.net.frida_portal import FridaPortal
from harness.virtual.net.internet import Internet, internet_address
from harness.virtual.net.ports import PortMap, loopback_address
from harness.virtual.net.trust import system_stores, trusted_stores
from harness.virtual.preflight import check_state_folder, listen
from harness.virtual.profile.spec import PackageSpec
from harness.virtual.runtime.app_threads import AppThreads
from harness.virtual.runtime.binder import Binder
from harness.virtual.runtime.launcher import AppLauncher, JvmPrograms
from harness.virtual.runtime.processes import ProcessTable
from harness.virtual.shell.install import install_frida_server, install_tool_clients
from harness.virtual.shell.sandbox import SandboxLayout, shell_environment
from harness.virtual.shell.su import SuServer
from harness.virtual.shell.tools import TOOLS
from harness.virtual.shell.tools.base import SHELL_UID, ToolContext
from harness.virtual.shell.toolserver import ToolServer
from harness.virtual.system.fs_access import FsAccess
from harness.virtual.system.state import PhoneState
from harness.virtual.ui.app_ui import AppScreen, AppUiHub
from harness.virtual.ui.nodes import Screen

log = logging.getLogger(__name__)

_BANNER_KEYS = ("ro.product.name", "ro.product.model", "ro.product.device")


def _lock_state(state_dir: Path) -> int:
    check_state_folder(state_dir)
    try:
        fd = os.open(state_dir / ".daemon.lock", os.O_CREAT | os.O_RDWR, 0o644)
    except OSError as exc:
        raise VirtualPhoneError(f"state folder {state_dir}: cannot create its lock ({exc.strerror})") from exc
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise VirtualPhoneError(f"{state_dir} is in use by another running virtual phone") from None
    return fd


class PhoneDaemon:
    """Everything one running virtual phone consists of."""

    def __init__(self, state_dir: Path, profile: str, port: int = 0) -> None:
        self._lock_fd = _lock_state(state_dir)
        self._socket_dir: Path | None = None
        try:
            listener = listen(port)  # before anything else: a port in use must leave nothing behind
        except BaseException:
            os.close(self._lock_fd)
            raise
        try:
            self._build(state_dir, profile, listener)
        except BaseException:
            listener.close()
            if self._socket_dir is not None:
                shutil.rmtree(self._socket_dir, ignore_errors=True)
            os.close(self._lock_fd)
            raise
        self._stopped = threading.Event()

    def _build(self, state_dir: Path, profile: str, listener: socket.socket) -> None:
        self.phone = PhoneState.open_or_create(state_dir, profile)
        phone_profile = self.phone.profile
        rooted = bool(phone_profile.rooted)
        fs_root, sdk = self.phone.fs_root, phone_profile.build.sdk
        self.access = FsAccess(fs_root, rooted)
        self.access.prepare()
        port = int(listener.getsockname()[1])
        self.loopback = loopback_address(port)
        self.ports = PortMap()
        self.portal = FridaPortal(self.ports, self.phone.vphone_dir / "frida-portal.log")
        socket_dir = self._socket_dir = Path(tempfile.mkdtemp(prefix="vphone-"))
        socket_dir.chmod(0o755)
        self.ui = AppUiHub()
        app_threads = AppThreads()
        self.binder = Binder(socket_dir / "binder.sock", self.phone, self.ui, app_threads)
        programs = JvmPrograms(self.phone.vphone_dir / "hosts", self.binder.socket_path,
                               trust=lambda spec: trusted_stores(fs_root, sdk, spec), loopback=self.loopback)
        self._programs = programs
        launcher = AppLauncher(self.phone, self.phone.vphone_dir / "proc-names", join=self.portal.join,
                               programs=programs, on_start=self.ui.reset)
        self.processes = ProcessTable(self.phone, launcher=launcher, screen_factory=self._screen,
                                      app_threads=app_threads)
        install_tool_clients(fs_root, sorted(TOOLS), rooted)
        if phone_profile.frida_server:
            install_frida_server(fs_root / "data", importlib.metadata.version("frida"))
        self.tools = ToolServer(socket_dir / "tools.sock", TOOLS, self._tool_context)
        self.su = SuServer(socket_dir / "su.sock", self._su_command) if rooted else None
        banner = {key: self.phone.props.get(key, "") for key in _BANNER_KEYS}
        self.services = PhoneServices(banner, self._build_command, self._map_path, fs_root / "system", self.ports,
                                      loopback=self.loopback,
                                      write_policy=lambda host: self.access.write_refusal(host, SHELL_UID))
        self.adbd = AdbdServer(self.services, listener=listener)
        self.port = self.adbd.port
        self.serial = f"127.0.0.1:{self.port}"
        hosts = [h for spec in self.phone.packages() for h in spec.app.get("hosts", [])]
        self.internet = Internet(internet_address(self.port), self.phone.vphone_dir, hosts,
                                 ca_stores=system_stores(fs_root, sdk))
        self.layout = SandboxLayout(fs_root, socket_dir, hosts_file=self.internet.hosts_file, access=self.access)

    def _screen(self, spec: PackageSpec, _processes: ProcessTable) -> Screen | None:
        return AppScreen(spec, self.ui, self.phone.screen_size) if spec.app.get("main") else None

    def _tool_context(self, **kwargs: Any) -> ToolContext:
        return ToolContext(phone=self.phone, processes=self.processes, ports=self.ports, **kwargs)

    def _build_command(self, argv: list[str], use_pty: bool) -> list[str]:
        env = shell_environment(SHELL_UID, self.serial, self.loopback)
        if use_pty:
            env["TERM"] = "xterm-256color"
        return self.layout.command(argv, env)

    def _su_command(self, argv: list[str], uid: int, env: dict[str, str], cwd: str) -> list[str]:
        """A process ``su`` asked for: in a sandbox of that uid (root's writes where root may)."""
        return self.layout.command(argv, {**env, "VPHONE_UID": str(uid)}, cwd, root=uid == 0)

    def _map_path(self, device_path: str) -> Path:
        path: Path = self.phone.device_path(device_path)
        return path

    def start(self) -> None:
        threading.Thread(target=self._programs.warm, args=(self.phone.packages(),), name="javac-warm",
                         daemon=True).start()
        self.tools.start()
        if self.su is not None:
            self.su.start()
        self.binder.start()
        self.portal.start()
        if self.phone.profile.frida_server and self.portal.pid is not None:
            self.processes.add_service("frida-server", self.portal.pid, 0)
        try:
            self.internet.start()
        except PermissionError as exc:
            raise VirtualPhoneError(
                f"the phone's internet cannot listen on {self.internet.address} ports 80/443 ({exc}); run as root "
                "or allow it with: sysctl net.ipv4.ip_unprivileged_port_start=80") from exc
        self.adbd.start()
        log.info("virtual phone %s serving on 127.0.0.1:%d (state %s)", self.serial, self.port,
                 self.phone.state_dir)

    def stop(self) -> None:
        if self._stopped.is_set():
            return
        self._stopped.set()
        self.adbd.stop()
        with contextlib.suppress(Exception):
            self.services.reverse.close_all()
        with contextlib.suppress(Exception):
            self.processes.shutdown()
        with contextlib.suppress(Exception):
            self.portal.stop()
        with contextlib.suppress(Exception):
            self.internet.stop()
        with contextlib.suppress(Exception):
            self.tools.stop()
        if self.su is not None:
            with contextlib.suppress(Exception):
                self.su.stop()
        with contextlib.suppress(Exception):
            self.binder.stop()
        if self._socket_dir is not None:
            shutil.rmtree(self._socket_dir, ignore_errors=True)
        with contextlib.suppress(OSError):
            os.close(self._lock_fd)

    def wait(self) -> None:
        self._stopped.wait()


def _report(exc: Exception) -> None:
    """One ``harness:`` line on stderr (the manager shows it); a traceback too if it is a bug."""
    if isinstance(exc, HarnessError):
        sys.stderr.write(f"harness: {exc}\n")
        return
    log.error("the virtual phone failed to start", exc_info=exc)
    sys.stderr.write(f"harness: the virtual phone failed to start: {type(exc).__name__}: {exc}\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m harness.virtual.daemon")
    parser.add_argument("--state", required=True, type=Path)
    parser.add_argument("--profile", default="default")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--ready", type=Path, help="write this JSON file once serving")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        daemon = PhoneDaemon(args.state.resolve(), args.profile, args.port)
    except Exception as exc:  # reported as one line; anything unexpected also with its traceback in the log
        _report(exc)
        return 2
    stop_requested = threading.Event()

    def on_signal(signum: int, _frame: object) -> None:
        log.info("signal %d: stopping", signum)
        stop_requested.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    try:
        daemon.start()
    except Exception as exc:
        _report(exc)
        daemon.stop()
        return 2
    if args.ready:
        info = {"pid": os.getpid(), "port": daemon.port, "serial": daemon.serial,
                "state": str(daemon.phone.state_dir), "profile": daemon.phone.profile.name}
        write_atomic(args.ready, json.dumps(info).encode("utf-8"))
    while not stop_requested.wait(1.0):
        pass
    daemon.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
