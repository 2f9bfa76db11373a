from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest

from harness.testing.virtual import ToolShell

MESSENGER = "com.example.messenger"


def test_list_packages_fields_in_order(sh: ToolShell) -> None:
    plain = sh("pm list packages").stdout.splitlines()
    assert "package:com.android.settings" in plain and f"package:{MESSENGER}" in plain
    third = sh("pm list packages -3").stdout.splitlines()
    assert third == ["package:com.example.messenger", "package:com.example.smsbackup", "package:com.example.weather"]
    assert f"package:{MESSENGER}" not in sh("pm list packages -s").stdout
    line = sh(f"pm list packages -f -U -i --show-versioncode {MESSENGER}").stdout
    path = sh(f"pm path {MESSENGER}").stdout.strip().removeprefix("package:")
    assert line == f"package:{path}={MESSENGER} versionCode:4021  installer=com.android.vending uid:10190\n"
    assert sh("pm list packages -s -U settings").stdout == "package:com.android.settings uid:1000\n"
    empty = sh("pm list packages nothing.matches")
    assert (empty.status, empty.out) == (0, b"")
    bad = sh("pm list packages -x")
    assert (bad.status, bad.stderr) == (255, "Error: Unknown option: -x\n")


def test_path(sh: ToolShell) -> None:
    result = sh(f"pm path {MESSENGER}")
    assert result.status == 0 and result.stdout.startswith("package:/data/app/~~")
    assert result.stdout.endswith(f"/{MESSENGER}-" + result.stdout.split(f"/{MESSENGER}-")[1])
    assert sh.phone.device_path(result.stdout.strip().removeprefix("package:")).is_file()
    missing = sh("pm path com.nope")
    assert (missing.status, missing.out, missing.err) == (1, b"", b"")


def grant_error(sh: ToolShell, command: str) -> tuple[int, list[str]]:
    result = sh(command)
    assert result.out == b""
    return result.status, result.stderr.split("\n")


def test_grant_errors_are_framed_java_exceptions(sh: ToolShell) -> None:
    status, lines = grant_error(sh, f"pm grant {MESSENGER} android.permission.FOO")
    assert status == 255
    assert lines[:3] == ["", "Exception occurred while executing 'grant':",
                         "java.lang.IllegalArgumentException: Unknown permission: android.permission.FOO"]
    assert lines[3].startswith("\tat com.android.server.pm.permission.PermissionManagerServiceImpl.grant")
    assert all(line.startswith("\tat ") for line in lines[3:-1]) and lines[-1] == ""
    _, lines = grant_error(sh, f"pm grant {MESSENGER} android.permission.CAMERA")
    assert lines[2] == (f"java.lang.SecurityException: Package {MESSENGER} has not requested permission "
                        "android.permission.CAMERA")
    _, lines = grant_error(sh, f"pm revoke {MESSENGER} android.permission.INTERNET")
    assert lines[1] == "Exception occurred while executing 'revoke':"
    assert lines[2] == (f"java.lang.SecurityException: Permission android.permission.INTERNET requested by "
                        f"{MESSENGER} is not a changeable permission type")
    _, lines = grant_error(sh, "pm revoke com.android.phone android.permission.READ_CONTACTS")
    assert lines[2] == ("java.lang.SecurityException: Non-System UID cannot revoke system fixed permission "
                        "android.permission.READ_CONTACTS for package com.android.phone")


def test_grant_usage_and_unknown_package(sh: ToolShell) -> None:
    unknown = sh("pm grant com.nope android.permission.CAMERA")
    assert (unknown.status, unknown.out, unknown.err) == (0, b"", b"")
    assert (sh("pm grant").status, sh("pm grant").stderr) == (1, "Error: no package specified\n")
    assert sh(f"pm grant {MESSENGER}").stderr == "Error: no permission specified\n"


def runtime_line(sh: ToolShell, package: str, permission: str) -> str:
    dump = sh(f"dumpsys package {package}").stdout.splitlines()
    start = dump.index("      runtime permissions:")
    return next(line for line in dump[start:] if line.startswith(f"        {permission}:"))


def test_grant_and_revoke_show_in_dumpsys(sh: ToolShell) -> None:
    perm = "android.permission.READ_PHONE_STATE"
    assert runtime_line(sh, MESSENGER, perm) == f"        {perm}: granted=false"
    granted = sh(f"pm grant {MESSENGER} {perm}")
    assert (granted.status, granted.out, granted.err) == (0, b"", b"")
    assert runtime_line(sh, MESSENGER, perm) == f"        {perm}: granted=true, flags=[ USER_SET]"
    pid = sh.processes.start(MESSENGER)
    assert sh(f"pm revoke {MESSENGER} {perm}").status == 0
    assert runtime_line(sh, MESSENGER, perm) == f"        {perm}: granted=false, flags=[ USER_SET]"
    assert pid not in sh.processes.pids(MESSENGER)   # revoking kills the app, as on Android
    system = runtime_line(sh, "com.android.phone", "android.permission.READ_CONTACTS")
    assert system.endswith("granted=true, flags=[ SYSTEM_FIXED|GRANTED_BY_DEFAULT]")


