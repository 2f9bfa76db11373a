"""Helpers for tests of the virtual phone's apps: the collectors' log, the screens' views and the
apps' JVMs (host processes, which tests may inspect as ground truth)."""

from __future__ import annotations

import base64
import json
import os
import re
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from harness.device.device import Device
from harness.virtual.manager import RunningPhone

_NODE = re.compile(r'<node [^>]*?text="(?P<text>[^"]*)"[^>]*?bounds="\[(\d+),(\d+)\]\[(\d+),(\d+)\]"')


def collected(phone: RunningPhone) -> list[dict[str, Any]]:
    path = Path(phone.state) / "vphone" / "collectors.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def wait_for_request(phone: RunningPhone, path_prefix: str, timeout: float = 45.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for record in collected(phone):
            if str(record.get("path", "")).startswith(path_prefix):
                return record
        time.sleep(0.1)
    raise AssertionError(f"no request to {path_prefix} reached the collectors in {timeout:g} s: "
                         f"{[r.get('path') for r in collected(phone)]}")


def body(record: dict[str, Any]) -> bytes:
    return base64.b64decode(str(record["body"]))


def tap_text(device: Device, text: str, timeout: float = 20.0) -> None:
    """Find a view by its text with `uiautomator dump` and tap its centre with `input tap`."""
    deadline = time.monotonic() + timeout
    while True:
        device.shell(["uiautomator", "dump", "/sdcard/window_dump.xml"])
        xml = device.shell(["cat", "/sdcard/window_dump.xml"]).stdout
        for match in _NODE.finditer(xml):
            if match["text"] == text:
                left, top, right, bottom = (int(match[i]) for i in range(2, 6))
                device.shell(["input", "tap", str((left + right) // 2), str((top + bottom) // 2)])
                return
        if time.monotonic() > deadline:
            raise AssertionError(f"no view with text {text!r} on screen: {xml[:500]}")
        time.sleep(0.2)


def wait_for_log(device: Device, tag: str, needle: str, timeout: float = 20.0) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        text = device.shell(["logcat", "-d", "-s", tag]).stdout
        if needle in text:
            return text
        time.sleep(0.2)
    raise AssertionError(f"{needle!r} never logged under {tag}")


def jdk_tool(name: str) -> str:
    """A tool of the JDK that runs the apps (``jcmd``, ``jstack``), beside its ``java``."""
    from harness.virtual.runtime.javac import java_executable

    tool = Path(os.path.realpath(java_executable())).parent / name
    if not tool.is_file():
        pytest.skip(f"{name} is not installed beside {java_executable()}")
    return str(tool)


def thread_dump(pid: int, timeout: float = 120.0) -> str:
    """``jcmd PID Thread.print``: a safepoint operation, so it completes only if every thread
    attached to the VM can reach a safepoint; fails the test if it does not in ``timeout``."""
    try:
        result = subprocess.run([jdk_tool("jcmd"), str(pid), "Thread.print"], capture_output=True, text=True,
                                timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        pytest.fail(f"no thread dump of pid {pid} in {timeout:g} s: the VM cannot reach a safepoint "
                    "(a thread attached to it is stuck in _thread_in_vm?)")
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout
