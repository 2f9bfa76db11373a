"""frida's own USB backend reaches the virtual phone's apps through the adb server (tcp:27042)."""

from __future__ import annotations

import time

import frida
import pytest

from harness.device.device import Device
from harness.virtual.manager import PhoneManager, RunningPhone


def _wait_for_process(device: frida.core.Device, name: str, timeout: float = 30.0) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for process in device.enumerate_processes():
            if process.name == name:
                return int(process.pid)
        time.sleep(0.1)
    raise AssertionError(f"{name} never appeared in frida's process list")


def _run_script(device: frida.core.Device, pid: int, source: str) -> list[object]:
    session = device.attach(pid)
    received: list[object] = []
    script = session.create_script(source)
    script.on("message", lambda message, _data: received.append(message.get("payload")))
    script.load()
    deadline = time.monotonic() + 5
    while not received and time.monotonic() < deadline:
        time.sleep(0.05)
    session.detach()
    return received


def test_usb_backend_lists_and_attaches_to_a_launched_app(phone: RunningPhone) -> None:
    pid = Device.connect(phone.serial).apps.launch("com.example.weather")
    usb = frida.get_device(phone.serial, timeout=10)
    assert usb.type == "usb"
    assert _wait_for_process(usb, "com.example.weather") == pid
    assert _run_script(usb, pid, "send(Process.id)") == [pid]


def test_two_phones_have_their_own_frida_server(phone: RunningPhone, tmp_path) -> None:  # type: ignore[no-untyped-def]
    second = PhoneManager().start(state=tmp_path / "second")
    try:
        pid_a = Device.connect(phone.serial).apps.launch("com.example.smsbackup")
        pid_b = Device.connect(second.serial).apps.launch("com.example.smsbackup")
        assert pid_a != pid_b
        usb_a = frida.get_device(phone.serial, timeout=10)
        usb_b = frida.get_device(second.serial, timeout=10)
        assert _wait_for_process(usb_a, "com.example.smsbackup") == pid_a
        assert _wait_for_process(usb_b, "com.example.smsbackup") == pid_b
        assert pid_b not in {p.pid for p in usb_a.enumerate_processes()}
    finally:
        PhoneManager().stop(second.serial)


def test_force_stopped_app_leaves_frida_process_list(phone: RunningPhone) -> None:
    device = Device.connect(phone.serial)
    pid = device.apps.launch("com.example.weather")
    usb = frida.get_device(phone.serial, timeout=10)
    _wait_for_process(usb, "com.example.weather")
    device.apps.force_stop("com.example.weather")
    deadline = time.monotonic() + 10
    while pid in {p.pid for p in usb.enumerate_processes()} and time.monotonic() < deadline:
        time.sleep(0.1)
    assert pid not in {p.pid for p in usb.enumerate_processes()}
    with pytest.raises(frida.ProcessNotFoundError):
        usb.attach(pid)
