"""The client of the virtual phone's service tools, run inside the shell sandbox.

Installed as ``/system/bin/vphone-tool`` with one symlink per tool name (``pm``, ``settings``,
...).  It sends the tool name, argv, cwd, uid, CLASSPATH and whether the
shell detached it (nohup, ``&``) to the daemon over a unix socket, forwards stdin,
and relays the framed stdout/stderr/exit status back.  Standard library only: it runs under
``python -I -S`` with nothing of the harness importable.
"""

import json
import os
import signal
import socket
import struct
import sys
import threading

_HEADER = struct.Struct("<BI")
#: Environment variables a tool may need (app_process finds its main class on CLASSPATH).
_FORWARDED_ENV = ("CLASSPATH",)
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


def _ignored_signals(pid: str) -> int:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("SigIgn:"):
                    return int(line.split()[1], 16)
    except (OSError, ValueError):
        pass
    return 0


def _detached() -> bool:
    """True under ``nohup`` (SIGHUP ignored) or as a ``&`` job of a script (SIGINT ignored).

    Compared with the sandbox's pid 1, so a daemon that was itself started ignoring them does not
    make every tool look detached.
    """
    mask = (1 << (signal.SIGHUP - 1)) | (1 << (signal.SIGINT - 1))
    return bool(_ignored_signals("self") & ~_ignored_signals("1") & mask)


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
    request = {"tool": tool, "argv": argv, "cwd": cwd, "uid": int(os.environ.get("VPHONE_UID", "2000")),
               "env": {name: os.environ[name] for name in _FORWARDED_ENV if name in os.environ},
               "detached": _detached()}
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
