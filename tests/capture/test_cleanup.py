"""What the proxy path changes on a phone is journaled before it is made and undone from the journal
alone (the next run's repair after a crash), touching only what is still the harness's.  The phone
here is a fake that answers the shell commands as Android's tools do (settings, su -c, cat, ls, cp,
rm, iptables) and keeps adb reverse listeners; the virtual phone runs the same code end to end
(tests/capture/test_capture_e2e.py)."""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import adbutils
import pytest

from harness.capture.ca import CaCert
from harness.capture.cleanup import undo_all
from harness.capture.phone import QUIC_RULE, USER_STORE, add_reverse, block_quic, install_ca, set_proxy
from harness.device.consent import Consent
from harness.device.shell import ShellResult
from harness.scenario.phone_state import PhoneState, journal_path, pending_journal
from tests.capture.mitm_support import make_ca


@dataclass
class Facts:
    root_method: str | None = "su"


@dataclass
class FakeAdb:
    reverses: dict[str, str] = field(default_factory=dict)

    def reverse(self, remote: str, local: str, norebind: bool = False) -> None:
        if norebind and remote in self.reverses:
            raise adbutils.AdbError(f"cannot rebind {remote}")
        self.reverses[remote] = local

    def reverse_list(self) -> list[adbutils.ReverseItem]:
        return [adbutils.ReverseItem(remote, local) for remote, local in self.reverses.items()]

    def reverse_remove(self, remote: str) -> None:
        self.reverses.pop(remote, None)


class FakePhone:
    """Android's shell tools over dictionaries (only what the capture path uses)."""

    def __init__(self, serial: str = "fake-phone", iptables: bool = True) -> None:
        self.serial = serial
        self.settings: dict[str, str] = {}
        self.files: dict[str, str] = {}
        self.dirs: set[str] = {"/data/local/tmp", "/system/etc/security/cacerts"}
        self.rules: dict[str, list[tuple[str, ...]]] = {"iptables": [], "ip6tables": []} if iptables else {}
        self.adb = FakeAdb()
        self.commands: list[list[str]] = []
        self.consent = Consent(self, apps=None)  # type: ignore[arg-type]  # settings need no package checks
        self.fail_iptables_delete = False

    def facts(self) -> Facts:
        return Facts()

    def push(self, local: str, remote: str, verify: bool = False) -> int:
        self.files[remote] = Path(local).read_text()
        return len(self.files[remote])

    def shell(self, args: Sequence[str], *, check: bool = True, timeout: float = 0) -> ShellResult:
        argv = list(args)
        if argv[:2] == ["su", "-c"]:
            argv = shlex.split(argv[2])
        self.commands.append(argv)
        code, out, err = self._run(argv)
        result = ShellResult(" ".join(argv), code, out, err)
        if check and code != 0:
            from harness.errors import CommandFailedError

            raise CommandFailedError(self.serial, result.command, code, out + err)
        return result

    def _run(self, argv: list[str]) -> tuple[int, str, str]:
        tool, rest = argv[0], argv[1:]
        if tool == "settings":
            verb, _ns, key, *value = rest
            if verb == "get":
                return 0, self.settings.get(key, "null") + "\n", ""
            if verb == "put":
                self.settings[key] = value[0]
            elif verb == "delete":
                self.settings.pop(key, None)
            return 0, "", ""
        if tool == "cat":
            return (0, self.files[rest[0]], "") if rest[0] in self.files else (1, "", "No such file or directory")
        if tool == "ls":
            path = rest[-1]
            if path in self.dirs:
                names = sorted(p.rsplit("/", 1)[1] for p in self.files if p.rsplit("/", 1)[0] == path)
                return 0, "" if rest[0] == "-d" else "\n".join(names), ""
            return (0, path, "") if path in self.files else (1, "", "No such file or directory")
        if tool == "mkdir":
            self.dirs.add(rest[-1])
        elif tool == "rmdir":
            self.dirs.discard(rest[-1])
        elif tool == "cp":
            self.files[rest[1]] = self.files[rest[0]]
        elif tool == "rm":
            self.files.pop(rest[-1], None)
        elif tool in ("chmod", "chown", "restorecon"):
            return 0, "", ""
        elif tool in self.rules:
            return self._iptables(tool, rest)
        else:
            return 127, "", f"{tool}: not found"
        return 0, "", ""

    def _iptables(self, tool: str, rest: list[str]) -> tuple[int, str, str]:
        rest = [a for a in rest if a != "-w"]
        verb, rule = rest[0], tuple(rest[1:])
        if verb == "-L":
            return 0, "Chain OUTPUT (policy ACCEPT)\n", ""
        if verb == "-I":
            self.rules[tool].append(rule)
        elif verb == "-D":
            if self.fail_iptables_delete:
                return 4, "", "iptables: Resource temporarily unavailable."
            if rule not in self.rules[tool]:
                return 1, "", "iptables: Bad rule (does a matching rule exist in that chain?)."
            self.rules[tool].remove(rule)
        return 0, "", ""


