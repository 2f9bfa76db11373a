"""The virtual phone's adbd as real ADB clients see it: adbutils, the adb command line, raw sockets."""

from __future__ import annotations

import contextlib
import hashlib
import os
import random
import socket
import struct
import threading
import time
from pathlib import Path

import adbutils
import pytest

from harness.virtual.adb.protocol import A_CNXN, A_OKAY, A_OPEN, A_VERSION, A_WRTE, Packet
from harness.virtual.manager import RunningPhone
from tests.conftest import adb


@pytest.fixture
def device(phone: RunningPhone) -> adbutils.AdbDevice:
    return adbutils.AdbClient().device(phone.serial)


def test_shell_v2_exit_codes_and_stderr(device: adbutils.AdbDevice) -> None:
    result = device.shell2("echo out; echo err >&2; exit 5", v2=True)
    assert (result.returncode, result.stdout, result.stderr) == (5, "out\n", "err\n")
    ok = device.shell2("true", v2=True)
    assert ok.returncode == 0


def test_shell_v1_merges_stderr_and_reports_exit_through_adbutils(device: adbutils.AdbDevice) -> None:
    result = device.shell2("echo out; echo err >&2; sh -c 'exit 4'")
    assert result.returncode == 4
    assert "out" in result.output and "err" in result.output


def test_exit_code_of_killed_command(device: adbutils.AdbDevice) -> None:
    assert device.shell2("kill -9 $$", v2=True).returncode == 137


def test_five_megabyte_push_pull_byte_identical(device: adbutils.AdbDevice, tmp_path: Path) -> None:
    payload = os.urandom(5 * 1024 * 1024 + 123)
    device.sync.push(payload, "/data/local/tmp/five.bin", check=True)
    assert device.sync.stat("/data/local/tmp/five.bin").size == len(payload)
    pulled = tmp_path / "five.bin"
    device.sync.pull("/data/local/tmp/five.bin", str(pulled))
    assert hashlib.sha256(pulled.read_bytes()).digest() == hashlib.sha256(payload).digest()
    assert device.shell("md5sum /data/local/tmp/five.bin").split()[0] == hashlib.md5(payload).hexdigest()


def test_adb_command_line_shell_push_pull(phone: RunningPhone, tmp_path: Path) -> None:
    src = tmp_path / "in.txt"
    src.write_bytes(b"hello \x00 world\n" * 1000)
    adb("push", str(src), "/sdcard/Download/in.txt", serial=phone.serial)
    out = adb("shell", "wc -c < /sdcard/Download/in.txt; exit 7", serial=phone.serial, check=False)
    assert out.returncode == 7 and out.stdout.strip() == str(src.stat().st_size)
    adb("pull", "/sdcard/Download/in.txt", str(tmp_path / "out.txt"), serial=phone.serial)
    assert (tmp_path / "out.txt").read_bytes() == src.read_bytes()
    missing = adb("pull", "/sdcard/nope.txt", str(tmp_path / "x"), serial=phone.serial, check=False)
    assert missing.returncode != 0 and "does not exist" in missing.stderr


def test_sync_list_stat_and_read_only_system(device: adbutils.AdbDevice, phone: RunningPhone) -> None:
    device.sync.push(b"x", "/data/local/tmp/listed.txt")
    names = {entry.path for entry in device.sync.list("/data/local/tmp")}
    assert "listed.txt" in names
    with pytest.raises(adbutils.AdbError):  # adbutils reports the FAIL status without its text
        device.sync.push(b"evil", "/system/bin/evil", check=True)
    assert device.sync.stat("/system/bin/evil").size == 0
    assert not (Path(phone.state) / "fs/system/bin/evil").exists()
    push = adb("push", __file__, "/system/bin/evil", serial=phone.serial, check=False)
    assert push.returncode != 0 and "Read-only file system" in push.stderr


