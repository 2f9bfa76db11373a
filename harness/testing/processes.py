"""Start test programs that Frida may attach to from the test process.

When the process that attaches with Frida (ptrace) is also the target's parent, its own
``waitpid`` calls (``Popen.poll``, ``subprocess`` clean-ups) consume the ptrace stops Frida waits
for, and the attach times out.  ``ChildProcess`` therefore starts the program under a small
intermediate process that is its parent and reports its exit status; the test process holds the
program's pipes and a ``Popen``-like handle.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any

# The intermediate: fork, exec the program in the child; once it runs report its pid, wait, report its status.
_LAUNCHER = """
import os, sys
report = int(sys.argv[1])
exec_r, exec_w = os.pipe()  # exec_w is close-on-exec: EOF on exec_r means the program is running
pid = os.fork()
if pid == 0:
    os.close(report)
    os.close(exec_r)
    try:
        os.execvp(sys.argv[2], sys.argv[2:])
    finally:
        os._exit(127)
os.close(exec_w)
os.read(exec_r, 1)
for fd in (0, 1, 2):
    os.close(fd)
os.write(report, b"%d\\n" % pid)
_, status = os.waitpid(pid, 0)
os.write(report, b"%d\\n" % os.waitstatus_to_exitcode(status))
"""


def _wait_until_loaded(pid: int, timeout: float = 2.0) -> None:
    """Wait until the dynamic loader has mapped libc: frida's injector crashes (SIGSEGV in its
    loader) when it attaches to a process that is still being loaded."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            maps = Path(f"/proc/{pid}/maps").read_text(errors="replace")
        except OSError:
            return
        if "/libc.so" in maps or "/libc-" in maps:
            time.sleep(0.02)  # and let it reach main
            return
        time.sleep(0.005)


class ChildProcess:
    """A ``subprocess.Popen`` look-alike whose parent is not the test process."""

    def __init__(self, argv: Sequence[str | os.PathLike[str]], *, stdin: int | None = None,
                 stdout: int | None = None, stderr: int | None = None, text: bool = False,
                 env: dict[str, str] | None = None, cwd: str | None = None) -> None:
        read_end, write_end = os.pipe()
        self._keeper = subprocess.Popen(
            [sys.executable, "-c", _LAUNCHER, str(write_end), *(os.fspath(a) for a in argv)], stdin=stdin,
            stdout=stdout, stderr=stderr, text=text, env=env, cwd=cwd, pass_fds=(write_end,),
        )
        os.close(write_end)
        self._status = os.fdopen(read_end, "rb")
        first = self._status.readline()
        if not first.strip().isdigit():
            raise OSError(f"could not start {argv[0]!s}")
        self.pid = int(first)
        _wait_until_loaded(self.pid)
        self.args = list(argv)
        self.stdin: IO[Any] | None = self._keeper.stdin
        self.stdout: IO[Any] | None = self._keeper.stdout
        self.stderr: IO[Any] | None = self._keeper.stderr
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None and self._keeper.poll() is not None:
            self._collect()
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        self._keeper.wait(timeout)
        self._collect()
        assert self.returncode is not None
        return self.returncode

    def _collect(self) -> None:
        if self.returncode is not None:
            return
        line = self._status.readline().decode().strip()
        self.returncode = int(line) if line.lstrip("-").isdigit() else -signal.SIGKILL
        self._status.close()

    def send_signal(self, sig: int) -> None:
        if self.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, sig)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def communicate(self, timeout: float | None = None) -> tuple[Any, Any]:
        out, err = self._keeper.communicate(timeout=timeout)
        self._collect()
        return out, err

    def __enter__(self) -> ChildProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.poll() is None:
            self.kill()
            self.wait(10)
