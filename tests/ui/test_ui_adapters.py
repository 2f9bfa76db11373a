"""Both UI adapters against the virtual phone: a selector means the same in both, and a tap,
a wait, a key or a swipe does the same (the messenger app's consent screen: Accept / Reject)."""

from __future__ import annotations

import contextlib
import io
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import uiautomator2.core
from PIL import Image
from ui_support import MESSENGER, app_log, dumped, input_log

from harness.device.device import Device
from harness.errors import ElementNotFoundError, UiError
from harness.ui import UI_KINDS, Point, Selector, make_ui
from harness.ui.base import LONG_PRESS_SECONDS, POLL_SECONDS, HierarchyUi
from harness.ui.shell import DUMP_PATH, ShellUi
from harness.virtual.manager import RunningPhone

WIDTH, HEIGHT = 1080, 2400            # the default profile's screen

SELECTORS = [
    Selector(text="Reject"), Selector(text="reject"), Selector(text="Rej(e|a)ct"),
    Selector(text="Accept|Reject", index=1), Selector(id="com.example.messenger:id/reject"), Selector(id="reject"),
    Selector(id=".*:id/(accept|reject)", index=1), Selector(text="Reject", id="reject"),
]
MISSES = [Selector(text="Rej"), Selector(id="ject"), Selector(text="Accept|Reject", index=2),
          Selector(text="Accept", id="reject")]


def reject_centre(device: Device) -> tuple[int, int]:
    node = next(n for n in dumped(device).iter("node") if n.get("text") == "Reject")
    left, top, right, bottom = (int(v) for v in (node.get("bounds") or "").replace("][", ",").strip("[]").split(","))
    return (left + right) // 2, (top + bottom) // 2


def wait_for(condition: object, timeout: float = 15.0) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def test_selectors_find_the_same_element_in_both_adapters(uis: dict[str, HierarchyUi], consent: None) -> None:
    for selector in SELECTORS:
        found = {kind: ui.find(selector) for kind, ui in uis.items()}
        assert found["shell"] is not None and found["shell"].text == "Reject", selector
        assert found["shell"] == found["uiautomator2"], selector
    for selector in MISSES:
        assert [ui.find(selector) for ui in uis.values()] == [None, None], selector


@pytest.mark.parametrize("how", ["text", "regex", "id", "id-suffix", "index", "point-relative", "point-pixels"])
def test_tap_rejects_consent_whatever_the_selector(ui: HierarchyUi, consent: None, device: Device, how: str) -> None:
    x, y = reject_centre(device)
    selector = {
        "text": Selector(text="Reject"), "regex": Selector(text="R.j.ct"), "id": Selector(id=f"{MESSENGER}:id/reject"),
        "id-suffix": Selector(id="reject"), "index": Selector(text="Accept|Reject", index=1),
        "point-relative": Selector(point=Point(x / WIDTH, y / HEIGHT, relative=True)),
        "point-pixels": Selector(point=Point(x, y, relative=False)),
    }[how]
    ui.tap(selector, timeout=5)
    assert ui.visible(Selector(text="Chats"), timeout=15)
    assert ui.gone(Selector(text="Accept"), timeout=5)
    assert wait_for(lambda: "consent rejected" in app_log(device))
    assert "consent accepted" not in app_log(device)


def test_long_and_double_tap_press_the_element_centre(ui: HierarchyUi, consent: None, device: Device,
                                                      phone: RunningPhone) -> None:
    body = ui.find(Selector(id="body"))                  # a text, not a button: pressing it changes nothing
    assert body is not None
    x, y = body.center
    before = len(input_log(phone))
    ui.tap(Selector(id="body"), timeout=5, long=True)
    held = input_log(phone)[before:]
    if isinstance(ui, ShellUi):              # a swipe that stays in place, held 3 s
        assert [(e["kind"], e["x1"], e["y1"], e["x2"], e["y2"], e["duration_ms"]) for e in held] == \
            [("swipe", x, y, x, y, round(LONG_PRESS_SECONDS * 1000))]
    else:                                    # the server's long click, logged as a press at the point
        assert [(e["kind"], e["x"], e["y"]) for e in held] == [("tap", x, y)]
    x, y = reject_centre(device)
    before = len(input_log(phone))
    ui.tap(Selector(id="reject"), timeout=5, double=True)
    assert [(e["kind"], e["x"], e["y"]) for e in input_log(phone)[before:]] == [("tap", x, y), ("tap", x, y)]
    assert wait_for(lambda: "consent rejected" in app_log(device))


