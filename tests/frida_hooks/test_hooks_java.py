"""Java hooks on a real JVM: the test app (jvm/com/example/app) runs against the Android API stubs,
the real frida-java-bridge hooks it, and the decoded events must carry the right fields."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from harness.events import Event

JAVA_MODULES = ["network", "sms", "contacts", "identifiers", "location", "clipboard", "accounts", "packages"]
pytestmark = pytest.mark.timeout(120)


@pytest.fixture(scope="module")
def app_run(jvm_classpath: str, tmp_path_factory: pytest.TempPathFactory,
            tls_server: tuple[int, list[bytes]]) -> Iterator[dict[str, Any]]:
    """One JVM running every action with every Java module hooked (shared by the tests below)."""
    from harness.virtual.runtime.javac import java_executable
    from tests.frida_hooks.conftest import SNAPSHOT, AgentRun, Collector, Target

    snap = tmp_path_factory.mktemp("vphone") / "system.json"
    snap.write_text(json.dumps(SNAPSHOT))
    collector = Collector()
    actions = ["sms", "contacts", "ids", "http", "huc", "misc", "tls", "webview"]
    target = Target([java_executable(), "-XX:TieredStopAtLevel=1", "-cp", jvm_classpath, f"-Dvphone.system={snap}",
                     f"-Dcollector={collector.url}", f"-Dtls={tls_server[0]}", "com.example.app.App", *actions])
    run = AgentRun(target.proc.pid)
    try:
        report = run.init(JAVA_MODULES, appPackage="com.example.app")
        target.send("go")
        output = target.expect("done")
        run.flush()
        yield {"run": run, "report": report, "output": output, "collector": collector, "tls_port": tls_server[0]}
    finally:
        run.detach()
        target.close()
        collector.close()


def one(events: list[Event], **match: Any) -> Event:
    found = [e for e in events if all(getattr(e, k) == v for k, v in match.items())]
    assert len(found) == 1, f"expected one event matching {match}, got {len(found)}: {found}"
    return found[0]


def test_init_reports_hooked_and_skipped(app_run: dict[str, Any]) -> None:
    report, run = app_run["report"], app_run["run"]
    assert "android.telephony.SmsManager.sendTextMessage" in report["hooked"]
    assert "okhttp3.RealCall.execute" in report["hooked"]
    skipped = {s["target"]: s["reason"] for s in report["skipped"]}
    # absent on this VM / not bundled in this app: reported, not an error
    assert skipped["org.chromium.net.impl.CronetEngineBase.newUrlRequestBuilder"] == "class not found"
    assert skipped["okhttp3.internal.connection.RealCall.execute"] == "class not found"
    assert skipped["com.android.org.conscrypt.ConscryptEngineSocket$SSLOutputStream.write"] == "class not found"
    assert "no handler in agent (bug)" not in skipped.values()
    assert run.ready and run.ready[0]["hooked"] == report["hooked"]
    assert run.skipped == report["skipped"]
    assert not run.errors


def test_sms_send_with_sdk_attribution(app_run: dict[str, Any]) -> None:
    events = app_run["run"].of("sms.send")
    text = one(events, api="android.telephony.SmsManager.sendTextMessage")
    assert text.dest is not None and text.dest.address == "+15550001111"
    assert text.data == b"hello canary-7f3a"
    assert text.stack[:2] == ("android.telephony.SmsManager.sendTextMessage", "com.tracker.sdk.Tracker.sendSms")
    assert text.sdk == "com.tracker.sdk"
    multi = one(events, api="android.telephony.SmsManager.sendMultipartTextMessage")
    assert multi.data == b"part one part two" and multi.sdk is None  # the app's own call
    data = one(events, api="android.telephony.SmsManager.sendDataMessage")
    assert data.dest is not None and data.dest.address == "+15550003333" and data.data == b"data-canary"
    insert = one(events, api="android.content.ContentResolver.insert")
    assert insert.dest is not None and insert.dest.address == "+15550004444" and insert.data == b"inserted canary"


def test_provider_reads_without_consuming_the_cursor(app_run: dict[str, Any]) -> None:
    run = app_run["run"]
    assert "contacts rows 2" in app_run["output"]  # the app still iterates every row
    contacts = one(run.of("contacts.read"), api="android.content.ContentResolver.query")
    rows = json.loads(contacts.value or "[]")
    assert rows == [{"display_name": "Alice Canary", "data1": "+15550107777"},
                    {"display_name": "Bob Example", "data1": "+15550108888"}]
    assert contacts.stack[0] == "android.content.ContentResolver.query"
    calls = one(run.of("calllog.read"))
    assert "+15550106666" in (calls.value or "")
    sms = one(run.of("sms.read"))
    assert json.loads(sms.value or "[]") == [{"address": "+15550109999", "body": "your code is 123456"}]
    raw = next(r for r in run.raw if r["type"] == "contacts:read")
    assert raw["projection"] == ["display_name", "data1"] and raw["selection"] == "has_phone_number = ?"


def test_identifier_reads(app_run: dict[str, Any]) -> None:
    ids = app_run["run"].of("id.read")
    by_api = {e.api: e for e in ids}
    imei = [e for e in ids if e.api == "android.telephony.TelephonyManager.getImei"]
    assert imei and all(e.value == "356938035643809" and e.sdk == "com.tracker.sdk" for e in imei)
    assert by_api["android.provider.Settings$Secure.getString"].value == "9774d56d682e549c"
    adid = by_api["com.google.android.gms.ads.identifier.AdvertisingIdClient.getAdvertisingIdInfo"]
    assert adid.value == "38400000-8cf0-11bd-b23e-10b96e40000d" and adid.sdk == "com.tracker.sdk"
    assert by_api["android.telephony.TelephonyManager.getSubscriberId"].value == "310260000000042"
    assert by_api["android.telephony.TelephonyManager.getLine1Number"].value == "+15550100042"
    assert by_api["android.telephony.TelephonyManager.getDeviceId"].value == "356938035643809"
    assert by_api["android.os.Build.getSerial"].value == "VPHONE0042"
    assert by_api["android.net.wifi.WifiInfo.getMacAddress"].value == "02:11:22:33:44:55"
    assert by_api["android.media.MediaDrm.getPropertyByteArray"].value == "deadbeefcafe0042"


def test_okhttp_request(app_run: dict[str, Any]) -> None:
    run, collector = app_run["run"], app_run["collector"]
    req = one(run.of("http.request"), api="okhttp3.RealCall.execute")
    assert req.dest is not None and req.dest.url == f"{collector.url}/v1/collect"
    assert (req.dest.host, req.dest.port, req.dest.scheme) == ("127.0.0.1", collector.port, "http")
    assert req.data == b'{"imei":"356938035643809"}'
    assert ("X-Tracker-Key", "tk-123") in req.headers and ("Content-Type", "application/json") in req.headers
    assert req.sdk == "com.tracker.sdk" and "com.tracker.sdk.Tracker.upload" in req.stack
    assert next(r for r in collector.requests if r[1] == "/v1/collect")[3] == b'{"imei":"356938035643809"}'
    # the same bytes seen at the socket layer, with the peer address
    sends = [e for e in run.of("net.send") if e.dest is not None and e.dest.port == collector.port]
    assert any(e.data and b"POST /v1/collect" in e.data for e in sends)
    connects = [e for e in run.of("net.connect", "java.net.Socket.connect") if e.dest and e.dest.port == collector.port]
    assert connects and connects[0].dest is not None and connects[0].dest.ip == "127.0.0.1"


def test_httpurlconnection_request(app_run: dict[str, Any]) -> None:
    run, collector = app_run["run"], app_run["collector"]
    reqs = [e for e in run.of("http.request") if e.dest and e.dest.url and "/huc" in e.dest.url]
    assert len(reqs) == 1, reqs
    req = reqs[0]
    assert req.data == b"huc-body-canary"
    assert ("X-Huc-Canary", "huc-9") in req.headers
    assert req.api == "java.net.HttpURLConnection.close"  # reported when the body's stream is closed
    raw = next(r for r in run.raw if r["type"] == "http:request" and "/huc" in r["dest"]["url"])
    assert raw["method"] == "POST" and raw["impl"] == "sun.net.www.http.PosterOutputStream"
    assert any(r[1] == "/huc?x=1" for r in collector.requests)
    opened = run.of("net.connect", "java.net.URL.openConnection")
    assert any(e.dest and e.dest.url == f"{collector.url}/huc?x=1" for e in opened)


def test_dns_and_misc_reads(app_run: dict[str, Any]) -> None:
    run = app_run["run"]
    assert any(e.dest and e.dest.host == "127.0.0.1" and e.value == "127.0.0.1" for e in run.of("net.dns"))
    loc = one(run.of("location.read"), api="android.location.LocationManager.getLastKnownLocation")
    assert loc.value == "48.8584,2.2945"
    assert one(run.of("location.read"), api="android.location.Location.getLatitude").value == "48.8584"
    clip = run.of("clipboard.read")
    assert [e.value for e in clip] == ["clipboard-canary-55"]  # getText -> getPrimaryClip reported once
    assert one(run.of("accounts.read")).value == "alice@example.com (com.google)"
    assert one(run.of("packages.read")).value == "2: com.example.app,com.tracker.companion"


def test_jsse_tls_plaintext(app_run: dict[str, Any]) -> None:
    run, port = app_run["run"], app_run["tls_port"]
    writes = run.of("tls.write", "sun.security.ssl.SSLSocketImpl$AppOutputStream.write")
    plain = b"".join(e.data or b"" for e in writes)
    assert b"POST /jsse HTTP/1.1" in plain and b'{"otp":"jsse-canary-777"}' in plain
    assert all(e.dest is not None and (e.dest.ip, e.dest.port, e.dest.scheme) == ("127.0.0.1", port, "tls")
               for e in writes)
    assert any(line.startswith("tls HTTP/1.") for line in app_run["output"])
    # the ciphertext leaves through the socket layer: no plaintext there
    wire = b"".join(e.data or b"" for e in run.of("net.send") if e.dest and e.dest.port == port)
    assert wire and b"jsse-canary-777" not in wire


def test_webview_and_location_requests(app_run: dict[str, Any]) -> None:
    run, collector = app_run["run"], app_run["collector"]
    page = one(run.of("http.request"), api="android.webkit.WebView.loadUrl")
    assert page.dest is not None and page.dest.url == f"{collector.url}/page?from=webview"
    assert any(r[1] == "/page?from=webview" for r in collector.requests)
    get = one(run.of("http.request"), api="java.net.HttpURLConnection.getResponseCode")  # the GET underneath
    assert get.dest is not None and get.dest.url == page.dest.url and get.data is None
    req = one(run.of("location.read"), api="android.location.LocationManager.requestLocationUpdates")
    cur = one(run.of("location.read"), api="android.location.LocationManager.getCurrentLocation")
    raw = {r["api"]: r for r in run.raw if r["type"] == "location:read"}
    assert raw[req.api]["provider"] == "gps" and raw[cur.api]["provider"] == "network"


def test_denied_call_still_throws_and_absent_class_is_skipped(
        jvm_classpath: str, tmp_path: Path, attach: Any) -> None:
    """Hooks never change behaviour (the SecurityException reaches the app); a class missing from
    the program's classpath (MediaDrm here) is skipped, not an error."""
    from harness.virtual.runtime.javac import java_executable
    from tests.frida_hooks.conftest import SNAPSHOT, Target

    stubs, app = jvm_classpath.split(":")
    no_media = tmp_path / "stubs"
    shutil.copytree(stubs, no_media, ignore=lambda d, names: ["media"] if Path(d).name == "android" else [])
    snap = dict(SNAPSHOT, permissions=[])
    (tmp_path / "system.json").write_text(json.dumps(snap))
    target = Target([java_executable(), "-cp", f"{no_media}:{app}", f"-Dvphone.system={tmp_path / 'system.json'}",
                     "com.example.app.App", "denied"])
    try:
        run = attach(target.proc.pid)
        report = run.init(["sms", "identifiers"])
        skipped = {s["target"]: s["reason"] for s in report["skipped"]}
        assert skipped == {"android.media.MediaDrm.getPropertyByteArray": "class not found"}
        target.send("go")
        out = target.expect("done")
        assert any(line.startswith("SecurityException: Sending SMS message: uid 10123 does not have "
                                   "android.permission.SEND_SMS.") for line in out), out
        run.flush()
        sends = run.of("sms.send")
        assert len(sends) == 1 and sends[0].data == b"denied"  # the attempt is still recorded
        assert not run.errors
    finally:
        target.close()


