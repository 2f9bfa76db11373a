"""The daemon side of the service tools: a unix socket server that runs ``TOOLS`` by name.

Frames both ways are the shell-v2 layout (1-byte id, 4-byte length, data): the client sends
stdin (0) and close-stdin (4); we send stdout (1), stderr (2) and the exit status (3).  When
the client goes away (its adb stream closed, so its sandbox died) ``ctx.cancelled`` is set.
"""

from __future__ import annotations

import contextlib
import json
import logging
import socket
import threading
import traceback
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Generic, TypeVar

from harness.virtual.adb.protocol import (
    SHELL_CLOSE_STDIN,
    SHELL_EXIT,
    SHELL_HEADER,
    SHELL_STDERR,
    SHELL_STDIN,
    SHELL_STDOUT,
    shell_packet,
)
from harness.virtual.unix_server import UnixSocketServer

log = logging.getLogger(__name__)

#: The context a tool gets (``shell.tools.base.ToolContext``; the server only passes it on).
C = TypeVar("C")


class _Connection:
    """One tool invocation: owns the socket, the stdin buffer and the cancellation flag."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.send_lock = threading.Lock()
        self.cond = threading.Condition()
        self.stdin = bytearray()
        self.stdin_closed = False
        self.cancelled = threading.Event()

    def send(self, packet_id: int, data: bytes) -> None:
        if self.cancelled.is_set() and packet_id != SHELL_EXIT:
            raise BrokenPipeError("tool client went away")
        with self.send_lock:
            try:
                self.sock.sendall(shell_packet(packet_id, data))
            except OSError:
                self.cancelled.set()
                raise

    def read_stdin(self, size: int) -> bytes:
        with self.cond:
            while not self.stdin and not self.stdin_closed:
                self.cond.wait(0.5)
            out = bytes(self.stdin[:size])
            del self.stdin[:size]
            return out

    def reader(self, buffered: bytes) -> None:
        """Reads the client's frames; marks EOF/cancellation when the client disconnects."""
        data = bytearray(buffered)
        try:
            while True:
                while len(data) >= SHELL_HEADER.size:
                    kind, size = SHELL_HEADER.unpack_from(data)
                    if len(data) < SHELL_HEADER.size + size:
                        break
                    payload = bytes(data[SHELL_HEADER.size:SHELL_HEADER.size + size])
                    del data[:SHELL_HEADER.size + size]
                    with self.cond:
                        if kind == SHELL_STDIN:
                            self.stdin += payload
                        elif kind == SHELL_CLOSE_STDIN:
                            self.stdin_closed = True
                        self.cond.notify_all()
                chunk = self.sock.recv(65536)
                if not chunk:
                    break
                data += chunk
        except OSError:
            pass
        with self.cond:
            self.stdin_closed = True
            self.cond.notify_all()
        self.cancelled.set()


class ToolServer(Generic[C]):
    """Serves tool invocations from the sandboxed shell on a unix socket.

    ``tools`` maps program names to ``(context, argv) -> exit status`` functions; ``make_context``
    builds each invocation's context from its streams and request fields.
    """

    def __init__(self, socket_path: Path, tools: Mapping[str, Callable[[C, list[str]], int]],
                 make_context: Callable[..., C]) -> None:
        self._tools = tools
        self._make_context = make_context
        self.socket_path = socket_path
        self._server = UnixSocketServer(socket_path, self._handle, name="toolserver", mode=0o666)

    def start(self) -> None:
        self._server.start()

    def stop(self) -> None:
        self._server.stop()

    def _handle(self, sock: socket.socket) -> None:
        request_line, rest = _read_line(sock)
        if request_line is None:
            return
        conn = _Connection(sock)
        try:
            request = json.loads(request_line)
            name = str(request["tool"])
            argv = [str(a) for a in request.get("argv", [])]
            cwd = str(request.get("cwd", "/"))
            uid = int(request.get("uid", 2000))
            env = {str(k): str(v) for k, v in dict(request.get("env") or {}).items()}
            detached = bool(request.get("detached", False))
        except (ValueError, KeyError, TypeError):
            conn.send(SHELL_STDERR, b"vphone: malformed tool request\n")
            conn.send(SHELL_EXIT, bytes([255]))
            return
        threading.Thread(target=conn.reader, args=(rest,), daemon=True).start()
        status = self._run(conn, name, argv, cwd, uid, env=env, detached=detached)
        with contextlib.suppress(OSError):
            conn.send(SHELL_EXIT, bytes([status & 0xFF]))

    def _run(self, conn: _Connection, name: str, argv: list[str], cwd: str, uid: int, *, env: dict[str, str],
             detached: bool) -> int:
        tool = self._tools.get(name)
        if tool is None:
            conn.send(SHELL_STDERR, f"/system/bin/sh: {name}: inaccessible or not found\n".encode())
            return 127
        ctx = self._make_context(
            out=lambda data: conn.send(SHELL_STDOUT, data),
            err=lambda data: conn.send(SHELL_STDERR, data),
            cancelled=conn.cancelled,
            cwd=cwd,
            uid=uid,
            stdin=conn.read_stdin,
            env=env,
            detached=detached,
        )
        try:
            return tool(ctx, argv)
        except (BrokenPipeError, ConnectionError):
            return 141
        except Exception as exc:  # a bug in a tool: answer like Android's shell command handler
            log.error("tool %s %s failed:\n%s", name, argv, traceback.format_exc())
            with contextlib.suppress(OSError):
                conn.send(
                    SHELL_STDERR,
                    f"\nException occurred while executing '{argv[0] if argv else name}':\n"
                    f"java.lang.IllegalStateException: {type(exc).__name__}: {exc}\n".encode(),
                )
            return 255


def _read_line(sock: socket.socket) -> tuple[str | None, bytes]:
    buf = b""
    while b"\n" not in buf:
        chunk = sock.recv(65536)
        if not chunk:
            return None, b""
        buf += chunk
        if len(buf) > 1 << 20:
            return None, b""
    line, _, rest = buf.partition(b"\n")
    return line.decode("utf-8", "replace"), rest
