"""uiautomator2, unchanged, against the virtual phone through the real adb server.

The stock client pushes u2.jar, starts ``app_process`` in a shell stream and talks JSON-RPC to
``tcp:9008``; everything below goes that way.  ``adbutils.adb`` is rebuilt after conftest set
ANDROID_ADB_SERVER_PORT, because adbutils reads the port once, at import.
"""

from __future__ import annotations

import json
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import adbutils
import pytest
import uiautomator2 as u2
from uiautomator2.exceptions import RPCUnknownError, UiObjectNotFoundError

from harness.virtual.manager import RunningPhone
from harness.virtual.profile.load import load_profile

WEATHER = "com.example.weather"
U2_START = "CLASSPATH=/data/local/tmp/u2.jar"


@pytest.fixture(scope="module")
def d(phone: RunningPhone, adb_at_private_server: None) -> Iterator[u2.Device]:
    device = u2.connect(phone.serial)
    yield device
    device.app_stop(WEATHER)
    device.press("home")
    device.stop_uiautomator()


@pytest.fixture(autouse=True)
def at_home(request: pytest.FixtureRequest) -> None:
    if "d" in request.fixturenames:
        device: u2.Device = request.getfixturevalue("d")
        device.app_stop(WEATHER)
        device.press("home")


def input_log(phone: RunningPhone) -> list[dict[str, Any]]:
    path = Path(phone.state) / "vphone" / "input.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def wait_for(condition: Any, timeout: float = 10.0) -> Any:
    deadline = time.monotonic() + timeout
    while not (value := condition()) and time.monotonic() < deadline:
        time.sleep(0.1)
    return value


def ping(device: adbutils.AdbDevice) -> bytes:
    """GET /ping on the phone's tcp:9008, as uiautomator2 does; b"" when nothing answers."""
    try:
        conn = device.create_connection(adbutils.Network.TCP, 9008)
    except adbutils.AdbError:
        return b""
    with conn:
        conn.sendall(b"GET /ping HTTP/1.0\r\nHost: localhost\r\n\r\n")
        reply = b""
        while chunk := conn.recv(4096):
            reply += chunk
    return reply.partition(b"\r\n\r\n")[2]


def test_info_has_the_profile_screen(d: u2.Device) -> None:
    screen = load_profile("default").screen
    info = d.info
    assert (info["displayWidth"], info["displayHeight"]) == (screen.width, screen.height)
    assert info["currentPackageName"] == "com.android.launcher3"
    assert info["sdkInt"] == int(d.shell("getprop ro.build.version.sdk").output.strip())


def test_server_shows_as_a_uiautomator_process(d: u2.Device) -> None:
    assert d.shell("pidof uiautomator").output.strip().isdigit()
    assert any(line.split()[-1] == "uiautomator" for line in d.shell("ps -A").output.splitlines()[1:])


def test_click_on_an_icon_launches_the_app_and_home_returns(d: u2.Device, phone: RunningPhone) -> None:
    d(text="Weather").click()
    pid = wait_for(lambda: d.adb_device.shell(f"pidof {WEATHER}").strip())
    assert pid.isdigit()
    assert d.app_current()["package"] == WEATHER
    assert d.info["currentPackageName"] == WEATHER
    taps = [e for e in input_log(phone) if e["kind"] == "tap" and e.get("via") == "uiautomator2"]
    assert taps, "the click is in the input log"
    d.press("home")
    assert d.info["currentPackageName"] == "com.android.launcher3"
    assert d.adb_device.shell(f"pidof {WEATHER}").strip() == pid, "HOME leaves the app running"


def test_dump_hierarchy_is_the_window_dump(d: u2.Device) -> None:
    xml = d.dump_hierarchy()
    labels = {n.get("text") for n in ET.fromstring(xml.encode()).iter("node") if n.get("clickable") == "true"}
    assert {"Settings", "Weather"} <= labels
    assert xml == d.shell("uiautomator dump /dev/tty").output.removesuffix("UI hierchary dumped to: /dev/tty\n")
    shallow = ET.fromstring(d.dump_hierarchy(max_depth=2).encode())
    assert [len(list(n)) for n in shallow.iter("node")] == [1, 0], "the root and its one child, cut below"


def test_selectors(d: u2.Device) -> None:
    assert d(text="Weather").exists
    assert d(textContains="eathe", clickable=True).exists
    assert d(textMatches="W.*r", className="android.widget.TextView").get_text() == "Weather"
    assert d(resourceId="com.android.launcher3:id/workspace").exists
    assert d(resourceIdMatches=".*:id/workspace").info["scrollable"] is True
    assert d(description="Weather").count == 1
    assert d(descriptionStartsWith="Weath", enabled=True).exists
    assert d(resourceId="com.android.launcher3:id/workspace").child(text="Weather").exists
    assert d(text="Settings").sibling(text="Weather").exists
    assert not d(text="Settings").child(text="Weather").exists
    first_icon = d(className="android.widget.TextView").info["text"]
    assert d(className="android.widget.TextView", index=0).info["text"] == first_icon
    assert d(className="android.widget.TextView", index=1).info["text"] != first_icon
    assert not d(resourceId="com.android.launcher3:id/nothing").exists
    assert d(className="android.widget.TextView").count >= 4
    first, second = (d(className="android.widget.TextView", instance=i).info["text"] for i in (0, 1))
    assert first != second


