"""The contract between the virtual phone's daemon and its shell tools.

A shell command typed on the virtual phone (``adb shell pm list packages``) runs in a sandbox where
``/system/bin/pm`` is a tiny client; the client forwards argv to the phone's daemon, which runs the
tool function registered under that name with a ``ToolContext`` and streams its output back.
This mirrors Android, where ``pm``/``settings``/``am`` are clients of system services.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from harness.virtual.net.ports import PortMap
    from harness.virtual.runtime.processes import ProcessTable
    from harness.virtual.system.state import PhoneState

SHELL_UID = 2000
ROOT_UID = 0


@dataclass
class ToolContext:
    """What one tool invocation may use.

    ``out``/``err`` write bytes to the caller's stdout/stderr as they are produced (streaming
    tools such as ``logcat`` call them repeatedly); ``cancelled`` is set when the caller went
    away, and long-running tools must return soon after.  ``cwd`` is the caller's device path.
    """

    phone: PhoneState
    processes: ProcessTable
    out: Callable[[bytes], None]
    err: Callable[[bytes], None]
    cancelled: threading.Event = field(default_factory=threading.Event)
    cwd: str = "/"
    uid: int = SHELL_UID
    #: Read up to n bytes of the caller's stdin; b"" at end of input (e.g. `pm install -S SIZE`).
    stdin: Callable[[int], bytes] = field(default=lambda _n: b"")
    #: The phone's device-port -> host-port map, for tools that start network services on the phone.
    ports: PortMap | None = None
    #: The caller's environment variables that tools read (only those the client forwards: CLASSPATH).
    env: dict[str, str] = field(default_factory=dict)
    #: The caller's shell detached it (``nohup`` or ``&``): a server it starts outlives the caller.
    detached: bool = False

    def print(self, text: str = "") -> None:
        """Write ``text`` and a newline to stdout."""
        self.out((text + "\n").encode("utf-8"))

    def eprint(self, text: str = "") -> None:
        """Write ``text`` and a newline to stderr."""
        self.err((text + "\n").encode("utf-8"))


#: A tool: gets its context and argv without the program name; returns the exit status.
Tool = Callable[[ToolContext, list[str]], int]
