"""Text input with the stock uiautomator2 client edits a field the way it does on a phone.

UiObject2.setText is ACTION_SET_TEXT, so ``d(...).set_text`` (and its alias ``send_keys``) replaces
the field's text and ``clear_text``/``set_text("")`` empty it; typing (an IME's commitText, a
clipboard paste, ``input text``) goes in at the cursor, which is at the end of the text.  The
messenger's chat screen has an EditText (``id/message``) to try every path the client has on.
"""

from __future__ import annotations

import base64
import xml.etree.ElementTree as ET
from collections.abc import Iterator

import pytest
import uiautomator2 as u2

from harness.virtual.manager import RunningPhone

MESSENGER = "com.example.messenger"
MESSAGE = f"{MESSENGER}:id/message"


def open_chats(d: u2.Device) -> u2.UiObject:
    """Start the messenger, accept its consent dialog; the chat screen's message field."""
    d.app_start(MESSENGER)
    d(text="Accept").click(timeout=60)
    assert d(text="Chats").wait(timeout=20)
    return d(resourceId=MESSAGE)


def dumped_text(d: u2.Device) -> str:
    """The field's text as ``uiautomator dump`` shows it (the shell's view, not the RPC's)."""
    xml = d.shell(["uiautomator", "dump", "/dev/tty"]).output.removesuffix("UI hierchary dumped to: /dev/tty\n")
    node = next(n for n in ET.fromstring(xml.encode()).iter("node") if n.get("resource-id") == MESSAGE)
    return node.get("text") or ""


@pytest.fixture(scope="module")
def chats(phone: RunningPhone, adb_at_private_server: None) -> Iterator[u2.Device]:
    d = u2.connect(phone.serial)
    open_chats(d)
    yield d
    d.app_stop(MESSENGER)
    d.press("home")


def test_set_text_replaces_the_text(chats: u2.Device) -> None:
    field = chats(resourceId=MESSAGE)
    field.set_text("first")
    assert field.get_text() == "first"
    field.set_text("second")
    assert field.get_text() == "second"
    field.send_keys("third")               # UiObject.send_keys is set_text
    assert field.get_text() == "third"
    assert dumped_text(chats) == "third"


def test_clear_text_empties_the_field(chats: u2.Device) -> None:
    field = chats(resourceId=MESSAGE)
    field.set_text("to be cleared")
    field.clear_text()                     # the clearTextField RPC
    assert field.get_text() == ""
    field.set_text("again")
    field.set_text("")                     # set_text of nothing is clearTextField too
    assert dumped_text(chats) == ""


def test_typing_goes_in_at_the_cursor(chats: u2.Device) -> None:
    field = chats(resourceId=MESSAGE)
    field.clear_text()
    chats.send_keys("abc")                 # into the focused field: clipboard paste, or the IME's commitText
    chats.send_keys("def")
    assert field.get_text() == "abcdef"
    chats.send_keys("xyz", clear=True)
    assert field.get_text() == "xyz"
    chats.clear_text()                     # clearInputText (or the IME's CLEAR_TEXT)
    assert field.get_text() == ""
    chats.shell(["input", "text", "hi%sthere"])
    chats.shell(["input", "keyevent", "KEYCODE_DEL"])
    assert field.get_text() == "hi ther"
    chats.xpath(f'//*[@resource-id="{MESSAGE}"]').set_text("via xpath")   # click, clear_text, send_keys
    assert dumped_text(chats) == "via xpath"


def test_set_text_leaves_a_text_view_alone(chats: u2.Device) -> None:
    title = chats(resourceId=f"{MESSENGER}:id/title")
    assert title.set_text("nope") is True  # UiObject2.setText only logs a failed ACTION_SET_TEXT
    assert title.get_text() == "Chats"


def test_adb_keyboard_commits_sets_and_clears(fresh_phone: RunningPhone, adb_at_private_server: None) -> None:
    d = u2.connect(fresh_phone.serial)
    d.set_input_ime(True)                  # installs and selects com.github.uiautomator/.AdbKeyboard
    assert d.is_input_ime_installed()
    field = open_chats(d)
    d.send_keys("a")                       # ADB_KEYBOARD_INPUT_TEXT: commitText appends
    d.send_keys("b")
    assert field.get_text() == "ab"
    d.send_keys("new", clear=True)         # ADB_KEYBOARD_CLEAR_TEXT first
    assert field.get_text() == "new"
    d.clear_text()
    assert field.get_text() == ""
    text = base64.b64encode("héllo wörld".encode()).decode()
    result = d.shell(["am", "broadcast", "-a", "ADB_KEYBOARD_SET_TEXT", "--es", "text", text]).output
    assert result.splitlines()[-1] == "Broadcast completed: result=-1"
    assert field.get_text() == "héllo wörld"
    bad = d.shell(["am", "broadcast", "-a", "ADB_KEYBOARD_INPUT_TEXT", "--es", "text", "not*base64"]).output
    assert bad.splitlines()[-1] == 'Broadcast completed: result=0, data="error:bad base-64"'
    field.set_text("by rpc")
    assert field.get_text() == "by rpc"
    d.press("home")                        # no focused field: no InputConnection, the action comes back
    idle = d.shell(["am", "broadcast", "-a", "ADB_KEYBOARD_INPUT_TEXT", "--es", "text", text]).output
    assert idle.splitlines()[-1] == 'Broadcast completed: result=-1, data="ADB_KEYBOARD_INPUT_TEXT"'
    other = d.shell(["am", "broadcast", "-a", "ADB_KEYBOARD_NO_SUCH_ACTION"]).output
    assert other.splitlines()[-1] == "Broadcast completed: result=0"
    d.stop_uiautomator()
