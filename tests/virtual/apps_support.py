"""Helpers for tests of the virtual phone's apps: the collectors' log and the screens' views."""

from __future__ import annotations

import base64
import json
import re
import time
from pathlib import Path
from typing import Any

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
