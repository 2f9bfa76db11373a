"""Local processes that must not outlive the harness, however it ends (SIGKILL included).

A ``Reaper`` starts one small watcher process holding the read end of a pipe; the harness writes
each pid to watch (with its start time, so a reused pid is never killed) and keeps the write end.
When the harness exits for any reason the kernel closes that end; the watcher reads EOF and kills
every process still watched.  ``close()`` on a clean exit tells it to kill nothing.  The watcher is
in its own session, so a Ctrl-C at the terminal does not end it before the harness is done.
"""

from __future__ import annotations

import contextlib
import logging
import os
import subprocess
import sys

from harness.record.status import start_ticks

log = logging.getLogger(__name__)

_WATCHER = r"""
import os, signal, sys
signal.signal(signal.SIGINT, signal.SIG_IGN)
def ticks(pid):
    try:
        stat = open(f"/proc/{pid}/stat").read()
        return stat[stat.rindex(")") + 2:].split()[19]
    except (OSError, ValueError, IndexError):
        return None
watched = {}
pipe = os.fdopen(int(sys.argv[1]), "r")
for line in pipe:
    op, pid, start = line.split()
    if op in ("+", "g"):
        watched[int(pid)] = (start, op == "g")
    elif op == "-":
        watched.pop(int(pid), None)
    elif op == "=":
        sys.exit(0)
for pid, (start, group) in watched.items():
    if start == "-" or ticks(pid) == start:
        try:
            (os.killpg if group else os.kill)(pid, signal.SIGKILL)
        except OSError:
            pass
"""


class Reaper:
    """Kills the watched local pids when the harness dies; see the module docstring."""

    def __init__(self) -> None:
        read_end, self._write_end = os.pipe()
        try:
            self._proc: subprocess.Popen[bytes] | None = subprocess.Popen(
                [sys.executable, "-I", "-S", "-c", _WATCHER, str(read_end)], pass_fds=(read_end,),
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, start_new_session=True)
        except OSError as exc:
            log.warning("cannot start the process watcher (%s): spawned targets may outlive a killed harness",
                        exc)
            self._proc = None
        finally:
            os.close(read_end)

    def _send(self, line: str) -> None:
        if self._proc is None:
            return
        with contextlib.suppress(OSError):
            os.write(self._write_end, line.encode())

    def watch(self, pid: int, *, group: bool = False) -> None:
        """Kill ``pid`` (with ``group``, its whole process group, which it leads) if the harness
        dies before ``forget(pid)`` or ``close()``."""
        ticks = start_ticks(pid)
        self._send(f"{'g' if group else '+'} {pid} {ticks if ticks is not None else '-'}\n")

    def forget(self, pid: int) -> None:
        self._send(f"- {pid} 0\n")

    def close(self) -> None:
        """The harness is ending cleanly: the watcher exits without killing anything."""
        if self._proc is None:
            return
        self._send("= 0 0\n")
        with contextlib.suppress(OSError):
            os.close(self._write_end)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self._proc.wait(5)
        self._proc = None
