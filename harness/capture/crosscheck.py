"""The two capture paths checked against each other: what the proxy saw and the hooks did not, and back.

Read in the report's first pass (``observe(event)`` for every event of the run, kept compact), then
``finish()``; only a run recorded with both paths (``meta.capture.paths`` holds ``mitm``, or the run
holds proxy events) is checked, and only while the proxy was active (``meta.capture.active``).

**Matching.**  A request the hooks saw is an ``http.request`` hook event (its URL) or a ``tls.write``
/ ``net.send`` whose bytes start with an HTTP/1 request line (host from an absolute URL, the Host
header, or the event's host).  A proxy ``http.request`` (``source: mitm``) matches the hook
requests of the same variant, host (case-insensitive) and path with query, at most ``WINDOW``
seconds apart: per hooked API the nearest one not matched yet (one request is seen by several
hooks: ``okhttp3.RealCall.execute`` and the TLS write of its bytes).  Ports are not compared
(through the proxy a TLS socket may report the proxy's).

**Hook coverage gaps**: proxy requests no hook request matches (a process or an HTTP stack the
hooks do not cover), grouped by variant, host and URL without query.

**Proxy bypasses**, while the proxy was active: hook requests no proxy request matches, and every
hooked ``net.connect`` / ``net.send`` to a destination other than the proxy (the phone's loopback
on the ``adb reverse`` port, ``meta.capture.proxy.phone_proxy``) and the phone itself (localhost,
127.0.0.1, ::1) — with an explicit proxy every proxied connection goes to the proxy, so any other
is one around it.  Only socket-level events count (they have the peer's address;
``URL.openConnection`` names a URL, not where bytes went), and not DNS (port 53: an HTTP proxy
never carries it).  Grouped by variant, process, destination (host, else IP) and port, with a reason:
``quic`` (UDP or QUIC packets to port 443: the proxy carries TCP only), ``tls_refused`` (the proxy
recorded a refused handshake for that host: pinning, or the CA not trusted), ``direct`` (a
connection that did not go to the proxy: a raw socket, a stack that ignores the proxy setting),
``unseen`` (the proxy has no such request and nothing else explains it).

**Flows** (``adjust``): a proxy event matched to hook events takes the hooked process and SDK, so
one request seen by both paths is one flow (its evidence lists both events), not a second flow
of process ``(proxy)``.  A hooked write that went to the proxy (a TLS socket over the CONNECT
tunnel names the proxy's address, not the server's) is given the host of the request it carried
(its own request line, else the proxy request whose body holds its bytes) and no address, so its
IP comes from what the proxy connected to and it joins the request's flow.
"""

from __future__ import annotations

import ipaddress
import re
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlsplit

from harness.capture.addon import SOURCE, TLS_FAILED
from harness.events import Event
from harness.report.shape import CaptureBypass, CaptureGap, CaptureInfo, TlsFailure

#: Seconds between the hooks' and the proxy's view of one request.
WINDOW = 30.0
#: Evidence event ids listed per gap, bypass or TLS failure (the count is complete).
MAX_EVIDENCE = 20
#: Hook requests kept for matching; beyond, the cross-check says it was cut.
MAX_REQUESTS = 200_000
#: Bytes of each proxy request's body kept to recognise a hooked write of it (``adjust``).
BODY_KEPT = 1024
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1", "0.0.0.0", "::", "ip6-localhost"})
_REQUEST_LINE = re.compile(rb"^([A-Z]{3,10}) (\S+) HTTP/1\.[01]\r?\n")
_HOST_HEADER = re.compile(rb"\r?\nhost:[ \t]*([^\r\n]+)", re.IGNORECASE)
_QUIC_VERSIONS = {b"\x00\x00\x00\x01", b"\x6b\x33\x43\xcf", b"\x00\x00\x00\x00"}
_REASON_RANK = {"quic": 0, "tls_refused": 1, "direct": 2, "unseen": 3}
_REASON_TEXT = {
    "quic": "QUIC (UDP 443): an HTTP proxy carries TCP only",
    "tls_refused": "the app refused the proxy's certificate (certificate pinning, or the CA not trusted)",
    "direct": "a connection that did not go to the proxy (a raw socket, or a stack ignoring the proxy setting)",
    "unseen": "the proxy has no matching request",
}


def _local(host: str | None) -> bool:
    return host is not None and host.lower().strip("[]") in LOCAL_HOSTS


def _loopback(host: str | None) -> bool:
    """``localhost`` or any loopback address (a virtual phone's loopback is one of 127.0.0.0/8)."""
    if host is None:
        return False
    if _local(host):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _phone_port(info: Mapping[str, Any]) -> int | None:
    """The phone-side port of the proxy (``adb reverse``) from ``meta.capture.proxy.phone_proxy``."""
    proxy = info.get("proxy")
    where = proxy.get("phone_proxy") if isinstance(proxy, Mapping) else None
    port = str(where).rsplit(":", 1)[-1] if where else ""
    return int(port) if port.isdigit() else None


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text.strip("[]"))
        return True
    except ValueError:
        return False


