"""Apps started by a broadcast: the profiles' manifest receivers and ``am broadcast`` (Android's rules).

The vendor analytics app (vendor-a/vendor-b) declares an exported receiver for
``com.vendor.analytics.action.REPORT`` and a non-exported one for BOOT_COMPLETED and its own
``RETRY_UPLOAD`` action; a broadcast that reaches one starts the app's process, which does one
report round and stays up.  The rules themselves are checked on the shell tools (no daemon: the
processes idle); the JVM app, the collectors and adb on a running vendor-b phone.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from harness.device.device import Device
from harness.errors import ProfileError
from harness.testing.virtual import ToolShell, tool_shell
from harness.virtual.manager import PhoneManager, RunningPhone
from harness.virtual.profile.load import load_profile
from tests.virtual.apps_support import collected

VENDOR_APP = "com.vendor.analytics"
REPORT = "com.vendor.analytics.action.REPORT"
RETRY = "com.vendor.analytics.action.RETRY_UPLOAD"
BOOT = "android.intent.action.BOOT_COMPLETED"
TELEMETRY = "telemetry.vendor.example"
VENDOR_B = Path(__file__).parents[2] / "harness/virtual/profile/profiles/vendor-b.yaml"
HOSTILE = "x'; rm -rf / $(id) `id` \"q\" \\n %s %n ${HOME} | & > /sdcard/p ünï 🙂"


def _log(sh: ToolShell, tag: str) -> list[str]:
    return [e.message for e in sh.phone.logbuffer.entries() if e.tag == tag]


# --- the profile field ------------------------------------------------------------------------


def test_vendor_profiles_declare_the_receivers() -> None:
    for name in ("vendor-a", "vendor-b"):
        spec = load_profile(name).package(VENDOR_APP)
        assert spec is not None and spec.target_sdk == 25
        assert [(r.action, spec.full_class(r.name), r.exported) for r in spec.receivers] == [
            (REPORT, "com.vendor.analytics.ReportReceiver", True),
            (BOOT, "com.vendor.analytics.BootReceiver", False),
            (RETRY, "com.vendor.analytics.BootReceiver", False)]
        assert spec.to_dict()["receivers"][0] == {"action": REPORT, "class": ".ReportReceiver", "exported": True}


@pytest.mark.parametrize(("old", "new", "field", "message"), [
    ("class: .ReportReceiver, ", "class: Report Receiver, ", "receivers[0].class", "not a receiver class name"),
    ("{action: com.vendor.analytics.action.REPORT,", "{action: 'a b',", "receivers[0].action", "not an intent action"),
    ("exported: true}", "exported: yes please}", "receivers[0].exported", "expected true or false"),
    ("exported: true}", "exported: true, priority: 5}", "receivers[0].priority", "unknown field"),
    ("class: .BootReceiver, exported: false}\n      - {action: com.vendor.analytics.action.RETRY_UPLOAD, "
     "class: .BootReceiver, exported: false}",
     "class: .BootReceiver, exported: false}\n      - {action: com.vendor.analytics.action.RETRY_UPLOAD, "
     "class: com.vendor.analytics.BootReceiver, exported: true}", "receivers[2].exported", "one receiver, one value"),
    ("action: com.vendor.analytics.action.RETRY_UPLOAD", "action: android.intent.action.BOOT_COMPLETED",
     "receivers[2].action", "already declared"),
    ("    receivers:\n      - {", "    receivers:\n      - 7\n      - {", "receivers[0]", "expected a mapping"),
    ("target_sdk: 25", "target_sdk: 31", "receivers[0].exported", "must say whether"),
])
def test_receivers_field_is_validated(tmp_path: Path, old: str, new: str, field: str, message: str) -> None:
    text = VENDOR_B.read_text()
    if "target_sdk: 31" in new:     # an API 31+ app must state exported: drop it from the first receiver
        text = text.replace("REPORT, class: .ReportReceiver, exported: true}", "REPORT, class: .ReportReceiver}")
    assert old in text
    path = tmp_path / "bad.yaml"
    path.write_text(text.replace(old, new, 1))
    with pytest.raises(ProfileError, match=rf"packages\.{re.escape(VENDOR_APP)}\.{re.escape(field)}: .*{message}"):
        load_profile(str(path))


# --- the rules, on the shell tools --------------------------------------------------------------


@pytest.fixture
def vsh(tmp_path: Path) -> Iterator[ToolShell]:
    with tool_shell(tmp_path / "state", "vendor-b") as shell:
        yield shell


def test_implicit_broadcast_starts_the_receivers_app(vsh: ToolShell) -> None:
    result = vsh(f"am broadcast -a {REPORT}")
    assert (result.status, result.stdout, result.err) == (
        0, f"Broadcasting: Intent {{ act={REPORT} flg=0x400000 }}\nBroadcast completed: result=0\n", b"")
    [pid] = vsh.processes.pids(VENDOR_APP)
    assert vsh.processes.foreground() is None        # started in the background, not brought to front
    assert (f"Start proc {pid}:{VENDOR_APP}/1000 for broadcast {{{VENDOR_APP}/{VENDOR_APP}.ReportReceiver}}"
            in _log(vsh, "ActivityManager"))


def test_nobody_receives_starts_nothing(vsh: ToolShell) -> None:
    for line in ("am broadcast -a com.example.NOBODY", f"am broadcast -a {REPORT} -p com.example.messenger",
                 f"am broadcast -a {REPORT} -c android.intent.category.DEFAULT",
                 f"am broadcast -a {REPORT} --receiver-registered-only",
                 f"am broadcast -n {VENDOR_APP}/.NoSuchReceiver"):
        result = vsh(line)
        assert (result.status, result.stdout.splitlines()[1:]) == (0, ["Broadcast completed: result=0"]), line
    assert vsh.processes.processes() == []


def test_non_exported_receiver_is_out_of_the_shells_reach(vsh: ToolShell) -> None:
    for line in (f"am broadcast -a {RETRY}", f"am broadcast -n {VENDOR_APP}/.BootReceiver",
                 f"am broadcast -a {RETRY} -p {VENDOR_APP}"):
        assert vsh(line).stdout.endswith("Broadcast completed: result=0\n")
    assert vsh.processes.pids(VENDOR_APP) == []
    denials = [m for m in _log(vsh, "BroadcastQueue") if m.startswith("Permission Denial")]
    assert len(denials) == 3
    assert re.fullmatch(rf"Permission Denial: broadcasting Intent \{{ act={re.escape(RETRY)} flg=0x400010 \}} "
                        r"from null \(pid=\d+, uid=2000\) is not exported from uid 1000 due to receiver "
                        rf"{VENDOR_APP}/\.BootReceiver", denials[0])
    # root (and the system) reach it, by action or by component
    vsh(f"am broadcast -n {VENDOR_APP}/.BootReceiver", uid=0)
    assert len(vsh.processes.pids(VENDOR_APP)) == 1


def test_protected_broadcast_is_refused_to_the_shell(vsh: ToolShell) -> None:
    refused = vsh(f"am broadcast -a {BOOT}")
    assert refused.status == 255
    assert refused.stdout == f"Broadcasting: Intent {{ act={BOOT} flg=0x400000 }}\n"
    assert re.match(rf"\nException occurred while executing 'broadcast':\njava\.lang\.SecurityException: "
                    rf"Permission Denial: not allowed to send broadcast {BOOT} from pid=\d+, uid=2000\n",
                    refused.stderr)
    assert vsh.processes.processes() == []
    assert vsh(f"am broadcast -a {BOOT}", uid=0).stdout.endswith("Broadcast completed: result=0\n")
    assert len(vsh.processes.pids(VENDOR_APP)) == 1


def test_background_check_for_apps_targeting_android_8(tmp_path: Path) -> None:
    """An implicit broadcast does not reach a manifest receiver of an API 26+ app (nor of an older
    one whose RUN_IN_BACKGROUND app-op is not allowed); naming the package or the component, or
    FLAG_RECEIVER_INCLUDE_BACKGROUND, does."""
    modern = tmp_path / "modern.yaml"
    modern.write_text(VENDOR_B.read_text().replace("target_sdk: 25", "target_sdk: 28"))
    with tool_shell(tmp_path / "modern", str(modern)) as sh:
        sh(f"am broadcast -a {REPORT}")
        assert sh.processes.pids(VENDOR_APP) == []
        assert (f"Background execution not allowed: receiving Intent {{ act={REPORT} flg=0x400010 }} to "
                f"{VENDOR_APP}/.ReportReceiver") in _log(sh, "BroadcastQueue")
        for line in (f"am broadcast -a {REPORT} -p {VENDOR_APP}", f"am broadcast -n {VENDOR_APP}/.ReportReceiver",
                     f"am broadcast -a {REPORT} --receiver-include-background",
                     f"am broadcast -a {REPORT} -f 0x01000000"):
            sh(f"am force-stop {VENDOR_APP}")
            sh(line)
            assert len(sh.processes.pids(VENDOR_APP)) == 1, line
    with tool_shell(tmp_path / "legacy", "vendor-b") as sh:
        sh(f"appops set {VENDOR_APP} RUN_IN_BACKGROUND ignore")
        sh(f"am broadcast -a {REPORT}")
        assert sh.processes.pids(VENDOR_APP) == []


# --- the app, on a running phone -----------------------------------------------------------------


@pytest.fixture(scope="module")
def vendor_b(adb_server: int, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningPhone]:
    phone = PhoneManager().start(state=tmp_path_factory.mktemp("broadcasts") / "state", profile="vendor-b")
    try:
        yield phone
    finally:
        PhoneManager().stop(phone.serial)


@pytest.fixture
def device(vendor_b: RunningPhone) -> Device:
    device = Device.connect(vendor_b.serial)
    device.shell(["am", "force-stop", VENDOR_APP])
    assert device.shell(["pidof", VENDOR_APP], check=False).exit_code == 1
    return device


def _telemetry(phone: RunningPhone, since: float) -> list[dict[str, Any]]:
    return [r for r in collected(phone) if r.get("sni") == TELEMETRY and float(r["ts"]) >= since]


def _wait_for_telemetry(phone: RunningPhone, since: float, timeout: float = 15.0) -> list[dict[str, Any]]:
    deadline = time.monotonic() + timeout
    while not (found := _telemetry(phone, since)) and time.monotonic() < deadline:
        time.sleep(0.1)
    return found


def _app_pids(device: Device) -> set[int]:
    lines = device.shell(["ps", "-A"]).stdout.splitlines()[1:]
    return {int(line.split()[1]) for line in lines if line.split()[0].startswith(("u0_a", "system"))}


def test_report_broadcast_starts_the_app_and_its_report_reaches_the_collectors(
        vendor_b: RunningPhone, device: Device) -> None:
    since = time.time()
    result = device.shell(["am", "broadcast", "-a", REPORT])
    # the receiver ran one report round (vendor-b: crash diagnostics only) and answered with what it sent
    assert result.stdout == (f"Broadcasting: Intent {{ act={REPORT} flg=0x400000 }}\n"
                             'Broadcast completed: result=-1, data="diagnostics"\n')
    pid = int(device.shell(["pidof", VENDOR_APP]).stdout)
    [diag] = [r for r in _wait_for_telemetry(vendor_b, since) if urlsplit(str(r["path"])).path == "/v2/diag"]
    assert parse_qs(urlsplit(str(diag["path"])).query)["imei"] == [load_profile("vendor-b").identifiers.imei]
    log = device.shell(["logcat", "-d", "-s", "ActivityManager", "VendorAnalytics"]).stdout
    assert f"Start proc {pid}:{VENDOR_APP}/1000 for broadcast {{{VENDOR_APP}/{VENDOR_APP}.ReportReceiver}}" in log
    assert f"report requested: {REPORT} reason=null" in log
    time.sleep(2.0)   # a process started for a broadcast stays up (cached) after it
    assert device.shell(["pidof", VENDOR_APP]).stdout.strip() == str(pid)
    focus = [line for line in device.shell(["dumpsys", "window"]).stdout.splitlines() if "mCurrentFocus" in line]
    assert focus and VENDOR_APP not in focus[0]        # started in the background: home is still in front
    # one round per broadcast: the periodic service was not started by it
    assert len([r for r in _telemetry(vendor_b, since) if urlsplit(str(r["path"])).path == "/v2/diag"]) == 1

    # the same process takes the next broadcast, and am start launches its activity in it
    again = device.shell(["am", "broadcast", "-a", REPORT, "-p", VENDOR_APP])
    assert again.stdout.endswith('Broadcast completed: result=-1, data="diagnostics"\n')
    start = device.shell(["am", "start", "-W", "-n", f"{VENDOR_APP}/.UserExperienceActivity"])
    assert "LaunchState: WARM" in start.stdout and "Warning" not in start.output   # a process, no task yet
    _wait_for_screen(device, "User Experience Program")     # its program runs: it shows its screen
    assert device.shell(["pidof", VENDOR_APP]).stdout.strip() == str(pid)


def _wait_for_screen(device: Device, text: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        device.shell(["uiautomator", "dump", "/sdcard/window_dump.xml"])
        if f'text="{text}"' in device.shell(["cat", "/sdcard/window_dump.xml"]).stdout:
            return
        assert time.monotonic() < deadline, f"{text!r} never on screen"
        time.sleep(0.2)


def test_broadcast_nobody_receives_starts_nothing(device: Device) -> None:
    before = _app_pids(device)
    result = device.shell(["am", "broadcast", "-a", "com.vendor.analytics.action.NOTHING"])
    assert (result.exit_code, result.stdout, result.stderr) == (
        0, "Broadcasting: Intent { act=com.vendor.analytics.action.NOTHING flg=0x400000 }\n"
           "Broadcast completed: result=0\n", "")
    assert _app_pids(device) == before


def test_non_exported_receiver_is_unreachable_from_the_shell(vendor_b: RunningPhone, device: Device) -> None:
    since = time.time()
    implicit = device.shell(["am", "broadcast", "-a", RETRY])
    assert implicit.stdout.endswith("Broadcast completed: result=0\n")
    explicit = device.shell(["am", "broadcast", "-n", f"{VENDOR_APP}/.BootReceiver", "-a", RETRY])
    assert explicit.stdout.endswith("Broadcast completed: result=0\n")
    assert device.shell(["pidof", VENDOR_APP], check=False).exit_code == 1
    log = device.shell(["logcat", "-d", "-s", "BroadcastQueue"]).stdout
    assert f"is not exported from uid 1000 due to receiver {VENDOR_APP}/.BootReceiver" in log
    boot = device.shell(["am", "broadcast", "-a", BOOT], check=False)
    assert boot.exit_code == 255 and "java.lang.SecurityException: Permission Denial: not allowed to send " \
        f"broadcast {BOOT} from pid=" in boot.stderr
    assert _telemetry(vendor_b, since) == []
    # root may send BOOT_COMPLETED; it reaches the boot receiver, which does one round
    rooted = device.shell(["su", "0", "am", "broadcast", "-a", BOOT])
    assert rooted.stdout.endswith("Broadcast completed: result=0\n")     # the boot receiver sets no result
    assert device.shell(["pidof", VENDOR_APP]).exit_code == 0
    assert _wait_for_telemetry(vendor_b, since)


def test_hostile_extras_are_delivered_literally(device: Device) -> None:
    result = device.shell(["am", "broadcast", "-a", REPORT, "--es", "reason", HOSTILE, "--es", "", ""])
    assert result.stdout.startswith(f"Broadcasting: Intent {{ act={REPORT} flg=0x400000 (has extras) }}\n")
    assert result.stdout.endswith('Broadcast completed: result=-1, data="diagnostics"\n')
    log = device.shell(["logcat", "-d", "-s", "VendorAnalytics"]).stdout
    assert f"report requested: {REPORT} reason={HOSTILE}" in log
