"""``ime`` (list/enable/disable/set) and the broadcasts a keyboard app answers.

Which packages are input methods is not in a package description, so the IMEs the phone knows
are the profile's default keyboard plus known keyboard apps when installed (uiautomator2's
AdbKeyboard, ADBKeyBoard).  While such a keyboard is selected, its ``ADB_KEYBOARD_*`` broadcasts
are answered as the app would (``result=-1``, text typed into the front screen), so clients that
type through it work; otherwise a broadcast has no receiver (``result=0``).
"""

from __future__ import annotations

import base64
import binascii

from harness.virtual.tools._common import EXIT_JAVA_ERROR, unknown_command
from harness.virtual.tools.base import ToolContext
from harness.virtual.ui import current_screen, press_key

DEFAULT_IME = "com.google.android.inputmethod.latin/com.android.inputmethod.latin.LatinIME"
_KEYBOARD_APPS = {"com.github.uiautomator": "com.github.uiautomator/.AdbKeyboard",
                  "com.android.adbkeyboard": "com.android.adbkeyboard/.AdbIME"}
_ENABLED_KEY = "enabled_input_methods"
_KEYCODE_ENTER, _KEYCODE_DEL = 66, 67


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
    if not action or not action.startswith("ADB_KEYBOARD_") or selected not in _KEYBOARD_APPS.values():
        return 0, None
    screen = current_screen(ctx.processes)
    if action == "ADB_KEYBOARD_INPUT_TEXT":
        try:
            text = base64.b64decode(extras.get("text", ""), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return 0, "invalid base64 text"
        ctx.phone.record_input("text", text=text, via=selected)
        screen.on_text(text)
    elif action in ("ADB_KEYBOARD_SMART_ENTER", "ADB_KEYBOARD_EDITOR_CODE"):
        press_key(ctx.processes, _KEYCODE_ENTER)
    elif action == "ADB_KEYBOARD_CLEAR_TEXT":
        press_key(ctx.processes, _KEYCODE_DEL)
    return -1, "success"
