"""The client of the virtual phone's service tools, run inside the shell sandbox.

Installed as ``/system/bin/vphone-tool`` with one symlink per tool name (``pm``, ``settings``,
...).  It sends the tool name, argv, cwd and uid to the daemon over a unix socket, forwards stdin,
and relays the framed stdout/stderr/exit status back.  Standard library only: it runs under
``python -I -S`` with nothing of the harness importable.
"""

import json
import os
import socket
import struct
import sys
import threading

_HEADER = struct.Struct("<BI")
_STDIN, _STDOUT, _STDERR, _EXIT, _CLOSE_STDIN = 0, 1, 2, 3, 4


def _recv_exact(sock: socket.socket, size: int) -> bytes | None:
    buf = b""
    while len(buf) < size:
        chunk = sock.recv(size - len(buf))
        if not chunk:
            return None
        buf += chunk
    return buf


def _pump_stdin(sock: socket.socket) -> None:
    try:
        while True:
            data = os.read(0, 65536)
            if not data:
                break
            sock.sendall(_HEADER.pack(_STDIN, len(data)) + data)
        sock.sendall(_HEADER.pack(_CLOSE_STDIN, 0))
    except OSError:
        pass


def main() -> int:
    tool = os.path.basename(sys.argv[0])
    argv = sys.argv[1:]
    if tool == "vphone-tool":  # called directly: `vphone-tool NAME ARGS...`
        if not argv:
            sys.stderr.write("usage: vphone-tool TOOL [ARGS...]\n")
            return 2
        tool, argv = argv[0], argv[1:]
    path = os.environ.get("VPHONE_TOOL_SOCKET", "/dev/socket/vphone/tools.sock")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.connect(path)
    except OSError as exc:
        sys.stderr.write(f"{tool}: system services unavailable ({exc})\n")
        return 255
    try:
        cwd = os.getcwd()
    except OSError:
        cwd = "/"
    request = {"tool": tool, "argv": argv, "cwd": cwd, "uid": int(os.environ.get("VPHONE_UID", "2000"))}
    sock.sendall(json.dumps(request).encode() + b"\n")
    threading.Thread(target=_pump_stdin, args=(sock,), daemon=True).start()
    while True:
        header = _recv_exact(sock, _HEADER.size)
        if header is None:
            sys.stderr.write(f"{tool}: system service died\n")
            return 255
        kind, size = _HEADER.unpack(header)
        data = _recv_exact(sock, size) if size else b""
        if data is None:
            return 255
        if kind == _EXIT:
            return data[0] if data else 0
        fd = 1 if kind == _STDOUT else 2
        try:
            view = memoryview(data)
            while view:
                written = os.write(fd, view)
                view = view[written:]
        except BrokenPipeError:
            return 141


if __name__ == "__main__":
    sys.exit(main())
