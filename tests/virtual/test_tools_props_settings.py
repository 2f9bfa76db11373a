from __future__ import annotations

import pytest

from harness.testing.virtual import ToolShell
from harness.virtual.shell.tools import TOOLS


def test_registry_has_every_tool() -> None:
    assert {"getprop", "settings", "pm", "cmd", "dumpsys", "appops", "am", "monkey", "pidof", "ps", "content",
            "input", "wm", "screencap", "uiautomator", "logcat", "id", "getenforce"} <= set(TOOLS)


def test_getprop(sh: ToolShell) -> None:
    result = sh("getprop ro.build.fingerprint")
    assert (result.status, result.stdout, result.err) == (
        0, "google/panther/panther:14/UP1A.231005.007/10754064:user/release-keys\n", b"")
    assert sh("getprop no.such.key").stdout == "\n"
    assert sh("getprop no.such.key fallback").stdout == "fallback\n"
    assert sh("getprop ro.build.version.sdk 1").stdout == "34\n"
    everything = sh("getprop").stdout.splitlines()
    assert "[ro.build.version.sdk]: [34]" in everything
    names = [line.split("]")[0] for line in everything]
    assert names == sorted(names)
    too_many = sh("getprop a b c")
    assert (too_many.status, too_many.stderr) == (255, 'getprop: Max 2 arguments (see "getprop --help")\n')
    both = sh("getprop -T -Z ro.serialno")
    assert (both.status, both.stderr) == (255, "Only one of -T or -Z may be specified\n")
    assert sh("getprop -Z ro.build.id").stdout == "u:object_r:build_prop:s0\n"


def test_settings_get_put_delete_list(sh: ToolShell) -> None:
    assert sh("settings get secure android_id").stdout == "3f1c9a7be2d04c51\n"
    missing = sh("settings get secure nope")
    assert (missing.status, missing.stdout, missing.err) == (0, "null\n", b"")
    put = sh("settings put global airplane_mode_on 1")
    assert (put.status, put.out, put.err) == (0, b"", b"")
    assert sh("settings get GLOBAL airplane_mode_on").stdout == "1\n"
    assert sh("settings delete global airplane_mode_on").stdout == "Deleted 1 rows\n"
    assert sh("settings delete global airplane_mode_on").stdout == "Deleted 0 rows\n"
    sh("settings put system zz_last 'a b'")
    listing = sh("settings list system").stdout.splitlines()
    assert listing == sorted(listing) and listing[-1] == "zz_last=a b"
    assert sh("settings --user 0 get secure android_id").stdout == "3f1c9a7be2d04c51\n"


@pytest.mark.parametrize(("command", "error"), [
    ("settings get foo x", "Invalid namespace 'foo'\n"),
    ("settings frob secure x", "Invalid command: frob\n"),
    ("settings get secure", "Bad arguments\n"),
    ("settings put secure x", "Bad arguments\n"),
    ("settings --user 0 list secure", "--user not supported for delete and list.\n"),
    ("settings --user 7 get secure x", "Invalid user: 7\n"),
])
def test_settings_errors(sh: ToolShell, command: str, error: str) -> None:
    result = sh(command)
    assert (result.status, result.stderr, result.out) == (255, error, b"")


def test_id_and_getenforce(sh: ToolShell) -> None:
    shell = sh("id").stdout
    assert shell.startswith("uid=2000(shell) gid=2000(shell) groups=2000(shell),1004(input),1007(log)")
    assert shell.endswith("3012(readtracefs) context=u:r:shell:s0\n")
    assert sh("id", uid=0).stdout == "uid=0(root) gid=0(root) groups=0(root) context=u:r:magisk:s0\n"
    assert sh("id -u").stdout == "2000\n" and sh("id -un", uid=0).stdout == "root\n"
    assert sh("getenforce").stdout == "Enforcing\n"


def test_cmd_forwards_to_services(sh: ToolShell) -> None:
    assert sh("cmd settings get secure android_id").stdout == "3f1c9a7be2d04c51\n"
    assert sh("cmd package path com.example.weather").stdout.startswith("package:/data/app/~~")
    missing = sh("cmd nosuch")
    assert (missing.status, missing.stderr) == (20, "cmd: Can't find service: nosuch\n")


def test_radios(sh: ToolShell) -> None:
    assert (sh("svc wifi disable").out, sh("settings get global wifi_on").stdout) == (b"", "0\n")
    assert sh("svc data enable").status == 0 and sh("settings get global mobile_data").stdout == "1\n"
    assert sh("cmd connectivity airplane-mode").stdout == "disabled\n"
    assert sh("cmd connectivity airplane-mode enable").out == b""
    assert sh("settings get global airplane_mode_on").stdout == "1\n"
    assert sh("cmd connectivity airplane-mode").stdout == "enabled\n"
