"""Canary seeding: put contacts, SMS and call-log entries on the device, and take them away.

Uses ``content insert|query|delete`` against the public providers.  Values are bound with
``--bind COL:TYPE:VALUE``; from Android 12 a ``:`` inside a value must be escaped as ``\\:``.
Each insert returns the new row's id (the highest ``_id`` right after the insert), which is what
``remove_*`` takes.  Contacts are removed as a sync adapter so they are really deleted, not only
marked ``deleted=1``.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass

from harness.device.shell import Shell
from harness.errors import CommandFailedError

log = logging.getLogger(__name__)

RAW_CONTACTS = "content://com.android.contacts/raw_contacts"
CONTACT_DATA = "content://com.android.contacts/data"
SMS_URI = "content://sms"
CALLS_URI = "content://call_log/calls"
_SYNC_ADAPTER = "?caller_is_syncadapter=true"
MIME_NAME = "vnd.android.cursor.item/name"
MIME_PHONE = "vnd.android.cursor.item/phone_v2"
MIME_EMAIL = "vnd.android.cursor.item/email_v2"
SMS_BOXES = {"inbox": 1, "sent": 2}
CALL_TYPES = {"incoming": 1, "outgoing": 2, "missed": 3, "rejected": 5}
_ROW_ID = re.compile(r"^Row: \d+ _id=(\d+)")


@dataclass(frozen=True)
class SeededContact:
    raw_contact_id: int
    name: str


class Seeder:
    """Seeds canaries through ``device``'s shell; ``sdk_level()`` is the device's API level (it
    decides how values are escaped), asked only when a value is bound."""

    def __init__(self, device: Shell, sdk_level: Callable[[], int]) -> None:
        self._device = device
        self._sdk_level = sdk_level

    def _bind(self, column: str, kind: str, value: str | int) -> list[str]:
        text = str(value)
        if self._sdk_level() >= 31:
            text = text.replace("\\", "\\\\").replace(":", "\\:")
        return ["--bind", f"{column}:{kind}:{text}"]

    def _content(self, verb: str, uri: str, *args: str) -> str:
        result = self._device.shell(["content", verb, "--uri", uri, *args])
        # content prints provider errors on stderr but exits 0
        if "Error while accessing provider" in result.stderr or "[ERROR]" in result.output:
            raise CommandFailedError(self._device.serial, f"content {verb} --uri {uri}", result.exit_code,
                                     result.output)
        return result.stdout

    def _last_id(self, uri: str) -> int:
        out = self._content("query", uri, "--projection", "_id", "--sort", "_id DESC")
        for line in out.splitlines():
            match = _ROW_ID.match(line)
            if match:
                return int(match[1])
        raise CommandFailedError(self._device.serial, f"content query --uri {uri}", 0,
                                 "the inserted row cannot be found")

    # -- contacts ----------------------------------------------------------------------------
    def add_contact(self, name: str, phones: list[str] | tuple[str, ...] = (),
                    emails: list[str] | tuple[str, ...] = ()) -> SeededContact:
        self._content("insert", RAW_CONTACTS, *self._bind("account_type", "n", ""),
                      *self._bind("account_name", "n", ""))
        raw_id = self._last_id(RAW_CONTACTS)
        rows: list[tuple[str, str, list[str]]] = [(MIME_NAME, name, [])]
        rows += [(MIME_PHONE, phone, self._bind("data2", "i", 2)) for phone in phones]
        rows += [(MIME_EMAIL, email, self._bind("data2", "i", 1)) for email in emails]
        for mimetype, value, extra in rows:
            self._content("insert", CONTACT_DATA, *self._bind("raw_contact_id", "i", raw_id),
                          *self._bind("mimetype", "s", mimetype), *self._bind("data1", "s", value), *extra)
        log.info("%s: seeded contact %s (raw_contact %d)", self._device.serial, name, raw_id)
        return SeededContact(raw_id, name)

    def remove_contact(self, contact: SeededContact | int) -> None:
        raw_id = contact.raw_contact_id if isinstance(contact, SeededContact) else int(contact)
        self._content("delete", CONTACT_DATA + _SYNC_ADAPTER, "--where", f"raw_contact_id={raw_id}")
        self._content("delete", RAW_CONTACTS + _SYNC_ADAPTER, "--where", f"_id={raw_id}")

    # -- SMS -----------------------------------------------------------------------------------
    def add_sms(self, address: str, body: str, box: str = "inbox", date_ms: int | None = None) -> int:
        if box not in SMS_BOXES:
            raise ValueError(f"SMS box {box!r} is not one of {', '.join(SMS_BOXES)}")
        date = date_ms if date_ms is not None else int(time.time() * 1000)
        self._content("insert", f"{SMS_URI}/{box}", *self._bind("address", "s", address),
                      *self._bind("body", "s", body), *self._bind("date", "l", date),
                      *self._bind("read", "i", 1), *self._bind("type", "i", SMS_BOXES[box]))
        sms_id = self._last_id(SMS_URI)
        log.info("%s: seeded SMS %d from %s", self._device.serial, sms_id, address)
        return sms_id

    def remove_sms(self, sms_id: int) -> None:
        self._content("delete", SMS_URI, "--where", f"_id={int(sms_id)}")

    # -- call log ------------------------------------------------------------------------------
    def add_call(self, number: str, call_type: str = "incoming", duration_s: int = 60,
                 date_ms: int | None = None, name: str | None = None) -> int:
        if call_type not in CALL_TYPES:
            raise ValueError(f"call type {call_type!r} is not one of {', '.join(CALL_TYPES)}")
        date = date_ms if date_ms is not None else int(time.time() * 1000)
        extra = self._bind("name", "s", name) if name else []
        self._content("insert", CALLS_URI, *self._bind("number", "s", number),
                      *self._bind("type", "i", CALL_TYPES[call_type]), *self._bind("duration", "l", duration_s),
                      *self._bind("date", "l", date), *self._bind("new", "i", 1), *extra)
        return self._last_id(CALLS_URI)

    def remove_call(self, call_id: int) -> None:
        self._content("delete", CALLS_URI, "--where", f"_id={int(call_id)}")
