from __future__ import annotations

import io
import json
import re
import struct
import threading
import time
import xml.etree.ElementTree as ET
import zipfile

import pytest
from PIL import Image

from harness.testing.virtual import ToolShell, run_tool
from harness.virtual.shell.tools import TOOLS
from harness.virtual.shell.tools.appops import format_duration
from harness.virtual.shell.tools.base import ToolContext

WEATHER = "com.example.weather"


def test_appops(sh: ToolShell) -> None:
    assert sh(f"appops get {WEATHER}").stdout == "No operations.\n"
    assert sh(f"appops get {WEATHER} CAMERA").stdout == "No operations.\nDefault mode: allow\n"
    set_result = sh(f"appops set {WEATHER} android:fine_location ignore")
    assert (set_result.status, set_result.out, set_result.err) == (0, b"", b"")
    sh(f"appops set {WEATHER} 0 deny")
    assert sh(f"appops get {WEATHER}").stdout == "COARSE_LOCATION: deny\nFINE_LOCATION: ignore\n"
    sh.phone.note_app_op(WEATHER, "FINE_LOCATION", duration_ms=4)
    assert re.fullmatch(r"FINE_LOCATION: ignore; time=(0|\+\d+ms) ago; duration=\+4ms\n",
                        sh(f"appops get {WEATHER} FINE_LOCATION").stdout)
    assert sh(f"appops reset {WEATHER}").stdout == f"Reset all modes for: user 0, package {WEATHER}\n"
    assert sh(f"appops get {WEATHER} COARSE_LOCATION").stdout == "No operations.\nDefault mode: allow\n"


@pytest.mark.parametrize(("command", "error"), [
    ("appops get com.nope", "Error: No UID for com.nope in user 0\n"),
    (f"appops set {WEATHER} BOGUS allow", "Error: Unknown operation string: BOGUS\n"),
    (f"appops set {WEATHER} CAMERA maybe", "Error: Mode maybe is not valid\n"),
    (f"appops set {WEATHER} CAMERA", "Error: Mode not specified.\n"),
    (f"appops set {WEATHER}", "Error: Operation not specified.\n"),
    ("appops get", "Error: Package name not specified.\n"),
])
def test_appops_errors(sh: ToolShell, command: str, error: str) -> None:
    result = sh(command)
    assert (result.status, result.stderr) == (255, error)


def test_format_duration() -> None:
    assert format_duration(62345) == "+1m2s345ms"
    assert format_duration(5012) == "+5s12ms"
    assert format_duration(3 * 86_400_000 + 4 * 3_600_000) == "+3d4h0m0s0ms"


def test_input_drives_the_ui(sh: ToolShell) -> None:
    xml = ET.fromstring(sh("uiautomator dump /dev/tty").stdout.split("UI hierchary dumped to:")[0])
    node = next(n for n in xml.iter("node") if n.get("text") == "Weather")
    left, top, right, bottom = map(int, re.findall(r"\d+", node.get("bounds") or ""))
    tap = sh(f"input tap {(left + right) // 2} {(top + bottom) // 2}")
    assert (tap.status, tap.out, tap.err) == (0, b"", b"")
    assert sh.processes.foreground() == WEATHER
    assert sh("input text hello%sworld").status == 0
    assert sh("input keyevent KEYCODE_BACK").status == 0 and sh.processes.foreground() is None
    assert sh("input swipe 1 2 3 4 100").status == 0
    events = [(e["kind"], e.get("text"), e.get("code")) for e in sh.phone.input_events()]
    assert events[1:4] == [("text", "hello world", None), ("keyevent", None, 4), ("swipe", None, None)]
    accented = sh("input text café")
    assert accented.status == 255
    assert accented.stderr.startswith("\nException occurred while executing 'text':\n")


def test_wm(sh: ToolShell) -> None:
    assert sh("wm size").stdout == "Physical size: 1080x2400\n"
    assert sh("wm size 720x1600").out == b""
    assert sh("wm size").stdout == "Physical size: 1080x2400\nOverride size: 720x1600\n"
    assert sh("wm size reset").status == 0 and sh("wm size").stdout == "Physical size: 1080x2400\n"
    bad = sh("wm size 12")
    assert (bad.status, bad.stderr) == (255, "Error: bad size 12\n")
    sh("wm density 320")
    assert sh("wm density").stdout == "Physical density: 420\nOverride density: 320\n"


def test_screencap(sh: ToolShell) -> None:
    png = sh("screencap -p").out
    assert Image.open(io.BytesIO(png)).size == (1080, 2400)
    raw = sh("screencap").out
    width, height, pixel_format, _ = struct.unpack("<4I", raw[:16])
    assert (width, height, pixel_format, len(raw)) == (1080, 2400, 1, 16 + 1080 * 2400 * 4)
    saved = sh("screencap -p /sdcard/shot.png")
    assert (saved.status, saved.out, saved.err) == (0, b"", b"")
    assert Image.open(sh.phone.device_path("/sdcard/shot.png")).format == "PNG"
    denied = sh("screencap -p /system/shot.png")
    assert (denied.status, denied.stderr) == (1, "Error opening file: /system/shot.png (Read-only file system)\n")


