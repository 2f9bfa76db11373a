"""The doctor's parts that need no phone: parsers, ELF ABIs, version matching, the registry."""

from __future__ import annotations

import lzma
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from harness.device.facts import DeviceFacts
from harness.device.shell import ShellResult, quote_command
from harness.doctor import registry
from harness.doctor.cli import exit_code
from harness.doctor.context import Context
from harness.doctor.frida_server import (
    abi_mismatch,
    asset_name,
    compare,
    elf_abi,
    read_root,
    read_server_file,
)
from harness.doctor.model import Check, CheckSpec, PhoneNotReadyError, failed, passed
from harness.doctor.phone_checks import (
    adb_check,
    authorised_check,
    clock_check,
    parse_df_available,
    proxy_check,
    storage_check,
)
from harness.doctor.provision import _ART
from harness.doctor.ui_checks import MIUI_FIX, rom, uiautomator2_check
from harness.errors import ConfigError
from harness.instrument.versions import CLIENT_VERSION
from tests.doctor.doctor_support import elf_header

MAJOR = int(CLIENT_VERSION.split(".")[0])


@pytest.mark.parametrize(("machine", "bits", "abi"), [
    (183, 64, "arm64-v8a"), (40, 32, "armeabi-v7a"), (3, 32, "x86"), (62, 64, "x86_64")])
def test_elf_abi_from_the_header(machine: int, bits: int, abi: str) -> None:
    assert elf_abi(elf_header(machine, bits), "f") == abi


def test_elf_abi_refuses_what_is_not_an_android_executable() -> None:
    with pytest.raises(ConfigError, match="not an ELF executable"):
        elf_abi(b"#!/bin/sh\necho 17.0.0\n", "script")
    with pytest.raises(ConfigError, match="machine 8"):      # MIPS
        elf_abi(elf_header(8, 32), "mips")
    with pytest.raises(ConfigError, match="malformed"):
        elf_abi(b"\x7fELF\x02", "short")


def test_an_xz_release_asset_is_unpacked_and_its_abi_read(tmp_path: Path) -> None:
    packed = tmp_path / "frida-server-android-arm64.xz"
    packed.write_bytes(lzma.compress(elf_header(183, 64) + bytes(100), format=lzma.FORMAT_XZ))
    server = read_server_file(packed, tmp_path)
    assert server.abi == "arm64-v8a"
    assert server.path != packed and server.path.read_bytes().startswith(b"\x7fELF")


def test_an_abi_mismatch_names_both_and_the_asset_to_get() -> None:
    assert abi_mismatch("x86_64", "x86_64", "f") is None
    text = abi_mismatch("arm64-v8a", "x86_64", "f")
    assert text is not None and "arm64-v8a" in text and "x86_64" in text
    assert f"frida-server-{CLIENT_VERSION}-android-x86_64.xz" in text
    assert asset_name("armeabi-v7a") == f"frida-server-{CLIENT_VERSION}-android-arm.xz"


def test_versions_match_as_the_instrument_layer_says() -> None:
    assert compare(CLIENT_VERSION) == "same"
    assert compare(f"{MAJOR}.0.0") in ("same", "same-major")
    assert compare(f"{MAJOR - 1}.5.9") == "other-major"


@pytest.mark.parametrize(("text", "free"), [
    # toybox (Android 10+)
    ("Filesystem      1K-blocks     Used Available Use% Mounted on\n"
     "/dev/block/dm-5 115454260 45826560  69496628  40% /data\n", 69496628 * 1024),
    # a long device name wraps the row
    ("Filesystem     1K-blocks  Used Available Use% Mounted on\n/dev/block/bootdevice/by-name/userdata\n"
     "                 1000000 900000    100000  90% /data\n", 100000 * 1024),
    # toolbox (Android 5 and older)
    ("Filesystem               Size     Used     Free   Blksize\n"
     "/data                   25.9G     4.2G    21.7G   4096\n",
     int(21.7 * (1 << 30))),
])
def test_df_free_space(text: str, free: int) -> None:
    assert parse_df_available(text) == free


