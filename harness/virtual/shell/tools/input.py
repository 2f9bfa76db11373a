"""``input`` (tap, swipe, text, keyevent) and ``wm`` (size, density).

Input goes to the screen in front (``harness.virtual.ui.screen``) and into the phone's input log.
``input text`` with non-ASCII text fails like Android 14's InputShellCommand (the key character
map has no events for it).
"""

from __future__ import annotations

import re

from harness.virtual.shell.tools._common import EXIT_JAVA_ERROR, java_exception
from harness.virtual.shell.tools.base import ToolContext
from harness.virtual.ui.screen import current_screen, press_key

_SOURCES = {"keyboard", "mouse", "joystick", "touchnavigation", "touchpad", "trackball", "stylus", "dpad",
            "gamepad", "touchscreen", "rotaryencoder"}
KEYCODES: dict[str, int] = {
    "UNKNOWN": 0, "SOFT_LEFT": 1, "SOFT_RIGHT": 2, "HOME": 3, "BACK": 4, "CALL": 5, "ENDCALL": 6,
    **{str(d): 7 + d for d in range(10)}, "STAR": 17, "POUND": 18, "DPAD_UP": 19, "DPAD_DOWN": 20,
    "DPAD_LEFT": 21, "DPAD_RIGHT": 22, "DPAD_CENTER": 23, "VOLUME_UP": 24, "VOLUME_DOWN": 25, "POWER": 26,
    "CAMERA": 27, "CLEAR": 28, **{chr(ord("A") + i): 29 + i for i in range(26)}, "COMMA": 55, "PERIOD": 56,
    "TAB": 61, "SPACE": 62, "ENTER": 66, "DEL": 67, "MENU": 82, "NOTIFICATION": 83, "SEARCH": 84,
    "MEDIA_PLAY_PAUSE": 85, "PAGE_UP": 92, "PAGE_DOWN": 93, "ESCAPE": 111, "FORWARD_DEL": 112,
    "MOVE_HOME": 122, "MOVE_END": 123, "APP_SWITCH": 187, "SLEEP": 223, "WAKEUP": 224,
}


def keycode(text: str) -> int | None:
    """``KEYCODE_HOME``, ``HOME`` or ``3`` -> 3; None if unknown."""
    if text.isdigit():
        return int(text)
    return KEYCODES.get(text.upper().removeprefix("KEYCODE_"))


def _ints(ctx: ToolContext, verb: str, values: list[str]) -> list[int] | None:
    try:
        return [int(float(v)) for v in values]
    except ValueError:
        bad = next(v for v in values if not re.fullmatch(r"-?\d+(\.\d+)?", v))
        java_exception(ctx, verb, "java.lang.NumberFormatException", f'For input string: "{bad}"', service="input")
        return None


def input_tool(ctx: ToolContext, argv: list[str]) -> int:
    args = list(argv)
    if args and args[0] in _SOURCES:
        args = args[1:]
    if args[:1] == ["-d"]:
        args = args[2:]
    if not args:
        ctx.print("Usage: input [<source>] [-d DISPLAY_ID] <command> [<arg>...]")
        return EXIT_JAVA_ERROR
    verb, rest = args[0], args[1:]
    phone, processes = ctx.phone, ctx.processes
    if verb == "tap" and len(rest) == 2:
        point = _ints(ctx, verb, rest)
        if point is None:
            return EXIT_JAVA_ERROR
        phone.record_input("tap", x=point[0], y=point[1])
        current_screen(processes).on_tap(point[0], point[1])
    elif verb in ("swipe", "draganddrop") and len(rest) in (4, 5):
        values = _ints(ctx, verb, rest)
        if values is None:
            return EXIT_JAVA_ERROR
        phone.record_input(verb, x1=values[0], y1=values[1], x2=values[2], y2=values[3],
                           duration_ms=values[4] if len(values) == 5 else None)
    elif verb == "text" and len(rest) == 1:
        text = rest[0].replace("%s", " ")
        if not text.isascii():
            shell_command = "com.android.server.input.InputShellCommand"
            return java_exception(ctx, "text", "java.lang.NullPointerException", "Attempt to get length of null array",
                                  frames=(f"{shell_command}.sendText(InputShellCommand.java:394)",
                                          f"{shell_command}.runText(InputShellCommand.java:369)"),
                                  service="input")
        phone.record_input("text", text=text)
        current_screen(processes).on_text(text)
    elif verb == "keyevent" and rest:
        codes = [a for a in rest if a not in ("--longpress", "--doubletap", "--async", "--delay")]
        for name in codes:
            code = keycode(name)
            if code is None:
                return java_exception(ctx, "keyevent", "java.lang.IllegalArgumentException",
                                      f"Unknown keycode: {name}", service="input")
            phone.record_input("keyevent", code=code)
            press_key(processes, code)
    elif verb in ("tap", "swipe", "text", "keyevent", "draganddrop", "press", "roll", "motionevent"):
        ctx.eprint(f"Error: Invalid arguments for command: {verb}")
        ctx.print("Usage: input [<source>] [-d DISPLAY_ID] <command> [<arg>...]")
        return EXIT_JAVA_ERROR
    else:
        ctx.eprint(f"Error: Unknown command: {verb}")
        ctx.print("Usage: input [<source>] [-d DISPLAY_ID] <command> [<arg>...]")
        return EXIT_JAVA_ERROR
    return 0


def wm(ctx: ToolContext, argv: list[str]) -> int:
    """``wm size [WxH|reset]`` and ``wm density [DPI|reset]``; other verbs are unknown here."""
    phone = ctx.phone
    screen = phone.profile.screen
    size, density = phone.display_overrides()
    if not argv:
        ctx.print("Window manager (window) commands:\n  help\n      Print this help text.\n"
                  "  size [reset|WxH|WdpxHdp] [-d DISPLAY_ID]\n  density [reset|DENSITY] [-d DISPLAY_ID]")
        return EXIT_JAVA_ERROR
    verb, value = argv[0], argv[1] if len(argv) > 1 else None
    if verb == "size":
        if value is None:
            ctx.print(f"Physical size: {screen.width}x{screen.height}")
            if size:
                ctx.print(f"Override size: {size[0]}x{size[1]}")
        elif value == "reset":
            phone.set_display_overrides(None, density)
        else:
            match = re.fullmatch(r"(\d+)x(\d+)", value)
            if match is None:
                ctx.eprint(f"Error: bad size {value}")
                return EXIT_JAVA_ERROR
            phone.set_display_overrides((int(match[1]), int(match[2])), density)
        return 0
    if verb == "density":
        if value is None:
            ctx.print(f"Physical density: {screen.density}")
            if density:
                ctx.print(f"Override density: {density}")
        elif value == "reset":
            phone.set_display_overrides(size, None)
        elif value.isdigit() and int(value) > 0:
            phone.set_display_overrides(size, int(value))
        else:
            ctx.eprint(f"Error: bad number {value}")    # [U]
            return EXIT_JAVA_ERROR
        return 0
    ctx.print(f"Unknown command: {verb}")
    return EXIT_JAVA_ERROR
