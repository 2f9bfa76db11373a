"""Text typed by either adapter reaches the focused field verbatim and is never run by the
phone's shell (the messenger's chat screen has a message field, ``id/message``)."""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest
import uiautomator2
from ui_support import MESSENGER, field_text, input_log, pwned

from harness.device.device import Device
from harness.errors import UiError
from harness.ui import UI_KINDS, Selector, make_ui
from harness.ui.base import HierarchyUi
from harness.ui.keyboard import U2_KEYBOARD
from harness.virtual.manager import RunningPhone

#: What `input text` can carry, made to break anything that would hand it to a shell.
HOSTILE_ASCII = ("it's \"quoted\"; $(touch /sdcard/pwned) `touch /sdcard/pwned` | tee /sdcard/pwned & "
                 "> /sdcard/pwned \\ 100%s 50% off %%s\nsecond line\tafter a tab $HOME ${X:-y} -d 0 ~")
NON_ASCII = " héllo wörld ✓ 日本 🙂"
HOSTILE = HOSTILE_ASCII + NON_ASCII


def test_typing_reaches_the_field_verbatim_and_never_runs(ui: HierarchyUi, chats: None, device: Device) -> None:
    ui.input_text(HOSTILE_ASCII)
    assert field_text(device) == HOSTILE_ASCII
    message = ui.find(Selector(id="message"))
    assert message is not None and message.text == HOSTILE_ASCII
    ui.input_text("!")                                   # typed at the cursor, after what is there
    assert field_text(device) == HOSTILE_ASCII + "!"
    ui.erase_text(2)
    assert field_text(device) == HOSTILE_ASCII[:-1]
    ui.input_text("")
    ui.erase_text(0)
    assert field_text(device) == HOSTILE_ASCII[:-1]
    assert not pwned(device)


def test_uiautomator2_types_any_character_and_gives_the_clipboard_back(uis: dict[str, HierarchyUi], chats: None,
                                                                      device: Device, phone: RunningPhone) -> None:
    ui = uis["uiautomator2"]
    ui._rpc("setClipboard", None, "the user's clip")     # type: ignore[attr-defined]
    before = len(input_log(phone))
    ui.input_text(HOSTILE)
    assert field_text(device) == HOSTILE
    assert [(e["kind"], e["text"]) for e in input_log(phone)[before:]] == [("text", HOSTILE)], "one paste"
    assert ui._rpc("getClipboard") == "the user's clip"  # type: ignore[attr-defined]
    assert not pwned(device)


def test_the_shell_adapter_refuses_what_input_text_cannot_type(uis: dict[str, HierarchyUi], chats: None,
                                                              device: Device) -> None:
    with pytest.raises(UiError) as caught:
        uis["shell"].input_text("typed? " + NON_ASCII)
    message = str(caught.value)
    assert message.startswith(f"{device.serial}: the shell UI cannot type 'é' (U+00E9)")
    assert f"ime set {U2_KEYBOARD}" in message and "--ui uiautomator2" in message
    assert field_text(device) == "", "nothing typed"


@pytest.mark.parametrize("kind", UI_KINDS)
def test_with_an_adb_keyboard_selected_every_character_goes_through_it(kind: str, fresh_phone: RunningPhone) -> None:
    device = Device.connect(fresh_phone.serial)
    device.apps.install(Path(uiautomator2.__file__).parent / "assets" / "app-uiautomator.apk")
    device.shell(["ime", "enable", U2_KEYBOARD])
    device.shell(["ime", "set", U2_KEYBOARD])
    with contextlib.closing(make_ui(kind, device)) as ui:
        device.apps.launch(MESSENGER)
        ui.tap(Selector(text="Reject"), timeout=60)
        ui.tap(Selector(id="message"), timeout=20)
        before = len(input_log(fresh_phone))
        ui.input_text(HOSTILE)
        assert field_text(device) == HOSTILE
        assert [(e["kind"], e["text"], e["via"]) for e in input_log(fresh_phone)[before:]] == \
            [("text", HOSTILE, U2_KEYBOARD)]
        ui.press_key("Home")
        with pytest.raises(UiError, match="no text field has the input focus"):
            ui.input_text("nowhere to go")
    assert not pwned(device)
