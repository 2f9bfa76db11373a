"""The Android permission and app-op registry the virtual phone's tools consult.

Facts follow Android 14's framework manifest and ``AppOpsManager``: a permission has a protection
level (``dangerous`` = runtime, granted per user and shown under ``runtime permissions:``;
``normal`` = granted at install; ``signature`` = only for platform-signed apps), an optional
permission group, and an optional app-op that gates it at runtime.  Signature permissions with the
``development`` flag (``WRITE_SECURE_SETTINGS``, ``READ_LOGS``, ...) are the ones ``pm grant`` may
change on a real device, so they are marked as such.
"""

from __future__ import annotations

from dataclasses import dataclass

PROTECTION_DANGEROUS = "dangerous"
PROTECTION_NORMAL = "normal"
PROTECTION_SIGNATURE = "signature"


@dataclass(frozen=True)
class PermissionInfo:
    """One platform permission as the package manager knows it."""

    name: str
    protection: str
    group: str | None = None
    app_op: str | None = None
    development: bool = False   # signature|development: `pm grant` may change it

    @property
    def is_runtime(self) -> bool:
        return self.protection == PROTECTION_DANGEROUS

    @property
    def is_changeable(self) -> bool:
        """Whether ``pm grant``/``pm revoke`` may change it (runtime or development permissions)."""
        return self.is_runtime or self.development


def _perm(short: str, protection: str, group: str | None = None, op: str | None = None,
          development: bool = False) -> PermissionInfo:
    return PermissionInfo(f"android.permission.{short}", protection,
                          f"android.permission-group.{group}" if group else None, op, development)


_D, _N, _S = PROTECTION_DANGEROUS, PROTECTION_NORMAL, PROTECTION_SIGNATURE

