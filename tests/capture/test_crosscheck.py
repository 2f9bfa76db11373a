"""The cross-check of the two capture paths on runs made by hand (real run stores, as `harness run`
writes them): a request both paths saw is matched and counted as one flow; what only the proxy saw
is a hook coverage gap; a raw socket, QUIC and a refused handshake are proxy bypasses; connections to
the proxy itself and DNS are not; a run without the proxy is not cross-checked.  The report document
validates against its schema, and the terminal and HTML forms show the lists, escaped."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from rich.console import Console

from harness.capture.crosscheck import request_of
from harness.events import Dest, Event
from harness.record.reader import iter_events
from harness.record.store import RunStore
from harness.report.html import render_report_html
from harness.report.schema import json_schema
from harness.report.shape import ReportDoc
from harness.report.terminal import print_report
from harness.testing.factories import make_event
from tests.compare.compare_support import ANDROID_ID, TRACKER, contact_hash_upload, make_run, report

T0 = 1_700_000_000.0
APP, SDK, PROXY_PORT = "com.example.messenger", "com.tracker.sdk", 41000
TRACKER_IP, BEACON_IP = "203.0.113.7", "198.51.100.9"
HOSTILE = "evil<b>&\"x.example"


def hook(kind: str, api: str, ts: float, dest: Dest, data: bytes | None = None, *, sdk: str | None = SDK,
         **more: Any) -> Event:
    return make_event(kind, api=api, ts=T0 + ts, dest=dest, data=data, sdk=sdk, process=APP, pid=4242, step=4,
                      **more)


def proxied(ts: float, url: str, data: bytes, ip: str = TRACKER_IP, **more: Any) -> Event:
    host = url.split("/")[2]
    return make_event("http.request", api="mitmproxy", ts=T0 + ts, process="(proxy)", pid=0, step=4, source="mitm",
                      sdk=None, data=data, dest=Dest(host=host, ip=ip, port=443, scheme="https", url=url), **more)


def ping_seen_by_both(ts: float, loopback: str = "127.0.0.1") -> list[Event]:
    """okhttp's view; the CONNECT and the TLS writes of its bytes, which go to the proxy's end on the
    phone (the phone's loopback: 127.0.0.1 on a phone, an address of its own on the virtual one), the
    head with its request line and the body alone; and the proxy's view."""
    url = f"https://{TRACKER}/v1/ping"
    head = f"POST /v1/ping HTTP/1.1\r\nHost: {TRACKER}\r\nX-Device-Id: {ANDROID_ID}\r\n\r\n".encode()
    body = b'{"event":"ping","aid":"' + ANDROID_ID.encode() + b'"}'
    to_proxy = Dest(ip=loopback, port=PROXY_PORT, scheme="tls")
    return [
        hook("net.connect", "java.net.Socket.connect", ts - 0.2, Dest(host=loopback, ip=loopback,
                                                                      port=PROXY_PORT, scheme="tcp")),
        hook("net.send", "libc.write", ts - 0.1, Dest(ip=loopback, port=PROXY_PORT),
             f"CONNECT {TRACKER}:443 HTTP/1.1\r\nHost: {TRACKER}:443\r\n\r\n".encode(), sdk=None),
        hook("http.request", "okhttp3.RealCall.execute", ts, Dest(host=TRACKER, port=443, scheme="https", url=url),
             body, headers=(("X-Device-Id", ANDROID_ID),)),
        hook("tls.write", "sun.security.ssl.SSLSocketImpl$AppOutputStream.write", ts + 0.1, to_proxy, head),
        hook("tls.write", "sun.security.ssl.SSLSocketImpl$AppOutputStream.write", ts + 0.11, to_proxy, body),
        hook("net.send", "libc.write", ts + 0.12, Dest(ip=loopback, port=PROXY_PORT),
             b"\x17\x03\x03\x00\x20" + b"x" * 32, sdk=None),
        proxied(ts + 0.3, url, body, headers=(("Host", TRACKER), ("X-Device-Id", ANDROID_ID))),
    ]


def raw_beacon(ts: float) -> list[Event]:
    """The SDK's fallback channel: a plain socket straight to its host (Java and libc views)."""
    line = f"BEACON v1 id={ANDROID_ID}\n".encode()
    return [
        hook("net.connect", "java.net.Socket.connect", ts,
             Dest(host="sdk.tracker.example", ip=BEACON_IP, port=9000, scheme="tcp")),
        hook("net.connect", "libc.connect", ts + 0.01, Dest(ip=BEACON_IP, port=9000), sdk=None),
        hook("net.send", "java.net.Socket$SocketOutputStream.write", ts + 0.02,
             Dest(host="sdk.tracker.example", ip=BEACON_IP, port=9000, scheme="tcp"), line),
        hook("net.send", "libc.write", ts + 0.03, Dest(ip=BEACON_IP, port=9000), line, sdk=None),
    ]


def rejected_events(loopback: str = "127.0.0.1") -> list[Event]:
    pinned = "https://pinned.example/api/v2"
    return [
        *raw_beacon(0.5), *ping_seen_by_both(1.0, loopback),
        # another process's request, through the proxy, that no hook saw: a coverage gap
        proxied(2.0, f"https://{HOSTILE}/log?x=1", b"{}", ip="192.0.2.1"),
        proxied(2.5, f"https://{HOSTILE}/log?x=2", b"{}", ip="192.0.2.1"),
        # QUIC straight to a server: around the proxy
        hook("net.send", "libc.sendto", 2.8, Dest(ip="142.250.0.1", port=443), b"\xc3\x00\x00\x00\x01" + b"\x00" * 40,
             sdk=None),
        # a pinned client: okhttp called, the proxy saw only the refused handshake
        hook("http.request", "okhttp3.RealCall.execute", 3.0, Dest(host="pinned.example", port=443, scheme="https",
                                                                   url=pinned), b"{}"),
        make_event("proxy.tls_failed", api="mitmproxy", ts=T0 + 3.1, process="(proxy)", pid=0, step=4,
                   source="mitm", data=None, dest=Dest(host="pinned.example", port=443, scheme="tls"),
                   value="Client TLS handshake failed. The client does not trust the proxy's certificate"),
        # DNS is never proxied
        hook("net.dns", "java.net.InetAddress.getByName", 0.4, Dest(host="sdk.tracker.example"), value=BEACON_IP),
        hook("net.send", "libc.sendto", 0.41, Dest(ip="10.0.2.3", port=53), b"\x12\x34dns", sdk=None),
    ]


def accepted_events() -> list[Event]:
    upload = contact_hash_upload("accepted", 4)
    assert upload.dest is not None
    mirror = proxied(11.0, str(upload.dest.url), upload.data or b"")
    return [Event(**{**upload.__dict__, "ts": T0 + 10.8, "pid": 4242}), mirror]


def make(tmp_path: Path, events: dict[str, list[Event]], capture: dict[str, Any] | None) -> Path:
    path = make_run(tmp_path / "run.sqlite", events, consent={"accepted": "given", "rejected": "withheld"})
    if capture is not None:
        with RunStore.open(path) as store:
            store.update_meta({"capture": capture})
            store.writer().flush()
    return path


CAPTURE_META = {
    "requested": "auto", "paths": ["hooks", "mitm"], "notes": ["QUIC is not blocked (no iptables as root)"],
    "proxy": {"listen": "127.0.0.1:50001", "phone_proxy": f"127.0.0.1:{PROXY_PORT}",
              "ca_stores": ["/data/misc/user/0/cacerts-added/c8750f0d.0"], "quic_blocked": []},
    "active": [[T0 - 5, T0 + 100]],
}


def ids(path: Path) -> dict[tuple[str, str, float], int]:
    return {(e.kind, e.api, round(e.ts - T0, 2)): e.id for e in iter_events(path)}


@pytest.mark.parametrize("loopback", ["127.0.0.1", "127.101.4.5"])
def test_both_paths_agree_gaps_and_bypasses_are_listed(tmp_path: Path, loopback: str) -> None:
    path = make(tmp_path, {"accepted": accepted_events(), "rejected": rejected_events(loopback)}, CAPTURE_META)
    doc = report(path)
    jsonschema.validate(doc, json_schema("report"))
    capture = doc["capture"]
    assert capture["paths"] == ["hooks", "mitm"] and capture["requested"] == "auto"
    assert capture["proxy"] == f"phone 127.0.0.1:{PROXY_PORT} -> adb reverse -> mitmproxy 127.0.0.1:50001"
    assert capture["proxy_requests"] == 4 and capture["matched"] == 2  # the ping and the contact upload
    by_id = ids(path)

    (gap,) = capture["gaps"]
    assert (gap["variant"], gap["host"], gap["url"], gap["events"]) == \
        ("rejected", HOSTILE, f"https://{HOSTILE}/log", 2)
    assert gap["evidence"] == [by_id[("http.request", "mitmproxy", 2.0)], by_id[("http.request", "mitmproxy", 2.5)]]

    bypasses = {(b["destination"], b["port"]): b for b in capture["bypasses"]}
    assert set(bypasses) == {("sdk.tracker.example", 9000), ("142.250.0.1", 443), ("pinned.example", 443)}
    beacon = bypasses[("sdk.tracker.example", 9000)]  # the Java and libc views in one row
    assert (beacon["reason"], beacon["transport"], beacon["events"], beacon["sdk"], beacon["process"]) == \
        ("direct", "tcp", 4, SDK, APP)
    assert beacon["evidence"] == sorted(by_id[k] for k in by_id if k[0] in ("net.connect", "net.send")
                                        and k[2] in (0.5, 0.51, 0.52, 0.53))
    assert bypasses[("142.250.0.1", 443)]["reason"] == "quic" and bypasses[("142.250.0.1", 443)]["transport"] == "udp"
    assert bypasses[("pinned.example", 443)]["reason"] == "tls_refused"
    (refused,) = capture["tls_failures"]
    assert (refused["host"], refused["port"], refused["events"]) == ("pinned.example", 443, 1)
    assert "does not trust" in refused["error"]

    # one request seen by both paths is one flow, under the hooked process and SDK
    pings = [f for f in doc["flows"] if f["variant"] == "rejected" and f["data_type"] == "android_id"
             and f["destination"]["host"] == TRACKER]
    assert len(pings) == 1, pings
    (ping,) = pings
    assert (ping["process"], ping["sdk"]) == (APP, SDK)
    tls_write = "sun.security.ssl.SSLSocketImpl$AppOutputStream.write"
    assert set(ping["evidence"]) == {by_id[("http.request", "mitmproxy", 1.3)],
                                     by_id[("http.request", "okhttp3.RealCall.execute", 1.0)],
                                     by_id[("tls.write", tls_write, 1.1)], by_id[("tls.write", tls_write, 1.11)]}
    assert ping["destination"]["ip"] == TRACKER_IP  # from what the proxy connected to, not 127.0.0.1
    assert not [f for f in doc["flows"] if f["process"] == "(proxy)" and f["destination"]["host"] == TRACKER]
    contacts = [f for f in doc["flows"] if f["variant"] == "accepted" and f["data_type"] == "contact.phone"]
    assert len(contacts) == 1 and contacts[0]["sdk"] == SDK and contacts[0]["events"] == 2

    out = io.StringIO()
    print_report(doc, Console(file=out, width=250, highlight=False))
    text = out.getvalue()
    assert "Hook coverage gaps (1)" in text and "Proxy bypasses (3)" in text and "TLS refused by the app" in text
    assert "sdk.tracker.example:9000" in text
    html = render_report_html(doc)
    assert 'id="capture"' in html and "Proxy bypasses" in html and "sdk.tracker.example:9000" in html
    assert HOSTILE not in html and "evil&lt;b&gt;&amp;" in html  # captured text is escaped


def test_a_run_without_the_proxy_is_not_cross_checked(tmp_path: Path) -> None:
    hooks_only = [e for e in rejected_events() if e.source is None]
    doc = report(make(tmp_path, {"rejected": hooks_only}, {"requested": "auto", "paths": ["hooks"],
                                                           "notes": ["hooks only: no root"], "proxy": None,
                                                           "active": []}))
    capture = doc["capture"]
    assert capture["paths"] == ["hooks"] and capture["notes"] == ["hooks only: no root"]
    assert capture["gaps"] == capture["bypasses"] == capture["tls_failures"] == []
    out = io.StringIO()
    print_report(doc, Console(file=out, width=200))
    assert "Capture: hooks only\n  note: hooks only: no root" in out.getvalue()


def test_outside_the_proxys_active_window_nothing_is_a_bypass(tmp_path: Path) -> None:
    late = {**CAPTURE_META, "active": [[T0 + 50, T0 + 100]]}
    doc = report(make(tmp_path, {"rejected": raw_beacon(0.5) + ping_seen_by_both(1.0)}, late))
    assert doc["capture"]["bypasses"] == []
    assert doc["capture"]["matched"] == 1  # matching does not depend on the window


def test_a_proxy_event_far_from_the_hooks_view_is_not_matched(tmp_path: Path) -> None:
    events = ping_seen_by_both(1.0)
    events[-1] = proxied(1.0 + 60, f"https://{TRACKER}/v1/ping", b"{}")
    capture: ReportDoc = report(make(tmp_path, {"rejected": events}, CAPTURE_META))
    assert capture["capture"]["matched"] == 0
    assert [g["url"] for g in capture["capture"]["gaps"]] == [f"https://{TRACKER}/v1/ping"]
    assert [(b["destination"], b["reason"]) for b in capture["capture"]["bypasses"]] == [(TRACKER, "unseen")]


def test_request_of_reads_urls_and_request_lines() -> None:
    def send(data: bytes, host: str | None = None, port: int | None = 80) -> Event:
        return make_event("net.send", data=data, dest=Dest(host=host, ip="192.0.2.1", port=port))

    assert request_of(make_event("http.request", dest=Dest(url="https://A.example/x?y=1"))) == \
        ("a.example", "/x?y=1", 443)
    assert request_of(send(b"GET /p HTTP/1.1\r\nHost: b.example:8080\r\n\r\n")) == ("b.example", "/p", 8080)
    assert request_of(send(b"GET http://c.example:81/q HTTP/1.1\r\n\r\n")) == ("c.example", "/q", 81)
    assert request_of(send(b"POST /r HTTP/1.0\r\n\r\n", host="d.example")) == ("d.example", "/r", 80)
    assert request_of(send(b"CONNECT e.example:443 HTTP/1.1\r\n\r\n")) is None
    assert request_of(send(b"\x16\x03\x01 tls")) is None
    assert request_of(send(b"GET /s HTTP/1.1\r\n\r\n")) is None  # no host anywhere
    assert json.dumps(request_of(send(b"GET /t HTTP/1.1\r\nHOST: [2001:db8::1]\r\n\r\n"))) == \
        '["2001:db8::1", "/t", 80]'
    assert request_of(send(b"GET /u HTTP/1.1\r\nHost: [2001:db8::1]:8443\r\n\r\n")) == ("2001:db8::1", "/u", 8443)
    tls = make_event("tls.write", data=b"GET /v HTTP/1.1\r\nHost: f.example\r\n\r\n", dest=Dest(port=41000))
    assert request_of(tls) == ("f.example", "/v", 443)  # not the socket's port: it may be the proxy's
