"""Leaving the phone as it was found: what a run changes, read before, put back after, journaled.

``PhoneState.capture(device, app, scenario)`` reads, before the run changes anything, every
runtime permission, app-op and setting any variant (or any mid-flow ``grant``/``revoke``/
``appops``/``setting`` step) can touch.  ``apply(variant)`` sets a variant's consent and reads
each value back (the device layer verifies); ``restore()`` puts back what was read, verified the
same way.  The snapshot is written to a host-side journal (``$HARNESS_HOME/journals/SERIAL.json``,
atomically) before the first change, together with whatever ``note_seeded`` and ``note_capture``
(the proxy path's changes, ``harness.capture``) record, so a run that
dies half-way (SIGKILL, a crash, a power cut) is repaired by the next ``harness run`` on that phone
(``repair``) before it changes anything itself.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness import config
from harness.device.device import Device
from harness.errors import ConfigError, HarnessError, VerificationError
from harness.files import write_atomic
from harness.scenario.model import Scenario, Step, Variant

log = logging.getLogger(__name__)

_SETTING_KEY = re.compile(r"^(system|secure|global)\.(.+)$")


def split_setting(name: str) -> tuple[str, str]:
    """``"secure.upload_log_pref"`` -> ``("secure", "upload_log_pref")``."""
    match = _SETTING_KEY.match(name)
    if match is None:
        raise ConfigError(f"setting {name!r}: expected NAMESPACE.KEY with NAMESPACE system, secure or global")
    return match[1], match[2]


def journal_path(serial: str) -> Path:
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", serial)
    return config.home_dir() / "journals" / f"{safe}.json"


def _walk(steps: Iterable[Step]) -> Iterator[Step]:
    for step in steps:
        yield step
        nested = step.args.get("commands")
        if isinstance(nested, tuple):
            yield from _walk(nested)


@dataclass
class PhoneState:
    """The originals of what a run may change on one device, and the journal that remembers them."""

    serial: str
    #: (package, permission) -> granted before the run
    permissions: dict[tuple[str, str], bool] = field(default_factory=dict)
    #: (package, op) -> mode before the run
    appops: dict[tuple[str, str], str] = field(default_factory=dict)
    #: "namespace.key" -> value before the run (None: not set)
    settings: dict[str, str | None] = field(default_factory=dict)
    #: what was seeded (the seeding's own JSON record, undone by ``unseed``), by label
    seeded: dict[str, Any] = field(default_factory=dict)
    #: what the second capture path changed (proxy setting, reverse port, CA file, iptables rule): a
    #: JSON record per change, by label, in the order made; undone by ``harness.capture.cleanup``
    capture_changes: dict[str, Any] = field(default_factory=dict)
    run: str | None = None

    # ---- before the run --------------------------------------------------------------------

    @classmethod
    def capture(cls, device: Device, scenario: Scenario, run: Path) -> PhoneState:
        """Read the originals of everything ``scenario`` can change, then journal them."""
        state = cls(device.serial, run=str(run))
        app = scenario.app
        steps = list(_walk(scenario.steps)) + [s for v in scenario.variants for s in _walk(v.ui)]
        for variant in scenario.variants:
            for permission in variant.permissions:
                state._read_permission(device, _need_app(app, variant.name), permission)
            for op in variant.appops:
                state._read_appop(device, _need_app(app, variant.name), op)
            for name in variant.settings:
                state._read_setting(device, name)
        for step in steps:
            package = step.args.get("package") or app
            if step.command in ("grant", "revoke") and package:
                state._read_permission(device, package, str(step.args["permission"]))
            elif step.command == "appops" and package:
                for op in step.args.get("ops", {}):
                    state._read_appop(device, package, op)
            elif step.command == "setting":
                for name in step.args.get("values", {}):
                    state._read_setting(device, name)
        state.save()
        return state

    def _read_permission(self, device: Device, package: str, permission: str) -> None:
        key = (package, permission)
        if key not in self.permissions:
            current = device.consent.permissions(package).get(permission)
            self.permissions[key] = bool(current and current.granted)

    def _read_appop(self, device: Device, package: str, op: str) -> None:
        key = (package, op)
        if key not in self.appops:
            self.appops[key] = device.consent.appop(package, op)

    def _read_setting(self, device: Device, name: str) -> None:
        if name not in self.settings:
            self.settings[name] = device.consent.setting(*split_setting(name))

    # ---- the journal -----------------------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        return {
            "serial": self.serial, "run": self.run,
            "permissions": [[p, perm, granted] for (p, perm), granted in self.permissions.items()],
            "appops": [[p, op, mode] for (p, op), mode in self.appops.items()],
            "settings": self.settings, "seeded": self.seeded, "capture": self.capture_changes,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> PhoneState:
        try:
            return cls(
                serial=str(data["serial"]), run=data.get("run"),
                permissions={(str(p), str(perm)): bool(g) for p, perm, g in data.get("permissions", [])},
                appops={(str(p), str(op)): str(m) for p, op, m in data.get("appops", [])},
                settings={str(k): (None if v is None else str(v)) for k, v in dict(data.get("settings", {})).items()},
                seeded=dict(data.get("seeded", {})), capture_changes=dict(data.get("capture", {})))
        except (KeyError, TypeError, ValueError) as exc:
            raise ConfigError(f"the phone-state journal is damaged ({exc})") from exc

    def save(self) -> None:
        path = journal_path(self.serial)
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, json.dumps(self.to_json(), indent=1).encode("utf-8"))

    def note_seeded(self, label: str, record: Any) -> None:
        """Remember something seeded (its JSON record) until ``forget_seeded``; journaled at once."""
        self.seeded[label] = record
        self.save()

    def forget_seeded(self, label: str) -> None:
        self.seeded.pop(label, None)
        self.save()

    def note_capture(self, label: str, record: Any) -> None:
        """Remember a change the capture path is about to make (its JSON undo record); journaled at
        once, before the change, so a crash in between leaves the record for ``repair``."""
        self.capture_changes[label] = record
        self.save()

    def forget_capture(self, label: str) -> None:
        self.capture_changes.pop(label, None)
        self.save()

    def discard(self) -> None:
        """The phone is as it was found: the journal has no more work."""
        journal_path(self.serial).unlink(missing_ok=True)

    # ---- applying and restoring --------------------------------------------------------------

    def apply(self, device: Device, variant: Variant, app: str | None) -> None:
        """Set ``variant``'s permissions, app-ops and settings; each is read back (verified)."""
        for permission, action in variant.permissions.items():
            package = _need_app(app, variant.name)
            if action == "grant":
                device.consent.grant(package, permission)
            else:
                device.consent.revoke(package, permission)
        for op, mode in variant.appops.items():
            device.consent.set_appop(_need_app(app, variant.name), op, mode)
        for name, value in variant.settings.items():
            device.consent.put_setting(*split_setting(name), value)

    def restore(self, device: Device) -> list[str]:
        """Put every captured value back and read it back; the problems (an empty list when the
        phone is as it was).  Goes on past a failure so as much as possible is restored."""
        problems: list[str] = []
        # one read per package / op / key first: only what differs is written (and read back)
        current: dict[str, dict[str, bool]] = {}
        for (package, permission), granted in self.permissions.items():
            if package not in current:
                try:
                    current[package] = {n: s.granted for n, s in device.consent.permissions(package).items()}
                except HarnessError as exc:
                    problems.append(f"{package} permissions: could not be read: {exc}")
                    current[package] = {}
            if current[package].get(permission, False) != granted:
                _attempt(problems, f"{package} {permission}", lambda p=package, q=permission, g=granted: (
                    device.consent.grant(p, q) if g else device.consent.revoke(p, q)))
        for (package, op), mode in self.appops.items():
            if _read(problems, f"{package} app-op {op}", lambda p=package, o=op: device.consent.appop(p, o)) != mode:
                _attempt(problems, f"{package} app-op {op}",
                         lambda p=package, o=op, m=mode: device.consent.set_appop(p, o, m))
        for name, value in self.settings.items():
            if _read(problems, f"setting {name}", lambda n=name: device.consent.setting(*split_setting(n))) != value:
                _attempt(problems, f"setting {name}",
                         lambda n=name, v=value: device.consent.restore_setting(*split_setting(n), v))
        return problems


def _attempt(problems: list[str], what: str, action: Any) -> None:
    try:
        action()
    except VerificationError as exc:
        problems.append(f"{what}: {exc}")
    except HarnessError as exc:
        problems.append(f"{what}: could not be restored: {exc}")


_UNREADABLE = object()


def _read(problems: list[str], what: str, read: Any) -> Any:
    try:
        return read()
    except HarnessError as exc:
        problems.append(f"{what}: could not be read: {exc}")
        return _UNREADABLE


def _need_app(app: str | None, variant: str) -> str:
    if app is None:
        raise ConfigError(f"variant {variant!r} changes an app's consent but the scenario has no `app:`")
    return app


def pending_journal(serial: str) -> PhoneState | None:
    """The journal a crashed run left for ``serial``, if any."""
    path = journal_path(serial)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the phone-state journal: {exc.strerror}") from exc
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise ConfigError(f"{path}: the phone-state journal is not JSON ({exc}); remove it after checking "
                          "the phone by hand") from exc
    return PhoneState.from_json(data)
