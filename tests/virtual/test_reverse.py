"""``adb reverse`` on the virtual phone, through the stock clients (adbutils, the adb command line).

The phone's side of a reverse port listens on the phone's loopback, which its shell (``nc``) and
apps reach as 127.0.0.1; every connection there comes back to the host through the adb server.
"""

from __future__ import annotations

import hashlib
import os
import re
import socket
import threading
from collections.abc import Iterator

import adbutils
import pytest

from harness.virtual.manager import RunningPhone
from harness.virtual.net.ports import loopback_address
from tests.conftest import adb, free_port


class HostServer:
    """A TCP server on the host: reads ``expect`` bytes (or a line), answers, closes; records EOFs."""

    def __init__(self, reply: bytes = b"", expect: int = 0) -> None:
        self.reply, self.expect = reply, expect
        self.received: list[bytes] = []
        self.eofs = threading.Semaphore(0)
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = int(self.sock.getsockname()[1])
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _handle(self, conn: socket.socket) -> None:
        with conn:
            data = b""
            while (len(data) < self.expect) if self.expect else (b"\n" not in data):
                chunk = conn.recv(65536)
                if not chunk:
                    break
                data += chunk
            self.received.append(data)
            if self.reply == b"HOLD":      # keep it open until the phone side closes it
                while conn.recv(65536):
                    pass
                self.eofs.release()
                return
            conn.sendall(self.reply or data[::-1])

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def device(phone: RunningPhone) -> Iterator[adbutils.AdbDevice]:
    device = adbutils.AdbClient().device(phone.serial)
    yield device
    device.reverse_remove_all()  # the session's phone is left as found


def test_adbutils_reverse_reaches_a_host_server_both_ways(device: adbutils.AdbDevice, phone: RunningPhone) -> None:
    payload = os.urandom(300_000)  # several WRTEs each way, under ADB's flow control
    server = HostServer(expect=len(payload))
    device.reverse("tcp:8080", f"tcp:{server.port}")
    assert device.reverse_list() == [adbutils.ReverseItem("tcp:8080", f"tcp:{server.port}")]
    device.sync.push(payload, "/data/local/tmp/payload.bin")
    digest = device.shell("nc 127.0.0.1 8080 < /data/local/tmp/payload.bin | sha256sum").split()[0]
    assert server.received == [payload]
    assert digest == hashlib.sha256(payload[::-1]).hexdigest()  # the server's answer, whole
    # the phone's loopback is an address of the phone's own on the host, not the host's 127.0.0.1
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", 8080), timeout=2).close()
    socket.create_connection((loopback_address(phone.port), 8080), timeout=5).close()
    server.close()


def test_closing_either_end_ends_the_connection(device: adbutils.AdbDevice) -> None:
    server = HostServer(reply=b"HOLD")
    device.reverse("tcp:8081", f"tcp:{server.port}")
    # the phone's nc quits a second after its stdin ends: the host server sees the connection close
    assert device.shell2("echo bye | nc -q 1 127.0.0.1 8081").returncode == 0
    assert server.eofs.acquire(timeout=20)
    assert server.received == [b"bye\n"]
    # the host server closing (after its answer) ends nc on the phone
    answering = HostServer(reply=b"done\n")
    device.reverse("tcp:8081", f"tcp:{answering.port}")  # rebinding points the port elsewhere
    assert device.shell2("echo hi | nc 127.0.0.1 8081").output == "done\n"
    server.close()
    answering.close()


