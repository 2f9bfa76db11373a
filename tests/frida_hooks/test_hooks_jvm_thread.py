"""HotSpot safepoints keep working while the agent's Java hooks are installed (src/jvm_thread.ts).

frida-java-bridge applies replacements from the JS thread with VMThread::execute and leaves that
thread in ``_thread_in_vm``; until the agent settles it, every safepoint of the VM (a GC, the
deoptimisation a class load triggers, a thread dump) waits for it forever.  A thread dump
(``jcmd PID Thread.print``, a safepoint operation) is the host-side ground truth: it completes
only if every Java thread, the JS thread included, can reach the safepoint.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.virtual.apps_support import thread_dump

pytestmark = pytest.mark.timeout(180)


def test_safepoints_complete_after_init_installed_java_hooks(jvm_app: Any, attach: Any) -> None:
    target = jvm_app([])
    run = attach(target.proc.pid)
    report = run.init(["identifiers"])
    assert "android.telephony.TelephonyManager.getDeviceId" in report["hooked"]
    assert not [s for s in report["skipped"] if s["module"] == "java"], report["skipped"]
    dump = thread_dump(target.proc.pid)  # while the agent is loaded and its hooks are live
    assert '"main"' in dump
    target.send("go")
    target.expect("done")  # and the program runs on
