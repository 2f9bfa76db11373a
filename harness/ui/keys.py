"""Maestro's key names (``pressKey: Volume Up``) as Android key codes, for every adapter.

The codes are Android's ``KeyEvent.KEYCODE_*``; ``Lock`` is ``KEYCODE_SOFT_SLEEP`` as Maestro's
Android driver sends it.  Names are matched without regard to case, spaces or underscores
(``Volume Up``, ``volume_up`` and ``VOLUME_UP`` are one key); a ``KEYCODE_`` name or a bare number
is taken as it is.
"""

from __future__ import annotations

KEYCODE_DEL = 67
KEYCODE_BACK = 4

_MAESTRO_KEYS: dict[str, int] = {
    "enter": 66, "backspace": KEYCODE_DEL, "back": KEYCODE_BACK, "home": 3, "lock": 276, "tab": 61,
    "volume up": 24, "volume down": 25, "power": 26, "escape": 111,
    "remote dpad up": 19, "remote dpad down": 20, "remote dpad left": 21, "remote dpad right": 22,
    "remote dpad center": 23, "remote media play pause": 85, "remote media stop": 86,
    "remote media next": 87, "remote media previous": 88, "remote media rewind": 89,
    "remote media fast forward": 90, "remote system navigation up": 280, "remote system navigation down": 281,
    "remote button a": 96, "remote button b": 97, "remote menu": 82, "tv input": 178,
    "tv input hdmi 1": 243, "tv input hdmi 2": 244, "tv input hdmi 3": 245,
}
_ANDROID_NAMES: dict[str, int] = {
    "home": 3, "back": 4, "dpad_up": 19, "dpad_down": 20, "dpad_left": 21, "dpad_right": 22, "dpad_center": 23,
    "volume_up": 24, "volume_down": 25, "power": 26, "camera": 27, "tab": 61, "space": 62, "enter": 66,
    "del": KEYCODE_DEL, "menu": 82, "search": 84, "media_play_pause": 85, "escape": 111, "forward_del": 112,
    "move_home": 122, "move_end": 123, "app_switch": 187, "sleep": 223, "wakeup": 224, "soft_sleep": 276,
}

#: The names ``press_key`` documents (Maestro's common ones), for error messages.
KEY_NAMES = ("Enter", "Backspace", "Back", "Home", "Lock", "Tab", "Volume Up", "Volume Down", "Power", "Escape")


def keycode(name: str) -> int | None:
    """The Android key code for a Maestro key name, a ``KEYCODE_*`` name or a number; None if unknown."""
    key = " ".join(name.replace("_", " ").split()).lower()
    if key.isdigit() and len(key) < 5:
        return int(key)
    if key in _MAESTRO_KEYS:
        return _MAESTRO_KEYS[key]
    if key.startswith("keycode "):
        return _ANDROID_NAMES.get(key.removeprefix("keycode ").replace(" ", "_"))
    return None