def test_uiautomator_dump_file(sh: ToolShell) -> None:
    result = sh("uiautomator dump")
    assert (result.status, result.stdout) == (0, "UI hierchary dumped to: /sdcard/window_dump.xml\n")
    dumped = sh.phone.device_path("/sdcard/window_dump.xml").read_text()
    assert ET.fromstring(dumped).tag == "hierarchy"
    assert sh("uiautomator dump /data/local/tmp/ui.xml").stdout.endswith("/data/local/tmp/ui.xml\n")


def test_logcat_formats_and_filters(sh: ToolShell) -> None:
    sh.phone.log("I", "ActivityManager", "Start proc 1:x", pid=1423, tid=1490, buffer="system")
    sh.phone.log("D", "Canary", "line one\nline two", pid=4242, tid=4243)
    dump = sh("logcat -d").stdout.splitlines()
    assert dump[0] == "--------- beginning of system"
    assert re.fullmatch(r"\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}  1423  1490 I ActivityManager: Start proc 1:x", dump[1])
    assert dump[2] == "--------- beginning of main"
    assert re.fullmatch(r".{18}  4242  4243 D Canary  : line one", dump[3])
    assert re.fullmatch(r".{18}  4242  4243 D Canary  : line two", dump[4])
    assert sh("logcat -d -v brief -s Canary").stdout.splitlines()[1:] == [
        "D/Canary  ( 4242): line one", "D/Canary  ( 4242): line two"]
    assert sh("logcat -d -v tag Canary:I *:S").stdout == ""
    assert re.fullmatch(r"\d\d-\d\d \S+ I/ActivityManager\( 1423\): Start proc 1:x\n",
                        sh("logcat -d -b system -v time").stdout)
    assert sh("logcat -d --pid=4242 -v raw").stdout.endswith("line one\nline two\n")
    assert sh("logcat -c").out == b""
    assert sh("logcat -d").stdout == ""
    bad = sh("logcat -v fancy")
    assert bad.status == 1 and "fancy" in bad.stderr


def test_logcat_follows_until_cancelled(sh: ToolShell) -> None:
    chunks: list[bytes] = []
    cancelled = threading.Event()

    def follow() -> None:
        ctx = ToolContext(phone=sh.phone, processes=sh.processes, out=chunks.append, err=chunks.append,
                          cancelled=cancelled)
        TOOLS["logcat"](ctx, ["-v", "tag", "-s", "Follow"])

    reader = threading.Thread(target=follow)
    reader.start()
    time.sleep(0.3)
    sh.phone.log("W", "Follow", "new line")
    deadline = time.monotonic() + 5
    while b"W/Follow  : new line\n" not in b"".join(chunks) and time.monotonic() < deadline:
        time.sleep(0.05)
    cancelled.set()
    reader.join(5)
    assert not reader.is_alive()
    assert b"W/Follow  : new line\n" in b"".join(chunks)
    assert run_tool(TOOLS["logcat"], sh.phone, sh.processes, ["-d", "-t", "1", "-v", "raw"]).stdout == (
        "--------- beginning of main\nnew line\n")


def test_logcat_buffer_size_options(sh: ToolShell) -> None:
    sizes = sh("logcat -g").stdout.splitlines()
    assert [line.split(":")[0] for line in sizes] == ["main", "system", "crash"]
    assert sizes[0].startswith("main: ring buffer is 256 KiB (")
    assert (sh("logcat -G 16M").status, sh("logcat -G 16M").out) == (0, b"")


def test_ime_and_keyboard_broadcasts(sh: ToolShell) -> None:
    default = "com.google.android.inputmethod.latin/com.android.inputmethod.latin.LatinIME"
    assert sh("ime list -s").stdout == f"{default}\n"
    unknown = sh("ime enable com.github.uiautomator/.AdbKeyboard")
    assert unknown.stderr == "Unknown input method com.github.uiautomator/.AdbKeyboard cannot be enabled for user #0\n"
    assert sh("am broadcast -a ADB_KEYBOARD_INPUT_TEXT --es text aGk=").stdout == (
        "Broadcasting: Intent { act=ADB_KEYBOARD_INPUT_TEXT flg=0x400000 (has extras) }\n"
        "Broadcast completed: result=0\n")
    keyboard = {"name": "com.github.uiautomator", "version_code": 1}
    (sh.phone.device_path("/data/local/tmp") / "kb.apk").write_bytes(apk_with(keyboard))
    assert sh("pm install /data/local/tmp/kb.apk").stdout == "Success\n"
    ime_id = "com.github.uiautomator/.AdbKeyboard"
    assert sh(f"ime enable {ime_id}").stdout == f"Input method {ime_id}: enabled\n"
    assert sh(f"ime enable {ime_id}").stdout == f"Input method {ime_id}: already enabled\n"
    assert sh(f"ime set {ime_id}").stdout == f"Input method {ime_id} selected for user #0\n"
    assert sh("ime list -s").stdout == f"{default}\n{ime_id}\n"
    idle = sh("am broadcast -a ADB_KEYBOARD_INPUT_TEXT --es text aGkgdGhlcmU=")
    # at home no field has the focus: no InputConnection, and AdbKeyboard answers with the action's name
    # (typing into a focused field is in test_u2_text)
    assert idle.stdout.endswith('Broadcast completed: result=-1, data="ADB_KEYBOARD_INPUT_TEXT"\n')
    assert not [e for e in sh.phone.input_events() if e["kind"] == "text"]


def apk_with(description: dict[str, object]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("harness-package.json", json.dumps(description))
    return buffer.getvalue()
