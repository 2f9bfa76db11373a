"""Fixtures for the hook-agent tests: real Frida, the real compiled agent, real processes.

JVM programs (tests/frida_hooks/jvm) run against the compiled Android API stubs; C programs
(tests/frida_hooks/native) are compiled with gcc.  Every target prints "ready" and waits for a
line on stdin before it acts, so the agent is in place first without sleeps.
"""

from __future__ import annotations

import contextlib
import http.server
import json
import shutil
import ssl
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from harness.events import Event
from harness.instrument.agent import agent_source
from harness.instrument.messages import BATCH, ERROR, READY, SKIPPED, decode_batch
from harness.testing.processes import ChildProcess
from harness.virtual.runtime.javac import compile_sources, java_executable, stubs_classpath

HERE = Path(__file__).resolve().parent
frida = pytest.importorskip("frida")


class AgentRun:
    """The agent loaded into one process; collects decoded events and the control messages."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.events: list[Event] = []
        self.raw: list[dict[str, Any]] = []
        self.ready: list[dict[str, Any]] = []
        self.skipped: list[dict[str, Any]] = []
        self.errors: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self.session = frida.get_local_device().attach(pid)
        self.script = self.session.create_script(agent_source())
        self.script.on("message", self._on_message)
        self.script.load()

    def _on_message(self, message: dict[str, Any], data: bytes | None) -> None:
        try:
            self._handle(message, data)
        except Exception as exc:  # frida would swallow it: make the test see it
            self.errors.append({"type": "decode", "message": repr(exc), "payload": message})

    def _handle(self, message: dict[str, Any], data: bytes | None) -> None:
        with self._lock:
            if message["type"] != "send":
                self.errors.append(message)
                return
            payload = message["payload"]
            kind = payload.get("type")
            if kind == BATCH:
                self.raw.extend(payload.get("events") or [])
                self.events.extend(decode_batch(payload, data, process="test", pid=self.pid))
            elif kind == READY:
                self.ready.append(payload)
            elif kind == SKIPPED:
                self.skipped.extend(payload["skipped"])
            elif kind == ERROR:
                self.errors.append(payload)

    def init(self, modules: list[str], **options: Any) -> dict[str, Any]:
        result: dict[str, Any] = self.script.exports_sync.init({"modules": modules, "options": options})
        return result

    def flush(self) -> list[Event]:
        self.script.exports_sync.flush()
        return self.of()

    def of(self, kind: str | None = None, api: str | None = None) -> list[Event]:
        with self._lock:
            return [e for e in self.events if (kind is None or e.kind == kind) and (api is None or e.api == api)]

    def detach(self) -> None:
        with contextlib.suppress(frida.InvalidOperationError):
            self.session.detach()


class Target:
    """A child process speaking the ready / go / done protocol over stdin/stdout."""

    def __init__(self, cmd: list[str]) -> None:
        # not a child of the test process, which attaches with frida (see ChildProcess)
        self.proc = ChildProcess(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.output: list[str] = []
        self.expect("ready")

    def expect(self, word: str, timeout: float = 30.0) -> list[str]:
        """Read lines until one starts with `word`; returns the lines read."""
        assert self.proc.stdout is not None
        lines: list[str] = []
        timer = threading.Timer(timeout, self.proc.kill)
        timer.start()
        try:
            for line in self.proc.stdout:
                lines.append(line.rstrip("\n"))
                if line.startswith(word):
                    self.output.extend(lines)
                    return lines
        finally:
            timer.cancel()
        raise AssertionError(f"target exited before printing {word!r}: {lines}")

    def send(self, line: str = "go") -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()

    def close(self) -> None:
        if self.proc.poll() is None:
            try:
                self.send("exit\nexit")  # past the "go" wait too, if it never got one
                self.proc.wait(timeout=10)
            except (BrokenPipeError, subprocess.TimeoutExpired):
                self.proc.kill()
                self.proc.wait()


@pytest.fixture()
def attach() -> Iterator[Any]:
    runs: list[AgentRun] = []

    def _attach(pid: int) -> AgentRun:
        run = AgentRun(pid)
        runs.append(run)
        return run

    yield _attach
    for r in runs:
        r.detach()


class Collector:
    """An HTTP server on 127.0.0.1 recording every request (method, path, headers, body)."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, str, dict[str, str], bytes]] = []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def _handle(self) -> None:
                n = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(n) if n else b""
                outer.requests.append((self.command, self.path, dict(self.headers), body))
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(b"ok")

            do_GET = _handle
            do_POST = _handle

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = int(self.server.server_address[1])
        self.url = f"http://127.0.0.1:{self.port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture()
