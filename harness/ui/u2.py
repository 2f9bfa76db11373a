"""``Uiautomator2Ui``: the phone's screen through the uiautomator2 server (the default adapter).

The stock ``uiautomator2`` client (pinned in pyproject) is connected through the harness's own adb
client (``u2.connect(device.adb)``): it pushes ``u2.jar``, starts the server with ``app_process``
and speaks JSON-RPC to it at ``tcp:9008``.  Elements are found in the server's
``dumpWindowHierarchy`` with ``harness.ui.matching`` (as ``ShellUi`` finds them in ``uiautomator
dump``) and tapped at their centre with the server's ``click``; swipes, keys, the screen size and
screenshots (JPEG from the server, saved as PNG) are RPCs too.  Every RPC has a timeout.

Text goes in without any device shell: through the selected ADB keyboard IME when there is one
(``harness.ui.keyboard``), else by the server's clipboard (``setClipboard``, read back, then
``pasteClipboard`` into the focused field), after which the clipboard gets its earlier text back.
The adapter never installs an app or changes the input method.

A server that cannot start (some vendor ROMs forbid what it needs) is a ``UiError`` that says to
use ``--ui shell``.  ``close`` stops the server if this adapter started it (a server that was
already running is left running).
"""

from __future__ import annotations

import atexit
import base64
import binascii
import http.client
import io
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

import adbutils
import uiautomator2
from PIL import Image
from uiautomator2 import exceptions as u2_errors

from harness.errors import UiError
from harness.ui.base import SHELL_TIMEOUT, HierarchyUi
from harness.ui.keyboard import ADB_KEYBOARD, U2_KEYBOARD, selected_keyboard, type_with_keyboard

if TYPE_CHECKING:
    from harness.device.device import Device

log = logging.getLogger(__name__)

#: Seconds one JSON-RPC call may take (uiautomator2's own default is 300).
RPC_TIMEOUT = 30.0
#: Depth of the hierarchy dumped (uiautomator2's default is 50).
DUMP_DEPTH = 100
_TRANSPORT_ERRORS = (u2_errors.BaseException, adbutils.AdbError, http.client.HTTPException, OSError, EOFError,
                     ValueError)
_EMPTY_DUMP = "<?xml version='1.0' encoding='UTF-8' standalone='yes' ?><hierarchy rotation=\"0\" />"
_START_HELP = ("some ROMs do not let it run: use `--ui shell` instead; on MIUI, first turn on "
               "\"USB debugging (Security settings)\" in Developer options, then try again")


class Uiautomator2Ui(HierarchyUi):
    """The screen of the device ``serial`` through its uiautomator2 server (started here if needed)."""

    def __init__(self, serial: str, *, device: Device | None = None) -> None:
        if device is None:
            from harness.device.device import Device

            device = Device.connect(serial)
        super().__init__(device)
        try:
            self._client: Any = uiautomator2.connect(device.adb)
        except _TRANSPORT_ERRORS as exc:
            self._probe()
            raise UiError(self.serial, f"cannot start the uiautomator2 server ({_short(exc)}); {_START_HELP}") from exc
        # The shell stream that runs the server, when this adapter started it (None when one was
        # running already).  uiautomator2 forgets it if its reader gives up on a quiet stream, so it
        # is kept here to be closed (which ends the server) by ``close``.
        self._launched: Any = getattr(self._client, "_process", None)
        log.debug("%s: uiautomator2 server ready", self.serial)

    # ---- the server -----------------------------------------------------------------------------
    def _rpc(self, method: str, *params: Any, timeout: float = RPC_TIMEOUT) -> Any:
        self._check_open()
        try:
            return self._client.jsonrpc_call(method, list(params), timeout)
        except _TRANSPORT_ERRORS as exc:
            self._probe()
            raise UiError(self.serial, f"uiautomator2 {method} failed: {_short(exc)}") from exc

    def _probe(self) -> None:
        """Raise ``DeviceGoneError`` (from ``Device``) when the phone itself went away."""
        self.device.shell(["true"], check=False, timeout=SHELL_TIMEOUT)

    # ---- primitives ---------------------------------------------------------------------------
    def _dump(self) -> str:
        xml = self._rpc("dumpWindowHierarchy", False, DUMP_DEPTH)
        if not isinstance(xml, str):
            raise UiError(self.serial, "uiautomator2 dumpWindowHierarchy returned no text")
        return xml or _EMPTY_DUMP

    def _tap_at(self, x: int, y: int, hold: float | None = None) -> None:
        if hold is None:
            self._rpc("click", x, y)
        else:
            self._rpc("click", x, y, round(hold * 1000), timeout=RPC_TIMEOUT + hold)

    def _swipe_px(self, x1: int, y1: int, x2: int, y2: int, seconds: float) -> None:
        steps = max(2, round(seconds * 200))            # UiDevice.swipe: 5 ms a step
        self._rpc("swipe", x1, y1, x2, y2, steps, timeout=RPC_TIMEOUT + seconds)

    def _keys(self, code: int, times: int = 1) -> None:
        for _ in range(times):
            self._rpc("pressKeyCode", code)

    def _screen_size(self) -> tuple[int, int]:
        info = self._rpc("deviceInfo")
        try:
            return int(info["displayWidth"]), int(info["displayHeight"])
        except (TypeError, KeyError, ValueError) as exc:
            raise UiError(self.serial, "uiautomator2 deviceInfo has no display size") from exc

    # ---- text and pictures --------------------------------------------------------------------
    def input_text(self, text: str) -> None:
        """Type ``text`` at the cursor of the focused field, verbatim (any character)."""
        self._check_open()
        if not text:
            return
        ime = selected_keyboard(self.device)
        if ime is not None:
            type_with_keyboard(self.device, ime, text)
            return
        previous = self._rpc("getClipboard")
        self._rpc("setClipboard", None, text)
        try:
            if self._rpc("getClipboard") != text:
                raise UiError(self.serial, "the uiautomator2 server cannot use the clipboard on this phone, so it "
                                           f"cannot type: install and select an ADB keyboard (`ime set {U2_KEYBOARD}` "
                                           f"or `ime set {ADB_KEYBOARD}`)")
            self._rpc("pasteClipboard")
        finally:
            self._rpc("setClipboard", None, previous if isinstance(previous, str) else "")

    def screenshot(self, path: Path) -> None:
        self._check_open()
        encoded = self._rpc("takeScreenshot", 1, 100)
        if not encoded:
            self._screencap(path)           # the server had no picture: adb's screencap
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            with Image.open(io.BytesIO(base64.b64decode(encoded, validate=True))) as image:
                image.save(path, format="PNG")
        except (binascii.Error, OSError, ValueError, TypeError, Image.DecompressionBombError) as exc:
            raise UiError(self.serial, f"uiautomator2 takeScreenshot returned no image: {_short(exc)}") from exc

    def _release(self) -> None:
        try:
            self._client.stop_uiautomator(wait=False)
            if self._launched is not None:
                self._launched.kill()
        except _TRANSPORT_ERRORS as exc:
            log.debug("%s: stopping the uiautomator2 server: %s", self.serial, exc)
        atexit.unregister(self._client.stop_uiautomator)


def _short(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 300 else text[:300] + "..."
