"""A tiny intercepting HTTP proxy for tests of the virtual phone's second capture path.

``RecordingProxy(ca)`` listens on a free host port and records what each client did: an
absolute-form request (plain http through the proxy), or a ``CONNECT host:port`` tunnel in which
it terminates TLS with a certificate for that host signed by ``ca`` (``TestCA``), then records the
request inside; when the client refuses the certificate it records a ``tls-failed`` entry instead
(mitmproxy's ``tls_failed_client``).  Every request is answered ``200 {"status":"ok"}``.
"""

from __future__ import annotations

import contextlib
import datetime
import socket
import socketserver
import ssl
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

_REPLY = b'{"status":"ok"}'


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "harness test proxy")])


class TestCA:
    """A CA of its own, as mitmproxy makes one, and a leaf certificate per host on demand."""

    __test__ = False

    def __init__(self, common_name: str = "Harness Test Proxy CA") -> None:
        self.key = ec.generate_private_key(ec.SECP256R1())
        now = datetime.datetime.now(datetime.UTC)
        self.cert = (x509.CertificateBuilder().subject_name(_name(common_name)).issuer_name(_name(common_name))
                     .public_key(self.key.public_key()).serial_number(x509.random_serial_number())
                     .not_valid_before(now - datetime.timedelta(days=1))
                     .not_valid_after(now + datetime.timedelta(days=30))
                     .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
                     .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                                  content_commitment=False, key_encipherment=False,
                                                  data_encipherment=False, key_agreement=False,
                                                  encipher_only=False, decipher_only=False), critical=True)
                     .sign(self.key, hashes.SHA256()))
        self._dir = Path(tempfile.mkdtemp(prefix="test-ca-"))
        self._contexts: dict[str, ssl.SSLContext] = {}
        self._lock = threading.Lock()

    @property
    def pem(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.PEM)

    @property
    def der(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.DER)

    def subject_hash_old(self) -> str:
        """The file name Android gives this CA in a CA store (without ``.0``)."""
        pem = self._dir / "ca.pem"
        pem.write_bytes(self.pem)
        return subprocess.run(["openssl", "x509", "-subject_hash_old", "-noout", "-in", str(pem)],
                              capture_output=True, text=True, check=True).stdout.strip()

    def server_context(self, host: str) -> ssl.SSLContext:
        with self._lock:
            if host not in self._contexts:
                key = ec.generate_private_key(ec.SECP256R1())
                now = datetime.datetime.now(datetime.UTC)
                cert = (x509.CertificateBuilder().subject_name(_name(host)).issuer_name(self.cert.subject)
                        .public_key(key.public_key()).serial_number(x509.random_serial_number())
                        .not_valid_before(now - datetime.timedelta(days=1))
                        .not_valid_after(now + datetime.timedelta(days=30))
                        .add_extension(x509.SubjectAlternativeName([x509.DNSName(host)]), critical=False)
                        .sign(self.key, hashes.SHA256()))
                chain = self._dir / f"{host}.pem"
                chain.write_bytes(cert.public_bytes(serialization.Encoding.PEM) + self.pem)
                key_file = self._dir / f"{host}.key"
                key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                                       serialization.PrivateFormat.PKCS8,
                                                       serialization.NoEncryption()))
                context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
                context.load_cert_chain(chain, key_file)
                self._contexts[host] = context
            return self._contexts[host]


@dataclass
class Seen:
    """One thing the proxy saw: ``kind`` is http (absolute form), https (inside a tunnel it
    decrypted), tls-failed (the client refused the proxy's certificate) or connect-only."""

    kind: str
    host: str
    method: str = ""
    target: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    error: str = ""


def _read_head(reader: Any) -> tuple[str, dict[str, str]] | None:
    line = reader.readline(65536).decode("iso-8859-1")
    if not line.strip():
        return None
    headers: dict[str, str] = {}
    while True:
        header = reader.readline(65536).decode("iso-8859-1")
        if header in ("\r\n", "\n", ""):
            return line.strip(), headers
        name, _, value = header.partition(":")
        headers[name.strip().lower()] = value.strip()


def _answer(writer: Any) -> None:
    writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
                 + str(len(_REPLY)).encode() + b"\r\nConnection: close\r\n\r\n" + _REPLY)
    writer.flush()


class RecordingProxy:
    """An HTTP proxy on ``host`` (127.0.0.1) that records, decrypts with ``ca`` and answers everything
    itself."""

    def __init__(self, ca: TestCA, host: str = "127.0.0.1") -> None:
        self.ca = ca
        self.seen: list[Seen] = []
        self._lock = threading.Lock()
        proxy = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self) -> None:
                with contextlib.suppress(OSError, ValueError):
                    proxy._serve(self.connection, self.rfile, self.wfile)

        self._server = socketserver.ThreadingTCPServer((host, 0), Handler)
        self._server.daemon_threads = True
        self.port = int(self._server.server_address[1])
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def _record(self, seen: Seen) -> None:
        with self._lock:
            self.seen.append(seen)

    def _serve(self, conn: socket.socket, rfile: Any, wfile: Any) -> None:
        head = _read_head(rfile)
        if head is None:
            return
        line, headers = head
        method, target, _version = line.split(" ", 2)
        if method != "CONNECT":
            body = rfile.read(int(headers.get("content-length", "0") or 0))
            self._record(Seen("http", headers.get("host", ""), method, target, headers, body))
            _answer(wfile)
            return
        host = target.rsplit(":", 1)[0]
        wfile.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
        wfile.flush()
        try:
            tls = self.ca.server_context(host).wrap_socket(conn, server_side=True)
        except (ssl.SSLError, OSError) as exc:
            self._record(Seen("tls-failed", host, error=str(exc)))
            return
        with tls, tls.makefile("rb") as tls_in, tls.makefile("wb") as tls_out:
            inner = _read_head(tls_in)
            if inner is None:
                self._record(Seen("connect-only", host))
                return
            inner_line, inner_headers = inner
            inner_method, inner_target, _ = inner_line.split(" ", 2)
            body = tls_in.read(int(inner_headers.get("content-length", "0") or 0))
            self._record(Seen("https", host, inner_method, inner_target, inner_headers, body))
            _answer(tls_out)

    def records(self, predicate: Callable[[Seen], bool] = lambda _s: True) -> list[Seen]:
        with self._lock:
            return [s for s in self.seen if predicate(s)]

    def wait_for(self, predicate: Callable[[Seen], bool], timeout: float = 45.0) -> Seen:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.records(predicate)
            if found:
                return found[0]
            time.sleep(0.1)
        raise AssertionError(f"the proxy saw no such request in {timeout:g} s; it saw: {self.records()}")

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
