"""``ShellUi``: the phone's screen through adb shell commands only, for builds where the
uiautomator2 server cannot run.

- hierarchy: ``uiautomator dump`` into ``DUMP_PATH``, read back with ``head -c`` (so at most
  ``MAX_HIERARCHY_CHARS`` + 1 bytes travel), in one command: a fixed ``sh -c`` script whose only
  inputs are positional arguments (the path and the limit), never text spliced into it;
- taps ``input tap X Y``; long press ``input swipe X Y X Y MS`` in place; double tap two taps;
  swipes ``input swipe X1 Y1 X2 Y2 MS``; keys ``input keyevent CODE`` (erase: one command with a
  DEL per character);
- screen size ``wm size`` (override first), turned with the dump's rotation;
- screenshot ``screencap -p`` into a file on the phone, pulled, removed (``HierarchyUi._screencap``);
- text: through the selected ADB keyboard IME when there is one (any character, base64), else
  ``input text`` (printable ASCII, newline, tab); any other character is refused with a
  ``UiError`` naming it and saying what to do (``harness.ui.keyboard``).

Every command is an argument list quoted by ``Device.shell`` and has a timeout.  ``close`` removes
the dump file.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import TYPE_CHECKING

from harness.errors import CommandFailedError, HarnessError, UiError
from harness.ui.base import SHELL_TIMEOUT, HierarchyUi
from harness.ui.keyboard import (
    ADB_KEYBOARD,
    U2_KEYBOARD,
    describe_char,
    first_untypeable,
    input_text_words,
    selected_keyboard,
    type_with_keyboard,
)
from harness.ui.matching import MAX_HIERARCHY_CHARS

if TYPE_CHECKING:
    from harness.device.device import Device

log = logging.getLogger(__name__)

DUMP_PATH = "/data/local/tmp/harness-ui-dump.xml"
#: Seconds one dump may take (uiautomator waits for the screen to be idle first).
DUMP_TIMEOUT = 60.0
#: dump into $1 (its messages to stderr), then at most $2 bytes of it to stdout
_DUMP_SCRIPT = ('rm -f "$1" && uiautomator dump "$1" >&2 || exit; '
                '[ -f "$1" ] || { echo "uiautomator dump wrote no $1" >&2; exit 1; }; head -c "$2" "$1"')
_KEYS_PER_COMMAND = 100
_WM_SIZE = re.compile(r"(Physical|Override) size: (\d+)x(\d+)")


class ShellUi(HierarchyUi):
    """The screen of ``device`` through ``uiautomator dump``, ``input``, ``wm`` and ``screencap``."""

    def __init__(self, device: Device) -> None:
        super().__init__(device)
        self._size: tuple[int, int] | None = None

    def _run(self, args: list[str], doing: str, timeout: float = SHELL_TIMEOUT) -> str:
        try:
            return self.device.shell(args, timeout=timeout).stdout
        except CommandFailedError as exc:
            raise UiError(self.serial, f"{doing} failed: {exc}") from exc

    # ---- primitives ---------------------------------------------------------------------------
    def _dump(self) -> str:
        limit = MAX_HIERARCHY_CHARS + 1
        out = self._run(["sh", "-c", _DUMP_SCRIPT, "sh", DUMP_PATH, str(limit)], "uiautomator dump", DUMP_TIMEOUT)
        start = out.find("<")            # a device without shell v2 mixes the dump's message in
        if start < 0:
            raise UiError(self.serial, f"uiautomator dump gave no hierarchy: {out.strip()[:200]!r}")
        if len(out[start:].encode("utf-8", "replace")) >= limit:
            raise UiError(self.serial, f"UI hierarchy dump too large (more than {MAX_HIERARCHY_CHARS} bytes)")
        return out[start:]

    def _tap_at(self, x: int, y: int, hold: float | None = None) -> None:
        if hold is None:
            self._run(["input", "tap", str(x), str(y)], "input tap")
        else:
            self._run(["input", "swipe", str(x), str(y), str(x), str(y), str(round(hold * 1000))], "long press")

    def _swipe_px(self, x1: int, y1: int, x2: int, y2: int, seconds: float) -> None:
        args = [str(v) for v in (x1, y1, x2, y2, max(1, round(seconds * 1000)))]
        self._run(["input", "swipe", *args], "input swipe")

    def _keys(self, code: int, times: int = 1) -> None:
        while times > 0:
            batch = min(times, _KEYS_PER_COMMAND)
            self._run(["input", "keyevent", *[str(code)] * batch], "input keyevent")
            times -= batch

    def _screen_size(self) -> tuple[int, int]:
        if self._size is None:
            sizes = {kind: (int(w), int(h)) for kind, w, h in _WM_SIZE.findall(self._run(["wm", "size"], "wm size"))}
            size = sizes.get("Override") or sizes.get("Physical")
            if size is None:
                raise UiError(self.serial, "`wm size` printed no screen size")
            self._size = size
        width, height = self._size
        return (height, width) if self.snapshot().rotation % 2 else (width, height)

    # ---- text and pictures --------------------------------------------------------------------
    def input_text(self, text: str) -> None:
        """Type ``text`` at the cursor of the focused field, verbatim.  Through the selected ADB
        keyboard when there is one; else with ``input text``, which types printable ASCII, newline
        and tab only: any other character is a ``UiError`` naming it (nothing is typed then)."""
        self._check_open()
        if not text:
            return
        ime = selected_keyboard(self.device)
        if ime is not None:
            type_with_keyboard(self.device, ime, text)
            return
        bad = first_untypeable(text)
        if bad is not None:
            raise UiError(self.serial, f"the shell UI cannot type {describe_char(bad)}: `input text` types printable "
                                       f"ASCII, newline and tab only; select an ADB keyboard on the phone "
                                       f"(`ime set {U2_KEYBOARD}` or `ime set {ADB_KEYBOARD}`, once installed) "
                                       f"or use `--ui uiautomator2`")
        for word in input_text_words(text):
            self._run(["input", "text", word], "input text")

    def screenshot(self, path: Path) -> None:
        self._check_open()
        self._screencap(path)

    def _release(self) -> None:
        try:
            self.device.shell(["rm", "-f", DUMP_PATH], check=False, timeout=SHELL_TIMEOUT)
        except HarnessError as exc:      # closing must not fail because the phone went away
            log.debug("%s: could not remove %s: %s", self.serial, DUMP_PATH, exc)
