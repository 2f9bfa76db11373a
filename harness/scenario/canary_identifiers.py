"""The device's own identifiers as canaries: what adb can read, and what apps were handed in a run.

``read_device_identifiers(device, sdk=, root_method=)`` reads, each from the first source that
answers with a well-formed value (a source that fails or prints something else is skipped, and an
identifier no source gives is logged with the reason):

=============== =================================================================================
android_id      ``settings get secure android_id``
serial          ``getprop ro.serialno``, ``getprop ro.boot.serialno``
wifi_mac        ``cat /sys/class/net/wlan0/address``, ``ifconfig wlan0`` (HWaddr), ``ip link show
                wlan0`` (link/ether); Android's placeholder ``02:00:00:00:00:00`` is no MAC
imei            ``service call iphonesubinfo`` getDeviceId (and getDeviceIdForPhone for slots 0 and
                1), as the shell, then as root; ``dumpsys iphonesubinfo`` (``Device ID = ``, old
                builds).  15 digits with a valid Luhn digit, or a 14-hex-digit MEID.
imsi, iccid,    ``service call iphonesubinfo`` getSubscriberId / getIccSerialNumber /
phone_number    getLine1Number, as the shell, then as root; with root also the SIM table
                ``content://telephony/siminfo`` (``icc_id``, ``number``)
advertising_id  with root: ``adid_key`` in GMS's ``shared_prefs/adid_settings.xml``; all zeros
                (the user deleted the ID) is none
accounts        ``dumpsys account`` (``Account {name=..., type=...}``)
=============== =================================================================================

Since Android 10 the shell may not read IMEI, IMSI, ICCID or the number (READ_PRIVILEGED_PHONE_
STATE), so those need root (``su -c``, or adbd running as root).  ``service call`` answers with a
parcel dump, ``Result: Parcel(0x00000000: 00000000 0000000f 00350033 ... '....3.5.')``: a status
word (0: no exception), the string's length in UTF-16 units (``ffffffff``: null), then the UTF-16LE
text packed in little-endian words (``parse_parcel_string``).  Transaction codes follow
IPhoneSubInfo.aidl and moved between releases: the table below is for Android 11+ (read in an
Android 13/14 IPhoneSubInfo stub) and, [U] unverified on a device, Android 7-10; a wrong code
answers with an exception or a value of another shape, which the checks reject.

The virtual phone answers ``settings``, ``getprop`` and ``ifconfig`` (android_id, serial, wifi_mac);
it has no ``service``, ``dumpsys iphonesubinfo``/``account`` nor GMS preferences, so its IMEI,
IMSI, ICCID, number and advertising ID reach the canaries only from the ``id.read`` events of a run.

``identifiers_from_run(run)`` gives the values the ``identifiers`` hooks saw handed to apps
(``id.read`` events, by API; see ``ID_READ_TYPES``).
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.device.shell import Shell, quote_command
from harness.errors import CommandFailedError, StoreError

log = logging.getLogger(__name__)

__all__ = ["ID_READ_TYPES", "DeviceIdentifiers", "identifiers_from_run", "parse_parcel_string",
           "read_device_identifiers", "usable_identifier"]

SHELL_PACKAGE = "com.android.shell"
_TIMEOUT = 15.0   # a root prompt nobody answers must not hold the run up
_ADID_PREFS = "/data/data/com.google.android.gms/shared_prefs/adid_settings.xml"
_PLACEHOLDERS = frozenset({"02:00:00:00:00:00", "00:00:00:00:00:00", "unknown", "null",
                           "00000000-0000-0000-0000-000000000000"})

#: ``service call iphonesubinfo`` (code, argument words) per identifier: Android 11+ and 7-10.
_Calls = dict[str, list[tuple[int, tuple[str, ...]]]]
_CALLS_30: _Calls = {
    "imei": [(1, ("s16", SHELL_PACKAGE)), (4, ("i32", "0", "s16", SHELL_PACKAGE)),
             (4, ("i32", "1", "s16", SHELL_PACKAGE))],
    "imsi": [(8, ("s16", SHELL_PACKAGE))],
    "iccid": [(12, ("s16", SHELL_PACKAGE))],
    "phone_number": [(15, ("s16", SHELL_PACKAGE))],
}
_CALLS_OLD: _Calls = {
    "imei": [(1, ("s16", SHELL_PACKAGE))],
    "imsi": [(7, ("s16", SHELL_PACKAGE))],
    "iccid": [(10, ("s16", SHELL_PACKAGE)), (11, ("s16", SHELL_PACKAGE))],
    "phone_number": [(12, ("s16", SHELL_PACKAGE)), (13, ("s16", SHELL_PACKAGE))],
}

#: The ``id.read`` hook's API (``Class.method``, class without its package) -> the canary type.
#: ``MediaDrm.getPropertyByteArray`` (the DRM device ID) has no canary type and is left out; an
#: MEID is searched for as an ``imei``.
ID_READ_TYPES = {
    "TelephonyManager.getDeviceId": "imei", "TelephonyManager.getImei": "imei",
    "TelephonyManager.getMeid": "imei", "TelephonyManager.getSubscriberId": "imsi",
    "TelephonyManager.getLine1Number": "phone_number", "TelephonyManager.getSimSerialNumber": "iccid",
    "Settings$Secure.getString": "android_id", "Secure.getString": "android_id",
    "Build.getSerial": "serial", "AdvertisingIdClient.getAdvertisingIdInfo": "advertising_id",
    "WifiInfo.getMacAddress": "wifi_mac", "NetworkInterface.getHardwareAddress": "wifi_mac",
}


def _luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        n = int(ch) * (2 if i % 2 else 1)
        total += n - 9 if n > 9 else n
    return total % 10 == 0


def _uuid_ok(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


_SHAPES: dict[str, Callable[[str], bool]] = {
    "imei": lambda v: (re.fullmatch(r"\d{15}", v) is not None and _luhn_ok(v)) or re.fullmatch(
        r"\d{14}|[0-9A-Fa-f]{14}", v) is not None,
    "imsi": lambda v: re.fullmatch(r"\d{6,15}", v) is not None,
    "iccid": lambda v: re.fullmatch(r"\d{18,22}[Ff]?", v) is not None,
    "phone_number": lambda v: re.fullmatch(r"\+?\d{5,15}", re.sub(r"[\s().-]", "", v)) is not None,
    "android_id": lambda v: re.fullmatch(r"[0-9a-fA-F]{4,16}", v) is not None,
    "serial": lambda v: re.fullmatch(r"[\x21-\x7e]{4,64}", v) is not None,
    "wifi_mac": lambda v: re.fullmatch(r"(?:[0-9a-fA-F]{2}:){5}[0-9a-fA-F]{2}", v) is not None,
    "advertising_id": _uuid_ok,
}


def usable_identifier(kind: str, value: str | None, *, strict: bool = True) -> str | None:
    """``value`` stripped if it can be an identifier of ``kind`` (``strict``: of its exact shape;
    else only long enough to search for), None for nothing, placeholders and all-zero values."""
    if value is None:
        return None
    text = value.strip()
    if len(text) < 4 or len(text) > 1024 or text.lower() in _PLACEHOLDERS or not text.strip("0:-"):
        return None
    if strict and kind in _SHAPES and not _SHAPES[kind](text):
        return None
    return text


def parse_parcel_string(text: str) -> str | None:
    """The string a ``service call`` returned (``Result: Parcel(...)``); None for an exception, a
    null string or output that is no parcel."""
    if "Result: Parcel(" not in text:
        return None
    words: list[str] = []
    for line in text.split("Result: Parcel(", 1)[1].splitlines():
        hex_part = re.sub(r"0x[0-9a-fA-F]+:", "", line).split("'", 1)[0]
        words += re.findall(r"\b[0-9a-fA-F]{8}\b", hex_part)
    if len(words) < 2 or int(words[0], 16) != 0:
        return None
    length = int(words[1], 16)
    if length >= 0x8000_0000:   # -1: null
        return None
    raw = b"".join(int(w, 16).to_bytes(4, "little") for w in words[2:])
    chars = raw.decode("utf-16-le", errors="replace")
    return chars[:length] if len(chars) >= length else None


@dataclass
class DeviceIdentifiers:
    """Identifier type -> the values read (first the primary one), accounts, and what was not read."""

    values: dict[str, list[str]] = field(default_factory=dict)
    accounts: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)

    def add(self, kind: str, value: str | None, *, strict: bool = True) -> bool:
        usable = usable_identifier(kind, value, strict=strict)
        if usable is None:
            return False
        found = self.values.setdefault(kind, [])
        if usable not in found:
            found.append(usable)
        return True

    def to_canaries(self) -> dict[str, Any]:
        """The detector's format: ``identifiers`` (a list where there are several) and ``accounts``."""
        out: dict[str, Any] = {}
        identifiers = {k: v[0] if len(v) == 1 else list(v) for k, v in self.values.items() if v}
        if identifiers:
            out["identifiers"] = identifiers
        if self.accounts:
            out["accounts"] = list(self.accounts)
        return out


