"""``app_process``: start a Java program on the phone; here, only the uiautomator2 server.

uiautomator2 runs ``CLASSPATH=/data/local/tmp/u2.jar app_process / com.wetest.uia2.Main -p 9008``
in an ``adb shell`` stream and keeps that stream open while it uses the server; closing it kills
the server.  The tool does the same: it starts the phone's ``U2Server`` (once per phone and port;
a second invocation finds it running and shares it), registers it as the phone's ``tcp:PORT``,
lists it as a ``uiautomator`` process, prints what the real server prints, and stays in the
foreground until its caller goes away; the last caller to go stops the server.  A server started
under ``nohup`` or with ``&`` outlives its caller (as that process would on a phone) and lives
until the phone stops.

Any other main class, or a CLASSPATH without an existing jar, fails the way ART reports a
missing class [U: exact text and exit status].
"""

from __future__ import annotations

import logging
import os
import threading
import weakref
import zipfile
from dataclasses import dataclass

from harness.errors import VirtualPhoneError
from harness.virtual.net.ports import PortMap
from harness.virtual.runtime.processes import ProcessTable
from harness.virtual.shell.tools.base import SHELL_UID, ToolContext
from harness.virtual.ui.u2server import U2Server
from harness.virtual.ui.u2service import UiAutomatorService

log = logging.getLogger(__name__)

U2_MAIN_CLASS = "com.wetest.uia2.Main"
U2_DEFAULT_PORT = 9008
#: The name ``ps``/``pidof`` show for the server process.
U2_PROCESS_NAME = "uiautomator"
#: The real server's first line (uiautomator2 waits for /ping, but logs this output on failure).
U2_START_LINE = "[server] INFO: [UiAutomator2Server] Starting Server"
_USAGE = "Usage: app_process [java-options] cmd-dir start-class-name [options]"
_EXIT_USAGE = 10        # app_main.cpp: "Error: no class name or --zygote supplied." then exit(10)
_EXIT_NO_CLASS = 1


@dataclass
class _Running:
    server: U2Server
    ports: PortMap
    holders: int = 0
    detached: bool = False


class U2Servers:
    """The uiautomator2 servers running on each phone, by device port.

    Tools are plain functions, so the servers a phone runs are kept here, keyed weakly by the
    phone's ``ProcessTable`` (one per running phone), so two phones never share a server.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_phone: weakref.WeakKeyDictionary[ProcessTable, dict[int, _Running]] = weakref.WeakKeyDictionary()

    def acquire(self, processes: ProcessTable, ports: PortMap, device_port: int, detached: bool) -> U2Server:
        """The phone's server on ``device_port``, started if it is not running; one more holder."""
        with self._lock:
            servers = self._by_phone.setdefault(processes, {})
            running = servers.get(device_port)
            if running is None:
                server = U2Server(UiAutomatorService(processes))
                server.start()
                ports.register(device_port, server.port)
                processes.add_service(U2_PROCESS_NAME, os.getpid(), SHELL_UID)
                running = servers[device_port] = _Running(server, ports)
                log.info("uiautomator2 server: device tcp:%d -> 127.0.0.1:%d", device_port, server.port)
            running.holders += 1
            running.detached |= detached
            return running.server

    def release(self, processes: ProcessTable, device_port: int) -> None:
        """One holder went away; the server stops with its last holder unless it was detached."""
        with self._lock:
            servers = self._by_phone.get(processes, {})
            running = servers.get(device_port)
            if running is None:
                return
            running.holders -= 1
            if running.holders > 0 or running.detached:
                return
            del servers[device_port]
            running.ports.unregister(device_port)
            if not servers:
                processes.remove_service(U2_PROCESS_NAME)
        running.server.stop()
        log.info("uiautomator2 server on device tcp:%d stopped", device_port)

    def port_of(self, processes: ProcessTable, device_port: int) -> int | None:
        """The host port of the phone's server on ``device_port``, if one runs (for tests)."""
        with self._lock:
            running = self._by_phone.get(processes, {}).get(device_port)
            return None if running is None else running.server.port


SERVERS = U2Servers()


def _split(argv: list[str]) -> tuple[str | None, list[str]]:
    """(main class, its arguments) after the java options and the command directory."""
    rest = list(argv)
    while rest and rest[0].startswith("-"):
        rest.pop(0)
    if len(rest) < 2:
        return None, []
    return rest[1], rest[2:]


def _has_jar(ctx: ToolContext, classpath: str) -> bool:
    for entry in filter(None, classpath.split(":")):
        try:
            host = ctx.phone.device_path(entry, ctx.cwd)
        except VirtualPhoneError:
            continue
        if host.is_file() and zipfile.is_zipfile(host):
            return True
    return False


def _server_port(args: list[str]) -> int | None:
    port = U2_DEFAULT_PORT
    if "-p" in args:
        index = args.index("-p")
        text = args[index + 1] if index + 1 < len(args) else ""
        if not text.isdigit() or not 0 < int(text) < 65536:
            return None
        port = int(text)
    return port


def app_process(ctx: ToolContext, argv: list[str]) -> int:
    main_class, args = _split(argv)
    if main_class is None:
        ctx.eprint("Error: no class name or --zygote supplied.")
        ctx.eprint(_USAGE)
        return _EXIT_USAGE
    classpath = ctx.env.get("CLASSPATH", "")
    if main_class != U2_MAIN_CLASS or not _has_jar(ctx, classpath):
        ctx.eprint(f"Exception in thread \"main\" java.lang.ClassNotFoundException: Didn't find class "
                   f"\"{main_class}\" on path: DexPathList[[zip file \"{classpath}\"],nativeLibraryDirectories=[]]")
        return _EXIT_NO_CLASS
    device_port = _server_port(args)
    if device_port is None:
        ctx.eprint("java.lang.NumberFormatException: bad port")
        return _EXIT_NO_CLASS
    if ctx.ports is None:
        raise VirtualPhoneError("app_process: this phone has no port map for its network services")
    SERVERS.acquire(ctx.processes, ctx.ports, device_port, ctx.detached)
    try:
        ctx.print(U2_START_LINE)
        ctx.cancelled.wait()
    finally:
        SERVERS.release(ctx.processes, device_port)
    return 0