_PERMISSIONS = [
    _perm("READ_CONTACTS", _D, "CONTACTS", "READ_CONTACTS"),
    _perm("WRITE_CONTACTS", _D, "CONTACTS", "WRITE_CONTACTS"),
    _perm("GET_ACCOUNTS", _D, "CONTACTS", "GET_ACCOUNTS"),
    _perm("READ_CALENDAR", _D, "CALENDAR", "READ_CALENDAR"),
    _perm("WRITE_CALENDAR", _D, "CALENDAR", "WRITE_CALENDAR"),
    _perm("READ_SMS", _D, "SMS", "READ_SMS"),
    _perm("SEND_SMS", _D, "SMS", "SEND_SMS"),
    _perm("RECEIVE_SMS", _D, "SMS", "RECEIVE_SMS"),
    _perm("RECEIVE_MMS", _D, "SMS", "RECEIVE_MMS"),
    _perm("RECEIVE_WAP_PUSH", _D, "SMS", "RECEIVE_WAP_PUSH"),
    _perm("READ_CELL_BROADCASTS", _D, "SMS", "READ_CELL_BROADCASTS"),
    _perm("READ_PHONE_STATE", _D, "PHONE", "READ_PHONE_STATE"),
    _perm("READ_PHONE_NUMBERS", _D, "PHONE", "READ_PHONE_NUMBERS"),
    _perm("CALL_PHONE", _D, "PHONE", "CALL_PHONE"),
    _perm("ANSWER_PHONE_CALLS", _D, "PHONE", "ANSWER_PHONE_CALLS"),
    _perm("ADD_VOICEMAIL", _D, "PHONE", "ADD_VOICEMAIL"),
    _perm("USE_SIP", _D, "PHONE", "USE_SIP"),
    _perm("READ_CALL_LOG", _D, "CALL_LOG", "READ_CALL_LOG"),
    _perm("WRITE_CALL_LOG", _D, "CALL_LOG", "WRITE_CALL_LOG"),
    _perm("PROCESS_OUTGOING_CALLS", _D, "CALL_LOG", "PROCESS_OUTGOING_CALLS"),
    _perm("ACCESS_FINE_LOCATION", _D, "LOCATION", "FINE_LOCATION"),
    _perm("ACCESS_COARSE_LOCATION", _D, "LOCATION", "COARSE_LOCATION"),
    _perm("ACCESS_BACKGROUND_LOCATION", _D, "LOCATION"),
    _perm("ACCESS_MEDIA_LOCATION", _D, "READ_MEDIA_VISUAL", "ACCESS_MEDIA_LOCATION"),
    _perm("CAMERA", _D, "CAMERA", "CAMERA"),
    _perm("RECORD_AUDIO", _D, "MICROPHONE", "RECORD_AUDIO"),
    _perm("BODY_SENSORS", _D, "SENSORS", "BODY_SENSORS"),
    _perm("ACTIVITY_RECOGNITION", _D, "ACTIVITY_RECOGNITION", "ACTIVITY_RECOGNITION"),
    _perm("READ_EXTERNAL_STORAGE", _D, "STORAGE", "READ_EXTERNAL_STORAGE"),
    _perm("WRITE_EXTERNAL_STORAGE", _D, "STORAGE", "WRITE_EXTERNAL_STORAGE"),
    _perm("READ_MEDIA_IMAGES", _D, "READ_MEDIA_VISUAL", "READ_MEDIA_IMAGES"),
    _perm("READ_MEDIA_VIDEO", _D, "READ_MEDIA_VISUAL", "READ_MEDIA_VIDEO"),
    _perm("READ_MEDIA_AUDIO", _D, "READ_MEDIA_AURAL", "READ_MEDIA_AUDIO"),
    _perm("POST_NOTIFICATIONS", _D, "NOTIFICATIONS", "POST_NOTIFICATION"),
    _perm("NEARBY_WIFI_DEVICES", _D, "NEARBY_DEVICES"),
    _perm("BLUETOOTH_CONNECT", _D, "NEARBY_DEVICES", "BLUETOOTH_CONNECT"),
    _perm("BLUETOOTH_SCAN", _D, "NEARBY_DEVICES", "BLUETOOTH_SCAN"),
    _perm("INTERNET", _N),
    _perm("ACCESS_NETWORK_STATE", _N),
    _perm("ACCESS_WIFI_STATE", _N),
    _perm("CHANGE_WIFI_STATE", _N, op="CHANGE_WIFI_STATE"),
    _perm("CHANGE_NETWORK_STATE", _N),
    _perm("WAKE_LOCK", _N, op="WAKE_LOCK"),
    _perm("VIBRATE", _N, op="VIBRATE"),
    _perm("RECEIVE_BOOT_COMPLETED", _N),
    _perm("FOREGROUND_SERVICE", _N),
    _perm("BLUETOOTH", _N),
    _perm("NFC", _N),
    _perm("USE_BIOMETRIC", _N, op="USE_BIOMETRIC"),
    _perm("SCHEDULE_EXACT_ALARM", _N),
    _perm("READ_PRIVILEGED_PHONE_STATE", _S),
    _perm("SYSTEM_ALERT_WINDOW", _S, op="SYSTEM_ALERT_WINDOW"),
    _perm("WRITE_SETTINGS", _S, op="WRITE_SETTINGS"),
    _perm("REQUEST_INSTALL_PACKAGES", _S, op="REQUEST_INSTALL_PACKAGES"),
    _perm("MANAGE_EXTERNAL_STORAGE", _S, op="MANAGE_EXTERNAL_STORAGE"),
    _perm("INTERACT_ACROSS_USERS", _S),
    _perm("MODIFY_PHONE_STATE", _S),
    _perm("PACKAGE_USAGE_STATS", _S, op="GET_USAGE_STATS", development=True),
    _perm("WRITE_SECURE_SETTINGS", _S, development=True),
    _perm("READ_LOGS", _S, development=True),
    _perm("DUMP", _S, development=True),
    _perm("SET_ANIMATION_SCALE", _S, development=True),
    _perm("CHANGE_CONFIGURATION", _S, development=True),
]

PERMISSIONS: dict[str, PermissionInfo] = {p.name: p for p in _PERMISSIONS}


def permission(name: str) -> PermissionInfo | None:
    """The registry entry for ``name``, or None if the platform does not define it."""
    return PERMISSIONS.get(name)