class _Reader:
    """Runs the read commands on one device (never raising for a command that fails)."""

    def __init__(self, device: Shell, root_method: str | None) -> None:
        self.device, self.root_method = device, root_method
        self.no_service = False

    def run(self, argv: Sequence[str], *, root: bool = False) -> str | None:
        """The command's stdout if it exits 0 (None otherwise); ``root`` runs it as root (None
        without root)."""
        if root and self.root_method is None:
            return None
        if root and self.root_method == "su":
            argv = ["su", "-c", quote_command(argv)]
        try:
            result = self.device.shell(list(argv), check=False, timeout=_TIMEOUT)
        except CommandFailedError as exc:
            log.debug("%s: %s: %s", self.device.serial, " ".join(argv), exc)
            return None
        if result.exit_code == 127 and argv[:1] == ["service"]:
            self.no_service = True
        return result.stdout if result.exit_code == 0 else None

    def service_call(self, code: int, args: Sequence[str], *, root: bool) -> str | None:
        if self.no_service:
            return None
        return parse_parcel_string(self.run(["service", "call", "iphonesubinfo", str(code), *args], root=root) or "")


def read_device_identifiers(device: Shell, *, sdk: int, root_method: str | None) -> DeviceIdentifiers:
    """The identifiers adb can read on ``device`` (API level ``sdk``; ``root_method`` as in
    ``DeviceFacts``: "su", "adb-root" or None).  Device errors other than a failed command (the
    device gone) are raised."""
    reader, ids = _Reader(device, root_method), DeviceIdentifiers()
    ids.add("android_id", reader.run(["settings", "get", "secure", "android_id"]))
    for prop in ("ro.serialno", "ro.boot.serialno"):
        if ids.add("serial", reader.run(["getprop", prop])):
            break
    _read_wifi_mac(reader, ids)
    _read_telephony(reader, ids, sdk)
    prefs = reader.run(["cat", _ADID_PREFS], root=True) or ""
    match = re.search(r'<string name="adid_key">([^<]+)</string>', prefs)
    ids.add("advertising_id", match[1] if match else None)
    accounts = reader.run(["dumpsys", "account"]) or ""
    for name in re.findall(r"Account \{name=(.+?), type=[^}]*\}", accounts):
        if len(name.strip()) >= 4 and name.strip() not in ids.accounts:
            ids.accounts.append(name.strip())
    why = {"imei": "needs root on Android 10+ (or `service` is missing)", "advertising_id": "needs root and GMS"}
    for kind in ("android_id", "serial", "wifi_mac", "imei", "imsi", "iccid", "phone_number", "advertising_id"):
        if kind not in ids.values:
            ids.skipped[kind] = why.get(kind, "needs root on Android 10+, or not readable on this device")
            log.info("%s: identifier %s not readable over adb (%s); skipped", device.serial, kind, ids.skipped[kind])
    return ids


