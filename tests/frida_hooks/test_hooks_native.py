"""Native hooks (native_net) on real processes: a C program's socket calls, a UDP flood through
the CModule ring (nothing lost), a Python https client (SSL_write_ex, libssl loaded after attach)
and curl (SSL_write, spawned with the hooks in place before its first instruction)."""

from __future__ import annotations

import contextlib
import json
import shutil
import socket
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from harness.instrument.messages import batch_size, decode_batch

HERE = Path(__file__).resolve().parent
pytestmark = pytest.mark.timeout(120)


def test_socket_calls_are_reported_with_peer_and_bytes(native_bin: Any, attach: Any) -> None:
    from tests.frida_hooks.conftest import Target

    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)
    tcp_port = srv.getsockname()[1]
    udp6 = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    udp6.bind(("::1", 0))
    udp6_port = udp6.getsockname()[1]
    received: list[bytes] = []

    def serve() -> None:
        conn, _ = srv.accept()
        while chunk := conn.recv(4096):
            received.append(chunk)
        conn.close()

    threading.Thread(target=serve, daemon=True).start()
    target = Target([str(native_bin("net_ops")), str(tcp_port), str(udp6_port)])
    try:
        run = attach(target.proc.pid)
        report = run.init(["native_net", "sms"])
        assert {"libc!connect", "libc!send", "libc!sendto", "libc!sendmsg", "libc!write"} <= set(report["hooked"])
        assert {"module": "sms", "target": "*", "reason": "no Java VM in this process"} in report["skipped"]
        target.send("go")
        target.expect("done")
        assert udp6.recvfrom(100)[0] == b"udp6-canary-4"
        run.flush()
        events = run.of()
        by_api = {e.api: e for e in events if e.kind == "net.send"}
        for api, data in (("libc.write", b"write-canary-1;"), ("libc.send", b"send-canary-2;"),
                          ("libc.sendmsg", b"sendmsg-canary-3;")):
            e = by_api[api]
            assert e.data == data, api
            assert e.dest is not None and (e.dest.ip, e.dest.port) == ("127.0.0.1", tcp_port)
        udp = by_api["libc.sendto"]
        assert udp.data == b"udp6-canary-4"
        assert udp.dest is not None and (udp.dest.ip, udp.dest.port) == ("::1", udp6_port)
        connect = [e for e in events if e.kind == "net.connect"]
        assert connect and connect[0].dest is not None and connect[0].dest.port == tcp_port
        dns = [e for e in events if e.kind == "net.dns"]
        assert dns and dns[0].dest is not None and dns[0].dest.host == "localhost"
        assert "127.0.0.1" in (dns[0].value or "")
        assert not any(e.data and b"pipe-not-a-socket" in e.data for e in events)  # write() to a pipe is not egress
        assert not run.errors
        from harness.instrument.agent import hooks_root

        assert run.script.exports_sync.catalogue() == json.loads((hooks_root() / "src" / "catalogue.json").read_text())
    finally:
        target.close()
        srv.close()
        udp6.close()


@pytest.mark.parametrize("ring", [None, 1 << 20])
def test_udp_flood_loses_nothing(native_bin: Any, attach: Any, ring: int | None) -> None:
    """5,000 datagrams; with a 1 MiB ring the producer must wait for the drain, never drop."""
    from tests.frida_hooks.conftest import Target

    rx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    rx.bind(("127.0.0.1", 0))
    port = rx.getsockname()[1]
    n = 5000
    target = Target([str(native_bin("udp_flood")), str(port), str(n), "1024"])
    try:
        run = attach(target.proc.pid)
        options = {"ringBytes": ring} if ring else {}
        run.init(["native_net"], **options)
        target.send("go")
        target.expect("elapsed_ns=")
        deadline = time.time() + 30
        while len(run.of("net.send", "libc.sendto")) < n and time.time() < deadline:
            run.flush()
            time.sleep(0.05)
        sends = run.of("net.send", "libc.sendto")
        assert len(sends) == n
        assert all(e.dest is not None and (e.dest.ip, e.dest.port) == ("127.0.0.1", port) for e in sends)
        assert all(e.data is not None and len(e.data) == 1024 and e.data.startswith(b"canary-udp-4242") for e in sends)
        stats = run.script.exports_sync.stats()
        assert stats["events"] >= n and stats["bytes_written"] == stats["bytes_drained"]
        if ring:
            assert stats["full_waits"] > 0  # the small ring really filled up
    finally:
        target.close()
        rx.close()