@pytest.fixture
def ca(tmp_path: Path) -> CaCert:
    path, _key, _cert = make_ca(tmp_path)
    return CaCert.from_pem(path.read_bytes())


def route(phone: FakePhone, state: PhoneState, ca: CaCert) -> int:
    """What CaptureSession.attach does to the phone, in its order."""
    install_ca(phone, state, "ca-user", ca, USER_STORE)  # type: ignore[arg-type]
    install_ca(phone, state, "ca-system", ca, "/system/etc/security/cacerts")  # type: ignore[arg-type]
    block_quic(phone, state)  # type: ignore[arg-type]
    port = add_reverse(phone, state, "reverse", 50001)  # type: ignore[arg-type]
    set_proxy(phone, state, "http_proxy", f"127.0.0.1:{port}")  # type: ignore[arg-type]
    return port


def test_the_journal_alone_undoes_everything(ca: CaCert) -> None:
    phone = FakePhone()
    phone.files[f"{USER_STORE}/{ca.hash_name}.0"] = "someone else's CA with the same hash"
    phone.dirs.add(USER_STORE)
    state = PhoneState(phone.serial, run="runs/x")
    state.save()
    port = route(phone, state, ca)
    user_ca = f"{USER_STORE}/{ca.hash_name}.1"  # .0 was taken: the next free name
    assert phone.settings["http_proxy"] == f"127.0.0.1:{port}"
    assert phone.adb.reverses == {f"tcp:{port}": "tcp:50001"}
    assert phone.files[user_ca] == ca.pem.decode()
    assert phone.files[f"/system/etc/security/cacerts/{ca.hash_name}.0"] == ca.pem.decode()
    assert phone.rules == {"iptables": [QUIC_RULE], "ip6tables": [QUIC_RULE]}
    assert "/data/local/tmp/harness-mitm-ca.pem" not in phone.files  # the staging copy is gone

    # the harness dies here: the next run finds the journal and repairs the phone from it alone
    journal = pending_journal(phone.serial)
    assert journal is not None
    assert list(journal.capture_changes) == ["ca-user", "ca-system", "quic-iptables", "quic-ip6tables", "reverse",
                                             "http_proxy"]
    assert journal.capture_changes["http_proxy"]["previous"]["http_proxy"] is None
    start = len(phone.commands)
    assert undo_all(phone, journal) == []  # type: ignore[arg-type]
    assert "http_proxy" not in phone.settings  # ":0" first, then deleted as it was
    assert ["settings", "put", "global", "http_proxy", ":0"] in phone.commands
    assert phone.adb.reverses == {}
    assert user_ca not in phone.files and f"{USER_STORE}/{ca.hash_name}.0" in phone.files  # only ours removed
    assert not [p for p in phone.files if p.startswith("/system/")]
    assert phone.rules == {"iptables": [], "ip6tables": []}
    assert pending_journal(phone.serial) is not None and pending_journal(phone.serial).capture_changes == {}
    # the proxy setting went first, the CA last (newest first: the network comes back before anything else)
    touched = [c[0] for c in phone.commands[start:] if c[0] in ("settings", "rm", "iptables")]
    assert touched.index("settings") < touched.index("iptables") < touched.index("rm")
    journal_path(phone.serial).unlink()


