"""Undoing what the capture path changed on the phone, from the journal's records (``harness.capture.phone``).

``undo_all(device, state)`` undoes every record in ``state.capture_changes``, newest first (the proxy
setting before the reverse port before the CA, so the phone has its network back first), forgets
each one undone (journaled), and returns the problems; it goes on past a failure.  The scenario
runner calls it when it leaves the phone as found (also after Ctrl-C); for a journal a crashed run
left, ``repair_capture`` calls it before the run looks at the phone (and the session's ``repair``
again, finding nothing left).  Every undo is idempotent and touches only what is still the harness's:
a proxy setting someone else changed since, a reverse port now pointing elsewhere, or a CA file that
no longer holds our certificate are left alone (and said in the log).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import adbutils

from harness.capture.phone import PROXY_KEYS, as_root, reverse_list
from harness.device.device import Device
from harness.errors import CommandFailedError, HarnessError, VerificationError
from harness.scenario.phone_state import PhoneState, pending_journal

log = logging.getLogger(__name__)


def undo_all(device: Device, state: PhoneState) -> list[str]:
    """Undo every capture record of ``state`` (see the module docstring); the problems."""
    problems = [undo_one(device, state, label) for label in reversed(list(state.capture_changes))]
    return [p for p in problems if p is not None]


def undo_one(device: Device, state: PhoneState, label: str) -> str | None:
    """Undo the record ``label`` and forget it; the problem when it could not be (the record stays)."""
    record = state.capture_changes.get(label)
    try:
        undo(device, record if isinstance(record, Mapping) else {})
    except HarnessError as exc:
        return f"capture ({label}): {exc}"
    state.forget_capture(label)
    return None


def undo(device: Device, record: Mapping[str, Any]) -> None:
    """Undo one change; raises ``HarnessError`` when it could not be."""
    kind = record.get("type")
    if kind == "http_proxy":
        _undo_proxy(device, record)
    elif kind == "reverse":
        _undo_reverse(device, str(record["remote"]), str(record["local"]))
    elif kind == "ca_file":
        _undo_ca(device, record)
    elif kind == "iptables":
        _undo_iptables(device, str(record["tool"]), [str(a) for a in record["rule"]])
    else:
        log.warning("%s: unknown capture record %r in the journal: ignored", device.serial, kind)


def _undo_proxy(device: Device, record: Mapping[str, Any]) -> None:
    consent = device.consent
    previous = dict(record.get("previous") or {})
    current = consent.setting("global", "http_proxy")
    if current != record.get("value"):
        log.warning("%s: global http_proxy is %r, not the harness's %r: left as it is",
                    device.serial, current, record.get("value"))
    else:
        consent.put_setting("global", "http_proxy", ":0")  # clears ProxyTracker's proxy too
        original = previous.get("http_proxy")
        if original is None:
            consent.delete_setting("global", "http_proxy")
        elif original != ":0":
            consent.put_setting("global", "http_proxy", original)
    for key in PROXY_KEYS[1:]:
        if key in previous and consent.setting("global", key) != previous[key]:
            consent.restore_setting("global", key, previous[key])


def _undo_reverse(device: Device, remote: str, local: str) -> None:
    present = dict(reverse_list(device))
    if remote not in present:
        return
    if present[remote] != local:
        log.warning("%s: adb reverse %s now goes to %s, not the harness's %s: left as it is",
                    device.serial, remote, present[remote], local)
        return
    try:
        device.adb.reverse_remove(remote)
    except (adbutils.AdbError, OSError, EOFError) as exc:
        raise CommandFailedError(device.serial, f"adb reverse --remove {remote}", None, str(exc)) from exc
    if remote in dict(reverse_list(device)):
        raise VerificationError(device.serial, f"adb reverse --remove {remote} left it in `adb reverse --list`")


def _undo_ca(device: Device, record: Mapping[str, Any]) -> None:
    path = str(record["path"])
    found = as_root(device, ["cat", path], check=False)
    if found.exit_code != 0 and as_root(device, ["ls", path], check=False).exit_code == 0:
        raise CommandFailedError(device.serial, f"cat {path}", found.exit_code, found.output)
    if found.exit_code == 0:
        if "".join(found.stdout.split()) != record.get("fingerprint"):
            log.warning("%s: %s no longer holds the harness's CA: left as it is", device.serial, path)
            return
        as_root(device, ["rm", "-f", path])
        if as_root(device, ["ls", path], check=False).exit_code == 0:
            raise VerificationError(device.serial, f"rm -f {path} left the file in place")
    if record.get("made_dir"):  # the harness made the store folder: removed again when empty
        folder = str(record.get("folder") or "")
        if folder and not as_root(device, ["ls", folder], check=False).stdout.split():
            as_root(device, ["rmdir", folder], check=False)


def _undo_iptables(device: Device, tool: str, rule: list[str]) -> None:
    result = as_root(device, [tool, "-w", "-D", *rule], check=False)
    if result.exit_code == 0:
        return
    text = result.output.lower()
    if "does a matching rule exist" in text or "bad rule" in text or "no chain/target/match" in text:
        return  # gone already
    raise CommandFailedError(device.serial, f"{tool} -D {' '.join(rule)}", result.exit_code, result.output)


def repair_capture(device: Device) -> bool:
    """Undo the capture changes a crashed run left on ``device`` (its journal), before anything else
    looks at the phone: a proxy setting pointing at a proxy that died with that run cuts the phone
    off, and the doctor refuses such a phone.  The rest of the journal (consent, seeded canaries)
    stays for the scenario session's ``repair``.  True when there was something to undo."""
    state = pending_journal(device.serial)
    if state is None or not state.capture_changes:
        return False
    log.warning("%s: an earlier run (%s) left the phone routed to its proxy; undoing that first",
                device.serial, state.run)
    problems = undo_all(device, state)
    if problems:
        raise HarnessError(f"{device.serial}: the proxy route of an earlier run could not be undone: "
                           f"{'; '.join(problems)}")
    if not (state.permissions or state.appops or state.settings or state.seeded):
        state.discard()
    return True