def test_visible_and_gone_poll_until_their_timeout(ui: HierarchyUi, consent: None,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    dumps = 0
    real_dump = ui._dump

    def counting_dump() -> str:
        nonlocal dumps
        dumps += 1
        return real_dump()

    monkeypatch.setattr(ui, "_dump", counting_dump)
    started = time.monotonic()
    assert ui.visible(Selector(text="Nope"), timeout=1.0) is False
    assert time.monotonic() - started >= 1.0
    assert 2 <= dumps <= 1.0 / POLL_SECONDS + 2, "one dump per poll, no busy loop"
    dumps = 0
    assert ui.visible(Selector(text="Reject")) is True and dumps == 1, "a timeout of 0 looks once"
    assert ui.gone(Selector(text="Reject"), timeout=0.5) is False
    assert ui.gone(Selector(text="Nope")) is True
    assert ui.visible(Selector(point=Point(0.5, 0.5, True)), timeout=5) is False, "a point is no element"
    ui.tap(Selector(text="Reject"), timeout=5)
    assert ui.gone(Selector(text="Accept"), timeout=15) is True
    assert ui.visible(Selector(text="chats"), timeout=15) is True


def test_element_not_found_names_the_selector_and_the_timeout(ui: HierarchyUi, consent: None) -> None:
    with pytest.raises(ElementNotFoundError) as caught:
        ui.tap(Selector(text="Nope", id="nothing", index=2), timeout=0.5)
    message = str(caught.value)
    assert message.startswith(f"{ui.serial}: ") and caught.value.serial == ui.serial
    assert "text 'Nope' id 'nothing' #2" in message and "within 0.5 s" in message
    assert "'Reject'" in message, "says what is on the screen instead"


def test_screenshot_is_a_png_of_the_screen(ui: HierarchyUi, consent: None, tmp_path: Path) -> None:
    target = tmp_path / "deep" / "shot.png"
    ui.screenshot(target)
    with Image.open(io.BytesIO(target.read_bytes())) as image:
        assert image.format == "PNG" and image.size == (WIDTH, HEIGHT)


def test_hierarchy_is_the_window_dump(ui: HierarchyUi, consent: None) -> None:
    root = ET.fromstring(ui.hierarchy())
    assert root.tag == "hierarchy"
    assert {"Accept", "Reject"} <= {n.get("text") for n in root.iter("node")}
    assert {n.get("package") for n in root.iter("node")} == {MESSENGER}


def test_keys_and_swipes(ui: HierarchyUi, consent: None, phone: RunningPhone) -> None:
    ui.swipe(Point(0.5, 0.7, True), Point(0.5, 0.3, True), 0.4)
    ui.swipe(Point(100, 200, False), Point(300, 400, False), 0.1)
    swipes = [e for e in input_log(phone) if e["kind"] == "swipe"][-2:]
    assert [(e["x1"], e["y1"], e["x2"], e["y2"], e["duration_ms"]) for e in swipes] == \
        [(540, 1680, 540, 720, 400), (100, 200, 300, 400, 100)]
    with pytest.raises(UiError, match="unknown key 'Nope': use one of Enter, Backspace, Back"):
        ui.press_key("Nope")
    ui.press_key("Back")                     # the app lets BACK through: the launcher comes back
    assert ui.visible(Selector(text="Messenger"), timeout=15)
    assert ui.gone(Selector(text="Reject"))
    assert [e["code"] for e in input_log(phone) if e["kind"] == "keyevent"][-1] == 4
    ui.press_key("volume up")
    assert [e["code"] for e in input_log(phone) if e["kind"] == "keyevent"][-1] == 24


def test_wait_idle_returns_on_a_still_screen(ui: HierarchyUi, consent: None, monkeypatch: pytest.MonkeyPatch) -> None:
    dumps = 0
    real_dump = ui._dump

    def counting_dump() -> str:
        nonlocal dumps
        dumps += 1
        return real_dump()

    monkeypatch.setattr(ui, "_dump", counting_dump)
    ui.wait_idle(30)
    assert dumps == 2, "two equal dumps in a row"
    ui.hide_keyboard()                      # no soft keyboard shown: nothing happens, no BACK
    assert ui.visible(Selector(text="Reject"))


@pytest.mark.parametrize("kind", UI_KINDS)
def test_close_leaves_nothing_behind(kind: str, fresh_phone: RunningPhone) -> None:
    device = Device.connect(fresh_phone.serial)
    ui = make_ui(kind, device)
    assert "<hierarchy" in ui.hierarchy()
    if kind == "uiautomator2":
        assert device.shell(["pidof", "uiautomator"], check=False).stdout.strip().isdigit()
    ui.close()
    ui.close()                               # twice is fine
    with pytest.raises(UiError, match="is closed"):
        ui.hierarchy()
    assert wait_for(lambda: device.shell(["pidof", "uiautomator"], check=False).stdout.strip() == "")
    assert device.shell(["ls", DUMP_PATH], check=False).exit_code != 0


def test_a_u2_server_that_cannot_start_says_to_use_the_shell_adapter(fresh_phone: RunningPhone,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    def refused_launch(dev: object, port: int) -> uiautomator2.core.MockAdbProcess:
        # as on ROMs that kill it: the server process exits at once
        command = "CLASSPATH=/data/local/tmp/u2.jar app_process / com.example.NotTheServer"
        return uiautomator2.core.MockAdbProcess(dev.shell(command, stream=True))  # type: ignore[attr-defined]

    monkeypatch.setattr(uiautomator2.core, "launch_uiautomator", refused_launch)
    device = Device.connect(fresh_phone.serial)
    with pytest.raises(UiError) as caught, contextlib.closing(make_ui("uiautomator2", device)):
        pass
    message = str(caught.value)
    assert message.startswith(f"{fresh_phone.serial}: cannot start the uiautomator2 server")
    assert "`--ui shell`" in message and '"USB debugging (Security settings)"' in message
    with contextlib.closing(make_ui("shell", device)) as shell_ui:   # the way out works on that phone
        assert shell_ui.visible(Selector(text="Messenger"))
