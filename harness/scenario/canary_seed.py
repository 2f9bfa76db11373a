"""Seeding a run's canaries onto the phone, and taking every one of them away again.

``seed_canaries(device, canaries)`` puts a canary document (the detector's format, see
``harness.detect.canaries``) on the device and returns a ``SeededCanaries`` record of what it added;
``record.remove(device)`` undoes it.  The record is JSON (``to_json``/``from_json``) and is handed to
``journal`` *before* each change and again after it, so a host-side journal written from it lets
another process undo a run that died half-way (``SeededCanaries.from_json(saved).remove(device)``).

What goes where, and what cannot be seeded over adb:

- contacts, SMS (inbox), call log (incoming calls): ``content insert`` (``harness.device.seed``).
  Each row is recorded with the highest ``_id`` before its insert and, once known, its own id;
  removal deletes a row only while it still holds the seeded value, so a replayed journal never
  deletes a row that a provider has since given the same id.
- location: the ``gps`` test provider, after setting the shell's ``MOCK_LOCATION`` app-op to
  ``allow``; removal removes the test provider and puts the app-op back as it was read.  Whether
  a test provider was there before cannot be read over adb, so one that was is removed too.
- clipboard: Android has no adb command that sets it (no ``cmd clipboard`` on Android 14; the
  virtual phone has none either); only an app can, e.g. the uiautomator2 server, so it is seeded
  only when a ``ClipboardAccess`` (a ``uiautomator2.Device`` is one) is given, else skipped and
  logged.
- accounts: Android has no adb command that adds an account (``AccountManager.addAccountExplicitly``
  must be called by the app owning the authenticator); skipped and logged.  Account canaries still
  go into the run's canaries.

Every value travels as an argument (``Device.shell`` quotes each one): canary text is data, never a
device shell line.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

from harness.detect.canaries import CanarySet
from harness.device.apps import Apps
from harness.device.consent import APPOP_MODES, Consent
from harness.device.seed import CALLS_URI, MIME_EMAIL, MIME_NAME, MIME_PHONE, RAW_CONTACTS, SMS_URI, Seeder
from harness.device.shell import Shell
from harness.errors import ConfigError, HarnessError, UiError, VerificationError

log = logging.getLogger(__name__)

__all__ = ["ClipboardAccess", "SeededCanaries", "SeededItem", "SeededLocation", "seed_canaries"]

SHELL_PACKAGE = "com.android.shell"
MOCK_LOCATION = "MOCK_LOCATION"
#: Told the record's JSON before and after every change (to keep a host-side journal).
Journal = Callable[[dict[str, Any]], None]
NO_CLIPBOARD = ("clipboard: not seeded: Android has no adb command that sets the clipboard (no `cmd clipboard` "
                "service command on Android 14); give a clipboard access (the uiautomator2 server) to seed it")
NO_ACCOUNTS = ("accounts: not seeded: Android has no adb command that adds an account (only the app owning "
               "the account's authenticator can); they are still searched for")


class ClipboardAccess(Protocol):
    """Something that reads and sets the phone's clipboard from inside it (``uiautomator2.Device``)."""

    @property
    def clipboard(self) -> str | None: ...

    def set_clipboard(self, text: str, label: str | None = None) -> None: ...


@dataclass
class SeededItem:
    """One provider row seeded: ``kind`` contact|sms|call, the values it holds, the highest ``_id``
    before its insert (``after``) and its own id once known."""

    kind: str
    values: dict[str, Any]
    after: int
    id: int | None = None


@dataclass
class SeededLocation:
    """The test location set, and the shell's MOCK_LOCATION app-op mode before it was."""

    lat: float
    lon: float
    provider: str
    mock_mode_before: str


@dataclass
class SeededClip:
    text: str
    previous: str | None


