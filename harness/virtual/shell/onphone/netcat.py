"""The virtual phone's toybox ``nc``/``netcat``, client side: forward stdin/stdout to a TCP peer.

``nc [-46nv] [-q SECONDS] [-w SECONDS] [-W SECONDS] HOST PORT``, as toybox's netcat.c: ``-w`` limits
the connect, ``-W`` an idle connection, ``-q`` quits that long after EOF on stdin (default: wait
for the peer to close).  ``127.0.0.1``, ``localhost`` and ``::1`` are the phone's own loopback
(``$VPHONE_LOOPBACK``, the host address that stands for it), where ``adb reverse`` ports listen,
so ``nc 127.0.0.1 8080`` reaches the host through the reverse port 8080 of this phone only.
Listening (``-l``/``-L``), UDP and unix sockets are not offered.  Standard library only: it runs
under ``python -I -S`` inside the sandbox.
"""

import os
import select
import socket
import sys
import time

_USAGE = "usage: netcat [-46ELlntUu] [-pqWw #] [-s addr] {IPADDR PORTNUM|-f FILENAME|COMMAND...}\n"
_LOOPBACK_NAMES = ("127.0.0.1", "localhost", "::1", "ip6-localhost")


def _fail(message: str) -> int:
    sys.stderr.write(f"nc: {message}\n")
    return 1


def parse(args: list[str]) -> "tuple[dict[str, int | None], str, int] | str":
    """({'q':..,'w':..,'W':..}, host, port) or an error message."""
    numbers: dict[str, int | None] = {"q": None, "w": None, "W": None}
    operands = []
    i = 0
    while i < len(args):
        arg = args[i]
        if arg.startswith("-") and len(arg) > 1:
            flags = arg[1:]
            for j, flag in enumerate(flags):
                if flag in numbers:
                    value = flags[j + 1:] or (args[i + 1] if i + 1 < len(args) else "")
                    if not flags[j + 1:]:
                        i += 1
                    if not value.isdigit() or int(value) < 1:
                        return f"-{flag} needs a number of seconds"
                    numbers[flag] = int(value)
                    break
                if flag not in "46nv":
                    return f"-{flag} is not supported on this phone"
        else:
            operands.append(arg)
        i += 1
    if len(operands) != 2:
        return "bad argument count"
    host, port = operands
    if not port.isdigit() or not 0 < int(port) < 65536:
        return f"bad port '{port}'"
    return numbers, host, int(port)


def main() -> int:
    parsed = parse(sys.argv[1:])
    if isinstance(parsed, str):
        sys.stderr.write(_USAGE)
        return _fail(parsed)
    numbers, host, port = parsed
    loopback = os.environ.get("VPHONE_LOOPBACK")
    if loopback and host.lower() in _LOOPBACK_NAMES:
        host = loopback
    try:
        sock = socket.create_connection((host, port), timeout=numbers["w"])
    except TimeoutError:
        return _fail("Timeout")
    except OSError as exc:
        return _fail(f"connect: {exc.strerror or exc}")
    sock.settimeout(None)
    stdin_open = True
    quit_at = None
    idle = numbers["W"]
    while True:
        readers = [sock] + ([0] if stdin_open else [])
        wait: float | None = idle
        if quit_at is not None:
            left = max(0.0, quit_at - time.monotonic())
            wait = left if wait is None else min(wait, left)
        ready, _, _ = select.select(readers, [], [], wait)
        if not ready:
            return 0  # -W idle or -q after EOF
        if 0 in ready:
            data = os.read(0, 65536)
            if data:
                sock.sendall(data)
            else:
                stdin_open = False
                if numbers["q"] is not None:
                    quit_at = time.monotonic() + numbers["q"]
        if sock in ready:
            try:
                data = sock.recv(65536)
            except OSError:
                data = b""
            if not data:
                return 0
            view = memoryview(data)
            while view:
                view = view[os.write(1, view):]


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BrokenPipeError:
        sys.exit(141)
