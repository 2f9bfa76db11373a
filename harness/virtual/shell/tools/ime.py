"""``ime`` (list/enable/disable/set) and the broadcasts a keyboard app answers.

Which packages are input methods is not in a package description, so the IMEs the phone knows
are the profile's default keyboard plus known keyboard apps when installed (uiautomator2's
AdbKeyboard, ADBKeyBoard).  While uiautomator2's AdbKeyboard is selected, its ``ADB_KEYBOARD_*``
broadcasts are answered as its receiver does (AdbKeyboard.InputMessageReceiver): through the
InputConnection of the focused field, INPUT_TEXT commits text at the cursor, SET_TEXT replaces the
field's text, CLEAR_TEXT empties it; without a focused field the receiver answers ``result=-1``
with the action's name as data.  It is a registered receiver, so it gets a broadcast before the apps'
manifest receivers do (``am_broadcast``), and never one sent to a component.
"""

from __future__ import annotations

import base64
import binascii

from harness.virtual.shell.tools._common import EXIT_JAVA_ERROR, unknown_command
from harness.virtual.shell.tools.base import ToolContext
from harness.virtual.ui.nodes import Screen, UiNode, focused_editable
from harness.virtual.ui.screen import current_screen, press_key

DEFAULT_IME = "com.google.android.inputmethod.latin/com.android.inputmethod.latin.LatinIME"
KEYBOARD_PACKAGE = "com.github.uiautomator"
ADB_KEYBOARD = f"{KEYBOARD_PACKAGE}/.AdbKeyboard"
_KEYBOARD_APPS = {KEYBOARD_PACKAGE: ADB_KEYBOARD,
                  "com.android.adbkeyboard": "com.android.adbkeyboard/.AdbIME"}
#: The actions AdbKeyboard's receiver registers for (its KeyboardAction enum).
_ADB_KEYBOARD_ACTIONS = frozenset({
    "ADB_KEYBOARD_SMART_ENTER", "ADB_KEYBOARD_INPUT_TEXT", "ADB_KEYBOARD_CLEAR_TEXT", "ADB_KEYBOARD_SET_TEXT",
    "ADB_KEYBOARD_INPUT_KEYCODE", "ADB_KEYBOARD_EDITOR_CODE", "ADB_KEYBOARD_GET_CLIPBOARD", "ADB_KEYBOARD_HIDE",
    "ADB_KEYBOARD_SHOW"})
_RESULT_OK, _RESULT_CANCELED = -1, 0        # Activity.RESULT_OK; 0 is also am's initial result code
_ENABLED_KEY = "enabled_input_methods"
_KEYCODE_ENTER = 66


def available(ctx: ToolContext) -> list[str]:
    return [DEFAULT_IME] + [ime for package, ime in _KEYBOARD_APPS.items() if ctx.phone.package(package)]


def enabled(ctx: ToolContext) -> list[str]:
    stored = ctx.phone.get_setting("secure", _ENABLED_KEY)
    names = stored.split(":") if stored else [DEFAULT_IME]
    return [name for name in names if name in available(ctx)]


def ime(ctx: ToolContext, argv: list[str]) -> int:
    if not argv:
        ctx.print("ime <command>:\n  list [-a] [-s]\n  enable [--user <USER_ID>] <ID>\n"
                  "  disable [--user <USER_ID>] <ID>\n  set [--user <USER_ID>] <ID>")
        return EXIT_JAVA_ERROR
    verb, rest = argv[0], [a for a in argv[1:] if a not in ("--user", "0", "current")]
    if verb == "list":
        shown = available(ctx) if "-a" in rest else enabled(ctx)
        lines = shown if "-s" in rest else [f"{name}:\n  mId={name}" for name in shown]
        ctx.out("".join(f"{line}\n" for line in lines).encode())
        return 0
    if verb not in ("enable", "disable", "set"):
        return unknown_command(ctx, verb)
    if not rest:
        ctx.eprint("Error: no input method ID specified")     # [U] wording
        return EXIT_JAVA_ERROR
    name = rest[0]
    if name not in available(ctx):
        action = {"enable": "enabled", "disable": "disabled", "set": "selected"}[verb]
        ctx.eprint(f"Unknown input method {name} cannot be {action} for user #0")
        return 0
    current = enabled(ctx)
    if verb == "set":
        ctx.phone.put_setting("secure", "default_input_method", name)
        ctx.print(f"Input method {name} selected for user #0")
        return 0
    already = (name in current) == (verb == "enable")
    if verb == "enable" and not already:
        current.append(name)
    elif verb == "disable" and not already:
        current.remove(name)
    ctx.phone.put_setting("secure", _ENABLED_KEY, ":".join(current))
    ctx.print(f"Input method {name}: {'already ' if already else ''}{verb}d")
    return 0


