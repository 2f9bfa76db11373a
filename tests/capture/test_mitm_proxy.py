"""The proxy path without a phone: a real in-process mitmproxy on a free port, real HTTP and HTTPS
requests sent through it by urllib (trusting the proxy's per-run CA from its confdir), to origins on
127.0.0.2 that the 'phone's hosts file' names; what the proxy saw is read back from a real run store."""

from __future__ import annotations

import ssl
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.capture.addon import PROXY_PROCESS, TLS_FAILED, FlowRecorder, PhoneResolver, parse_hosts
from harness.capture.proxy import MitmProxy
from harness.errors import CaptureError
from harness.events import Event
from harness.record.reader import iter_events
from harness.record.store import RunStore
from tests.capture.mitm_support import ORIGIN_IP, make_ca, make_server_cert, origin, through_proxy

Material = tuple[Path, tuple[Path, Path]]
HOSTS = f"""127.0.0.1 localhost
::1 ip6-localhost
{ORIGIN_IP} api.messenger.example analytics.tracker.example
0.0.0.0 ads.blocked.example
"""


@pytest.fixture
def store(tmp_path: Path) -> Iterator[RunStore]:
    with RunStore.create(tmp_path / "run.sqlite", {"command": "test"}) as run:
        yield run


def stored(store: RunStore) -> list[Event]:
    store.writer().flush()
    return list(iter_events(store.path))


@pytest.fixture
def tls_origin_material(tmp_path: Path) -> Material:
    ca_path, ca_key, ca = make_ca(tmp_path)
    return ca_path, make_server_cert(tmp_path, ca_key, ca, ["analytics.tracker.example", "api.messenger.example"])


def start(tmp_path: Path, store: RunStore, upstream_ca: Path | None = None,
          max_data: int = 64) -> tuple[MitmProxy, int]:
    resolver = PhoneResolver(parse_hosts(HOSTS))
    recorder = FlowRecorder(store.writer(), max_data=max_data, resolve=resolver.lookup)
    proxy = MitmProxy(tmp_path / "confdir", addons=[recorder, resolver], upstream_ca=upstream_ca)
    return proxy, proxy.start()


def test_http_and_https_requests_become_events(tmp_path: Path, store: RunStore,
                                               tls_origin_material: Material) -> None:
    upstream_ca, tls = tls_origin_material
    writer = store.writer()
    store.add_variant("accepted", {"consent": "given"})
    writer.set_variant("accepted")
    writer.mark_step(3, "scenario.yaml:9 idle 8")
    proxy, port = start(tmp_path, store, upstream_ca=upstream_ca)
    try:
        assert proxy.ca_pem.is_file()  # the per-run CA, in the confdir
        client = through_proxy(port, trust=proxy.ca_pem)
        body = b'{"aid":"3f1c9a7be2d04c51","pad":"' + b"x" * 200 + b'"}'
        with origin() as plain, origin(tls) as secure:
            reply = client.open(urllib.request.Request(
                f"http://api.messenger.example:{plain.port}/v1/sync?u=1", data=b"hello", method="POST"), timeout=30)
            assert reply.status == 200
            request = urllib.request.Request(f"https://analytics.tracker.example:{secure.port}/v1/ping",
                                             data=body, method="POST", headers={"X-Device-Id": "3f1c9a7be2d04c51"})
            assert client.open(request, timeout=30).status == 200
            assert [s["path"] for s in plain.seen] == ["/v1/sync?u=1"]  # it reached the origins
            assert secure.seen[0]["body"] == body and secure.seen[0]["host"].startswith("analytics.tracker.example")
    finally:
        proxy.stop()
    events = stored(store)
    assert [e.kind for e in events] == ["http.request", "http.request"]
    http, https = events
    for event in events:
        assert (event.source, event.api, event.process, event.pid) == ("mitm", "mitmproxy", PROXY_PROCESS, 0)
        assert (event.variant, event.step) == ("accepted", 3)  # stamped by the run's writer
        assert event.dest is not None and event.dest.ip == ORIGIN_IP  # where the phone's hosts file says
    assert http.dest is not None and http.dest.url == f"http://api.messenger.example:{plain.port}/v1/sync?u=1"
    assert (http.data, http.data_len) == (b"hello", 5)
    assert https.dest is not None and https.dest.scheme == "https" and https.dest.host == "analytics.tracker.example"
    assert https.dest.url == f"https://analytics.tracker.example:{secure.port}/v1/ping"
    assert ("X-Device-Id", "3f1c9a7be2d04c51") in https.headers
    assert https.data == body[:64] and https.data_len == len(body)  # capped like the hooks' data


def test_an_app_that_refuses_the_proxy_ca_is_a_tls_failure(tmp_path: Path, store: RunStore,
                                                          tls_origin_material: Material) -> None:
    upstream_ca, tls = tls_origin_material
    proxy, port = start(tmp_path, store, upstream_ca=upstream_ca)
    try:
        pinned = through_proxy(port, trust=upstream_ca)  # trusts the real origin's CA only: like pinning
        with origin(tls) as secure:
            with pytest.raises(urllib.error.URLError) as refused:
                pinned.open(f"https://analytics.tracker.example:{secure.port}/v1/init", timeout=30)
            assert isinstance(refused.value.reason, ssl.SSLError)
            assert secure.seen == []  # nothing went upstream
    finally:
        proxy.stop()
    (failure,) = stored(store)
    assert failure.kind == TLS_FAILED and failure.source == "mitm"
    assert failure.dest is not None and failure.dest.host == "analytics.tracker.example"
    assert failure.dest.port == secure.port and failure.value


def test_upstream_is_verified_against_what_the_phone_trusts(tmp_path: Path, store: RunStore,
                                                            tls_origin_material: Material) -> None:
    _upstream_ca, tls = tls_origin_material
    proxy, port = start(tmp_path, store, upstream_ca=None)  # certifi only: the test origin's CA is unknown
    try:
        with origin(tls) as secure:
            with pytest.raises(urllib.error.URLError):
                through_proxy(port, trust=proxy.ca_pem).open(
                    f"https://analytics.tracker.example:{secure.port}/v1/init", timeout=30)
            assert secure.seen == []
    finally:
        proxy.stop()


def test_a_name_the_phone_blocks_is_blocked_but_the_request_is_kept(tmp_path: Path, store: RunStore) -> None:
    proxy, port = start(tmp_path, store)
    try:
        with pytest.raises(urllib.error.HTTPError) as refused:
            through_proxy(port, trust=None).open(
                urllib.request.Request("http://ads.blocked.example/pixel", data=b"id=1", method="POST"), timeout=30)
        assert refused.value.code == 502
    finally:
        proxy.stop()
    (event,) = stored(store)
    assert event.dest is not None and event.dest.host == "ads.blocked.example" and event.data == b"id=1"


def test_one_proxy_per_process(tmp_path: Path, store: RunStore) -> None:
    first, _port = start(tmp_path, store)
    try:
        with pytest.raises(CaptureError, match="one per process"):
            MitmProxy(tmp_path / "other").start()
    finally:
        first.stop()
    again, _port = start(tmp_path, store)  # free again once stopped
    again.stop()
    first.stop()  # idempotent


def test_parse_hosts() -> None:
    text = "# comment\n127.0.0.1 localhost\n10.0.0.5 a.example B.Example. # trailing\nnot-an-ip x.example\n" \
           "10.0.0.6 a.example\n::1 ip6-localhost\n"
    assert parse_hosts(text) == {"localhost": "127.0.0.1", "a.example": "10.0.0.5", "b.example": "10.0.0.5",
                                 "ip6-localhost": "::1"}
