"""The virtual phone's "internet": collectors on a loopback address of the phone's own.

Apps on the virtual phone connect by host name (``analytics.tracker.example``); the phone's hosts
file maps every known name to the phone's internet address (``127.100.X.Y``, unique per phone,
derived from its adbd port), where the collectors listen on the real service ports: HTTP on 80,
HTTPS on 443 (a certificate for every name, signed by the phone's own CA, which is a system CA
in the phone's system CA stores, see ``trust``), and raw TCP and UDP sinks on 9000.  So hooks see
real names and ports, and several phones never clash.

The collectors log everything they receive to ``STATE/vphone/collectors.jsonl``: the ground truth
tests compare the harness's findings with.  The harness itself never reads it.
"""

from __future__ import annotations

import base64
import contextlib
import json
import logging
import os
import socket
import socketserver
import ssl
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from harness.errors import ToolMissingError, VirtualPhoneError
from harness.virtual.net.trust import install_system_ca

log = logging.getLogger(__name__)

#: Names every virtual phone resolves; apps may add their own (profile ``app.hosts``).
DEFAULT_HOSTS = (
    "analytics.tracker.example", "sdk.tracker.example", "api.messenger.example", "backup.smsbackup.example",
    "telemetry.vendor.example", "weather.example", "ads.tracker.example",
)
HTTP_PORT, HTTPS_PORT, SINK_PORT = 80, 443, 9000
_MAX_BODY = 8 * 1024 * 1024


def internet_address(adbd_port: int) -> str:
    """The phone's internet address: 127.100.<port high byte>.<port low byte>."""
    return f"127.100.{adbd_port >> 8 & 0xFF}.{adbd_port & 0xFF}"


