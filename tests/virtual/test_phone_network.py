"""The network an app process gets from the stubs (android.vphone.PhoneNetwork), without a phone.

A probe program runs in ``android.app.ActivityThread`` as a phone app does, with the system's
settings from a snapshot file: its OkHttp and HttpURLConnection requests go through the global
HTTP proxy (absolute form for http, a CONNECT tunnel with TLS inside for https) and trust the CA
folders it is given; a raw socket never sees the proxy; ``:0`` means direct; the proxy's
``localhost`` is the phone's loopback address.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import threading
from pathlib import Path

import pytest

from harness.virtual.runtime.javac import compile_sources, java_executable, stubs_classpath
from tests.virtual.mitm_support import RecordingProxy, TestCA

PROBE_SOURCES = Path(__file__).parent / "jvm"
#: Stands for a phone's loopback (an address of its own on the host, as harness.virtual.net.ports makes).
LOOPBACK = "127.101.250.1"


class LineServer:
    """Collects the first line of every connection."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.lines: list[bytes] = []
        self.sock = socket.create_server((host, 0))
        self.port = int(self.sock.getsockname()[1])
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                self.lines.append(conn.makefile("rb").readline())


def run_probe(tmp_path: Path, http_proxy: str | None, cacerts: list[Path], args: list[str]) -> str:
    stubs = stubs_classpath()
    classes = compile_sources([PROBE_SOURCES], classpath=[stubs])
    snapshot = tmp_path / "snapshot.json"
    settings = {} if http_proxy is None else {"http_proxy": http_proxy}
    snapshot.write_text(json.dumps({"package": "com.example.probe", "settings": {"global": settings}}))
    command = [java_executable(), "-cp", os.pathsep.join([str(stubs), str(classes)]),
               f"-Dvphone.system={snapshot}", f"-Dvphone.cacerts={os.pathsep.join(map(str, cacerts))}",
               f"-Dvphone.loopback={LOOPBACK}", "-Dvphone.main=probe.ProxyProbe", "android.app.ActivityThread", *args]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.fixture
def ca_folder(tmp_path: Path) -> tuple[TestCA, Path]:
    ca = TestCA()
    folder = tmp_path / "cacerts-added"
    folder.mkdir()
    (folder / f"{ca.subject_hash_old()}.0").write_bytes(ca.der)  # DER, as the user store may hold
    (folder / "README").write_text("not a certificate: skipped\n")
    return ca, folder


def test_requests_go_through_the_global_proxy_and_raw_sockets_do_not(tmp_path: Path,
                                                                     ca_folder: tuple[TestCA, Path]) -> None:
    ca, folder = ca_folder
    proxy = RecordingProxy(ca, host=LOOPBACK)
    raw = LineServer()
    out = run_probe(tmp_path, f"localhost:{proxy.port}", [folder],
                    ["https://api.probe.example/v1/ok?x=1", "http://plain.probe.example:8081/huc", "127.0.0.1",
                     str(raw.port)])
    assert out.splitlines() == ["okhttp 200", "huc 200", "raw sent"]
    (okhttp,) = proxy.records(lambda s: s.host == "api.probe.example")
    assert (okhttp.kind, okhttp.method, okhttp.target, okhttp.body) == ("https", "POST", "/v1/ok?x=1", b"okhttp-body")
    assert okhttp.headers["host"] == "api.probe.example"
    (huc,) = proxy.records(lambda s: s.host.startswith("plain.probe.example"))
    # plain http goes to the proxy in absolute form
    assert (huc.kind, huc.method, huc.target, huc.body) == ("http", "POST", "http://plain.probe.example:8081/huc",
                                                            b"huc-body")
    assert raw.lines == [b"raw-line\n"] and len(proxy.records()) == 2  # the raw socket went straight
    proxy.close()


def test_an_untrusted_proxy_certificate_fails_the_request(tmp_path: Path) -> None:
    proxy = RecordingProxy(TestCA(), host=LOOPBACK)
    stubs = stubs_classpath()
    classes = compile_sources([PROBE_SOURCES], classpath=[stubs])
    snapshot = tmp_path / "snapshot.json"
    snapshot.write_text(json.dumps({"settings": {"global": {"http_proxy": f"127.0.0.1:{proxy.port}"}}}))
    empty = tmp_path / "system-cacerts"
    empty.mkdir()
    result = subprocess.run(
        [java_executable(), "-cp", os.pathsep.join([str(stubs), str(classes)]), f"-Dvphone.system={snapshot}",
         f"-Dvphone.cacerts={empty}", f"-Dvphone.loopback={LOOPBACK}", "-Dvphone.main=probe.ProxyProbe",
         "android.app.ActivityThread", "https://api.probe.example/", "http://x.example/", "127.0.0.1", "9"],
        capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode != 0 and "SSLHandshakeException" in result.stderr
    proxy.wait_for(lambda s: s.kind == "tls-failed" and s.host == "api.probe.example", timeout=10)
    proxy.close()


@pytest.mark.parametrize("setting", [":0", None, ""])
def test_no_proxy_means_direct(tmp_path: Path, setting: str | None) -> None:
    ca = TestCA()
    on_loopback = RecordingProxy(ca, host=LOOPBACK)  # answers plain requests as an origin server too
    on_host = RecordingProxy(ca)
    raw = LineServer()
    out = run_probe(tmp_path, setting, [], [f"http://localhost:{on_loopback.port}/a",
                                            f"http://127.0.0.1:{on_host.port}/b", "127.0.0.1", str(raw.port)])
    assert out.splitlines() == ["okhttp 200", "huc 200", "raw sent"]
    # origin form, straight to the server; OkHttp's localhost is the phone's loopback
    assert [(r.method, r.target) for r in on_loopback.records()] == [("POST", "/a")]
    assert [(r.method, r.target) for r in on_host.records()] == [("POST", "/b")]
    on_loopback.close()
    on_host.close()
