"""The UI check: the uiautomator2 server starts and the phone accepts injected input.

Vendor ROMs gate what the server needs, and the fix is a setting only the user can turn on:
MIUI/HyperOS refuse injected input (``INJECT_EVENTS``) until "USB debugging (Security settings)" is
on (``persist.security.adbinput`` = 1); One UI 6+'s Auto Blocker can block commands over USB.
The ROM is told by its properties (``ro.miui.ui.version.name``, ``ro.mi.os.version.name``,
``ro.build.version.oneui``).
"""

from __future__ import annotations

import contextlib

from harness.doctor.context import Context
from harness.doctor.model import Check, failed, passed
from harness.errors import HarnessError, UiError

MIUI_FIX = ("on the phone: Settings > Additional settings > Developer options > turn on \"USB debugging (Security "
            "settings)\" (MIUI/HyperOS ask for a SIM and a Mi account), then replug")
ONEUI_FIX = ("on the phone: Settings > Security and privacy > Auto Blocker > turn it off (or its \"Block commands "
             "by USB cable\"), then replug")
OTHER_FIX = "use `harness run --ui shell` (uiautomator dump + input) on this phone"


def rom(props: dict[str, str]) -> str | None:
    """"MIUI", "HyperOS", "One UI" or None, from the build properties."""
    if props.get("ro.mi.os.version.name"):
        return "HyperOS"
    if props.get("ro.miui.ui.version.name"):
        return "MIUI"
    if props.get("ro.build.version.oneui"):
        return "One UI"
    return None


def _vendor_fix(name: str | None) -> str:
    return {"MIUI": MIUI_FIX, "HyperOS": MIUI_FIX, "One UI": ONEUI_FIX}.get(name or "", OTHER_FIX)


def uiautomator2_check(ctx: Context) -> Check:
    from harness.ui.u2 import Uiautomator2Ui

    props = ctx.facts.props
    vendor = rom(props)
    on = f" ({vendor})" if vendor else ""
    if vendor in ("MIUI", "HyperOS") and props.get("persist.security.adbinput", "") != "1":
        return failed("uiautomator2", f"{vendor}: \"USB debugging (Security settings)\" is off "
                                      "(persist.security.adbinput is not 1): taps and typed text are refused",
                      MIUI_FIX)
    try:
        ui = Uiautomator2Ui(ctx.serial, device=ctx.device)
    except UiError as exc:
        return failed("uiautomator2", f"the uiautomator2 server does not start{on}: {exc}", _vendor_fix(vendor))
    try:
        size = len(ui.hierarchy())
    except UiError as exc:
        return failed("uiautomator2", f"the uiautomator2 server started but does not answer{on}: {exc}",
                      _vendor_fix(vendor))
    finally:
        with contextlib.suppress(HarnessError):
            ui.close()
    # KEYCODE_UNKNOWN (0): nothing happens, but the system still checks the caller may inject
    probe = ctx.device.shell(["input", "keyevent", "0"], check=False, timeout=15)
    if "INJECT_EVENTS" in probe.output or "SecurityException" in probe.output:
        return failed("uiautomator2", f"the phone refuses injected input{on}: {probe.output.strip()[-200:]}",
                      _vendor_fix(vendor))
    return passed("uiautomator2", f"the uiautomator2 server started and answered (a {size:,}-character hierarchy); "
                                  f"injected input is accepted{on}")