def test_native_events_as_json(native_bin: Any, attach: Any) -> None:
    """options.nativeEvents = "json": the same events as plain JSON batch events."""
    from tests.frida_hooks.conftest import Target

    rx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    rx.bind(("127.0.0.1", 0))
    port = rx.getsockname()[1]
    target = Target([str(native_bin("udp_flood")), str(port), "3", "64"])
    try:
        run = attach(target.proc.pid)
        run.init(["native_net"], nativeEvents="json")
        target.send("go")
        target.expect("elapsed_ns=")
        time.sleep(0.1)
        run.flush()
        raw = [r for r in run.raw if r["api"] == "libc.sendto"]
        assert len(raw) == 3 and raw[0]["dest"] == {"ip": "127.0.0.1", "port": port}
        assert [e.data for e in run.of("net.send", "libc.sendto")] == [b"canary-udp-4242" + bytes(
            (ord("a") + i % 26) for i in range(15, 64))] * 3
    finally:
        target.close()
        rx.close()


def test_python_https_client_ssl_write_ex(tls_server: tuple[int, list[bytes]], attach: Any) -> None:
    from tests.frida_hooks.conftest import Target

    port, bodies = tls_server
    target = Target([sys.executable, str(HERE / "native" / "tls_client.py"), str(port)])
    try:
        run = attach(target.proc.pid)
        report = run.init(["native_net"], tlsReads=True)
        assert any(s["target"] == "libssl!SSL_write" for s in report["skipped"])  # not loaded yet
        target.send("go")
        target.expect("done")
        run.flush()
        writes = run.of("tls.write")
        assert writes, run.raw
        assert {e.api for e in writes} == {"SSL_write_ex"}
        plain = b"".join(e.data or b"" for e in writes)
        assert b"POST /api/otp HTTP/1.1" in plain and b"secret-otp-123456" in plain
        e = writes[0]
        assert e.dest is not None and (e.dest.ip, e.dest.port, e.dest.scheme) == ("127.0.0.1", port, "tls")
        assert e.stack and all("!" in f for f in e.stack)
        assert any(f.startswith("libssl.so") for f in e.stack[:3]) or any("ssl" in f.lower() for f in e.stack), e.stack
        assert b'{"otp":"secret-otp-123456"}' in bodies
        reads = run.of("tls.read")
        assert reads and b"200 OK" in b"".join(e.data or b"" for e in reads)
        assert {e.api for e in reads} <= {"SSL_read", "SSL_read_ex"}
        assert not run.errors
    finally:
        target.close()


def test_curl_ssl_write_spawned(tls_server: tuple[int, list[bytes]]) -> None:
    import frida

    curl = shutil.which("curl")
    if curl is None:
        pytest.skip("curl is not installed")
    from harness.instrument.agent import agent_source

    port, _bodies = tls_server
    device = frida.get_local_device()
    pid = device.spawn([curl, "-sk", "-d", "body=secret-otp-654321", f"https://127.0.0.1:{port}/x"], stdio="pipe")
    session = device.attach(pid)
    events: list[Any] = []
    done = threading.Event()

    def on_message(message: dict[str, Any], data: bytes | None) -> None:
        if message["type"] == "send" and message["payload"].get("type") == "harness:batch":
            events.extend(decode_batch(message["payload"], data))
            if batch_size(message["payload"], data) and any(e.kind == "tls.write" for e in events):
                done.set()

    session.on("detached", lambda *a: done.set())
    script = session.create_script(agent_source())
    script.on("message", on_message)
    script.load()
    report = script.exports_sync.init({"modules": ["native_net"]})
    assert any(h.endswith("!SSL_write") for h in report["hooked"])
    device.resume(pid)
    done.wait(20)
    # curl may already have exited (its last batches were flushed by the exit hook)
    with contextlib.suppress(frida.InvalidOperationError, frida.TransportError):
        script.exports_sync.flush()
    writes = [e for e in events if e.kind == "tls.write"]
    assert writes and {e.api for e in writes} == {"SSL_write"}
    assert b"body=secret-otp-654321" in b"".join(e.data or b"" for e in writes)
    with contextlib.suppress(frida.InvalidOperationError):
        session.detach()