def _read_wifi_mac(reader: _Reader, ids: DeviceIdentifiers) -> None:
    if ids.add("wifi_mac", (reader.run(["cat", "/sys/class/net/wlan0/address"]) or "").lower()):
        return
    match = re.search(r"HWaddr ([0-9A-Fa-f:]{17})", reader.run(["ifconfig", "wlan0"]) or "")
    if match and ids.add("wifi_mac", match[1].lower()):
        return
    match = re.search(r"link/ether ([0-9A-Fa-f:]{17})", reader.run(["ip", "link", "show", "wlan0"]) or "")
    ids.add("wifi_mac", match[1].lower() if match else None)


def _read_telephony(reader: _Reader, ids: DeviceIdentifiers, sdk: int) -> None:
    calls = _CALLS_30 if sdk >= 30 else _CALLS_OLD
    for root in (False, True):
        for kind, candidates in calls.items():
            if kind in ids.values and (kind != "imei" or root):
                continue
            for code, args in candidates:
                ids.add(kind, reader.service_call(code, args, root=root))
                if kind in ids.values and kind != "imei":
                    break
    if "imei" not in ids.values:
        match = re.search(r"Device ID = (\S+)", reader.run(["dumpsys", "iphonesubinfo"]) or "")
        ids.add("imei", match[1] if match else None)
    if "iccid" not in ids.values or "phone_number" not in ids.values:
        rows = reader.run(["content", "query", "--uri", "content://telephony/siminfo",
                           "--projection", "icc_id:number"], root=True) or ""
        for match in re.finditer(r"^Row: \d+ icc_id=(.*?), number=(.*)$", rows, re.M):
            ids.add("iccid", match[1])
            ids.add("phone_number", match[2])


def identifiers_from_run(run_path: Path | str) -> dict[str, list[str]]:
    """Identifier type -> the distinct values apps were handed during the run (``id.read`` events
    whose API is in ``ID_READ_TYPES``), in the order first seen.  Damaged rows are logged, skipped."""
    from harness.record.reader import iter_events

    found = DeviceIdentifiers()

    def damaged(exc: StoreError) -> None:
        log.warning("%s", exc)

    for event in iter_events(run_path, kinds={"id.read"}, on_error=damaged):
        kind = ID_READ_TYPES.get(".".join(event.api.rsplit(".", 2)[-2:]))
        if kind is None:
            continue
        found.add(kind, event.value, strict=False)
    return found.values
