"""Run one tool in-process and collect what it wrote: for tests and for callers without a shell."""

from __future__ import annotations

import shlex
import threading
from dataclasses import dataclass

from harness.virtual.processes import ProcessTable
from harness.virtual.state import PhoneState
from harness.virtual.tools import TOOLS
from harness.virtual.tools.base import SHELL_UID, Tool, ToolContext


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
    the tool in ``TOOLS``.  Meant for tests and in-process callers.
    """

    def __init__(self, phone: PhoneState, processes: ProcessTable, *, uid: int = SHELL_UID) -> None:
        self.phone, self.processes, self.uid = phone, processes, uid

    def __call__(self, command: str | list[str], *, uid: int | None = None, cwd: str = "/") -> ToolResult:
        argv = shlex.split(command) if isinstance(command, str) else list(command)
        return run_tool(TOOLS[argv[0]], self.phone, self.processes, argv[1:],
                        uid=self.uid if uid is None else uid, cwd=cwd)