@dataclass
class SeededCanaries:
    """Everything seeded on one device for a run, enough to undo it (also from another process)."""

    serial: str
    #: the canary document that was asked for (the detector's format)
    canaries: dict[str, Any] = field(default_factory=dict)
    items: list[SeededItem] = field(default_factory=list)
    location: SeededLocation | None = None
    clipboard: SeededClip | None = None
    #: what could not be seeded, and why
    skipped: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        """Nothing is left on the device."""
        return not self.items and self.location is None and self.clipboard is None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> SeededCanaries:
        try:
            location, clip = data.get("location"), data.get("clipboard")
            return cls(
                serial=str(data["serial"]), canaries=dict(data.get("canaries") or {}),
                items=[SeededItem(str(i["kind"]), dict(i["values"]), int(i["after"]),
                                  None if i.get("id") is None else int(i["id"])) for i in data.get("items", [])],
                location=SeededLocation(float(location["lat"]), float(location["lon"]), str(location["provider"]),
                                        str(location["mock_mode_before"])) if location else None,
                clipboard=SeededClip(str(clip["text"]), clip.get("previous")) if clip else None,
                skipped=[str(s) for s in data.get("skipped", [])])
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise ConfigError(f"the seeded-canaries record is damaged ({exc!r})") from exc

    def remove(self, device: Shell, *, clipboard: ClipboardAccess | None = None,
               journal: Journal | None = None) -> list[str]:
        """Take away everything seeded (newest first); returns the problems, [] when all is gone.
        Goes on past a failure; what could not be removed stays in the record (and the journal)."""
        if device.serial != self.serial:
            raise ConfigError(f"the seeded canaries were seeded on {self.serial}, not on {device.serial}")
        seeder = Seeder(device, _no_binds)
        problems: list[str] = []

        def attempt(what: str, action: Callable[[], None]) -> bool:
            try:
                action()
            except HarnessError as exc:
                problems.append(f"{what}: could not be removed: {exc}")
                return False
            except (KeyError, TypeError, ValueError) as exc:   # a damaged record
                problems.append(f"{what}: the record is damaged ({exc!r})")
                return False
            if journal is not None:
                journal(self.to_json())
            return True

        for item in reversed(list(self.items)):
            def undo(item: SeededItem = item) -> None:
                _remove_item(seeder, item)
                self.items.remove(item)
            attempt(f"{item.kind} {item.id if item.id is not None else 'being seeded'}", undo)
        if self.location is not None:
            attempt("location", lambda: self._remove_location(device, seeder))
        if self.clipboard is not None:
            if clipboard is None:
                problems.append("clipboard: not restored (no clipboard access given)")
            else:
                attempt("clipboard", lambda: self._restore_clipboard(clipboard))
        if not problems:
            log.info("%s: seeded canaries removed", self.serial)
        return problems

    def _remove_location(self, device: Shell, seeder: Seeder) -> None:
        assert self.location is not None
        if _mock_mode(device) != "allow":   # removing a test provider needs the op too
            _set_mock_mode(device, "allow")
        seeder.remove_test_location(self.location.provider)
        _set_mock_mode(device, self.location.mock_mode_before)
        self.location = None

    def _restore_clipboard(self, access: ClipboardAccess) -> None:
        assert self.clipboard is not None
        clip = self.clipboard
        with _clipboard_errors(self.serial):
            if access.clipboard == clip.text:   # not replaced by someone since: put the old clip back
                access.set_clipboard(clip.previous or "")
        self.clipboard = None


@contextmanager
def _clipboard_errors(serial: str) -> Iterator[None]:
    """A clipboard access (an app's server, e.g. uiautomator2's) fails in its own ways: a ``UiError``."""
    try:
        yield
    except Exception as exc:
        raise UiError(serial, f"the clipboard could not be read or set: {exc}") from exc


def _no_binds() -> int:
    raise AssertionError("removal binds no values")  # pragma: no cover


def _remove_item(seeder: Seeder, item: SeededItem) -> None:
    values = item.values
    if item.kind == "contact":
        mimetype, value = _contact_key(values)
        seeder.remove_contact_matching(mimetype, value, item.id, item.after)
    elif item.kind == "sms":
        seeder.remove_sms_matching(values["address"], values["body"], item.id, item.after)
    elif item.kind == "call":
        seeder.remove_call_matching(values["number"], item.id, item.after)
    else:
        raise ConfigError(f"the seeded-canaries record names an unknown kind {item.kind!r}")


def _contact_key(values: Mapping[str, Any]) -> tuple[str, str]:
    """The data row a seeded contact is found by: its name, else its first phone, else e-mail."""
    if values.get("name"):
        return MIME_NAME, str(values["name"])
    if values.get("phones"):
        return MIME_PHONE, str(values["phones"][0])
    return MIME_EMAIL, str(values["emails"][0])


def _sdk_of(device: Shell) -> int:
    text = device.shell(["getprop", "ro.build.version.sdk"]).stdout.strip()
    return int(text) if text.isdigit() else 0