#: Permission flags (``PackageManager.FLAG_PERMISSION_*``) in ascending bit order, as dumpsys names them.
PERMISSION_FLAGS: dict[str, int] = {
    "USER_SET": 1 << 0,
    "USER_FIXED": 1 << 1,
    "POLICY_FIXED": 1 << 2,
    "REVOKED_COMPAT": 1 << 3,
    "SYSTEM_FIXED": 1 << 4,
    "GRANTED_BY_DEFAULT": 1 << 5,
    "REVIEW_REQUIRED": 1 << 6,
    "REVOKE_WHEN_REQUESTED": 1 << 7,
    "USER_SENSITIVE_WHEN_GRANTED": 1 << 8,
    "USER_SENSITIVE_WHEN_DENIED": 1 << 9,
    "RESTRICTION_INSTALLER_EXEMPT": 1 << 11,
    "RESTRICTION_SYSTEM_EXEMPT": 1 << 12,
    "RESTRICTION_UPGRADE_EXEMPT": 1 << 13,
    "APPLY_RESTRICTION": 1 << 14,
    "GRANTED_BY_ROLE": 1 << 15,
    "ONE_TIME": 1 << 16,
    "AUTO_REVOKED": 1 << 17,
    "SELECTED_LOCATION_ACCURACY": 1 << 19,
}


def sorted_flags(flags: set[str] | list[str] | tuple[str, ...]) -> list[str]:
    """``flags`` in the bit order dumpsys prints them; unknown names raise ValueError."""
    unknown = [f for f in flags if f not in PERMISSION_FLAGS]
    if unknown:
        raise ValueError(f"unknown permission flag(s): {', '.join(sorted(unknown))}")
    return sorted(set(flags), key=PERMISSION_FLAGS.__getitem__)


def format_flags(flags: set[str] | list[str] | tuple[str, ...]) -> str:
    """The ``, flags=[ A|B]`` suffix of a dumpsys permission line; empty when there are none."""
    if not flags:
        return ""
    return ", flags=[ " + "|".join(sorted_flags(flags)) + "]"


# --- app-ops ---------------------------------------------------------------------------------

#: App-op short names by op code (``AppOpsManager.OP_*``, Android 14).  Codes above 92 other than
#: the ones listed are left out rather than guessed.
_OP_CODES: dict[str, int] = {name: code for code, name in enumerate((
    "COARSE_LOCATION", "FINE_LOCATION", "GPS", "VIBRATE", "READ_CONTACTS", "WRITE_CONTACTS",
    "READ_CALL_LOG", "WRITE_CALL_LOG", "READ_CALENDAR", "WRITE_CALENDAR", "WIFI_SCAN",
    "POST_NOTIFICATION", "NEIGHBORING_CELLS", "CALL_PHONE", "READ_SMS", "WRITE_SMS", "RECEIVE_SMS",
    "RECEIVE_EMERGECY_SMS", "RECEIVE_MMS", "RECEIVE_WAP_PUSH", "SEND_SMS", "READ_ICC_SMS",
    "WRITE_ICC_SMS", "WRITE_SETTINGS", "SYSTEM_ALERT_WINDOW", "ACCESS_NOTIFICATIONS", "CAMERA",
    "RECORD_AUDIO", "PLAY_AUDIO", "READ_CLIPBOARD", "WRITE_CLIPBOARD", "TAKE_MEDIA_BUTTONS",
    "TAKE_AUDIO_FOCUS", "AUDIO_MASTER_VOLUME", "AUDIO_VOICE_VOLUME", "AUDIO_RING_VOLUME",
    "AUDIO_MEDIA_VOLUME", "AUDIO_ALARM_VOLUME", "AUDIO_NOTIFICATION_VOLUME", "AUDIO_BLUETOOTH_VOLUME",
    "WAKE_LOCK", "MONITOR_LOCATION", "MONITOR_HIGH_POWER_LOCATION", "GET_USAGE_STATS",
    "MUTE_MICROPHONE", "TOAST_WINDOW", "PROJECT_MEDIA", "ACTIVATE_VPN", "WRITE_WALLPAPER",
    "ASSIST_STRUCTURE", "ASSIST_SCREENSHOT", "READ_PHONE_STATE", "ADD_VOICEMAIL", "USE_SIP",
    "PROCESS_OUTGOING_CALLS", "USE_FINGERPRINT", "BODY_SENSORS", "READ_CELL_BROADCASTS",
    "MOCK_LOCATION", "READ_EXTERNAL_STORAGE", "WRITE_EXTERNAL_STORAGE", "TURN_ON_SCREEN",
    "GET_ACCOUNTS", "RUN_IN_BACKGROUND", "AUDIO_ACCESSIBILITY_VOLUME", "READ_PHONE_NUMBERS",
    "REQUEST_INSTALL_PACKAGES", "PICTURE_IN_PICTURE", "INSTANT_APP_START_FOREGROUND",
    "ANSWER_PHONE_CALLS", "RUN_ANY_IN_BACKGROUND", "CHANGE_WIFI_STATE", "REQUEST_DELETE_PACKAGES",
    "BIND_ACCESSIBILITY_SERVICE", "ACCEPT_HANDOVER", "MANAGE_IPSEC_TUNNELS", "START_FOREGROUND",
    "BLUETOOTH_SCAN", "USE_BIOMETRIC", "ACTIVITY_RECOGNITION", "SMS_FINANCIAL_TRANSACTIONS",
    "READ_MEDIA_AUDIO", "WRITE_MEDIA_AUDIO", "READ_MEDIA_VIDEO", "WRITE_MEDIA_VIDEO",
    "READ_MEDIA_IMAGES", "WRITE_MEDIA_IMAGES", "LEGACY_STORAGE", "ACCESS_ACCESSIBILITY",
    "READ_DEVICE_IDENTIFIERS", "ACCESS_MEDIA_LOCATION", "QUERY_ALL_PACKAGES",
    "MANAGE_EXTERNAL_STORAGE",
))}
_OP_CODES["BLUETOOTH_CONNECT"] = 111