def test_app_start_stop_and_typing_reach_the_app(d: u2.Device, phone: RunningPhone) -> None:
    d.app_start(WEATHER)
    assert wait_for(lambda: d.info["currentPackageName"] == WEATHER)
    assert d(resourceId="android:id/title").get_text() == "Weather"
    d.send_keys("hello")
    d(resourceId="android:id/title").set_text("typed")
    # send_keys goes through AdbKeyboard's broadcasts instead when that IME is installed: any "via".
    typed = [(e["kind"], e["text"], e.get("via")) for e in input_log(phone) if e["kind"] in ("text", "set_text")]
    assert typed[-2][:2] == ("text", "hello")
    assert typed[-1] == ("set_text", "typed", "uiautomator2")
    assert d(resourceId="android:id/title").get_text() == "Weather", "a TextView is not editable: no change"
    d.app_stop(WEATHER)
    assert d.adb_device.shell(f"pidof {WEATHER}").strip() == ""


def test_coordinates_swipe_and_back(d: u2.Device, phone: RunningPhone) -> None:
    node = d(text="Weather").info["bounds"]
    d.click((node["left"] + node["right"]) // 2, (node["top"] + node["bottom"]) // 2)
    assert wait_for(lambda: d.info["currentPackageName"] == WEATHER)
    d.swipe(500, 1800, 500, 600, steps=20)
    assert input_log(phone)[-1] | {"ts": 0} == {"ts": 0, "kind": "swipe", "via": "uiautomator2", "x1": 500,
                                               "y1": 1800, "x2": 500, "y2": 600, "duration_ms": 100}
    d.press("back")
    assert d.info["currentPackageName"] == "com.android.launcher3"


def test_absent_objects_raise_u2s_own_errors(d: u2.Device) -> None:
    with pytest.raises(UiObjectNotFoundError):
        d(text="Nope").click(timeout=1)
    with pytest.raises(UiObjectNotFoundError):
        d.jsonrpc.objInfo(dict(d(text="Nope").selector))
    with pytest.raises(RPCUnknownError, match="noSuchMethod"):
        d.jsonrpc.noSuchMethod()


def test_gestures_on_objects(d: u2.Device, phone: RunningPhone) -> None:
    workspace = d(resourceId="com.android.launcher3:id/workspace")
    assert workspace.scroll.vert.forward() is False, "the home screen has nothing more to scroll to"
    assert workspace.scroll.to(text="Weather")
    d(text="Weather").drag_to(text="Settings", duration=0.1)
    assert input_log(phone)[-1]["kind"] == "drag"
    with pytest.raises(UiObjectNotFoundError):
        d(text="Nope").scroll.vert.forward()


def test_clipboard_screenshot_and_screen_calls(d: u2.Device) -> None:
    d.set_clipboard("copied")
    assert d.clipboard == "copied"
    assert d.screenshot().size == (d.info["displayWidth"], d.info["displayHeight"])
    d.screen_on()
    d.freeze_rotation()


def test_each_phone_has_its_own_server_and_it_dies_with_its_stream(
        fresh_phone: RunningPhone, phone: RunningPhone, d: u2.Device) -> None:
    other = u2.connect(fresh_phone.serial)
    other(text="Weather").click()
    assert wait_for(lambda: other.info["currentPackageName"] == WEATHER)
    assert d.info["currentPackageName"] == "com.android.launcher3"
    assert other.shell("pidof uiautomator").output.strip().isdigit()
    other.stop_uiautomator()
    assert ping(other.adb_device) == b""
    assert other.shell("pidof uiautomator").output.strip() == ""
    assert ping(d.adb_device) == b"pong"


def test_a_detached_server_outlives_its_shell(fresh_phone: RunningPhone, adb_at_private_server: None) -> None:
    device = adbutils.adb.device(fresh_phone.serial)
    device.sync.push(Path(u2.__file__).parent / "assets" / "u2.jar", "/data/local/tmp/u2.jar")
    device.shell(f"{U2_START} nohup app_process / com.wetest.uia2.Main -p 9008 >/dev/null 2>&1 & sleep 1")
    assert ping(device) == b"pong"
    assert u2.connect(fresh_phone.serial).info["displayWidth"] > 0


def test_app_process_knows_only_the_u2_server(phone: RunningPhone, adb_at_private_server: None) -> None:
    device = adbutils.adb.device(phone.serial)
    missing = device.shell2("CLASSPATH=/data/local/tmp/none.jar app_process / com.wetest.uia2.Main")
    assert missing.returncode == 1 and "ClassNotFoundException" in missing.output
    other = device.shell2(f"{U2_START} app_process / com.example.Other")
    assert other.returncode == 1 and 'Didn\'t find class "com.example.Other"' in other.output
    assert device.shell2("app_process").returncode == 10


def test_u2_installs_its_keyboard_and_types_through_it(fresh_phone: RunningPhone,
                                                      adb_at_private_server: None) -> None:
    device = u2.connect(fresh_phone.serial)
    device.set_input_ime(True)    # pushes app-uiautomator.apk and runs pm install, as on a phone
    assert "com.github.uiautomator/.AdbKeyboard" in device.shell("ime list -s").output
    assert device.current_ime() == "com.github.uiautomator/.AdbKeyboard"
    device.app_start(WEATHER)
    assert wait_for(lambda: device.info["currentPackageName"] == WEATHER)
    # The weather screen has no text field, so the keyboard has no InputConnection: the broadcast
    # succeeds and nothing is typed, as on a phone (typing into a field: test_u2_text).
    device.send_keys("through the keyboard")
    assert not [e for e in input_log(fresh_phone) if e["kind"] == "text"]
    device.stop_uiautomator()