def test_df_without_output_is_an_error() -> None:
    with pytest.raises(ValueError):
        parse_df_available("df: /data: No such file or directory\n")


def test_the_art_module_version_is_read_from_the_apex_list() -> None:
    out = "package:com.android.adbd versionCode:341011000\npackage:com.google.android.art versionCode:341311080\n"
    match = _ART.search(out)
    assert match is not None and match[1] == "341311080"
    assert _ART.search("package:com.android.settings versionCode:34\n") is None


def test_vendor_roms_are_told_by_their_properties() -> None:
    assert rom({"ro.miui.ui.version.name": "V14"}) == "MIUI"
    assert rom({"ro.miui.ui.version.name": "V816", "ro.mi.os.version.name": "OS1.0"}) == "HyperOS"
    assert rom({"ro.build.version.oneui": "60100"}) == "One UI"
    assert rom({"ro.build.fingerprint": "google/panther"}) is None


class FakeShell:
    """A ``Shell`` answering each command line from a table (unknown: exit 127)."""

    serial = "fake"

    def __init__(self, answers: dict[str, tuple[int, str]]) -> None:
        self.answers = answers
        self.commands: list[str] = []

    def shell(self, args: Sequence[str], *, check: bool = True, timeout: float = 0) -> ShellResult:
        line = quote_command(args)
        self.commands.append(line)
        code, out = self.answers.get(line, (127, ""))
        return ShellResult(line, code, out, "")

    def push(self, local: str, remote: str, verify: bool = False) -> int:
        raise NotImplementedError

    def pull(self, remote: str, local: str) -> int:
        raise NotImplementedError


def test_the_root_manager_is_named() -> None:
    assert read_root(FakeShell({"su -v": (0, "27.0:MAGISKSU\n")}), "su").describe() == "su (Magisk 27.0)"
    assert read_root(FakeShell({"su -v": (0, "v1.0.1:KernelSU\n")}), "su").manager == "KernelSU v1.0.1"
    listing = "su -c 'ls -d /data/adb/magisk /data/adb/ksu /data/adb/ap 2>/dev/null; id'"
    apatch = FakeShell({listing: (0, "/data/adb/ap\nuid=0(root) gid=0(root) context=u:r:su:s0\n")})
    assert read_root(apatch, "su").manager == "APatch"
    assert read_root(FakeShell({}), None).describe() == "no root"
    assert read_root(FakeShell({}), "adb-root").describe() == "adbd runs as root (adb root)"


def _spec(name: str, result: Callable[[], Check], needs: tuple[str, ...] = (), fast: bool = False) -> CheckSpec:
    return CheckSpec(name, lambda ctx: result(), fast=fast, runs="", fix="the spec's fix", needs=needs)


def test_a_check_whose_prerequisite_failed_is_skipped_and_errors_become_failures() -> None:
    from harness.errors import CommandFailedError

    def boom() -> Check:
        raise CommandFailedError("s", "date +%s", 1, "no date")

    specs = [_spec("a", lambda: failed("a", "broken", "mend it"), fast=True), _spec("b", lambda: passed("b", "ok"),
             needs=("a",)), _spec("c", boom), _spec("d", lambda: passed("d", "ok"), needs=("c",))]
    checks = registry.run_checks(None, specs)  # type: ignore[arg-type]
    assert [(c.name, c.status) for c in checks] == [("a", "fail"), ("b", "skip"), ("c", "fail"), ("d", "skip")]
    assert checks[0].fast and not checks[1].fast
    assert checks[2].fix == "the spec's fix" and "no date" in checks[2].detail
    assert "needs `a`" in checks[1].detail


def test_exit_codes() -> None:
    assert exit_code([passed("adb", ""), Check("clock", "warn", "", "")]) == 0
    assert exit_code([passed("adb", ""), failed("proxy", "", "")]) == 1
    assert exit_code([failed("adb", "", ""), Check("proxy", "skip", "")]) == 2