def deliver_broadcast(ctx: ToolContext, action: str | None, extras: dict[str, str]) -> tuple[int, str | None]:
    """(result code, data) of a broadcast sent from the shell."""
    selected = ctx.phone.get_setting("secure", "default_input_method")
    if selected != ADB_KEYBOARD or action not in _ADB_KEYBOARD_ACTIONS:
        return _RESULT_CANCELED, None       # no receiver: am reports the initial result
    screen = current_screen(ctx.processes)
    width, height = ctx.phone.screen_size()
    field = focused_editable(screen.hierarchy(width, height))
    if field is None:
        return _RESULT_OK, action            # getCurrentInputConnection() is null
    try:
        return _RESULT_OK, _keyboard_action(ctx, screen, field, action, extras)
    except ValueError as exc:                # onReceive's catch: setResult(RESULT_CANCELED, "error:" + msg)
        return _RESULT_CANCELED, f"error:{exc}"


def _keyboard_action(ctx: ToolContext, screen: Screen, field: UiNode, action: str,
                     extras: dict[str, str]) -> str | None:
    """AdbKeyboard.handleAction on the focused ``field``; its return value is the result data."""
    if action == "ADB_KEYBOARD_INPUT_TEXT":
        if "text" not in extras:
            return action
        text = _decode_base64_text(extras["text"])
        ctx.phone.record_input("text", text=text, via=ADB_KEYBOARD)
        screen.on_text(text)                 # InputConnection.commitText: in at the cursor
    elif action == "ADB_KEYBOARD_SET_TEXT":
        text = _decode_base64_text(extras.get("text", ""))
        ctx.phone.record_input("set_text", text=text, via=ADB_KEYBOARD)
        screen.on_set_text(field, text)
    elif action == "ADB_KEYBOARD_CLEAR_TEXT":
        ctx.phone.record_input("clear_text", via=ADB_KEYBOARD)
        screen.on_set_text(field, "")
    elif action == "ADB_KEYBOARD_INPUT_KEYCODE":
        code = extras.get("code", "")
        if code.lstrip("-").isdigit() and int(code) != -1:
            press_key(ctx.processes, int(code))
    elif action in ("ADB_KEYBOARD_EDITOR_CODE", "ADB_KEYBOARD_SMART_ENTER"):
        press_key(ctx.processes, _KEYCODE_ENTER)   # performEditorAction: the screens know only ENTER
        return "Enter" if action == "ADB_KEYBOARD_SMART_ENTER" else None
    elif action == "ADB_KEYBOARD_GET_CLIPBOARD":
        return ""                            # base64 of the empty clip: the phone keeps no shared clipboard
    return None                              # HIDE, SHOW


def _decode_base64_text(encoded: str) -> str:
    """android.util.Base64.decode(DEFAULT) then new String(UTF_8): whitespace and missing
    padding are accepted, anything else outside the alphabet is "bad base-64"."""
    compact = "".join(encoded.split())
    if len(compact) % 4 == 1:
        raise ValueError("bad base-64")
    try:
        data = base64.b64decode(compact + "=" * (-len(compact) % 4), validate=True)
    except binascii.Error:
        raise ValueError("bad base-64") from None
    return data.decode("utf-8", "replace")