@dataclass
class _Request:
    id: int
    ts: float
    variant: str
    host: str
    path: str
    url: str
    port: int | None
    api: str
    process: str
    sdk: str | None
    body: bytes = b""  # the proxy's: the start of the body, to recognise its pieces in the hooks' writes
    claimed: bool = False


@dataclass
class _Group:
    events: int = 0
    first_ts: float | None = None
    evidence: list[int] = field(default_factory=list)
    reasons: set[str] = field(default_factory=set)
    sdks: Counter[str] = field(default_factory=Counter)
    extra: str = ""

    def add(self, event_id: int, ts: float, sdk: str | None = None) -> None:
        self.events += 1
        if self.first_ts is None or ts < self.first_ts:
            self.first_ts = ts
        if len(self.evidence) < MAX_EVIDENCE:
            self.evidence.append(event_id)
        if sdk:
            self.sdks[sdk] += 1


def _split(url: str) -> tuple[str, str, int | None] | None:
    """(host, path with query, port) of an absolute URL."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    if not parts.hostname:
        return None
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    if port is None:
        port = {"https": 443, "http": 80}.get(parts.scheme)
    return parts.hostname.lower().rstrip("."), path, port


def request_of(event: Event) -> tuple[str, str, int | None] | None:
    """(host, path with query, port) of the HTTP request an event shows, if it shows one."""
    dest = event.dest
    if event.kind == "http.request":
        return _split(dest.url) if dest is not None and dest.url else None
    data = event.data or b""
    match = _REQUEST_LINE.match(data)
    if match is None or match[1] == b"CONNECT":
        return None
    target = match[2].decode("latin-1")
    if target.startswith(("http://", "https://")):
        return _split(target)
    head = data[:8192].split(b"\r\n\r\n", 1)[0]
    header = _HOST_HEADER.search(head)
    host = header[1].decode("latin-1").strip() if header else (dest.host if dest is not None else None)
    if not host:
        return None
    # the port the request is for (the socket's may be the proxy's): the Host header's, else the default
    port = 443 if event.kind == "tls.write" else 80
    name = host
    if host.startswith("["):
        name, _, rest = host[1:].partition("]")
        port = int(rest[1:]) if rest[1:].isdigit() else port
    elif host.count(":") == 1:
        name, _, number = host.partition(":")
        port = int(number) if number.isdigit() else port
    return name.lower().rstrip("."), target, port


def _is_quic(event: Event) -> bool:
    dest = event.dest
    if dest is None or dest.port != 443:
        return False
    if (dest.scheme or "").lower() in ("udp", "quic"):
        return True
    data = event.data or b""
    return len(data) >= 5 and data[0] & 0xC0 == 0xC0 and data[1:5] in _QUIC_VERSIONS


class CrossCheck:
    """The cross-check of one run (see the module docstring)."""

    def __init__(self, meta: Mapping[str, Any]) -> None:
        info = meta.get("capture")
        self.info: Mapping[str, Any] = info if isinstance(info, Mapping) else {}
        windows = self.info.get("active")
        self.windows = [(float(w[0]), float(w[1])) for w in windows or []
                        if isinstance(w, list | tuple) and len(w) == 2]
        self.proxy_port = _phone_port(self.info)
        self.saw_mitm = False
        self.cut = False
        self._hook_requests: list[_Request] = []
        self._mitm_requests: list[_Request] = []
        self._mitm_by_variant: dict[str, list[_Request]] = {}  # by time, for ``adjust``
        #: (variant, process, pid, host or IP, port, is an IP) -> what the hooks saw go there directly
        self._connections: dict[tuple[str, str, int, str, int | None, bool], _Group] = {}
        self._tls: dict[tuple[str, str | None, int | None], _Group] = {}
        self._tls_hosts: set[tuple[str, str]] = set()
        self._names: dict[tuple[int, str, int | None], str] = {}  # (pid, ip, port) -> host, from events naming both
        self._attribution: dict[int, tuple[str, str | None]] = {}
        self.matched = 0

    @property
    def checked(self) -> bool:
        return "mitm" in (self.info.get("paths") or []) or self.saw_mitm

    def active(self, ts: float) -> bool:
        return not self.windows or any(start <= ts <= end for start, end in self.windows)

    # ---- pass 1 ----------------------------------------------------------------------------------

    def observe(self, event: Event) -> Event:
        """Take what the cross-check needs of ``event``; the event as the address book should see it."""
        variant = event.variant or "-"
        if event.source == SOURCE:
            self.saw_mitm = True
            if event.kind == "http.request":
                self._keep(self._mitm_requests, event, variant)
            elif event.kind == TLS_FAILED:
                dest = event.dest
                host = dest.host.lower() if dest is not None and dest.host else None
                key = (variant, host, dest.port if dest is not None else None)
                group = self._tls.setdefault(key, _Group(extra=event.value or ""))
                group.add(event.id, event.ts)
                if host:
                    self._tls_hosts.add((variant, host))
            return event
        if event.source is not None or event.dest is None:
            return event
        dest = event.dest
        if dest.host and dest.ip and not _is_ip(dest.host) and not _local(dest.ip) and not self.to_proxy(event):
            self._names.setdefault((event.pid, dest.ip, dest.port), dest.host.lower())
        if event.kind in ("http.request", "tls.write", "net.send"):
            self._keep(self._hook_requests, event, variant)
        if event.kind in ("net.connect", "net.send"):
            self._connection(event, variant)
        return self.adjust_address(event)

    def _keep(self, into: list[_Request], event: Event, variant: str) -> None:
        seen = request_of(event)
        if seen is None:
            return
        if len(into) >= MAX_REQUESTS:
            self.cut = True
            return
        host, path, port = seen
        url = event.dest.url if event.dest is not None and event.dest.url else f"{host}{path}"
        body = (event.data or b"")[:BODY_KEPT] if event.source == SOURCE else b""
        into.append(_Request(event.id, event.ts, variant, host, path, url, port, f"{event.kind}:{event.api}",
                             event.process, event.sdk, body))

    def _connection(self, event: Event, variant: str) -> None:
        dest = event.dest
        assert dest is not None
        if not dest.ip or self.to_proxy(event) or _local(dest.host) or _local(dest.ip) or dest.port == 53:
            return  # no address: not a socket yet (URL.openConnection names only the URL)
        if not self.active(event.ts):
            return
        where = (dest.host or "").lower() or str(dest.ip)
        key = (variant, event.process, event.pid, where, dest.port, not dest.host)
        group = self._connections.get(key)
        if group is None:
            group = self._connections[key] = _Group()
        group.add(event.id, event.ts, event.sdk)
        group.reasons.add("quic" if _is_quic(event) else "direct")

    # ---- after pass 1 -------------------------------------------------------------------------

    def finish(self) -> CaptureInfo:
        """Match the two paths; the report's ``capture`` section."""
        for proxied in self._mitm_requests:
            self._mitm_by_variant.setdefault(proxied.variant, []).append(proxied)
        for requests in self._mitm_by_variant.values():
            requests.sort(key=lambda r: r.ts)
        gaps: dict[tuple[str, str, str], _Group] = {}
        by_key: dict[tuple[str, str, str], list[_Request]] = {}
        for hooked in self._hook_requests:
            by_key.setdefault((hooked.variant, hooked.host, hooked.path), []).append(hooked)
        if self.checked:
            for proxied in sorted(self._mitm_requests, key=lambda r: (r.ts, r.id)):
                if self._match(proxied, by_key.get((proxied.variant, proxied.host, proxied.path), [])):
                    self.matched += 1
                    continue
                url = proxied.url.split("?", 1)[0]
                gaps.setdefault((proxied.variant, proxied.host, url), _Group()).add(proxied.id, proxied.ts)
        return CaptureInfo(
            paths=[str(p) for p in self.info.get("paths") or (["hooks", "mitm"] if self.saw_mitm else ["hooks"])],
            requested=str(self.info["requested"]) if self.info.get("requested") else None,
            notes=[str(n) for n in self.info.get("notes") or []] + (
                [f"the cross-check kept the first {MAX_REQUESTS} requests of each path"] if self.cut else []),
            proxy=self._proxy_text(), ca_stores=self._proxy_list("ca_stores"),
            quic_blocked=self._proxy_list("quic_blocked"),
            proxy_requests=len(self._mitm_requests), matched=self.matched,
            gaps=[CaptureGap(variant=v, host=h, url=u, events=g.events, first_ts=g.first_ts, evidence=g.evidence)
                  for (v, h, u), g in sorted(gaps.items(), key=lambda kv: kv[1].first_ts or 0.0)],
            bypasses=self._bypasses() if self.checked else [],
            tls_failures=[TlsFailure(variant=v, host=h, port=p, error=g.extra, events=g.events,
                                     first_ts=g.first_ts, evidence=g.evidence)
                          for (v, h, p), g in sorted(self._tls.items(), key=lambda kv: kv[1].first_ts or 0.0)],
        )

    def _match(self, proxied: _Request, candidates: list[_Request]) -> bool:
        nearest: dict[str, _Request] = {}
        for hooked in candidates:
            if hooked.claimed or abs(hooked.ts - proxied.ts) > WINDOW:
                continue
            best = nearest.get(hooked.api)
            if best is None or abs(hooked.ts - proxied.ts) < abs(best.ts - proxied.ts):
                nearest[hooked.api] = hooked
        if not nearest:
            return False
        for hooked in nearest.values():
            hooked.claimed = True
        owner = min(nearest.values(), key=lambda r: (r.sdk is None, not r.api.startswith("http.request"), r.id))
        self._attribution[proxied.id] = (owner.process, owner.sdk)
        return True

    def _bypasses(self) -> list[CaptureBypass]:
        groups: dict[tuple[str, str, str, int | None], _Group] = {}
        for (variant, process, pid, where, port, is_ip), group in self._connections.items():
            name = self._names.get((pid, where, port), where) if is_ip else where
            merged = groups.setdefault((variant, process, name, port), _Group())
            for event_id in group.evidence:
                if len(merged.evidence) < MAX_EVIDENCE:
                    merged.evidence.append(event_id)
            merged.events += group.events
            merged.first_ts = min(x for x in (merged.first_ts, group.first_ts) if x is not None)
            merged.reasons |= group.reasons
            merged.sdks.update(group.sdks)
        for hooked in self._hook_requests:
            if hooked.claimed or not self.active(hooked.ts):
                continue
            merged = groups.setdefault((hooked.variant, hooked.process, hooked.host, hooked.port), _Group())
            merged.add(hooked.id, hooked.ts, hooked.sdk)
            merged.reasons.add("tls_refused" if (hooked.variant, hooked.host) in self._tls_hosts else "unseen")
        rows: list[CaptureBypass] = []
        for (variant, process, name, port), group in groups.items():
            reason = min(group.reasons, key=lambda r: _REASON_RANK[r])
            rows.append(CaptureBypass(
                variant=variant, process=process, sdk=group.sdks.most_common(1)[0][0] if group.sdks else None,
                destination=name, port=port, transport="udp" if reason == "quic" else "tcp", reason=reason,
                message=_REASON_TEXT[reason], events=group.events, first_ts=group.first_ts,
                evidence=sorted(group.evidence)))
        rows.sort(key=lambda r: (r["first_ts"] or 0.0, r["destination"]))
        return rows

    def _proxy_text(self) -> str | None:
        proxy = self.info.get("proxy")
        if not isinstance(proxy, Mapping):
            return None
        return f"phone {proxy.get('phone_proxy')} -> adb reverse -> mitmproxy {proxy.get('listen')}"

    def _proxy_list(self, key: str) -> list[str]:
        proxy = self.info.get("proxy")
        value = proxy.get(key) if isinstance(proxy, Mapping) else None
        return [str(v) for v in value] if isinstance(value, list) else []

    # ---- the flows --------------------------------------------------------------------------

    def to_proxy(self, event: Event) -> bool:
        """Did this hooked event go to the proxy (the phone's loopback, on the ``adb reverse`` port)?"""
        dest = event.dest
        return (event.source is None and dest is not None and self.proxy_port is not None
                and dest.port == self.proxy_port and (_loopback(dest.ip) or _loopback(dest.host)))

    def adjust_address(self, event: Event) -> Event:
        """A hooked event that went to the proxy: the proxy's address is not where the data went."""
        dest = event.dest
        if dest is not None and self.to_proxy(event):
            return replace(event, dest=replace(dest, ip=None, port=None,
                                               host=None if _loopback(dest.host) else dest.host))
        return event

    def adjust(self, event: Event) -> Event:
        """``event`` as the flows should count it (see the module docstring)."""
        owner = self._attribution.get(event.id) if event.source == SOURCE else None
        if owner is not None:
            return replace(event, process=owner[0], sdk=owner[1])
        if event.dest is None or not self.to_proxy(event):
            return event
        seen = request_of(event)
        host = seen[0] if seen is not None else self._carried(event)
        adjusted = self.adjust_address(event)
        assert adjusted.dest is not None
        return replace(adjusted, dest=replace(adjusted.dest, host=host or adjusted.dest.host))

    def _carried(self, event: Event) -> str | None:
        """The host of the proxy request whose body this hooked write (a piece of it) carried."""
        piece = (event.data or b"")[:64]
        if len(piece) < 8:
            return None
        requests = self._mitm_by_variant.get(event.variant or "-", [])
        first = bisect_left(requests, event.ts - WINDOW, key=lambda r: r.ts)
        last = bisect_right(requests, event.ts + WINDOW, key=lambda r: r.ts)
        near = [r for r in requests[first:last] if piece in r.body]
        return min(near, key=lambda r: abs(r.ts - event.ts)).host if near else None