def test_sandbox_keeps_the_host_untouched(phone: RunningPhone, device: adbutils.AdbDevice) -> None:
    # a host file the sandbox can see (/etc is bound read-only into it): deleting it must fail
    marker = Path("/etc") / f"harness-sandbox-test-{os.getpid()}"
    marker.write_text("precious")
    try:
        result = device.shell2(f"ls {marker} && rm -f {marker} /usr/bin/env 2>&1; echo hi > /usr/x; "
                               "echo data > /data/local/tmp/w", v2=True)
        assert str(marker) in result.stdout  # it was visible, so the rm really was attempted
        assert marker.read_text() == "precious"
    finally:
        marker.unlink()
    assert Path("/usr/bin/env").exists()
    assert "Read-only" in result.stderr or "Read-only" in result.stdout
    assert (Path(phone.state) / "fs/data/local/tmp/w").read_text() == "data\n"
    assert "sdcard" in device.shell("ls /").split()


def test_many_concurrent_streams(device: adbutils.AdbDevice) -> None:
    results: dict[int, str] = {}

    def run(i: int) -> None:
        results[i] = device.shell2(f"echo stream-{i}; sleep 0.2; echo done-{i}", v2=True).stdout

    threads = [threading.Thread(target=run, args=(i,)) for i in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert results == {i: f"stream-{i}\ndone-{i}\n" for i in range(16)}


def test_shell_process_group_dies_when_stream_closes(device: adbutils.AdbDevice, phone: RunningPhone) -> None:
    # durations no other test (or parallel worker) uses, so the host's process list shows only ours
    first, second = (f"sleep {n}" for n in random.sample(range(3000, 9000), 2))
    stream = device.shell(f"echo started; {first} & {second}; echo never", stream=True)
    assert stream.read(8) == b"started\n"
    deadline = time.time() + 5
    while second not in _host_processes() and time.time() < deadline:
        time.sleep(0.05)
    assert second in _host_processes()
    stream.close()
    deadline = time.time() + 10
    while (first in _host_processes() or second in _host_processes()) and time.time() < deadline:
        time.sleep(0.1)
    assert first not in _host_processes() and second not in _host_processes()


def _host_processes() -> str:
    out = []
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            with contextlib.suppress(OSError):
                out.append(Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode())
    return "\n".join(out)


def test_tcp_relay_reaches_a_port_on_the_phone(device: adbutils.AdbDevice) -> None:
    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]

    def serve() -> None:
        conn, _ = server.accept()
        conn.sendall(b"echo:" + conn.recv(100))
        conn.close()

    threading.Thread(target=serve, daemon=True).start()
    conn = device.create_connection(adbutils.Network.TCP, port)
    conn.sendall(b"ping")
    assert conn.recv(100) == b"echo:ping"
    conn.close()
    server.close()


def test_malformed_packet_closes_only_that_connection(phone: RunningPhone, device: adbutils.AdbDevice) -> None:
    bad = socket.create_connection(("127.0.0.1", phone.port))
    bad.sendall(b"\x00" * 24)  # command 0 with magic 0: invalid
    bad.settimeout(5)
    assert bad.recv(100) == b""  # the adbd hung up on us
    bad.close()
    # a second raw transport works, and so does the adb server's transport
    good = socket.create_connection(("127.0.0.1", phone.port))
    good.settimeout(5)
    good.sendall(Packet(A_CNXN, A_VERSION, 4096, b"host::features=shell_v2\0").encode())
    header = _recv_exact(good, 24)
    assert struct.unpack("<I", header[:4])[0] == A_CNXN
    _recv_exact(good, struct.unpack("<6I", header)[3])
    good.sendall(Packet(A_OPEN, 7, 0, b"shell:echo raw-ok\0").encode())
    seen = b""
    while b"raw-ok" not in seen:
        cmd, arg0, arg1, length = struct.unpack("<6I", _recv_exact(good, 24))[:4]
        data = _recv_exact(good, length) if length else b""
        if cmd == A_WRTE:
            seen += data
            good.sendall(Packet(A_OKAY, arg1, arg0).encode())
    good.close()
    assert device.shell("echo still-fine") == "still-fine"


def _recv_exact(sock: socket.socket, size: int) -> bytes:
    buf = b""
    while len(buf) < size:
        chunk = sock.recv(size - len(buf))
        assert chunk, "connection closed early"
        buf += chunk
    return buf
