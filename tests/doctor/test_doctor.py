"""``harness doctor`` on virtual phones: all green when rooted, each broken thing failing with its
fix line, and ``harness run`` stopping on the fast subset's failure before it touches the phone."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from harness.cli import main
from harness.device.device import Device
from harness.doctor.frida_server import SERVER_PATH
from harness.doctor.phone_checks import ROOT_FIX
from harness.doctor.registry import CHECK_NAMES, CHECKS, needs_root, require_ready
from harness.instrument.versions import CLIENT_VERSION
from harness.run.folder import STORE_NAME
from harness.scenario.load import load_scenario
from harness.virtual.manager import RunningPhone
from tests.doctor.doctor_support import STALE_PROXY, by_name, doctor, server_file, stale_proxy

ROOT = Path(__file__).resolve().parents[2]
MESSENGER = ROOT / "scenarios" / "demo_messenger.yaml"


def test_all_green_on_the_rooted_phone(rooted_phone: RunningPhone, capsys: pytest.CaptureFixture[str]) -> None:
    code, report = doctor(capsys, rooted_phone.serial)
    problems = [f"{c['name']}: {c['status']}: {c['detail']} / {c['fix']}" for c in report["checks"]
                if c["status"] != "pass"]
    assert problems == [] and code == 0 and report["exit_code"] == 0
    checks = by_name(report)
    assert f"frida-server {CLIENT_VERSION}" in checks["frida-server"]["detail"]
    assert "saw a read" in checks["hook-agent"]["detail"]
    assert checks["root"]["detail"].startswith("su (Magisk ")


def test_the_json_is_a_stable_list_of_every_check(rooted_phone: RunningPhone,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    code, report = doctor(capsys, rooted_phone.serial, "--fast")
    assert code == 0 and set(report) == {"serial", "exit_code", "checks"}
    assert report["serial"] == rooted_phone.serial
    assert [c["name"] for c in report["checks"]] == [s.name for s in CHECKS if s.fast]
    for check in report["checks"]:
        assert set(check) == {"name", "status", "detail", "fix", "fast"} and check["fast"] is True
        assert check["status"] in ("pass", "warn", "fail", "skip") and isinstance(check["detail"], str)


def test_no_root_fails_with_its_fix(unrooted_phone: RunningPhone, capsys: pytest.CaptureFixture[str]) -> None:
    code, report = doctor(capsys, unrooted_phone.serial)
    root = by_name(report)["root"]
    assert code == 1 and root["status"] == "fail" and root["fix"] == ROOT_FIX
    assert "su -c id" in root["detail"]
    assert [c["name"] for c in report["checks"]] == list(CHECK_NAMES)
    # the app-only demo needs no root: its run's fast subset passes on this phone
    device = Device.connect(unrooted_phone.serial)
    scenario = load_scenario(MESSENGER)
    assert not needs_root(device, scenario)
    assert all(c.status in ("pass", "warn") for c in require_ready(device, scenario))


def test_a_wrong_frida_server_version_fails_with_its_fix(rooted_phone: RunningPhone, tmp_path: Path,
                                                         fake_server: Callable[[str], Path],
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    device = Device.connect(rooted_phone.serial)
    with server_file(device, fake_server("16.5.9"), tmp_path):
        code, report = doctor(capsys, rooted_phone.serial)
    checks = by_name(report)
    frida = checks["frida-server"]
    assert code == 1 and frida["status"] == "fail"
    assert "16.5.9" in frida["detail"] and CLIENT_VERSION in frida["detail"] and SERVER_PATH in frida["detail"]
    assert frida["fix"].startswith(f"`harness setup-device --device {rooted_phone.serial} --frida-server "
                                   f"frida-server-{CLIENT_VERSION}-android-x86_64.xz`")
    assert checks["hook-agent"]["status"] == "skip"
    assert {c["name"] for c in report["checks"] if c["status"] == "fail"} == {"frida-server"}


def test_a_stale_proxy_fails_with_its_fix(rooted_phone: RunningPhone, capsys: pytest.CaptureFixture[str]) -> None:
    device = Device.connect(rooted_phone.serial)
    with stale_proxy(device):
        code, report = doctor(capsys, rooted_phone.serial, "--fast")
        main(["doctor", "--device", rooted_phone.serial])
        text = capsys.readouterr().out
    proxy = by_name(report)["proxy"]
    assert code == 1 and proxy["status"] == "fail" and STALE_PROXY in proxy["detail"]
    assert proxy["fix"] == f"clear it: `adb -s {rooted_phone.serial} shell 'settings put global http_proxy :0'`"
    assert "FAIL  proxy" in text and "fix: clear it:" in text and "NOT READY" in text
    assert doctor(capsys, rooted_phone.serial, "--fast")[0] == 0   # cleared: all good again


def _phone_state(device: Device) -> dict[str, str]:
    """What a run would change: settings, contacts, running apps, the messenger's permissions."""
    state = {ns: device.shell(["settings", "list", ns]).stdout for ns in ("global", "secure", "system")}
    state["contacts"] = device.shell(["content", "query", "--uri", "content://com.android.contacts/raw_contacts",
                                      "--projection", "_id"]).stdout
    state["processes"] = " ".join(sorted(line.split()[-1] for line in
                                         device.shell(["ps", "-A"]).stdout.splitlines()[1:]))
    state["permissions"] = device.shell(["dumpsys", "package", "com.example.messenger"]).stdout
    return state


def test_run_stops_with_the_doctors_message(rooted_phone: RunningPhone, tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    device = Device.connect(rooted_phone.serial)
    with stale_proxy(device):
        before = _phone_state(device)
        capsys.readouterr()
        code = main(["run", str(MESSENGER), "--device", rooted_phone.serial, "--out", str(tmp_path / "run")])
        err = capsys.readouterr().err
        after = _phone_state(device)
    assert code == 2
    assert err.startswith(f"harness: {rooted_phone.serial}: the phone is not ready for a run: proxy: ")
    assert STALE_PROXY in err and "fix: clear it: `adb -s" in err and err.count("\n") == 1
    assert after == before
    assert not (tmp_path / "run" / STORE_NAME).exists()
