"""The checks of the phone itself: adb, authorisation, root, clock, free storage, a leftover proxy."""

from __future__ import annotations

import re

from harness.device.adb_env import server_address
from harness.doctor.context import Context
from harness.doctor.frida_server import read_root
from harness.doctor.model import Check, failed, passed, warned
from harness.errors import AdbServerError, ToolMissingError

#: Clock skew (seconds) above which TLS validation and event timestamps go wrong / are suspect.
CLOCK_FAIL = 120.0
CLOCK_WARN = 5.0
#: Free bytes on /data below which a run fails / is at risk.
STORAGE_FAIL = 200 << 20
STORAGE_WARN = 1 << 30
#: ``settings get global http_proxy`` values that mean "no proxy".
NO_PROXY = ("null", "", ":0")

ROOT_FIX = ("root the phone (Magisk, KernelSU or APatch; README \"Real phones\") and grant root to the Shell "
            "app (com.android.shell) in the root manager, so that `adb shell su -c id` prints uid=0(root)")


def adb_check(ctx: Context) -> Check:
    try:
        states = ctx.adb_states
    except (AdbServerError, ToolMissingError) as exc:
        return failed("adb", str(exc), "start the adb server (`adb start-server`), or name the one to use with "
                                       "`harness --adb HOST:PORT` / ANDROID_ADB_SERVER_PORT")
    if ctx.serial not in states:
        listed = ", ".join(f"{s} ({st})" for s, st in sorted(states.items())) or "none"
        return failed("adb", f"the adb server at {server_address()} does not list {ctx.serial} (listed: {listed})",
                      "connect the phone by USB with USB debugging on (Settings > System > Developer options), "
                      "or `adb connect HOST:PORT` for a phone over TCP")
    return passed("adb", f"the adb server at {server_address()} lists {ctx.serial}")


_STATE_FIX = {
    "unauthorized": "unlock the phone and accept \"Allow USB debugging?\" (tick \"Always allow from this "
                    "computer\"); no prompt: Developer options > Revoke USB debugging authorisations, replug",
    "offline": "replug the cable or run `adb reconnect offline`; if it stays offline, `adb kill-server` and replug",
    "authorizing": "wait a moment and accept the \"Allow USB debugging?\" prompt on the phone",
}


def authorised_check(ctx: Context) -> Check:
    state = ctx.state or "not listed"
    if state == "device":
        return passed("authorised", "this host is authorised (adb state: device)")
    return failed("authorised", f"the phone is not usable over adb (state: {state})",
                  _STATE_FIX.get(state, "replug the phone and accept the USB debugging prompt; `adb devices` must "
                                        "show `device`"))


def root_check(ctx: Context) -> Check:
    facts = ctx.facts
    access = read_root(ctx.device, facts.root_method)
    if access.method is None:
        detail = "no root: `su -c id` does not print uid=0 and adbd does not run as root"
        if ctx.needs_root:
            return failed("root", detail, ROOT_FIX)
        return warned("root", detail + " (enough for app-only scenarios on this phone's frida)", ROOT_FIX)
    return passed("root", f"{access.describe()}; SELinux {facts.selinux}")


def clock_check(ctx: Context) -> Check:
    before = ctx.now()
    out = ctx.device.shell(["date", "+%s"], timeout=15).stdout.strip()
    after = ctx.now()
    if not out.lstrip("-").isdigit():
        return warned("clock", f"`date +%s` printed {out[:60]!r}, not seconds", "check the phone's date and time")
    skew = int(out) - (before + after) / 2
    where = "ahead of" if skew > 0 else "behind"
    text = f"the phone's clock is {abs(skew):.0f} s {where} the host's"
    fix = ("turn on Settings > System > Date & time > \"Set time automatically\" on the phone (and check the "
           "host's clock, `timedatectl`)")
    if abs(skew) > CLOCK_FAIL:
        return failed("clock", text + " (TLS certificate checks and event times go wrong)", fix)
    if abs(skew) > CLOCK_WARN:
        return warned("clock", text + " (event times are off by as much)", fix)
    return passed("clock", f"the phone's clock is within {max(abs(skew), 1):.0f} s of the host's")


_HUMAN = re.compile(r"^(?P<n>\d+(?:\.\d+)?)(?P<unit>[KMGTP]?)i?B?$", re.IGNORECASE)


def _size(text: str, block: int) -> int:
    if text.isdigit():
        return int(text) * block
    match = _HUMAN.match(text)
    if not match:
        raise ValueError(f"not a size: {text!r}")
    power = " KMGTP".index(match["unit"].upper() or " ")
    return int(float(match["n"]) * (1024 ** power))


def parse_df_available(text: str) -> int:
    """Free bytes from ``df PATH``: toybox's ``Filesystem 1K-blocks Used Available Use% Mounted on``
    (a long filesystem name may wrap the row) or old toolbox's ``Filesystem Size Used Free Blksize``."""
    lines = [line for line in text.splitlines() if line.strip()]
    if len(lines) < 2:
        raise ValueError("no df output")
    header = lines[0].split()
    values = " ".join(lines[1:]).split()
    if len(header) < 4 or len(values) < 4:
        raise ValueError(f"unexpected df output: {lines[0]!r}")
    size_column = header[1].lower()
    block = 1024 if size_column in ("1k-blocks", "1024-blocks") else 512 if size_column == "512-blocks" else 1
    if "Use%" in header or "Capacity" in header:   # ... Available Use% Mounted on: count from the right
        return _size(values[-3], block)
    return _size(values[3], block)                 # Filesystem Size Used Free Blksize


def storage_check(ctx: Context) -> Check:
    out = ctx.device.shell(["df", "/data"], check=False, timeout=15).stdout
    try:
        free = parse_df_available(out)
    except ValueError as exc:
        return warned("storage", f"cannot read the free space of /data ({exc})", "check Settings > Storage")
    text = f"{free / (1 << 20):,.0f} MB free on /data"
    fix = "free space on the phone: uninstall unused apps, delete files (Settings > Storage)"
    if free < STORAGE_FAIL:
        return failed("storage", text + f" (under {STORAGE_FAIL >> 20} MB: apps and the provider writes fail)", fix)
    if free < STORAGE_WARN:
        return warned("storage", text + " (under 1 GB)", fix)
    return passed("storage", text)


def proxy_check(ctx: Context) -> Check:
    out = ctx.device.shell(["sh", "-c", "settings get global http_proxy; settings get global global_http_proxy_host"],
                           timeout=15).stdout.splitlines()
    proxy = out[0].strip() if out else "null"
    host = out[1].strip() if len(out) > 1 else "null"
    if proxy not in NO_PROXY:
        return failed("proxy", f"a proxy is set (global http_proxy = {proxy}), e.g. left by a capture that "
                               "crashed: the phone's traffic goes there, or nowhere",
                      f"clear it: `{ctx.adb('settings put global http_proxy :0')}`")
    if host not in ("null", ""):
        return warned("proxy", f"a global proxy host is recorded (global_http_proxy_host = {host})",
                      f"if no device policy set it: `{ctx.adb('settings delete global global_http_proxy_host')}`")
    return passed("proxy", f"no proxy set (global http_proxy = {proxy})")