class CollectorLog:
    """Append-only JSON lines, one per received request or datagram."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    def write(self, record: dict[str, Any]) -> None:
        record = {"ts": time.time(), **record}
        line = json.dumps(record, sort_keys=True) + "\n"
        with self._lock, self.path.open("a", encoding="utf-8") as handle:
            handle.write(line)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def ensure_tls_material(tls_dir: Path, hosts: list[str]) -> tuple[Path, Path]:
    """The phone's CA (PEM) and the collector's certificate (PEM, its key beside it).

    Made once per state folder with openssl; the certificate is remade when the host list grows.
    """
    tls_dir.mkdir(parents=True, exist_ok=True)
    ca_key, ca_cert = tls_dir / "ca.key", tls_dir / "ca.pem"
    key, cert = tls_dir / "collector.key", tls_dir / "collector.pem"
    names_file = tls_dir / "names.txt"
    wanted = "\n".join(sorted(set(hosts)))
    if cert.exists() and names_file.exists() and names_file.read_text() == wanted:
        return ca_cert, cert
    if not _which("openssl"):
        raise ToolMissingError("the virtual phone's HTTPS collector needs openssl (apt-get install openssl)")

    def run(*args: str) -> None:
        result = subprocess.run(args, capture_output=True, text=True, check=False, timeout=120)
        if result.returncode != 0:
            raise VirtualPhoneError(f"making the phone's TLS material failed: {' '.join(args[:2])}: "
                                    f"{result.stderr.strip()[-300:]}")

    if not ca_cert.exists():
        run("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(ca_key), "-out", str(ca_cert),
            "-days", "3650", "-subj", "/CN=Virtual Phone Internet Root CA/O=android-privacy-harness",
            "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    san = ",".join(f"DNS:{h}" for h in sorted(set(hosts)))
    csr, ext = tls_dir / "collector.csr", tls_dir / "collector.ext"
    ext.write_text(f"subjectAltName={san}\nextendedKeyUsage=serverAuth\n")
    run("openssl", "req", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(csr),
        "-subj", "/CN=collector.example")
    run("openssl", "x509", "-req", "-in", str(csr), "-CA", str(ca_cert), "-CAkey", str(ca_key), "-CAcreateserial",
        "-out", str(cert), "-days", "3650", "-extfile", str(ext))
    names_file.write_text(wanted)
    return ca_cert, cert


def _which(tool: str) -> bool:
    return any(os.access(Path(d) / tool, os.X_OK) for d in os.environ.get("PATH", "").split(os.pathsep))


def _http_handler(collector: CollectorLog, scheme: str) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            log.debug("%s %s", scheme, format % args)

        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(min(length, _MAX_BODY)) if length else b""
            sni = getattr(self.connection, "harness_sni", None)
            collector.write({
                "collector": scheme, "method": self.command, "path": self.path,
                "host": self.headers.get("Host"), "sni": sni, "peer": self.client_address[0],
                "headers": [[k, v] for k, v in self.headers.items()], "body": _b64(body),
            })
            reply = b'{"status":"ok"}'
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _handle

    return Handler


class _TcpSink(socketserver.BaseRequestHandler):
    collector: CollectorLog

    def handle(self) -> None:
        data = bytearray()
        with contextlib.suppress(OSError):
            self.request.settimeout(10)
            while chunk := self.request.recv(65536):
                data += chunk
                if len(data) > _MAX_BODY:
                    break
        self.collector.write({"collector": "tcp", "peer": self.client_address[0], "body": _b64(bytes(data))})


class Internet:
    """Starts and stops the collectors of one phone."""

    def __init__(self, address: str, state_dir: Path, hosts: list[str], ca_stores: list[Path] | None = None) -> None:
        self.address = address
        self.ca_stores = ca_stores or []  # the phone's system CA folders (see trust.system_stores)
        self.hosts = sorted(set(hosts) | set(DEFAULT_HOSTS))
        self.log = CollectorLog(state_dir / "collectors.jsonl")
        self.tls_dir = state_dir / "tls"
        self.hosts_file = state_dir / "hosts"
        self._servers: list[socketserver.BaseServer] = []
        self._udp: socket.socket | None = None

    def start(self) -> None:
        lines = ["127.0.0.1 localhost", "::1 ip6-localhost", *(f"{self.address} {h}" for h in self.hosts)]
        self.hosts_file.write_text("\n".join(lines) + "\n", encoding="utf-8")
        ca, cert = ensure_tls_material(self.tls_dir, self.hosts)
        if self.ca_stores:  # the phone trusts its internet's CA as a system CA
            install_system_ca(ca, self.ca_stores)
            for store in self.ca_stores:  # the name phones of older versions gave it
                (store / "vphone_internet_ca.0").unlink(missing_ok=True)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, self.tls_dir / "collector.key")
        http = ThreadingHTTPServer((self.address, HTTP_PORT), _http_handler(self.log, "http"))
        https = ThreadingHTTPServer((self.address, HTTPS_PORT), _http_handler(self.log, "https"))
        def on_sni(sock: ssl.SSLObject, name: str, _ctx: ssl.SSLContext) -> None:
            # recorded on the connection so the handler can log which name the client asked for
            sock.harness_sni = name  # type: ignore[attr-defined]

        context.sni_callback = on_sni
        https.socket = context.wrap_socket(https.socket, server_side=True)
        sink_handler = type("Sink", (_TcpSink,), {"collector": self.log})
        tcp = socketserver.ThreadingTCPServer((self.address, SINK_PORT), sink_handler)
        for server in (http, https, tcp):
            server.daemon_threads = True
            threading.Thread(target=server.serve_forever, name="collector", daemon=True).start()
            self._servers.append(server)
        self._udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._udp.bind((self.address, SINK_PORT))
        threading.Thread(target=self._udp_loop, name="collector-udp", daemon=True).start()
        log.info("internet at %s: %d host names, CA %s", self.address, len(self.hosts), ca)

    def _udp_loop(self) -> None:
        assert self._udp is not None
        while True:
            try:
                data, peer = self._udp.recvfrom(65536)
            except OSError:
                return
            self.log.write({"collector": "udp", "peer": peer[0], "body": _b64(data)})

    def stop(self) -> None:
        for server in self._servers:
            server.shutdown()
            server.server_close()
        if self._udp is not None:
            self._udp.close()
