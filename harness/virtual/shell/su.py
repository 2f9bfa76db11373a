"""Root shells for ``su`` on a rooted phone: the part magiskd plays on a Magisk phone.

On a Magisk phone ``su`` is a client of magiskd: it connects to the daemon's socket, hands over
its stdin/stdout/stderr and the command, and magiskd starts the root process on them.  Here the
client (``onphone/su.py``, installed as /system/xbin/su on rooted phones only) does the same over
``/dev/socket/vphone/su.sock``: one JSON line (argv, uid, cwd, environment) sent together with its
three file descriptors (SCM_RIGHTS).  The daemon runs the command in a sandbox of that uid, which
for root is writable where root may write (``system.fs_access``), on those descriptors, and
answers with the exit status as one JSON line.  When the client goes away (its adb shell ended)
the command is killed, as the shell's own commands are.
"""

from __future__ import annotations

import array
import contextlib
import json
import logging
import os
import select
import signal
import socket
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

from harness.virtual.unix_server import UnixSocketServer

log = logging.getLogger(__name__)

#: (argv, uid, environment, cwd) -> the host command line of the sandboxed process.
RootCommand = Callable[[list[str], int, dict[str, str], str], list[str]]
_MAX_REQUEST = 1 << 20
_FDS = 3


class SuServer:
    """Serves the su clients of one rooted phone."""

    def __init__(self, socket_path: Path, command: RootCommand) -> None:
        self._command = command
        self.socket_path = socket_path
        self._server = UnixSocketServer(socket_path, self._handle, name="su", mode=0o666)

    def start(self) -> None:
        self._server.start()

    def stop(self) -> None:
        self._server.stop()

    def _handle(self, sock: socket.socket) -> None:
        fds: list[int] = []
        try:
            request, fds = _receive(sock)
            if request is None or len(fds) != _FDS:
                _answer(sock, {"error": "su: bad request"})
                return
            argv = [str(a) for a in request["argv"]]
            env = {str(k): str(v) for k, v in dict(request.get("env") or {}).items()}
            uid = int(request.get("uid", 0))
            command = self._command(argv, uid, env, str(request.get("cwd") or "/"))
            status = self._run(sock, command, fds)
            _answer(sock, {"status": status})
        except (ValueError, KeyError, TypeError) as exc:
            _answer(sock, {"error": f"su: bad request ({exc})"})
        except OSError as exc:
            log.info("su client went away: %s", exc)
        finally:
            for fd in fds:
                with contextlib.suppress(OSError):
                    os.close(fd)

    @staticmethod
    def _run(sock: socket.socket, command: list[str], fds: list[int]) -> int:
        try:
            process = subprocess.Popen(command, stdin=fds[0], stdout=fds[1], stderr=fds[2], start_new_session=True)
        except OSError as exc:
            os.write(fds[2], f"su: cannot start a shell: {exc}\n".encode())
            return 1
        for fd in fds:  # the child has them; the client's own copies stay open
            with contextlib.suppress(OSError):
                os.close(fd)
        fds.clear()
        while process.poll() is None:
            readable, _, _ = select.select([sock], [], [], 0.2)
            if readable and not sock.recv(1, socket.MSG_PEEK):  # the client is gone: so is its command
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait()
                return 137
        code = process.returncode
        return 128 - code if code < 0 else code


def _receive(sock: socket.socket) -> tuple[dict[str, Any] | None, list[int]]:
    """The request line and the descriptors sent with it."""
    data = b""
    fds: list[int] = []
    while b"\n" not in data and len(data) < _MAX_REQUEST:
        message, ancillary, _flags, _addr = sock.recvmsg(65536, socket.CMSG_SPACE(_FDS * 4))
        for level, kind, payload in ancillary:
            if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
                received = array.array("i")
                received.frombytes(payload[:len(payload) - len(payload) % received.itemsize])
                fds.extend(received)
        if not message:
            return None, fds
        data += message
    line = data.split(b"\n", 1)[0]
    request = json.loads(line)
    if not isinstance(request, dict) or not isinstance(request.get("argv"), list):
        return None, fds
    return request, fds


def _answer(sock: socket.socket, reply: dict[str, object]) -> None:
    with contextlib.suppress(OSError):
        sock.sendall(json.dumps(reply).encode() + b"\n")
