"""``harness doctor`` and ``harness setup-device`` against a real phone (``pytest -m device``).

What only a real phone shows: root through a real root manager (``su -v``), a frida-server started
as root answering with ``access: full``, the hook agent's Java hooks in ART (Settings), the
uiautomator2 server under the vendor's rules (MIUI's "USB debugging (Security settings)", One UI's
Auto Blocker), the clock and storage of the phone, and the ART module's version.  Every test puts
back what it changed (the proxy setting; frida-server is left running at the pinned version).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from harness.cli import main
from harness.device.device import Device
from harness.doctor.frida_server import SERVER_PATH
from harness.doctor.registry import CHECK_NAMES
from harness.instrument.versions import CLIENT_VERSION
from tests.doctor.doctor_support import STALE_PROXY, by_name, doctor, elf_header

pytestmark = pytest.mark.device

#: e_machine of an ABI that is not the phone's, to build a file the phone cannot run
_OTHER_ABI = {"arm64-v8a": (62, 64), "armeabi-v7a": (62, 64), "x86_64": (183, 64), "x86": (183, 64)}


def setup(capsys: pytest.CaptureFixture[str], serial: str, *extra: str) -> tuple[int, dict[str, Any] | None, str]:
    capsys.readouterr()
    code = main(["setup-device", "--device", serial, "--json", *extra])
    out, err = capsys.readouterr()
    return code, json.loads(out) if code == 0 else None, err


def test_setup_device_places_the_pinned_server_once(real_phone: str, server_of_pinned_version: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    code, first, err = setup(capsys, real_phone, "--frida-server", str(server_of_pinned_version))
    assert code == 0, err
    assert first is not None and first["action"] in ("installed", "left-alone")
    assert first["server_version"] == CLIENT_VERSION and first["access"] == "full"
    code, second, err = setup(capsys, real_phone, "--frida-server", str(server_of_pinned_version))
    assert code == 0, err
    assert second is not None and second["action"] == "left-alone"


def test_setup_device_reports_the_phone(real_phone: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, report, err = setup(capsys, real_phone)
    assert code == 0, err
    assert report is not None and report["access"] == "full"
    assert report["action"] in ("verified", "started")
    assert report["server_version"] is not None and report["server_version"].split(".")[0] == \
        CLIENT_VERSION.split(".")[0]
    assert report["root"] != "no root" and report["selinux"] in ("Enforcing", "Permissive")
    sdk = int(report["android"].split("SDK ")[1].rstrip(")"))
    if sdk >= 29:   # --apex-only exists from Android 10
        assert report["art_version"].isdigit(), report


def test_setup_device_refuses_another_major_version(real_phone: str, server_of_other_version: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    device = Device.connect(real_phone)
    before = device.shell(["md5sum", SERVER_PATH], check=False).stdout
    code, _, err = setup(capsys, real_phone, "--frida-server", str(server_of_other_version))
    assert code == 2 and f"the harness's frida is {CLIENT_VERSION}" in err and "refused" in err
    assert device.shell(["md5sum", SERVER_PATH], check=False).stdout == before


def test_setup_device_refuses_another_abi(real_phone: str, tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    abi = Device.connect(real_phone).facts().abi
    machine, bits = _OTHER_ABI.get(abi, (183, 64))
    other = tmp_path / "frida-server-other-abi"
    other.write_bytes(elf_header(machine, bits) + bytes(64))
    code, _, err = setup(capsys, real_phone, "--frida-server", str(other))
    assert code == 2 and f"the phone's ABI (ro.product.cpu.abi) is {abi}" in err


def test_doctor_is_green(real_phone: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, report = doctor(capsys, real_phone)
    assert [c["name"] for c in report["checks"]] == list(CHECK_NAMES)
    failures = [f"{c['name']}: {c['detail']} -- fix: {c['fix']}" for c in report["checks"] if c["status"] == "fail"]
    assert failures == [] and code == 0
    checks = by_name(report)
    assert "access: full" in checks["frida-server"]["detail"]
    assert checks["hook-agent"]["status"] in ("pass", "warn")   # warn: Settings made no read (the detail says)


def test_doctor_fails_on_a_stale_proxy(real_phone: str, capsys: pytest.CaptureFixture[str]) -> None:
    device = Device.connect(real_phone)
    before = device.shell(["settings", "get", "global", "http_proxy"]).stdout.strip()
    device.shell(["settings", "put", "global", "http_proxy", STALE_PROXY])
    try:
        code, report = doctor(capsys, real_phone, "--fast")
    finally:
        device.shell(["settings", "put", "global", "http_proxy", before if before not in ("null", "") else ":0"])
    proxy = by_name(report)["proxy"]
    assert code == 1 and proxy["status"] == "fail" and "settings put global http_proxy :0" in proxy["fix"]
