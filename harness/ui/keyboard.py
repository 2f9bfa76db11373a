"""Typing text on a phone: ``input text`` words and the broadcasts of ADB keyboard IMEs.

Two ways reach a focused field from adb without interpreting the text:

- an ADB keyboard IME, when it is the phone's selected input method: uiautomator2's AdbKeyboard
  (``com.github.uiautomator/.AdbKeyboard``: ``am broadcast -a ADB_KEYBOARD_INPUT_TEXT --es text
  BASE64``) or ADBKeyBoard (``com.android.adbkeyboard/.AdbIME``: ``ADB_INPUT_B64 --es msg
  BASE64``).  The text travels base64-encoded, so every character arrives (the IME commits it at
  the cursor).  The harness never installs or selects one itself: it uses the one selected.
- ``input text``, which sends key events from the virtual keyboard's character map: printable
  ASCII, newline (ENTER) and tab only, with ``%s`` meaning a space.  ``input_text_words`` turns text
  into the arguments of successive ``input text`` commands: spaces become ``%s``, and a literal
  ``%`` followed by ``s`` is split across two commands, so nothing is ever read as an escape.

Every command goes through ``Device.shell`` as an argument list, each word quoted for the
device's shell: nothing of the text is ever a shell word of its own.
"""

from __future__ import annotations

import base64
import logging
import re
from typing import TYPE_CHECKING

from harness.errors import CommandFailedError, UiError

if TYPE_CHECKING:
    from harness.device.device import Device

log = logging.getLogger(__name__)

U2_KEYBOARD = "com.github.uiautomator/.AdbKeyboard"
ADB_KEYBOARD = "com.android.adbkeyboard/.AdbIME"
#: IME id -> (broadcast action, extra holding the base64 text, whether the receiver reports success).
KEYBOARDS: dict[str, tuple[str, str, bool]] = {
    U2_KEYBOARD: ("ADB_KEYBOARD_INPUT_TEXT", "text", True),
    ADB_KEYBOARD: ("ADB_INPUT_B64", "msg", False),
}
#: Seconds a keyboard command may take.
COMMAND_TIMEOUT = 30.0
#: Characters of text per ``input text`` command.
INPUT_TEXT_CHUNK = 200
_RESULT = re.compile(r"Broadcast completed: result=(-?\d+)(?:, data=\"(.*)\")?")
_RESULT_OK = -1


def typeable(char: str) -> bool:
    """True when ``input text`` can type ``char`` (printable ASCII, newline, tab)."""
    return " " <= char <= "~" or char in "\n\t"


def first_untypeable(text: str) -> str | None:
    return next((c for c in text if not typeable(c)), None)


def describe_char(char: str) -> str:
    """``'é' (U+00E9)``: a character named so that a terminal shows it safely."""
    return f"{char!r} (U+{ord(char):04X})"


def input_text_words(text: str, chunk: int = INPUT_TEXT_CHUNK) -> list[str]:
    """The arguments of the ``input text`` commands that type ``text`` (all of it typeable)."""
    words: list[str] = []
    current = ""
    for char in text:
        if len(current) >= chunk or (char == "s" and current.endswith("%")):
            words.append(current)
            current = ""
        current += char
    if current:
        words.append(current)
    return [word.replace(" ", "%s") for word in words]


def selected_keyboard(device: Device) -> str | None:
    """The selected input method when it is an ADB keyboard the harness can type through, else None."""
    result = device.shell(["settings", "get", "secure", "default_input_method"], check=False,
                          timeout=COMMAND_TIMEOUT)
    ime = result.stdout.strip()
    return ime if ime in KEYBOARDS else None


def type_with_keyboard(device: Device, ime: str, text: str) -> None:
    """Commit ``text`` at the cursor of the focused field through the ADB keyboard ``ime``."""
    action, extra, reports = KEYBOARDS[ime]
    encoded = base64.b64encode(text.encode("utf-8")).decode("ascii")
    try:
        output = device.shell(["am", "broadcast", "-a", action, "--es", extra, encoded],
                              timeout=COMMAND_TIMEOUT).output
    except CommandFailedError as exc:
        raise UiError(device.serial, f"typing through the keyboard {ime} failed: {exc.output.strip()[-200:]}") from exc
    match = _RESULT.search(output)
    if match is None:
        raise UiError(device.serial, f"typing through the keyboard {ime}: `am broadcast` did not complete")
    code, data = int(match[1]), match[2]
    if not reports:
        return
    if code == _RESULT_OK and data == action:
        raise UiError(device.serial, f"no text field has the input focus (keyboard {ime}): tap one first")
    if code != _RESULT_OK:
        raise UiError(device.serial, f"the keyboard {ime} refused the text: {data or f'result {code}'}")
    log.debug("%s: typed %d characters through %s", device.serial, len(text), ime)
