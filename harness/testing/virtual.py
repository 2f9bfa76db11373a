"""The virtual phone's shell tools in-process, for tests: no daemon, no sandbox, no adb.

``tool_shell(folder)`` creates a phone in ``folder`` and yields a ``ToolShell`` on it (its app
processes are killed on exit); ``ToolShell("pm list packages -3")`` runs one command line and
returns what the tool wrote and its exit status; ``run_tool`` calls one tool function.
"""

from __future__ import annotations

import shlex
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from harness.virtual.profile.load import load_profile
from harness.virtual.runtime.processes import ProcessTable
from harness.virtual.shell.tools import TOOLS
from harness.virtual.shell.tools.base import SHELL_UID, Tool, ToolContext
from harness.virtual.system.state import PhoneState


@dataclass(frozen=True)
class ToolResult:
    status: int
    out: bytes
    err: bytes

    @property
    def stdout(self) -> str:
        return self.out.decode("utf-8")

    @property
    def stderr(self) -> str:
        return self.err.decode("utf-8")


def run_tool(tool: Tool, phone: PhoneState, processes: ProcessTable, argv: list[str], *,
             uid: int = SHELL_UID, cwd: str = "/", cancelled: threading.Event | None = None) -> ToolResult:
    """Call ``tool`` with a real ``ToolContext`` whose stdout/stderr are collected."""
    out, err = bytearray(), bytearray()
    ctx = ToolContext(phone=phone, processes=processes, out=out.extend, err=err.extend,
                      cancelled=cancelled or threading.Event(), cwd=cwd, uid=uid)
    status = tool(ctx, list(argv))
    return ToolResult(status, bytes(out), bytes(err))


class ToolShell:
    """Runs one-line commands (``"pm list packages -3"``) against a phone's tools, without a sandbox.

    The line is split like a shell word list (no pipes or redirections); the first word names
    the tool in ``TOOLS``.
    """

    def __init__(self, phone: PhoneState, processes: ProcessTable, *, uid: int = SHELL_UID) -> None:
        self.phone, self.processes, self.uid = phone, processes, uid

    def __call__(self, command: str | list[str], *, uid: int | None = None, cwd: str = "/") -> ToolResult:
        argv = shlex.split(command) if isinstance(command, str) else list(command)
        return run_tool(TOOLS[argv[0]], self.phone, self.processes, argv[1:],
                        uid=self.uid if uid is None else uid, cwd=cwd)


@contextmanager
def tool_shell(state_dir: Path, profile: str = "default") -> Iterator[ToolShell]:
    """A new phone of ``profile`` in ``state_dir`` and a ``ToolShell`` on it; on exit every app
    process the commands started is killed."""
    phone = PhoneState.create(state_dir, load_profile(profile))
    processes = ProcessTable(phone)
    try:
        yield ToolShell(phone, processes)
    finally:
        processes.shutdown()
