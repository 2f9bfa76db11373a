"""ActivityManager's broadcast queue for manifest receivers (the profiles' ``receivers:``).

An ordered broadcast (what ``am broadcast`` sends) goes to the matching receivers one after the
other, each starting from the result the one before set; a receiver whose app is not running has
its process started for it ("Start proc PID:PKG/UID for broadcast {PKG/CLASS}"), which then stays
up as a cached process does.  Who gets what follows Android 9-14 (ActivityManagerService.
broadcastIntentLocked, PackageManagerService.queryIntentReceivers, BroadcastQueue.
processNextBroadcastLocked; since 14 BroadcastSkipPolicy), and skips are logged as they are there
(``W BroadcastQueue``):

* ``sender_denial``: only root, system, phone, bluetooth, nfc, secure-element and network-stack
  uids may send a protected broadcast (``BOOT_COMPLETED``...); anyone else, the shell included,
  gets a SecurityException ("Permission Denial: not allowed to send broadcast ...").
* resolution: an explicit component (``-n``) names one receiver, whatever actions it declares;
  otherwise every receiver declared for the action, of the package named by ``-p`` if any.  The
  declared filters hold an action only, so an intent with a category, data or a type matches
  none.  ``FLAG_RECEIVER_REGISTERED_ONLY`` reaches no manifest receiver.
* a receiver that is not exported is reached only from its own uid, root and system
  ("... is not exported from uid U due to receiver C"); not from the shell, even by component.
* the background check (Android 8+): a broadcast with no component, no package and no
  ``FLAG_RECEIVER_INCLUDE_BACKGROUND`` does not reach a receiver of an app that targets API 26+,
  or of an older app whose RUN_IN_BACKGROUND app-op is not ``allow``
  ("Background execution not allowed: receiving Intent {...} to C").
* a receiver must finish within 60 s (10 s with ``FLAG_RECEIVER_FOREGROUND``), else its process
  is killed (a background ANR) and the broadcast goes on; ``abortBroadcast`` ends it (unless
  ``FLAG_RECEIVER_NO_ABORT``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from harness.errors import VirtualPhoneError
from harness.virtual.profile.spec import PackageSpec, ReceiverSpec
from harness.virtual.runtime.intent import (
    FLAG_EXCLUDE_STOPPED_PACKAGES,
    FLAG_RECEIVER_FOREGROUND,
    FLAG_RECEIVER_INCLUDE_BACKGROUND,
    FLAG_RECEIVER_NO_ABORT,
    FLAG_RECEIVER_REGISTERED_ONLY,
    Intent,
)

if TYPE_CHECKING:
    from harness.virtual.runtime.processes import ProcessTable
    from harness.virtual.system.state import PhoneState

ROOT_UID, SYSTEM_UID = 0, 1000
#: Callers that may send protected broadcasts (broadcastIntentLocked's isCallerSystem).
_SYSTEM_CALLERS = frozenset({ROOT_UID, SYSTEM_UID, 1001, 1002, 1027, 1068, 1073})
#: Actions the platform declares <protected-broadcast> (frameworks/base core/res/AndroidManifest.xml).
PROTECTED_BROADCASTS = frozenset({
    "android.intent.action.BOOT_COMPLETED", "android.intent.action.LOCKED_BOOT_COMPLETED",
    "android.intent.action.PRE_BOOT_COMPLETED", "android.intent.action.USER_PRESENT",
    "android.intent.action.SCREEN_ON", "android.intent.action.SCREEN_OFF", "android.intent.action.REBOOT",
    "android.intent.action.ACTION_SHUTDOWN", "android.intent.action.AIRPLANE_MODE",
    "android.intent.action.BATTERY_CHANGED", "android.intent.action.BATTERY_LOW",
    "android.intent.action.BATTERY_OKAY", "android.intent.action.ACTION_POWER_CONNECTED",
    "android.intent.action.ACTION_POWER_DISCONNECTED", "android.intent.action.TIME_SET",
    "android.intent.action.TIMEZONE_CHANGED", "android.intent.action.DATE_CHANGED",
    "android.intent.action.LOCALE_CHANGED", "android.intent.action.CONFIGURATION_CHANGED",
    "android.intent.action.PACKAGE_ADDED", "android.intent.action.PACKAGE_REMOVED",
    "android.intent.action.PACKAGE_REPLACED", "android.intent.action.MY_PACKAGE_REPLACED",
    "android.intent.action.PACKAGE_CHANGED", "android.intent.action.PACKAGE_DATA_CLEARED",
    "android.intent.action.PACKAGE_FULLY_REMOVED", "android.intent.action.UID_REMOVED",
    "android.intent.action.SIM_STATE_CHANGED", "android.intent.action.NEW_OUTGOING_CALL",
    "android.net.conn.CONNECTIVITY_CHANGE", "android.provider.Telephony.SMS_RECEIVED",
    "android.provider.Telephony.SMS_DELIVER", "android.provider.Telephony.WAP_PUSH_RECEIVED",
})
_TARGET_O = 26
_TIMEOUT_BACKGROUND, _TIMEOUT_FOREGROUND = 60.0, 10.0


@dataclass(frozen=True)
class Target:
    """One receiver that matched: its package and its declaration."""

    spec: PackageSpec
    receiver: ReceiverSpec

    @property
    def full_class(self) -> str:
        return self.spec.full_class(self.receiver.name)

    @property
    def short_component(self) -> str:
        """ComponentName.flattenToShortString: ``pkg/.Name``."""
        return f"{self.spec.name}/{self.spec.short_class(self.receiver.name)}"


def sender_denial(action: str | None, uid: int, pid: int) -> str | None:
    """The SecurityException message if ``uid`` may not send ``action`` (a protected broadcast)."""
    if action in PROTECTED_BROADCASTS and uid not in _SYSTEM_CALLERS:
        return f"Permission Denial: not allowed to send broadcast {action} from pid={pid}, uid={uid}"
    return None


def query_receivers(phone: PhoneState, intent: Intent) -> list[Target]:
    """PackageManager.queryIntentReceivers over the installed packages."""
    if intent.flags & FLAG_RECEIVER_REGISTERED_ONLY:
        return []
    if intent.component is not None:
        package, cls = intent.component
        spec = phone.package(package)
        full = package + cls if cls.startswith(".") else cls
        found = next((r for r in spec.receivers if spec.full_class(r.name) == full), None) if spec else None
        return [Target(spec, found)] if spec and found else []
    if intent.categories or intent.data or intent.mime_type:
        return []
    targets: list[Target] = []
    for spec in phone.packages():
        if intent.package is None or intent.package == spec.name:
            targets += [Target(spec, r) for r in spec.receivers if r.action == intent.action]
    return targets


def skip_reason(phone: PhoneState, record: Intent, target: Target, *, caller_uid: int, caller_pid: int,
                caller_package: str | None = None) -> str | None:
    """Why the broadcast ``record`` (as ActivityManager holds it) is not delivered to ``target``."""
    app_uid = target.spec.uid
    if not target.receiver.exported and caller_uid not in (ROOT_UID, SYSTEM_UID, app_uid):
        return (f"Permission Denial: broadcasting {record} from {caller_package or 'null'} (pid={caller_pid}, "
                f"uid={caller_uid}) is not exported from uid {app_uid} due to receiver {target.short_component}")
    implicit = record.component is None and record.package is None \
        and not record.flags & FLAG_RECEIVER_INCLUDE_BACKGROUND
    if implicit and phone.profile.build.sdk >= _TARGET_O and _restricted_in_background(phone, target.spec):
        return f"Background execution not allowed: receiving {record} to {target.short_component}"
    return None


def _restricted_in_background(phone: PhoneState, spec: PackageSpec) -> bool:
    """ActivityManagerService.appRestrictedInBackgroundLocked: O+ targets always are; older apps
    when their RUN_IN_BACKGROUND app-op is not ``allow``."""
    if spec.target_sdk >= _TARGET_O:
        return True
    mode = next((e.mode for e in phone.app_ops(spec.name) if e.op == "RUN_IN_BACKGROUND"), None)
    return mode not in (None, "allow")


def deliver(processes: ProcessTable, intent: Intent, *, caller_uid: int, caller_pid: int,
            result: tuple[int, str | None] = (0, None), caller_package: str | None = None) -> tuple[int, str | None]:
    """Send the ordered broadcast ``intent`` to its manifest receivers; returns (result code, data).

    ``result`` is what the receivers before them (registered ones) left.
    """
    phone = processes.phone
    record = intent.with_flags(FLAG_EXCLUDE_STOPPED_PACKAGES)   # broadcasts skip stopped apps by default
    code, data = result
    for target in query_receivers(phone, record):
        reason = skip_reason(phone, record, target, caller_uid=caller_uid, caller_pid=caller_pid,
                             caller_package=caller_package)
        if reason is not None:
            phone.log("W", "BroadcastQueue", reason, buffer="system")
            continue
        finished = _run_receiver(processes, record, target, code, data)
        if finished is None:
            continue
        code, data = int(finished.get("code", code)), finished.get("data")
        data = None if data is None else str(data)
        if finished.get("abort") and not record.flags & FLAG_RECEIVER_NO_ABORT:
            break
    return code, data


def _run_receiver(processes: ProcessTable, record: Intent, target: Target, code: int,
                  data: str | None) -> dict[str, Any] | None:
    """Start the receiver's process if needed and run the receiver; its result, or None if it set
    none (an app with no program of its own, a process that died or did not answer in time)."""
    package = target.spec.name
    try:
        pid = processes.start_for_broadcast(package, target.full_class)
    except VirtualPhoneError:
        return None          # logged by the process table
    threads = processes.app_threads
    if threads is None or not target.spec.app.get("main"):
        return None          # its process runs no code: nothing sets a result
    call = threads.schedule_receiver(pid, {
        "class": target.full_class, "action": record.action, "package": record.package, "flags": record.flags,
        "extras": dict(record.extras), "resultCode": code, "resultData": data, "ordered": True,
    })
    if call is None:
        return None
    timeout = _TIMEOUT_FOREGROUND if record.flags & FLAG_RECEIVER_FOREGROUND else _TIMEOUT_BACKGROUND
    started = time.monotonic()
    while not call.done.wait(0.1):
        if processes.pid(package) != pid:       # it died (and the process table released the call)
            return call.result
        elapsed = time.monotonic() - started
        if elapsed > timeout:
            processes.phone.log("W", "BroadcastQueue", f"Timeout of broadcast BroadcastRecord{{{call.id:x} u0 "
                                f"{record.action}}} - receiver={target.short_component}, started "
                                f"{int(elapsed * 1000)}ms ago", buffer="system")
            processes.stop(package, reason="bg anr")
            return None
    return call.result
