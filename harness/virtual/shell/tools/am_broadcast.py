"""``am broadcast [-a ACTION] [-n PKG/CLASS] [-p PKG] [--es KEY VALUE ...] [flags]``.

ActivityManagerShellCommand.runSendBroadcast: prints ``Broadcasting: Intent { ... }``, sends an
ordered broadcast as the shell and waits for it: ``Broadcast completed: result=CODE`` (and
``, data="DATA"`` when a receiver set data), exit 0.  A protected broadcast the caller may not
send is a SecurityException (exit 255).  The receivers: the ADB keyboard's (a registered
receiver, see ``ime``) first, then the apps' manifest receivers (``runtime.broadcasts``, which
holds Android's rules).  The shell's ``am`` has no app process: its broadcasts come "from null".
"""

from __future__ import annotations

import itertools

from harness.virtual.runtime.broadcasts import deliver, sender_denial
from harness.virtual.runtime.intent import FLAG_RECEIVER_FROM_SHELL, Intent
from harness.virtual.shell.tools._common import java_exception
from harness.virtual.shell.tools.base import ToolContext
from harness.virtual.shell.tools.ime import KEYBOARD_PACKAGE, deliver_broadcast

#: Pids for the ``am`` processes the log lines name (a real ``am`` is an app_process of its own).
_AM_PIDS = itertools.count(24117, 3)


def broadcast(ctx: ToolContext, intent: Intent) -> int:
    intent.flags |= FLAG_RECEIVER_FROM_SHELL
    ctx.print(f"Broadcasting: {intent}")
    pid = next(_AM_PIDS)
    denial = sender_denial(intent.action, ctx.uid, pid)
    if denial is not None:
        ctx.phone.log("W", "ActivityManager", denial, buffer="system")
        return java_exception(ctx, "broadcast", "java.lang.SecurityException", denial, service="activity")
    result: tuple[int, str | None] = (0, None)     # am's initial result code and data
    if intent.component is None and intent.package in (None, KEYBOARD_PACKAGE):
        result = deliver_broadcast(ctx, intent.action, intent.extras)
    code, data = deliver(ctx.processes, intent, caller_uid=ctx.uid, caller_pid=pid, result=result)
    ctx.print(f"Broadcast completed: result={code}" + (f', data="{data}"' if data is not None else ""))
    return 0
