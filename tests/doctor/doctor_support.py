"""Helpers shared by the doctor's tests (and the real-phone tests): ELF headers, a replaced
frida-server file, a stale proxy setting, the doctor's JSON."""

from __future__ import annotations

import json
import struct
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from harness.cli import main
from harness.device.device import Device
from harness.doctor.frida_server import SERVER_PATH

STALE_PROXY = "1.2.3.4:8080"


def elf_header(machine: int, bits: int, little: bool = True) -> bytes:
    """The first 20 bytes of an ELF file for ``machine`` (e_machine)."""
    ident = b"\x7fELF" + bytes([1 if bits == 32 else 2, 1 if little else 2, 1]) + bytes(9)
    return ident + struct.pack("<HH" if little else ">HH", 2, machine)


def doctor(capsys: pytest.CaptureFixture[str], serial: str, *extra: str) -> tuple[int, dict[str, Any]]:
    """``harness doctor --device SERIAL --json EXTRA...``: (exit code, its JSON)."""
    capsys.readouterr()
    code = main(["doctor", "--device", serial, "--json", *extra])
    return code, json.loads(capsys.readouterr().out)


def by_name(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {check["name"]: check for check in report["checks"]}


@contextmanager
def stale_proxy(device: Device) -> Iterator[None]:
    """A proxy left behind (as a crashed capture leaves it), cleared afterwards."""
    device.shell(["settings", "put", "global", "http_proxy", STALE_PROXY])
    try:
        yield
    finally:
        device.shell(["settings", "put", "global", "http_proxy", ":0"])


@contextmanager
def server_file(device: Device, replacement: Path, tmp_path: Path) -> Iterator[None]:
    """``SERVER_PATH`` replaced by ``replacement`` for the block, then put back."""
    saved = tmp_path / "frida-server.saved"
    device.pull(SERVER_PATH, str(saved))
    device.push(str(replacement), SERVER_PATH)
    device.shell(["chmod", "755", SERVER_PATH])
    try:
        yield
    finally:
        device.push(str(saved), SERVER_PATH)
        device.shell(["chmod", "755", SERVER_PATH])