def test_unknown_module_is_an_error(jvm_app: Any, attach: Any) -> None:
    import frida

    target = jvm_app([])
    run = attach(target.proc.pid)
    with pytest.raises(frida.core.RPCException, match=r"unknown hook module.*nosuch"):
        run.init(["sms", "nosuch"])


def test_program_can_return_from_main_while_hooked(jvm_classpath: str, tmp_path: Path, attach: Any) -> None:
    """The agent's JS thread is attached to the VM; it is released when main() returns."""
    import subprocess

    from harness.virtual.runtime.javac import java_executable
    from tests.frida_hooks.conftest import SNAPSHOT, Target

    (tmp_path / "system.json").write_text(json.dumps(SNAPSHOT))
    target = Target([java_executable(), "-DreturnFromMain=true", "-cp", jvm_classpath,
                     f"-Dvphone.system={tmp_path / 'system.json'}", "com.example.app.App", "sms"])
    try:
        run = attach(target.proc.pid)
        run.init(["sms"])
        target.send("go")
        target.expect("done")
        target.send("exit")
        try:
            assert target.proc.wait(timeout=10) == 0
        except subprocess.TimeoutExpired:
            pytest.fail("the JVM did not exit after main() returned while the agent was loaded")
        assert len(run.of("sms.send")) == 3  # flushed when the VM went down
    finally:
        target.close()
