"""Canary seeding: put contacts, SMS, call-log entries and a location on the device, and take them away.

Uses ``content insert|query|delete`` against the public providers.  Values are bound with
``--bind COL:TYPE:VALUE``; from Android 12 a ``:`` inside a value must be escaped as ``\\:``.
Each insert returns the new row's id (the highest ``_id`` right after the insert, read in the same
round trip: the commands of one step go through one ``sh -c`` line, every word quoted), which is what
``remove_*`` takes.  Contacts are removed as a sync adapter so they are really deleted, not only
marked ``deleted=1``.

``remove_*_matching`` delete a row only if it still holds the seeded value (and lies above the
highest ``_id`` seen before it was inserted): what a journal replays after a crash, when the id
may be unknown or, after a provider reused it, belong to someone else's row.  Values reach the
provider's selection as SQL string literals (``'`` doubled), never as shell text.

The location is set the way Android's tests set it: ``cmd location providers add-test-provider``,
``set-test-provider-enabled`` and ``set-test-provider-location`` on the ``gps`` provider, which
Android ignores (silently) unless the shell's ``MOCK_LOCATION`` app-op is ``allow``; the caller
sets that op (``Consent.set_appop``) and puts it back.  Removing the test provider gives ``gps``
back to the real location.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from harness.device.shell import Shell, quote_command
from harness.errors import CommandFailedError, ConfigError

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
_ROW_RAW_CONTACT = re.compile(r"^Row: \d+ raw_contact_id=(\d+)$")
#: The location provider a seeded location replaces (what apps asking for GPS get).
TEST_PROVIDER = "gps"


def sql_text(value: str) -> str:
    """``value`` as an SQLite string literal for a provider's selection (``it's`` -> ``'it''s'``)."""
    if "\x00" in value:
        raise ValueError("a NUL character cannot be part of a seeded value")
    return "'" + value.replace("'", "''") + "'"


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
        elif ":" in text:
            # before Android 12 `content` splits a binding at every ':' and refuses the value
            raise ConfigError(f"{self._device.serial}: {column} value {text!r} cannot be seeded: Android "
                              f"{self._sdk_level()} (before 12) cannot pass a ':' through `content --bind`")
        return ["--bind", f"{column}:{kind}:{text}"]

    def _content(self, verb: str, uri: str, *args: str) -> str:
        result = self._device.shell(["content", verb, "--uri", uri, *args])
        # content prints provider errors on stderr but exits 0
        if "Error while accessing provider" in result.stderr or "[ERROR]" in result.output:
            raise CommandFailedError(self._device.serial, f"content {verb} --uri {uri}", result.exit_code,
                                     result.output)
        return result.stdout

    def _contents(self, *commands: Sequence[str]) -> str:
        """Several ``content VERB --uri URI ARGS`` (each given as VERB, URI, ARGS...) in one round trip
        (``sh -c``, every word quoted); their stdout.  Stops at the first that fails."""
        if len(commands) == 1:
            verb, uri, *args = commands[0]
            return self._content(verb, uri, *args)
        script = " && ".join(quote_command(["content", verb, "--uri", uri, *args]) for verb, uri, *args in commands)
        result = self._device.shell(["sh", "-c", script])
        if "Error while accessing provider" in result.stderr or "[ERROR]" in result.output:
            raise CommandFailedError(self._device.serial, f"content {commands[0][0]} --uri {commands[0][1]} ...",
                                     result.exit_code, result.output)
        return result.stdout

    @staticmethod
    def _query_highest(uri: str) -> list[str]:
        return ["query", uri, "--projection", "_id", "--sort", "_id DESC"]

    @staticmethod
    def _first_id(out: str) -> int:
        for line in out.splitlines():
            match = _ROW_ID.match(line)
            if match:
                return int(match[1])
        return 0

    def _insert_returning_id(self, uri: str, binds: list[str], id_uri: str) -> int:
        """Insert a row and read its id (the highest ``_id`` of ``id_uri`` right after), in one round trip."""
        row_id = self._first_id(self._contents(["insert", uri, *binds], self._query_highest(id_uri)))
        if row_id == 0:
            raise CommandFailedError(self._device.serial, f"content query --uri {id_uri}", 0,
                                     "the inserted row cannot be found")
        return row_id

    def highest_id(self, uri: str) -> int:
        """The highest ``_id`` in ``uri`` (0 when it holds no row)."""
        return self._first_id(self._contents(self._query_highest(uri)))

    @staticmethod
    def _rows_after(row_id: int | None, after: int, column: str = "_id") -> str:
        return f"{column}={int(row_id)}" if row_id is not None else f"{column}>{int(after)}"

    # -- contacts ----------------------------------------------------------------------------
    def add_contact(self, name: str | None, phones: list[str] | tuple[str, ...] = (),
                    emails: list[str] | tuple[str, ...] = ()) -> SeededContact:
        """A contact with a name (None: none), mobile numbers and e-mail addresses."""
        raw_id = self._insert_returning_id(RAW_CONTACTS, [*self._bind("account_type", "n", ""),
                                                          *self._bind("account_name", "n", "")], RAW_CONTACTS)
        rows: list[tuple[str, str, list[str]]] = [(MIME_NAME, name, [])] if name is not None else []
        rows += [(MIME_PHONE, phone, self._bind("data2", "i", 2)) for phone in phones]
        rows += [(MIME_EMAIL, email, self._bind("data2", "i", 1)) for email in emails]
        if rows:
            self._contents(*(["insert", CONTACT_DATA, *self._bind("raw_contact_id", "i", raw_id),
                              *self._bind("mimetype", "s", mimetype), *self._bind("data1", "s", value), *extra]
                             for mimetype, value, extra in rows))
        log.info("%s: seeded contact %s (raw_contact %d)", self._device.serial, name, raw_id)
        return SeededContact(raw_id, name or "")

    def remove_contact(self, contact: SeededContact | int) -> None:
        raw_id = contact.raw_contact_id if isinstance(contact, SeededContact) else int(contact)
        self._contents(["delete", CONTACT_DATA + _SYNC_ADAPTER, "--where", f"raw_contact_id={raw_id}"],
                       ["delete", RAW_CONTACTS + _SYNC_ADAPTER, "--where", f"_id={raw_id}"])

    def remove_contact_matching(self, mimetype: str, value: str, raw_contact_id: int | None = None,
                                after: int = 0) -> list[int]:
        """Remove the contacts (raw contact ``raw_contact_id``, or any above ``after``) that hold a data
        row of ``mimetype`` whose value is ``value``; returns the raw contact ids removed."""
        where = (f"mimetype={sql_text(mimetype)} AND data1={sql_text(value)} AND "
                 + self._rows_after(raw_contact_id, after, "raw_contact_id"))
        out = self._content("query", CONTACT_DATA, "--projection", "raw_contact_id", "--where", where)
        found = sorted({int(m[1]) for line in out.splitlines() if (m := _ROW_RAW_CONTACT.match(line))})
        for raw_id in found:
            self.remove_contact(raw_id)
        return found

    # -- SMS -----------------------------------------------------------------------------------
    def add_sms(self, address: str, body: str, box: str = "inbox", date_ms: int | None = None) -> int:
        if box not in SMS_BOXES:
            raise ValueError(f"SMS box {box!r} is not one of {', '.join(SMS_BOXES)}")
        date = date_ms if date_ms is not None else int(time.time() * 1000)
        sms_id = self._insert_returning_id(f"{SMS_URI}/{box}", [
            *self._bind("address", "s", address), *self._bind("body", "s", body), *self._bind("date", "l", date),
            *self._bind("read", "i", 1), *self._bind("type", "i", SMS_BOXES[box])], SMS_URI)
        log.info("%s: seeded SMS %d from %s", self._device.serial, sms_id, address)
        return sms_id

    def remove_sms(self, sms_id: int) -> None:
        self._content("delete", SMS_URI, "--where", f"_id={int(sms_id)}")

    def remove_sms_matching(self, address: str, body: str, sms_id: int | None = None, after: int = 0) -> None:
        """Delete the SMS ``sms_id`` (or any above ``after``) only if it has this address and body."""
        where = f"address={sql_text(address)} AND body={sql_text(body)} AND {self._rows_after(sms_id, after)}"
        self._content("delete", SMS_URI, "--where", where)

    # -- call log ------------------------------------------------------------------------------
    def add_call(self, number: str, call_type: str = "incoming", duration_s: int = 60,
                 date_ms: int | None = None, name: str | None = None) -> int:
        if call_type not in CALL_TYPES:
            raise ValueError(f"call type {call_type!r} is not one of {', '.join(CALL_TYPES)}")
        date = date_ms if date_ms is not None else int(time.time() * 1000)
        extra = self._bind("name", "s", name) if name else []
        return self._insert_returning_id(CALLS_URI, [
            *self._bind("number", "s", number), *self._bind("type", "i", CALL_TYPES[call_type]),
            *self._bind("duration", "l", duration_s), *self._bind("date", "l", date), *self._bind("new", "i", 1),
            *extra], CALLS_URI)

    def remove_call(self, call_id: int) -> None:
        self._content("delete", CALLS_URI, "--where", f"_id={int(call_id)}")

    def remove_call_matching(self, number: str, call_id: int | None = None, after: int = 0) -> None:
        """Delete the call ``call_id`` (or any above ``after``) only if it is of this number."""
        self._content("delete", CALLS_URI, "--where", f"number={sql_text(number)} AND "
                      + self._rows_after(call_id, after))

    # -- location ------------------------------------------------------------------------------
    def _location(self, *args: str) -> str:
        return self._device.shell(["cmd", "location", *args]).stdout

    def location_enabled(self) -> bool:
        """The master location switch (``cmd location is-location-enabled``)."""
        return self._location("is-location-enabled").strip() == "true"

    def set_test_location(self, lat: float, lon: float, provider: str = TEST_PROVIDER) -> None:
        """Make ``provider`` a test provider at ``lat,lon``; the shell's MOCK_LOCATION op must be
        ``allow`` already (Android ignores the commands silently otherwise)."""
        steps = (["add-test-provider", provider], ["set-test-provider-enabled", provider, "true"],
                 ["set-test-provider-location", provider, "--location", f"{lat!r},{lon!r}"])
        self._device.shell(["sh", "-c", " && ".join(quote_command(["cmd", "location", "providers", *step])
                                                    for step in steps)])
        log.info("%s: seeded location %r,%r on test provider %s", self._device.serial, lat, lon, provider)

    def remove_test_location(self, provider: str = TEST_PROVIDER) -> None:
        """Remove the test provider: ``provider`` reports the real location again (silent if absent)."""
        self._location("providers", "remove-test-provider", provider)
