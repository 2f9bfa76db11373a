"""Frida on the virtual phone, reachable the way it is on a real one.

frida's USB backend finds Android devices through the adb server and opens ``tcp:27042`` on
them, where frida-server listens.  On the virtual phone a ``frida.PortalService`` stands in for
frida-server: its control endpoint is registered as the phone's port 27042, and every app process
the phone launches joins the portal's cluster endpoint.  ``frida.get_device(serial)`` then lists
the apps and attaches to them with frida's own, unmodified client code.  A portal cannot spawn,
so the harness uses its attach-right-after-launch mode on the virtual phone.

Like frida-server on a phone, the portal runs in a process of its own
(``python -m harness.virtual.net.frida_portal``): the process that attaches to an app must not be the
app's parent, or the parent's ``waitpid`` would swallow the ptrace stops frida relies on.  The
daemon sends it the pid of each app it launches, one per line.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import IO, Any

from harness.errors import VirtualPhoneError
from harness.virtual.net.ports import PortMap

log = logging.getLogger(__name__)

FRIDA_SERVER_PORT = 27042
_READY = "ready"


def _free_port(address: str) -> int:
    with socket.socket() as probe:
        probe.bind((address, 0))
        return int(probe.getsockname()[1])


class FridaPortal:
    """The daemon's handle on the phone's stand-in frida-server process."""

    def __init__(self, ports: PortMap, log_path: Path, address: str = "127.0.0.1") -> None:
        self._ports = ports
        self._log_path = log_path
        self._address = address
        self.cluster_port = _free_port(address)
        self.control_port = _free_port(address)
        self._process: subprocess.Popen[str] | None = None
        self._lock = threading.Lock()

    def start(self) -> None:
        log_file = self._log_path.open("a", encoding="utf-8")
        self._process = subprocess.Popen(
            [sys.executable, "-m", "harness.virtual.net.frida_portal", "--address", self._address,
             "--cluster-port", str(self.cluster_port), "--control-port", str(self.control_port)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log_file, text=True, bufsize=1,
        )
        log_file.close()
        assert self._process.stdout is not None
        first = self._process.stdout.readline().strip()
        if first != _READY:
            raise VirtualPhoneError(f"the phone's frida portal did not start (see {self._log_path}): {first}")
        threading.Thread(target=self._read_replies, args=(self._process.stdout,), daemon=True).start()
        self._ports.register(FRIDA_SERVER_PORT, self.control_port)
        log.info("frida portal: control %d (device tcp:%d), cluster %d", self.control_port,
                 FRIDA_SERVER_PORT, self.cluster_port)

    @property
    def pid(self) -> int | None:
        """The portal process's pid (what ``ps`` shows as frida-server where the profile has one)."""
        return None if self._process is None else self._process.pid

    def join(self, pid: int) -> None:
        """Ask the portal process to make a freshly launched app reachable (asynchronous)."""
        process = self._process
        if process is None or process.poll() is not None or process.stdin is None:
            raise VirtualPhoneError("the phone's frida portal is not running")
        with self._lock:
            process.stdin.write(f"{pid}\n")
            process.stdin.flush()

    @staticmethod
    def _read_replies(stdout: IO[str]) -> None:
        for line in stdout:
            log.info("frida portal: %s", line.strip())

    def stop(self) -> None:
        self._ports.unregister(FRIDA_SERVER_PORT)
        process = self._process
        if process is None:
            return
        with contextlib.suppress(OSError):
            if process.stdin is not None:
                process.stdin.close()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()


_JOIN_ATTEMPTS = 5
_say_lock = threading.Lock()


def _say(line: str) -> None:
    with _say_lock:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()


def _serve(address: str, cluster_port: int, control_port: int) -> int:
    import frida

    portal = frida.PortalService(  # type: ignore[no-untyped-call]
        frida.EndpointParameters(address=address, port=cluster_port),
        frida.EndpointParameters(address=address, port=control_port))
    portal.start()
    members: dict[int, tuple[Any, Any]] = {}
    _say(_READY)
    local = frida.get_local_device()
    lock = threading.Lock()

    def join(pid: int) -> None:
        # an app caught early in its start-up can refuse the injection: retry a few times
        for attempt in range(1, _JOIN_ATTEMPTS + 1):
            session = None
            try:
                session = local.attach(pid)
                membership = session.join_portal(f"{address}:{cluster_port}")
            except frida.ProcessNotFoundError:
                _say(f"gone {pid}")
                return
            except Exception as exc:
                if session is not None:
                    with contextlib.suppress(Exception):
                        session.detach()
                if attempt == _JOIN_ATTEMPTS:
                    _say(f"failed {pid}: {type(exc).__name__}: {exc}")
                    return
                time.sleep(0.3 * attempt)
                continue
            with lock:
                members[pid] = (session, membership)
            session.on("detached", lambda *_a: members.pop(pid, None))
            _say(f"joined {pid}" + (f" (attempt {attempt})" if attempt > 1 else ""))
            return

    for line in sys.stdin:
        text = line.strip()
        if text.isdigit():
            threading.Thread(target=join, args=(int(text),), daemon=True).start()
    for session, membership in list(members.values()):
        with contextlib.suppress(Exception):
            membership.terminate()
        with contextlib.suppress(Exception):
            session.detach()
    portal.stop()
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m harness.virtual.net.frida_portal")
    parser.add_argument("--address", default="127.0.0.1")
    parser.add_argument("--cluster-port", type=int, required=True)
    parser.add_argument("--control-port", type=int, required=True)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO)
    return _serve(args.address, args.cluster_port, args.control_port)


if __name__ == "__main__":
    sys.exit(main())