def collector() -> Iterator[Collector]:
    c = Collector()
    yield c
    c.close()


SNAPSHOT: dict[str, Any] = {
    "package": "com.example.app",
    "uid": 10123,
    "targetSdk": 34,
    "identifiers": {
        "imei": "356938035643809", "meid": "A0000041A5B6C7", "imsi": "310260000000042",
        "iccid": "8901260000000000042", "line1": "+15550100042", "serial": "VPHONE0042",
        "android_id": "9774d56d682e549c", "adid": "38400000-8cf0-11bd-b23e-10b96e40000d",
        "wifi_mac": "02:11:22:33:44:55", "drm_id": "deadbeefcafe0042",
    },
    "permissions": [
        "android.permission.READ_PRIVILEGED_PHONE_STATE", "android.permission.READ_PHONE_STATE",
        "android.permission.SEND_SMS", "android.permission.READ_SMS", "android.permission.READ_CONTACTS",
        "android.permission.READ_CALL_LOG", "android.permission.ACCESS_FINE_LOCATION",
        "android.permission.GET_ACCOUNTS", "android.permission.QUERY_ALL_PACKAGES",
        "android.permission.LOCAL_MAC_ADDRESS", "com.google.android.gms.permission.AD_ID",
    ],
    "contacts": [
        {"display_name": "Alice Canary", "number": "+15550107777"},
        {"display_name": "Bob Example", "number": "+15550108888"},
    ],
    "sms": [{"address": "+15550109999", "body": "your code is 123456", "date": 1700000000000, "type": 1}],
    "call_log": [{"number": "+15550106666", "date": 1700000000000, "duration": 42, "type": 2, "name": "Carol"}],
    "location": {"provider": "gps", "latitude": 48.8584, "longitude": 2.2945, "accuracy": 5.0},
    "accounts": [{"name": "alice@example.com", "type": "com.google"}],
    "packages": [{"packageName": "com.example.app"}, {"packageName": "com.tracker.companion"}],
    "clipboard": "clipboard-canary-55",
}


@pytest.fixture(scope="session")
def jvm_classpath() -> str:
    if shutil.which("javac") is None:
        pytest.skip("javac (openjdk-17-jdk-headless) is not installed")
    stubs = stubs_classpath()
    app = compile_sources([HERE / "jvm"], classpath=[stubs])
    return f"{stubs}:{app}"


@pytest.fixture()
def jvm_app(jvm_classpath: str, tmp_path: Path) -> Iterator[Any]:
    targets: list[Target] = []

    def _start(actions: list[str], *, collector_url: str = "http://127.0.0.1:9",
               snapshot: dict[str, Any] | None = None) -> Target:
        snap = tmp_path / f"system-{len(targets)}.json"
        snap.write_text(json.dumps(snapshot if snapshot is not None else SNAPSHOT))
        t = Target([java_executable(), "-Xshare:auto", "-XX:TieredStopAtLevel=1", "-cp", jvm_classpath,
                    f"-Dvphone.system={snap}", f"-Dcollector={collector_url}", "com.example.app.App", *actions])
        targets.append(t)
        return t

    yield _start
    for t in targets:
        t.close()


@pytest.fixture(scope="session")
def native_bin(tmp_path_factory: pytest.TempPathFactory) -> Any:
    gcc = shutil.which("gcc")
    if gcc is None:
        pytest.skip("gcc is not installed")
    out = tmp_path_factory.mktemp("native")

    def _build(name: str) -> Path:
        exe = out / name
        if not exe.exists():
            subprocess.run([gcc, "-O2", "-o", str(exe), str(HERE / "native" / f"{name}.c")], check=True)
        return exe

    return _build


@pytest.fixture(scope="session")
def tls_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[int, list[bytes]]]:
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("openssl is not installed")
    d = tmp_path_factory.mktemp("tls")
    subprocess.run([openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost", "-days", "1",
                    "-keyout", str(d / "key.pem"), "-out", str(d / "cert.pem")], check=True, capture_output=True)
    bodies: list[bytes] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            bodies.append(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(d / "cert.pem", d / "key.pem")
    server.socket = ctx.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield int(server.server_address[1]), bodies
    server.shutdown()


PYTHON = sys.executable