def test_dumpsys_package_sections(sh: ToolShell) -> None:
    dump = sh(f"dumpsys package {MESSENGER}").stdout.splitlines()
    assert f"  Package [{MESSENGER}] (" in dump[dump.index("Packages:") + 1]
    assert "    appId=10190" in dump and "    versionCode=4021 minSdk=24 targetSdk=34" in dump
    requested = dump.index("    requested permissions:")
    assert dump[requested + 1:requested + 6] == [
        "      android.permission.INTERNET", "      android.permission.READ_CONTACTS",
        "      android.permission.READ_PHONE_STATE", "      android.permission.ACCESS_NETWORK_STATE",
        "      android.permission.POST_NOTIFICATIONS"]
    install = dump.index("    install permissions:")
    assert dump[install + 1:install + 3] == ["      android.permission.INTERNET: granted=true",
                                             "      android.permission.ACCESS_NETWORK_STATE: granted=true"]
    user = next(i for i, line in enumerate(dump) if line.startswith("    User 0: ceDataInode="))
    assert user > install and dump.index("      runtime permissions:") > user
    assert sh("dumpsys package com.nope").stdout == "Unable to find package: com.nope\n"
    assert sh(f"pm dump {MESSENGER}").stdout == sh(f"dumpsys package {MESSENGER}").stdout


def test_clear(sh: ToolShell) -> None:
    data = sh.phone.device_path(f"/data/data/{MESSENGER}")
    (data / "cache.db").write_bytes(b"x")
    pid = sh.processes.start(MESSENGER)
    result = sh(f"pm clear {MESSENGER}")
    assert (result.status, result.stdout, result.err) == (0, "Success\n", b"")
    assert not any(data.iterdir()) and pid not in sh.processes.pids(MESSENGER)
    failed = sh("pm clear com.nope")
    assert (failed.status, failed.out, failed.stderr) == (1, b"", "Failed\n")


def apk(description: dict[str, object]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("AndroidManifest.xml", b"\x03\x00binary")
        archive.writestr("harness-package.json", json.dumps(description))
    return buffer.getvalue()


def test_install_and_uninstall(sh: ToolShell) -> None:
    tmp = sh.phone.device_path("/data/local/tmp")
    (tmp / "tracker.apk").write_bytes(apk({
        "name": "com.example.tracker", "label": "Tracker", "version_code": 3, "launcher": ".Main",
        "permissions": ["android.permission.INTERNET", "android.permission.READ_CONTACTS"]}))
    result = sh("pm install -g /data/local/tmp/tracker.apk")
    assert (result.status, result.stdout, result.err) == (0, "Success\n", b"")
    assert "package:com.example.tracker uid:10193\n" in sh("pm list packages -3 -U").stdout
    assert runtime_line(sh, "com.example.tracker", "android.permission.READ_CONTACTS").endswith("granted=true")
    pulled = sh("pm path com.example.tracker").stdout.strip().removeprefix("package:")
    assert sh.phone.device_path(pulled).read_bytes() == (tmp / "tracker.apk").read_bytes()
    (tmp / "old.apk").write_bytes(apk({"name": "com.example.tracker", "version_code": 2}))
    downgrade = sh("pm install /data/local/tmp/old.apk")
    assert downgrade.status == 1
    assert downgrade.stdout.startswith("Failure [INSTALL_FAILED_VERSION_DOWNGRADE")
    assert sh("pm uninstall com.example.tracker").stdout == "Success\n"
    gone = sh("pm uninstall com.example.tracker")
    assert (gone.status, gone.stdout) == (1, "Failure [not installed for 0]\n")


def test_install_failures(sh: ToolShell) -> None:
    tmp = sh.phone.device_path("/data/local/tmp")
    (tmp / "junk.apk").write_bytes(b"not a zip")
    junk = sh("pm install /data/local/tmp/junk.apk")
    assert junk.status == 1 and junk.stdout.startswith("Failure [INSTALL_PARSE_FAILED_NOT_APK: ")
    missing = sh("pm install /sdcard/none.apk")
    assert (missing.status, missing.stderr) == (
        1, "Error: Unable to open file: /sdcard/none.apk\nConsider using a file under /data/local/tmp/\n")


def test_uninstall_system_package(sh: ToolShell) -> None:
    refused = sh("pm uninstall com.android.settings")
    assert (refused.status, refused.stdout) == (1, "Failure [DELETE_FAILED_INTERNAL_ERROR]\n")
    assert sh("pm uninstall -k --user 0 com.android.settings").stdout == "Success\n"
    assert "com.android.settings" not in sh("pm list packages").stdout


def test_unknown_verb(sh: ToolShell) -> None:
    result = sh("pm frobnicate")
    assert (result.status, result.stdout) == (255, "Unknown command: frobnicate\n")


def test_install_reads_a_real_binary_manifest(sh: ToolShell) -> None:
    uiautomator2 = pytest.importorskip("uiautomator2")
    real = Path(uiautomator2.__file__).parent / "assets" / "app-uiautomator.apk"
    if not real.exists():
        pytest.skip("uiautomator2's bundled APK is not there")
    (sh.phone.device_path("/data/local/tmp") / "u2.apk").write_bytes(real.read_bytes())
    assert sh("pm install -r -t /data/local/tmp/u2.apk").stdout == "Success\n"
    dump = sh("dumpsys package com.github.uiautomator").stdout
    assert "    versionName=2.4.0" in dump and "      android.permission.INTERNET" in dump
    assert "com.github.uiautomator/.MainActivity" in dump
