"""``harness setup-device`` on the rooted virtual phone: refusals (version, ABI, not an executable)
that change nothing, an install that starts and verifies the server, and an idempotent second call."""

from __future__ import annotations

import json
import lzma
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from harness.cli import main
from harness.device.device import Device
from harness.doctor.frida_server import SERVER_PATH
from harness.doctor.provision import STAGING_PATH
from harness.instrument.versions import CLIENT_VERSION
from harness.virtual.manager import RunningPhone
from tests.doctor.doctor_support import elf_header, server_file

WRONG = "16.5.9"


def setup(capsys: pytest.CaptureFixture[str], serial: str, *extra: str) -> tuple[int, dict[str, Any] | None, str]:
    capsys.readouterr()
    code = main(["setup-device", "--device", serial, "--json", *extra])
    out, err = capsys.readouterr()
    return code, json.loads(out) if code == 0 else None, err


def fingerprint(device: Device) -> str:
    """What is at the server path, and whether a staged file was left."""
    placed = device.shell(["md5sum", SERVER_PATH]).stdout.split()[0]
    staged = device.shell(["ls", STAGING_PATH], check=False).exit_code == 0
    return f"{placed} staged={staged}"


def test_a_wrong_version_is_refused_naming_both(rooted_phone: RunningPhone, fake_server: Callable[[str], Path],
                                               capsys: pytest.CaptureFixture[str]) -> None:
    device = Device.connect(rooted_phone.serial)
    before = fingerprint(device)
    code, _, err = setup(capsys, rooted_phone.serial, "--frida-server", str(fake_server(WRONG)))
    assert code == 2
    assert f"is frida-server {WRONG}, but the harness's frida is {CLIENT_VERSION}" in err and "refused" in err
    assert f"frida-server-{CLIENT_VERSION}-android-x86_64.xz" in err
    assert fingerprint(device) == before


def test_a_wrong_abi_is_refused_naming_both(rooted_phone: RunningPhone, tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    arm = tmp_path / "frida-server-android-arm64"
    arm.write_bytes(elf_header(183, 64) + bytes(64))
    device = Device.connect(rooted_phone.serial)
    before = fingerprint(device)
    code, _, err = setup(capsys, rooted_phone.serial, "--frida-server", str(arm))
    assert code == 2 and "a frida-server for arm64-v8a" in err and "ABI (ro.product.cpu.abi) is x86_64" in err
    script = tmp_path / "frida-server.sh"
    script.write_text(f"#!/bin/sh\necho {CLIENT_VERSION}\n", encoding="utf-8")
    code, _, err = setup(capsys, rooted_phone.serial, "--frida-server", str(script))
    assert code == 2 and "not an ELF executable" in err
    assert fingerprint(device) == before


def test_install_then_an_idempotent_second_call(rooted_phone: RunningPhone, tmp_path: Path,
                                                fake_server: Callable[[str], Path],
                                                capsys: pytest.CaptureFixture[str]) -> None:
    device = Device.connect(rooted_phone.serial)
    packed = tmp_path / f"frida-server-{CLIENT_VERSION}-android-x86_64.xz"
    packed.write_bytes(lzma.compress(fake_server(CLIENT_VERSION).read_bytes(), format=lzma.FORMAT_XZ))
    with server_file(device, fake_server("17.0.0" if CLIENT_VERSION != "17.0.0" else "17.0.1"), tmp_path):
        code, first, err = setup(capsys, rooted_phone.serial, "--frida-server", str(packed))
        assert code == 0, err
        assert first is not None and first["action"] == "installed"
        assert first["server_version"] == CLIENT_VERSION and first["server_path"] == SERVER_PATH
        placed = fingerprint(device)
        code, second, err = setup(capsys, rooted_phone.serial, "--frida-server", str(packed))
        assert code == 0, err
        assert second is not None and second["action"] == "left-alone" and "already answers" in second["message"]
        assert fingerprint(device) == placed and "staged=False" in placed


def test_without_a_file_it_verifies_and_reports(rooted_phone: RunningPhone,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    code, report, err = setup(capsys, rooted_phone.serial)
    assert code == 0, err
    assert report is not None
    assert set(report) == {"client_version", "serial", "action", "message", "server_version", "server_path",
                           "access", "root", "selinux", "android", "security_patch", "art_version", "abi", "notes"}
    assert report["action"] == "verified" and report["server_version"] == CLIENT_VERSION
    assert report["root"].startswith("su (Magisk ") and report["selinux"] == "Enforcing"
    facts = Device.connect(rooted_phone.serial).facts()
    assert report["android"] == f"{facts.release} (SDK {facts.sdk})" and report["abi"] == "x86_64"
    assert report["security_patch"] == facts.security_patch
    assert report["art_version"] == "unknown" or report["art_version"].isdigit()
    capsys.readouterr()
    assert main(["setup-device", "--device", rooted_phone.serial]) == 0
    text = capsys.readouterr().out
    for label in ("frida-server", "root", "SELinux", "Android", "security patch", "ART module"):
        assert label in text