def test_undo_touches_only_what_is_still_the_harnesss(ca: CaCert) -> None:
    phone = FakePhone(iptables=False)
    phone.settings["http_proxy"] = "10.0.0.1:3128"  # the user's own proxy, put back afterwards
    phone.dirs.add(USER_STORE)
    state = PhoneState(phone.serial)
    route(phone, state, ca)
    assert phone.rules == {} and "quic-iptables" not in state.capture_changes  # no iptables: nothing journaled
    undo_all(phone, state)  # type: ignore[arg-type]
    assert phone.settings["http_proxy"] == "10.0.0.1:3128"
    assert USER_STORE in phone.dirs  # it was there before

    port = route(phone, state, ca)
    phone.settings["http_proxy"] = "192.168.1.2:8888"  # changed by someone since
    phone.adb.reverses[f"tcp:{port}"] = "tcp:9999"        # rebound by someone else
    path = f"{USER_STORE}/{ca.hash_name}.0"
    phone.files[path] = "another certificate now"
    assert undo_all(phone, state) == []  # type: ignore[arg-type]
    assert phone.settings["http_proxy"] == "192.168.1.2:8888"
    assert phone.adb.reverses == {f"tcp:{port}": "tcp:9999"}
    assert phone.files[path] == "another certificate now"
    assert state.capture_changes == {}
    journal_path(phone.serial).unlink(missing_ok=True)


def test_an_undo_that_fails_keeps_its_record_for_the_next_run(ca: CaCert) -> None:
    phone = FakePhone()
    state = PhoneState(phone.serial)
    route(phone, state, ca)
    phone.fail_iptables_delete = True
    problems = undo_all(phone, state)  # type: ignore[arg-type]
    assert len(problems) == 2 and all("Resource temporarily unavailable" in p for p in problems)
    assert set(state.capture_changes) == {"quic-iptables", "quic-ip6tables"}  # the rest is undone
    assert "http_proxy" not in phone.settings and phone.adb.reverses == {}
    phone.fail_iptables_delete = False
    again = pending_journal(phone.serial)
    assert again is not None and undo_all(phone, again) == []  # type: ignore[arg-type]
    assert phone.rules == {"iptables": [], "ip6tables": []}
    journal_path(phone.serial).unlink(missing_ok=True)


def test_journal_round_trip_keeps_records_and_order() -> None:
    state = PhoneState("round-trip", settings={"global.x": None}, seeded={"canaries": {"a": 1}})
    records: dict[str, Any] = {
        "ca-user": {"type": "ca_file", "path": f"{USER_STORE}/0123abcd.0", "folder": USER_STORE, "made_dir": False,
                    "fingerprint": "-----BEGIN..."},
        "reverse": {"type": "reverse", "remote": "tcp:40001", "local": "tcp:50001"},
        "http_proxy": {"type": "http_proxy", "value": "127.0.0.1:40001", "previous": {"http_proxy": None}},
    }
    for label, record in records.items():
        state.note_capture(label, record)
    loaded = pending_journal("round-trip")
    assert loaded is not None
    assert loaded.capture_changes == records and list(loaded.capture_changes) == list(records)
    assert loaded.seeded == {"canaries": {"a": 1}} and loaded.settings == {"global.x": None}
    loaded.forget_capture("reverse")
    assert list(pending_journal("round-trip").capture_changes) == ["ca-user", "http_proxy"]  # type: ignore[union-attr]
    old = PhoneState.from_json({"serial": "old"})  # a journal written before the capture path
    assert old.capture_changes == {}
    loaded.discard()