def test_adb_command_line_reverse_list_remove(device: adbutils.AdbDevice) -> None:
    server = HostServer(reply=b"pong\n")
    serial = device.serial
    add = adb("reverse", "tcp:8082", f"tcp:{server.port}", serial=serial)
    assert (add.stdout, add.stderr) == ("", "")
    listed = adb("reverse", "--list", serial=serial).stdout
    assert re.fullmatch(rf"host-\d+ tcp:8082 tcp:{server.port}\n\n", listed), listed  # adb adds a newline
    refused = adb("reverse", "--no-rebind", "tcp:8082", "tcp:1", serial=serial, check=False)
    assert refused.returncode == 1 and refused.stderr.strip() == "adb: error: cannot rebind existing socket"
    any_port = adb("reverse", "tcp:0", f"tcp:{server.port}", serial=serial).stdout.strip()
    assert any_port.isdigit() and f"tcp:{any_port} tcp:{server.port}" in adb("reverse", "--list", serial=serial).stdout
    assert adb("shell", f"echo ping | nc 127.0.0.1 {any_port}", serial=serial).stdout == "pong\n"
    adb("reverse", "--remove", "tcp:8082", serial=serial)
    assert "tcp:8082" not in adb("reverse", "--list", serial=serial).stdout
    again = adb("reverse", "--remove", "tcp:8082", serial=serial, check=False)
    assert again.returncode == 1 and again.stderr.strip() == "adb: error: listener 'tcp:8082' not found"
    adb("reverse", "--remove-all", serial=serial)
    assert adb("reverse", "--list", serial=serial).stdout == "\n"
    gone = adb("shell", "echo ping | nc -w 5 127.0.0.1 8082", serial=serial, check=False)
    assert gone.returncode == 1 and "Connection refused" in gone.stderr + gone.stdout
    server.close()


def test_norebind_and_ports_the_phone_uses_are_refused(device: adbutils.AdbDevice) -> None:
    server = HostServer()
    device.reverse("tcp:8083", f"tcp:{server.port}")
    with pytest.raises(adbutils.AdbError):
        device.reverse("tcp:8083", "tcp:1", norebind=True)
    assert device.reverse_list() == [adbutils.ReverseItem("tcp:8083", f"tcp:{server.port}")]
    with pytest.raises(adbutils.AdbError):  # frida-server's port is taken on the phone
        device.reverse("tcp:27042", f"tcp:{server.port}")
    device.reverse_remove("tcp:8083")
    assert device.reverse_list() == []
    server.close()


def test_a_reverse_port_is_a_phone_port_for_adb_forward(device: adbutils.AdbDevice) -> None:
    server = HostServer(reply=b"round trip\n")
    device.reverse("tcp:8084", f"tcp:{server.port}")
    host_port = free_port()
    device.forward(f"tcp:{host_port}", "tcp:8084")  # host -> phone's tcp:8084 -> back to the host
    try:
        with socket.create_connection(("127.0.0.1", host_port), timeout=10) as conn:
            conn.sendall(b"x\n")
            assert conn.makefile("rb").read() == b"round trip\n"
    finally:
        device.forward_remove(f"tcp:{host_port}")
        server.close()


def test_a_host_port_nobody_listens_on_closes_the_phone_side(device: adbutils.AdbDevice) -> None:
    device.reverse("tcp:8085", f"tcp:{free_port()}")  # the adb server cannot connect: it refuses the OPEN
    result = device.shell2("echo hi | nc -w 5 127.0.0.1 8085; echo rc=$?")
    assert result.output.strip() == "rc=0"  # connected, then closed without a byte
    assert adbutils.AdbClient().device(device.serial).shell("echo alive").strip() == "alive"


def test_two_phones_use_the_same_reverse_port_apart(device: adbutils.AdbDevice, fresh_phone: RunningPhone) -> None:
    first, second = HostServer(reply=b"first\n"), HostServer(reply=b"second\n")
    other = adbutils.AdbClient().device(fresh_phone.serial)
    device.reverse("tcp:8080", f"tcp:{first.port}")
    other.reverse("tcp:8080", f"tcp:{second.port}")
    assert device.shell2("echo a | nc 127.0.0.1 8080").output == "first\n"
    assert other.shell2("echo b | nc 127.0.0.1 8080").output == "second\n"
    # a phone's listeners belong to the connection that asked for them: a new connection has none
    adb("disconnect", fresh_phone.serial)
    adb("connect", fresh_phone.serial)
    adb("wait-for-device", serial=fresh_phone.serial)
    assert other.reverse_list() == []
    assert device.reverse_list() == [adbutils.ReverseItem("tcp:8080", f"tcp:{first.port}")]
    first.close()
    second.close()
