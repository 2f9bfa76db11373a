"""toybox's md5sum and sha*sum on the virtual phone, through the adb binary and adbutils.

uiautomator2 decides whether to push its u2.jar by comparing ``toybox md5sum`` of the device's
copy with its own: with a real md5sum on the phone, a second connect pushes nothing.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import adbutils
import pytest
import uiautomator2 as u2

from harness.virtual.manager import RunningPhone
from tests.conftest import adb

FILE = "/data/local/tmp/hash-me.txt"
CONTENT = b"canary\n"
EMPTY_MD5 = hashlib.md5(b"").hexdigest()
JAR = "/data/local/tmp/u2.jar"


@pytest.fixture(scope="module")
def pushed(phone: RunningPhone, tmp_path_factory: pytest.TempPathFactory) -> str:
    local = tmp_path_factory.mktemp("toybox") / "hash-me.txt"
    local.write_bytes(CONTENT)
    adb("push", str(local), FILE, serial=phone.serial)
    return phone.serial


def test_md5sum_prints_hash_two_spaces_and_name(pushed: str) -> None:
    expected = f"{hashlib.md5(CONTENT).hexdigest()}  {FILE}\n"
    for command in (f"md5sum {FILE}", f"toybox md5sum {FILE}", f"/system/bin/md5sum {FILE}"):
        result = adb("shell", command, serial=pushed)
        assert (result.returncode, result.stdout, result.stderr) == (0, expected, "")
    assert adb("shell", f"md5sum -b {FILE}", serial=pushed).stdout == hashlib.md5(CONTENT).hexdigest() + "\n"
    assert adb("shell", f"cat {FILE} | md5sum", serial=pushed).stdout == f"{hashlib.md5(CONTENT).hexdigest()}  -\n"
    assert adb("shell", "md5sum /data/local", serial=pushed).stdout == f"{EMPTY_MD5}  /data/local\n", \
        "a directory opens and reads nothing"


def test_the_sha_family(pushed: str) -> None:
    for name, digest in (("sha1sum", hashlib.sha1), ("sha256sum", hashlib.sha256), ("sha512sum", hashlib.sha512)):
        assert adb("shell", f"{name} {FILE}", serial=pushed).stdout == f"{digest(CONTENT).hexdigest()}  {FILE}\n"


def test_md5sum_errors_as_toybox(pushed: str) -> None:
    missing = adb("shell", f"md5sum /data/local/tmp/nope {FILE}", serial=pushed, check=False)
    assert missing.returncode == 1, "one file failed: exit 1 at the end"
    assert missing.stderr == "md5sum: /data/local/tmp/nope: No such file or directory\n"
    assert missing.stdout == f"{hashlib.md5(CONTENT).hexdigest()}  {FILE}\n", "the other file is still hashed"
    bad = adb("shell", f"md5sum -x {FILE}", serial=pushed, check=False)
    assert (bad.returncode, bad.stdout, bad.stderr) == (1, "", "md5sum: Unknown option 'x' (see \"md5sum --help\")\n")
    both = adb("shell", f"md5sum -b -c {FILE}", serial=pushed, check=False)
    assert (both.returncode, both.stderr) == (1, "md5sum: No 'c' with 'b' (see \"md5sum --help\")\n")
    status = adb("shell", f"md5sum -s {FILE}", serial=pushed, check=False)
    assert (status.returncode, status.stderr) == (1, "md5sum: -s only with -c\n")
    unknown = adb("shell", "toybox frobnicate", serial=pushed, check=False)
    assert (unknown.returncode, unknown.stderr) == (127, 'toybox: Unknown command frobnicate (see "toybox --help")\n')


def test_md5sum_checks_a_list(pushed: str) -> None:
    sums = "/data/local/tmp/sums.md5"
    adb("shell", f"md5sum {FILE} > {sums}", serial=pushed)
    ok = adb("shell", f"md5sum -c {sums}", serial=pushed)
    assert (ok.returncode, ok.stdout) == (0, f"{FILE}: OK\n")
    adb("shell", f"echo 00000000000000000000000000000000 {FILE} >> {sums}", serial=pushed)
    failed = adb("shell", f"md5sum --check {sums}", serial=pushed, check=False)
    assert (failed.returncode, failed.stdout) == (1, f"{FILE}: OK\n{FILE}: FAILED\n")
    assert adb("shell", f"md5sum -c -s {sums}", serial=pushed, check=False).stdout == ""


def test_toybox_runs_its_other_applets(pushed: str, adb_at_private_server: None) -> None:
    device = adbutils.adb.device(pushed)
    assert device.shell2(["toybox", "cat", FILE]).output == CONTENT.decode()
    assert "md5sum" in device.shell2(["toybox"]).output.split()


def test_uiautomator2_pushes_its_jar_only_when_it_changed(phone: RunningPhone, adb_at_private_server: None,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    pushes: list[str] = []
    real_push = adbutils.sync.Sync.push

    def counting_push(self: adbutils.sync.Sync, src: object, dst: str, *args: object, **kwargs: object) -> object:
        pushes.append(dst)
        return real_push(self, src, dst, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(adbutils.sync.Sync, "push", counting_push)
    device = adbutils.adb.device(phone.serial)
    local_md5 = hashlib.md5((Path(u2.__file__).parent / "assets" / "u2.jar").read_bytes()).hexdigest()
    u2.connect(phone.serial)               # pushes the jar unless an earlier test already did
    assert device.shell(["toybox", "md5sum", JAR]) == f"{local_md5}  {JAR}"
    inode = device.shell(["stat", "-c", "%i", JAR])
    pushes.clear()
    assert u2.connect(phone.serial).info["sdkInt"] > 0
    assert JAR not in pushes, "the device's jar has the client's md5: no push"
    assert device.shell(["stat", "-c", "%i", JAR]) == inode, "the jar file was not replaced"
    device.shell(["sh", "-c", f"echo changed >> {JAR}"])
    u2.connect(phone.serial)
    assert pushes == [JAR], "a changed jar is pushed again"
    assert device.shell(["toybox", "md5sum", JAR]) == f"{local_md5}  {JAR}"