def seed_canaries(device: Shell, canaries: Mapping[str, Any], *, sdk: int | None = None,
                  journal: Journal | None = None, clipboard: ClipboardAccess | None = None) -> SeededCanaries:
    """Seed ``canaries`` (the detector's format) on ``device``; ``sdk`` is its API level (read when
    None).  All or nothing: when a step fails, what was already seeded is removed and the error
    raised (what could not be removed then stays in the journal)."""
    CanarySet.from_mapping(canaries, "canaries to seed")   # the detector's format, or a DetectError
    level = sdk if sdk is not None else _sdk_of(device)
    seeder = Seeder(device, lambda: level)
    record = SeededCanaries(device.serial, canaries=dict(canaries))

    def note() -> None:
        if journal is not None:
            journal(record.to_json())

    last: dict[str, int] = {}   # uri -> the id of the row seeded last (the "after" of the next one)

    def add(kind: str, uri: str, values: dict[str, Any], insert: Callable[[dict[str, Any]], int]) -> None:
        item = SeededItem(kind, values, after=last[uri] if uri in last else seeder.highest_id(uri))
        record.items.append(item)
        note()
        item.id = last[uri] = insert(values)
        note()

    try:
        for contact in canaries.get("contacts") or []:
            name = contact.get("name")
            add("contact", RAW_CONTACTS, {"name": None if name is None else str(name),
                                          "phones": [str(p) for p in contact.get("phones") or []],
                                          "emails": [str(e) for e in contact.get("emails") or []]},
                lambda v: seeder.add_contact(v["name"], v["phones"], v["emails"]).raw_contact_id)
        for sms in canaries.get("sms") or []:
            add("sms", SMS_URI, {"address": str(sms.get("address") or ""), "body": str(sms.get("body") or "")},
                lambda v: seeder.add_sms(v["address"], v["body"]))
        for call in canaries.get("call_log") or []:
            if not call.get("number"):
                record.skipped.append(f"call_log: an entry without a number ({call.get('name')!r}) is not seeded")
                continue
            add("call", CALLS_URI, {"number": str(call["number"]), "name": call.get("name")},
                lambda v: seeder.add_call(v["number"], name=v["name"]))
        if canaries.get("location"):
            _seed_location(device, seeder, record, canaries["location"], note)
        _seed_clipboard(record, canaries.get("clipboard"), clipboard, note)
        if canaries.get("accounts"):
            log.info("%s: %s", device.serial, NO_ACCOUNTS)
            record.skipped.append(NO_ACCOUNTS)
    except (HarnessError, ValueError) as exc:
        problems = record.remove(device, clipboard=clipboard, journal=journal)
        log.error("%s: seeding the canaries failed (%s); removed what was seeded%s", device.serial, exc,
                  "" if not problems else "; left: " + "; ".join(problems))
        raise
    note()
    return record


def _mock_mode(device: Shell) -> str:
    """The shell's MOCK_LOCATION app-op mode (``default`` when none is set)."""
    return Consent(device, Apps(device)).appop(SHELL_PACKAGE, MOCK_LOCATION)


def _set_mock_mode(device: Shell, mode: str) -> None:
    """``appops set`` read back with ``appops get`` (com.android.shell is always installed, so
    ``Consent.set_appop``'s package check is spared: seeding is part of every variant's reset)."""
    if mode not in APPOP_MODES:
        raise ConfigError(f"app-op mode {mode!r} is not one of {', '.join(APPOP_MODES)}")
    device.shell(["appops", "set", SHELL_PACKAGE, MOCK_LOCATION, mode])
    if (now := _mock_mode(device)) != mode:
        raise VerificationError(device.serial, f"appops set {SHELL_PACKAGE} {MOCK_LOCATION} {mode} succeeded but "
                                               f"appops get shows {now}")


def _seed_location(device: Shell, seeder: Seeder, record: SeededCanaries, where: Mapping[str, Any],
                   note: Callable[[], None]) -> None:
    if not seeder.location_enabled():
        log.warning("%s: location is off on the device: the seeded location is only seen once it is on",
                    device.serial)
    record.location = SeededLocation(float(where["lat"]), float(where["lon"]), "gps", _mock_mode(device))
    note()
    if record.location.mock_mode_before != "allow":
        _set_mock_mode(device, "allow")
    seeder.set_test_location(record.location.lat, record.location.lon, record.location.provider)


def _seed_clipboard(record: SeededCanaries, texts: Any, access: ClipboardAccess | None,
                    note: Callable[[], None]) -> None:
    clips = [texts] if isinstance(texts, str) else list(texts or [])
    if not clips:
        return
    if access is None:
        log.info("%s: %s", record.serial, NO_CLIPBOARD)
        record.skipped.append(NO_CLIPBOARD)
        return
    with _clipboard_errors(record.serial):
        record.clipboard = SeededClip(str(clips[-1]), access.clipboard)
        note()
        access.set_clipboard(record.clipboard.text)
