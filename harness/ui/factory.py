"""``make_ui``: the UI adapter the user chose (``harness run --ui uiautomator2|shell``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from harness.errors import ConfigError

if TYPE_CHECKING:
    from harness.device.device import Device
    from harness.ui import Ui

UiKind = Literal["uiautomator2", "shell"]
#: The adapters ``make_ui`` builds; the first is the default.
UI_KINDS: tuple[UiKind, ...] = ("uiautomator2", "shell")


def make_ui(kind: str, device: Device) -> Ui:
    """The ``kind`` adapter on ``device``: ``uiautomator2`` starts (or reuses) the phone's u2 server
    and raises ``UiError`` when it cannot run there (the message says to use ``--ui shell``);
    ``shell`` needs nothing on the phone.  An unknown kind is a ``ConfigError``."""
    if kind == "uiautomator2":
        from harness.ui.u2 import Uiautomator2Ui

        return Uiautomator2Ui(device.serial, device=device)
    if kind == "shell":
        from harness.ui.shell import ShellUi

        return ShellUi(device)
    raise ConfigError(f"unknown UI adapter {kind!r}: use one of {', '.join(UI_KINDS)}")
