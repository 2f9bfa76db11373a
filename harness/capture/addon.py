"""The mitmproxy addons of the second capture path: flows into events, names resolved as the phone does.

``FlowRecorder`` turns what the proxy sees into run-store events (``put`` on the run's writer,
which stamps variant and step):

- ``request`` (a whole request from the phone, before it goes upstream): an ``http.request``
  event, ``source="mitm"``, ``api="mitmproxy"``, ``process="(proxy)"`` and ``pid=0`` — the proxy
  cannot know which app sent it (the connection arrives from ``adb reverse``, not from a uid), so it
  does not guess; the report's cross-check gives a request the hooks also saw the hooked process
  and SDK (``harness.capture.crosscheck``).  ``dest`` is the request's host, port, scheme and URL,
  with the upstream server's IP (connected, or as the phone's hosts file says); ``headers`` as sent;
  ``data`` the body as sent (not decoded), cut at ``max_data`` bytes with ``data_len`` its size.
- ``tls_failed_client`` (the app refused the proxy's certificate: pinning, or the CA is not trusted
  by it): a ``proxy.tls_failed`` event naming the host (SNI, else the CONNECT target) and the error.
- ``error`` and ``tls_failed_server`` (the upstream side failed): counted, the first messages kept
  for the run's meta (they are the proxy's trouble, not the phone's egress).

``PhoneResolver`` connects upstream to the address the *phone* would use for a name its hosts file
lists (``/etc/hosts`` on the phone: on the virtual phone, its whole internet); a name the phone's
hosts file points at 0.0.0.0 or the loopback address is blocked there, so the proxy refuses it too.
Every other name resolves on this host, as DNS would on the phone.
"""

from __future__ import annotations

import ipaddress
import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from mitmproxy import http, tls
from mitmproxy.proxy import server_hooks

from harness.events import Dest, Event

log = logging.getLogger(__name__)

#: The process name of what the proxy saw (it cannot know the app).
PROXY_PROCESS = "(proxy)"
PROXY_API = "mitmproxy"
SOURCE = "mitm"
TLS_FAILED = "proxy.tls_failed"
#: Upstream errors kept (with their count) for the run's meta.
MAX_ERRORS = 50
_BLOCKED = {"0.0.0.0", "127.0.0.1", "::", "::1"}
_LOCAL_NAMES = {"localhost", "ip6-localhost", "ip6-loopback", "localhost.localdomain"}


class EventSink(Protocol):
    """Where events go: the run's writer (``harness.record.writer.EventWriter``) or a test list."""

    def put(self, events: Sequence[Event]) -> None: ...


@dataclass
class RecorderStats:
    requests: int = 0
    tls_failures: int = 0
    errors: int = 0
    error_messages: list[str] = field(default_factory=list)


class FlowRecorder:
    """mitmproxy addon: the phone's requests and refused handshakes as events (module docstring)."""

    def __init__(self, sink: EventSink, *, max_data: int = 64 * 1024,
                 resolve: Callable[[str], str | None] | None = None) -> None:
        self._sink = sink
        self._max_data = max_data
        self._resolve = resolve or (lambda _host: None)
        self._lock = threading.Lock()
        self.stats = RecorderStats()

    def request(self, flow: http.HTTPFlow) -> None:
        req = flow.request
        raw = req.raw_content or b""
        peer = flow.server_conn.peername if flow.server_conn is not None else None
        host = req.pretty_host  # the Host header (or :authority): ``req.host`` is the address connected to
        ip = str(peer[0]) if peer else self._resolve(host)  # plain HTTP: not connected upstream yet
        event = Event(
            id=0, ts=req.timestamp_start or 0.0, kind="http.request", api=PROXY_API, process=PROXY_PROCESS, pid=0,
            dest=Dest(host=host, ip=ip, port=req.port, scheme=req.scheme, url=req.pretty_url),
            data=raw[:self._max_data], data_len=len(raw),
            headers=tuple((_text(k), _text(v)) for k, v in req.headers.fields), source=SOURCE,
        )
        with self._lock:
            self.stats.requests += 1
        self._sink.put([event])

    def tls_failed_client(self, data: tls.TlsData) -> None:
        server = data.context.server
        host = data.conn.sni or (str(server.address[0]) if server.address else None)
        port = int(server.address[1]) if server.address else None
        error = data.conn.error or "the client refused the handshake"
        event = Event(id=0, ts=data.conn.timestamp_start or 0.0, kind=TLS_FAILED, api=PROXY_API,
                      process=PROXY_PROCESS, pid=0, dest=Dest(host=host, port=port, scheme="tls"),
                      value=error[:500], source=SOURCE)
        with self._lock:
            self.stats.tls_failures += 1
        self._sink.put([event])

    def tls_failed_server(self, data: tls.TlsData) -> None:
        address = data.context.server.address
        self._error(f"upstream TLS to {address[0] if address else '?'} failed: {data.conn.error}")

    def error(self, flow: http.HTTPFlow) -> None:
        if flow.error is not None:
            self._error(f"{flow.request.method} {flow.request.pretty_url}: {flow.error.msg}")

    def _error(self, message: str) -> None:
        log.debug("proxy: %s", message)
        with self._lock:
            self.stats.errors += 1
            if len(self.stats.error_messages) < MAX_ERRORS:
                self.stats.error_messages.append(message[:500])


def _text(raw: bytes) -> str:
    """Header bytes as text the way mitmproxy shows them (undecodable bytes kept as surrogates,
    which the detector turns back into those bytes)."""
    return raw.decode("utf-8", "surrogateescape")


def parse_hosts(text: str) -> dict[str, str]:
    """A hosts file (``/etc/hosts``) -> {name: address}; the first line naming a host wins."""
    names: dict[str, str] = {}
    for line in text.splitlines():
        fields = line.split("#", 1)[0].split()
        if len(fields) < 2:
            continue
        try:
            address = str(ipaddress.ip_address(fields[0]))
        except ValueError:
            continue
        for name in fields[1:]:
            names.setdefault(name.lower().rstrip("."), address)
    return names


class PhoneResolver:
    """mitmproxy addon: connect upstream where the phone's hosts file says (module docstring)."""

    def __init__(self, hosts: Mapping[str, str]) -> None:
        self._hosts = {name: ip for name, ip in hosts.items() if name not in _LOCAL_NAMES}

    def server_connect(self, data: server_hooks.ServerConnectionHookData) -> None:
        address = data.server.address
        if address is None or data.server.error:
            return
        host, port = str(address[0]), int(address[1])
        ip = self._hosts.get(host.lower().rstrip("."))
        if ip is None:
            return
        if ip in _BLOCKED:
            data.server.error = f"{host} is blocked by the phone's hosts file ({ip})"
            return
        data.server.address = (ip, port)

    def lookup(self, host: str) -> str | None:
        """The address the phone's hosts file gives ``host`` (None: DNS decides)."""
        ip = self._hosts.get(host.lower().rstrip("."))
        return None if ip in _BLOCKED else ip
