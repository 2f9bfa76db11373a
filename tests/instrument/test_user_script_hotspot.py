"""A user's own frida-java-bridge script on a virtual-phone app (HotSpot), over frida's USB path.

A script that replaces a Java method must put frida-java-bridge's JS thread back in
``_thread_in_native`` once the replacement is applied (data/user_replace_getdeviceid.js shows
how); without that, the app's next safepoint never completes and its threads stop (the tracker's
beacon never comes).  This test runs the documented pattern end to end: the app keeps reaching
safepoints, the SDK's beacon leaves while the script is attached, and the replacement is live.
"""

from __future__ import annotations

import queue
import time
from pathlib import Path
from typing import Any

import frida
import pytest

from harness.device.device import Device
from harness.instrument.agent import hooks_root
from harness.instrument.devices import open_usb
from harness.virtual.manager import RunningPhone
from tests.virtual.apps_support import tap_text, thread_dump, wait_for_request

MESSENGER = "com.example.messenger"
SCRIPT = Path(__file__).resolve().parent / "data" / "user_replace_getdeviceid.js"
pytestmark = pytest.mark.timeout(300)


def compile_user_script(tmp_path: Path) -> str:
    """Compile the script as a user would: a project of their own beside frida-java-bridge."""
    project = tmp_path / "user-script"
    project.mkdir()
    (project / "node_modules").symlink_to(hooks_root() / "node_modules")
    (project / "agent.js").write_text(SCRIPT.read_text(encoding="utf-8"), encoding="utf-8")
    return str(frida.Compiler().build("agent.js", project_root=str(project)))  # type: ignore[no-untyped-call]


def test_user_script_replacing_get_device_id_leaves_the_tracker_running(fresh_phone: RunningPhone,
                                                                         tmp_path: Path) -> None:
    source = compile_user_script(tmp_path)
    device = Device.connect(fresh_phone.serial)
    pid = device.apps.launch(MESSENGER)
    assert pid is not None
    usb = open_usb(fresh_phone.serial)
    deadline = time.monotonic() + 60
    while pid not in {p.pid for p in usb.enumerate_processes()}:  # joined the phone's frida portal
        assert time.monotonic() < deadline, f"{MESSENGER} (pid {pid}) never became reachable by frida"
        time.sleep(0.1)
    session = usb.attach(pid)
    messages: queue.Queue[Any] = queue.Queue()

    def on_message(message: Any, _data: bytes | None) -> None:
        messages.put(message)

    script = session.create_script(source)
    script.on("message", on_message)
    try:
        script.load()
        message = messages.get(timeout=60)
        assert message.get("payload", {}).get("type") == "settled", message
        device_id = message["payload"]["deviceId"]
        thread_dump(pid)  # the VM still reaches safepoints with the replacement installed
        wait_for_request(fresh_phone, "/v1/init")  # the tracker thread's first beacon left
        tap_text(device, "Reject")  # the SDK now reads the device ID: the replacement answers
        ping = wait_for_request(fresh_phone, "/v1/ping")
        assert ["X-Device-Id", device_id] in ping["headers"], ping["headers"]
        assert messages.empty(), [messages.get() for _ in range(messages.qsize())]  # no script errors
    finally:
        session.detach()
