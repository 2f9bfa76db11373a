"""Helpers of the UI adapter tests: reading the phone's screen and logs without the adapters."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from harness.device.device import Device
from harness.virtual.manager import RunningPhone

MESSENGER = "com.example.messenger"
MESSAGE = f"{MESSENGER}:id/message"


def dumped(device: Device) -> ET.Element:
    """The screen as plain ``uiautomator dump`` shows it, read with ElementTree (not with the
    adapters' own parser)."""
    xml = device.shell(["uiautomator", "dump", "/dev/tty"]).stdout
    return ET.fromstring(xml[:xml.rindex("</hierarchy>") + len("</hierarchy>")])


def field_text(device: Device) -> str:
    return next(n.get("text") or "" for n in dumped(device).iter("node") if n.get("resource-id") == MESSAGE)


def app_log(device: Device) -> str:
    return device.shell(["logcat", "-d", "-s", "Messenger"]).stdout


def input_log(phone: RunningPhone) -> list[dict[str, Any]]:
    """The virtual phone's record of the input it received (its state folder, for tests only)."""
    path = Path(phone.state) / "vphone" / "input.jsonl"
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    return [json.loads(line) for line in lines if line]


def pwned(device: Device) -> bool:
    """Whether /sdcard/pwned exists: the text's `$(touch /sdcard/pwned)` would have run."""
    return device.shell(["ls", "/sdcard/pwned"], check=False).exit_code == 0
