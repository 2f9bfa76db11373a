"""Apps, Consent, Seeder and read_facts against a fake shell (the `Shell` seam), no device needed.

The fake answers in Android 14's output formats (../shared/reference/android-shell-formats.md) and
keeps a little state (the permission a `pm grant` flips), so the parts' own logic is what is tested:
which commands they send, how every word is quoted, and how they read the answers back.  The same
parts are tested end to end against the virtual phone in test_device.py.
"""

from __future__ import annotations

import shlex
from collections.abc import Sequence

import pytest

from harness.device.apps import Apps
from harness.device.consent import Consent
from harness.device.facts import read_facts
from harness.device.seed import Seeder
from harness.device.shell import DEFAULT_TIMEOUT, Shell, ShellResult, quote_command
from harness.errors import CommandFailedError, ConfigError, PackageNotFoundError, VerificationError

DUMPSYS = """Packages:
  Package [com.example.app] (4fd82fa):
    userId=10190
    requested permissions:
      android.permission.INTERNET
      android.permission.READ_CONTACTS
    install permissions:
      android.permission.INTERNET: granted=true
    User 0: ceDataInode=25959 installed=true hidden=false suspended=false stopped=false
      runtime permissions:
        android.permission.READ_CONTACTS: granted={granted}, flags=[ USER_SET]
"""


class FakeShell:
    """A phone with one app, com.example.app, whose READ_CONTACTS a `pm grant/revoke` flips."""

    serial = "FAKE0001"

    def __init__(self, *, sticky_permission: bool = False) -> None:
        self.commands: list[str] = []
        self.argvs: list[list[str]] = []  # every command run, `sh -c` scripts split as sh would
        self.granted = False
        self.sticky = sticky_permission  # a ROM whose pm says yes and changes nothing
        self.rows: list[int] = [3]

    def shell(self, args: Sequence[str], *, check: bool = True, timeout: float = DEFAULT_TIMEOUT) -> ShellResult:
        line = quote_command(args)
        self.commands.append(line)
        out, code = self._answer(list(args))
        if check and code != 0:
            raise CommandFailedError(self.serial, line, code, out)
        return ShellResult(line, code, out, "")

    def _answer(self, args: list[str]) -> tuple[str, int]:
        if args[:2] == ["sh", "-c"] and len(args) == 3:  # `a && b`: words as sh would split them
            words, out, code = shlex.split(args[2]), "", 0
            while words and code == 0:
                cut = words.index("&&") if "&&" in words else len(words)
                part, code = self._answer(words[:cut])
                out += part
                words = words[cut + 1:]
            return out, code
        self.argvs.append(args)
        match args:
            case ["pm", "path", "com.example.app"]:
                return "package:/data/app/~~x==/com.example.app-y==/base.apk\n", 0
            case ["pm", "path", _]:
                return "", 1
            case ["dumpsys", "package", "com.example.app"]:
                return DUMPSYS.format(granted=str(self.granted).lower()), 0
            case ["pm", ("grant" | "revoke") as verb, "com.example.app", "android.permission.READ_CONTACTS"]:
                if not self.sticky:
                    self.granted = verb == "grant"
                return "", 0
            case ["getprop"]:
                return ("[ro.build.version.sdk]: [34]\n[ro.build.version.release]: [14]\n"
                        "[ro.product.model]: [Fake 1]\n[ro.product.cpu.abi]: [arm64-v8a]\n"), 0
            case ["getenforce"]:
                return "Enforcing\n", 0
            case ["id"]:
                return "uid=2000(shell) gid=2000(shell)\n", 0
            case ["content", "insert", *_]:
                self.rows.append(self.rows[-1] + 1)
                return "", 0
            case ["content", "query", *_]:
                return "".join(f"Row: {i} _id={r}\n" for i, r in enumerate(reversed(self.rows))), 0
        return f"/system/bin/sh: {args[0]}: inaccessible or not found\n", 127

    def push(self, local: str, remote: str, verify: bool = False) -> int:
        raise AssertionError("not expected in these tests")

    def pull(self, remote: str, local: str) -> int:
        raise AssertionError("not expected in these tests")


def test_a_fake_shell_is_a_shell() -> None:
    shell: Shell = FakeShell()  # type-checked by mypy on the tests' callers as well
    assert shell.serial == "FAKE0001"


def test_apps_require_reads_pm_path() -> None:
    shell = FakeShell()
    apps = Apps(shell)
    apps.require("com.example.app")
    with pytest.raises(PackageNotFoundError, match=r"FAKE0001: package com\.other is not installed"):
        apps.require("com.other")
    assert shell.commands == ["pm path com.example.app", "pm path com.other"]


def test_consent_grant_is_verified_in_dumpsys() -> None:
    shell = FakeShell()
    consent = Consent(shell, Apps(shell))
    assert consent.grant("com.example.app", "android.permission.READ_CONTACTS") is False
    assert shell.granted
    assert consent.permissions("com.example.app")["android.permission.READ_CONTACTS"].granted
    assert "pm grant com.example.app android.permission.READ_CONTACTS" in shell.commands
    sticky = FakeShell(sticky_permission=True)
    with pytest.raises(VerificationError, match="succeeded but dumpsys package shows granted=false"):
        Consent(sticky, Apps(sticky)).grant("com.example.app", "android.permission.READ_CONTACTS")


def test_seeder_quotes_and_escapes_for_the_device_s_api_level() -> None:
    shell = FakeShell()
    levels = iter([34] * 10)
    seeder = Seeder(shell, lambda: next(levels))
    sms_id = seeder.add_sms("+1 415-555-0134", "meet at 10:30; $(reboot)")
    assert sms_id == 4
    insert = next(a for a in shell.argvs if a[:2] == ["content", "insert"])
    assert "body:s:meet at 10\\:30; $(reboot)" in insert  # one word for sh; ':' escaped for API >= 31


def test_read_facts_from_getprop() -> None:
    facts = read_facts(FakeShell())
    assert (facts.serial, facts.sdk, facts.model, facts.abi) == ("FAKE0001", 34, "Fake 1", "arm64-v8a")
    assert facts.selinux == "Enforcing" and not facts.rooted


def test_seeder_refuses_a_colon_that_android_before_12_cannot_pass() -> None:
    shell = FakeShell()
    seeder = Seeder(shell, lambda: 28)
    with pytest.raises(ConfigError, match=r"before 12\) cannot pass a ':' through `content --bind`"):
        seeder.add_sms("+14155550134", "meet at 10:30")
    assert not any(a[:2] == ["content", "insert"] for a in shell.argvs)  # nothing sent half-way
    assert seeder.add_sms("+14155550134", "meet at half past ten") == 4
