"""What a device is: build, identity, root and SELinux, read with documented shell commands."""

from __future__ import annotations

import logging
import re
from dataclasses import asdict, dataclass, field
from typing import Any

from harness.device.shell import Shell
from harness.errors import CommandFailedError

log = logging.getLogger(__name__)

_PROP_LINE = re.compile(r"^\[(?P<key>[^\]]*)\]: \[(?P<value>.*)\]$")
_ROOT_PROBE_TIMEOUT = 15.0


@dataclass(frozen=True)
class DeviceFacts:
    """A device's identity as recorded with every run (and shown by ``harness devices``)."""

    serial: str
    fingerprint: str
    model: str
    manufacturer: str
    brand: str
    device: str
    release: str
    sdk: int
    security_patch: str
    build_id: str
    incremental: str
    build_type: str
    abi: str
    hardware_serial: str
    rooted: bool
    root_method: str | None
    selinux: str
    props: dict[str, str] = field(default_factory=dict, compare=False, repr=False)

    def to_json(self, with_props: bool = False) -> dict[str, Any]:
        data = asdict(self)
        if not with_props:
            data.pop("props")
        return data


def parse_getprop(text: str) -> dict[str, str]:
    """``getprop`` (no arguments) output -> {name: value}."""
    props: dict[str, str] = {}
    for line in text.splitlines():
        match = _PROP_LINE.match(line.strip())
        if match:
            props[match["key"]] = match["value"]
    return props


def _root_method(device: Shell) -> str | None:
    """'adb-root' if adbd runs as root, 'su' if su grants uid 0, else None."""
    result = device.shell(["id"], check=False, timeout=_ROOT_PROBE_TIMEOUT)
    if result.exit_code == 0 and result.stdout.startswith("uid=0("):
        return "adb-root"
    try:
        result = device.shell(["su", "-c", "id"], check=False, timeout=_ROOT_PROBE_TIMEOUT)
    except CommandFailedError:  # e.g. a root manager prompt that nobody answered
        return None
    if result.exit_code == 0 and "uid=0(" in result.stdout:
        return "su"
    return None


def read_facts(device: Shell) -> DeviceFacts:
    props = parse_getprop(device.shell(["getprop"]).stdout)
    selinux = device.shell(["getenforce"], check=False)
    method = _root_method(device)
    sdk_text = props.get("ro.build.version.sdk", "0")
    return DeviceFacts(
        serial=device.serial,
        fingerprint=props.get("ro.build.fingerprint", ""),
        model=props.get("ro.product.model", ""),
        manufacturer=props.get("ro.product.manufacturer", ""),
        brand=props.get("ro.product.brand", ""),
        device=props.get("ro.product.device", ""),
        release=props.get("ro.build.version.release", ""),
        sdk=int(sdk_text) if sdk_text.isdigit() else 0,
        security_patch=props.get("ro.build.version.security_patch", ""),
        build_id=props.get("ro.build.id", ""),
        incremental=props.get("ro.build.version.incremental", ""),
        build_type=props.get("ro.build.type", ""),
        abi=props.get("ro.product.cpu.abi", ""),
        hardware_serial=props.get("ro.serialno", ""),
        rooted=method is not None,
        root_method=method,
        selinux=selinux.stdout.strip() if selinux.exit_code == 0 else "unknown",
        props=props,
    )