APP_OPS: tuple[str, ...] = tuple(_OP_CODES)

#: Public names that are not simply ``android:`` + the lower-cased short name.
_PUBLIC_NAME_EXCEPTIONS = {"RECEIVE_EMERGECY_SMS": "android:receive_emergency_broadcast"}

#: Ops whose default mode is not ``allow`` (``AppOpsManager.sOpDefaultMode``).
_DEFAULT_MODES = {
    "WRITE_SMS": "ignore", "WRITE_SETTINGS": "default", "SYSTEM_ALERT_WINDOW": "default",
    "GET_USAGE_STATS": "default", "PROJECT_MEDIA": "ignore", "ACTIVATE_VPN": "ignore",
    "MOCK_LOCATION": "deny", "REQUEST_INSTALL_PACKAGES": "default", "LEGACY_STORAGE": "default",
    "MANAGE_EXTERNAL_STORAGE": "default", "ACCESS_ACCESSIBILITY": "default",
    "READ_DEVICE_IDENTIFIERS": "deny", "RUN_ANY_IN_BACKGROUND": "allow",
}

#: ``AppOpsManager.MODE_NAMES`` by mode number.
APP_OP_MODES: tuple[str, ...] = ("allow", "ignore", "deny", "default", "foreground")


def op_public_name(op: str) -> str:
    """The ``android:xxx`` name of a short op name."""
    return _PUBLIC_NAME_EXCEPTIONS.get(op, "android:" + op.lower())


_BY_PUBLIC_NAME = {op_public_name(op): op for op in APP_OPS}


def resolve_op(text: str) -> str | None:
    """The short op name for a short name, an ``android:`` public name or an op number."""
    if text in _OP_CODES:
        return text
    if text in _BY_PUBLIC_NAME:
        return _BY_PUBLIC_NAME[text]
    if text.isdigit():
        code = int(text)
        return next((op for op, c in _OP_CODES.items() if c == code), None)
    return None


def op_code(op: str) -> int:
    return _OP_CODES[op]


def resolve_mode(text: str) -> str | None:
    """A mode name (``allow``...) for a name or a mode number; None if invalid."""
    if text in APP_OP_MODES:
        return text
    if text.isdigit() and int(text) < len(APP_OP_MODES):
        return APP_OP_MODES[int(text)]
    return None


def default_mode(op: str) -> str:
    return _DEFAULT_MODES.get(op, "allow")