def test_the_run_error_carries_each_failing_check_and_its_fix() -> None:
    error = PhoneNotReadyError("S1", [passed("adb", "ok"), failed("proxy", "a proxy is set", "clear it"),
                                      failed("clock", "10 min behind", "sync it")])
    text = str(error)
    assert text.startswith("S1: the phone is not ready for a run (and 1 more)")
    assert "proxy: a proxy is set -- fix: clear it" in text and "clock: 10 min behind -- fix: sync it" in text
    assert error.serial == "S1" and len(error.checks) == 3


def test_the_registry_is_stable() -> None:
    assert registry.CHECK_NAMES == ("adb", "authorised", "root", "frida-server", "proxy", "clock", "storage",
                                    "uiautomator2", "canary-seeding", "hook-agent")
    assert [s.name for s in registry.fast_specs(with_root=False)] == ["adb", "authorised", "frida-server", "proxy",
                                                                      "clock"]
    assert "root" in [s.name for s in registry.fast_specs(with_root=True)]
    assert all(spec.fix and spec.runs for spec in registry.CHECKS)


def _context(answers: dict[str, tuple[int, str]], now: float = 1_800_000_000.0,
             states: dict[str, str] | None = None) -> Context:
    ctx = Context("S1", device=FakeShell(answers), now=lambda: now)  # type: ignore[arg-type]
    ctx.__dict__["adb_states"] = states if states is not None else {"S1": "device"}
    return ctx


@pytest.mark.parametrize(("state", "words"), [("unauthorized", "Allow USB debugging?"),
                                              ("offline", "adb reconnect offline")])
def test_an_unusable_adb_state_fails_with_its_fix(state: str, words: str) -> None:
    check = authorised_check(_context({}, states={"S1": state}))
    assert check.status == "fail" and state in check.detail and words in check.fix
    missing = adb_check(_context({}, states={"S2": "device"}))
    assert missing.status == "fail" and "does not list S1" in missing.detail and "S2 (device)" in missing.detail


@pytest.mark.parametrize(("skew", "status"), [(0, "pass"), (-4, "pass"), (30, "warn"), (-600, "fail")])
def test_clock_skew_thresholds(skew: int, status: str) -> None:
    now = 1_800_000_000
    check = clock_check(_context({"date +%s": (0, f"{now + skew}\n")}, now=float(now)))
    assert check.status == status
    if status != "pass":
        assert f"{abs(skew)} s {'ahead of' if skew > 0 else 'behind'}" in check.detail
        assert "Set time automatically" in check.fix


def test_storage_and_proxy_checks_read_android_output() -> None:
    low = "Filesystem 1K-blocks Used Available Use% Mounted on\n/dev/block/dm-5 1000000 900000 100000 90% /data\n"
    assert storage_check(_context({"df /data": (0, low)})).status == "fail"
    proxy_line = "sh -c 'settings get global http_proxy; settings get global global_http_proxy_host'"
    stale = proxy_check(_context({proxy_line: (0, "10.0.0.1:3128\nnull\n")}))
    assert stale.status == "fail" and "10.0.0.1:3128" in stale.detail
    assert stale.fix == "clear it: `adb -s S1 shell 'settings put global http_proxy :0'`"
    assert proxy_check(_context({proxy_line: (0, ":0\nnull\n")})).status == "pass"
    assert proxy_check(_context({proxy_line: (0, "null\n10.0.0.1\n")})).status == "warn"


def _facts(**props: str) -> DeviceFacts:
    return DeviceFacts(serial="S1", fingerprint="", model="", manufacturer="Xiaomi", brand="", device="", release="13",
                       sdk=33, security_patch="", build_id="", incremental="", build_type="user", abi="arm64-v8a",
                       hardware_serial="", rooted=True, root_method="su", selinux="Enforcing", props=dict(props))


def test_miui_without_usb_debugging_security_settings_names_the_setting() -> None:
    ctx = _context({})
    ctx.__dict__["facts"] = _facts(**{"ro.miui.ui.version.name": "V14", "persist.security.adbinput": "0"})
    check = uiautomator2_check(ctx)
    assert check.status == "fail" and "persist.security.adbinput" in check.detail
    assert check.fix == MIUI_FIX and "USB debugging (Security settings)" in check.fix
