"""The proxy path end to end on the virtual phone (rooted, Android 14, the messenger trusting user
CAs): `harness run --capture both` routes the phone through the in-process mitmproxy over adb reverse
with the run's CA in the user store; the proxy's requests and the hooks' agree on the tracker's
requests; the SDK's raw-socket beacon is a proxy bypass; afterwards the phone has no proxy setting,
no reverse port and no CA left — also after Ctrl-C, and after a crash (the next run repairs it).

The phone is read over adb as a user would; the virtual phone's collectors (what reached its
servers) are ground truth only."""

from __future__ import annotations

import json
import signal
import time
from pathlib import Path
from typing import Any

import pytest

from harness.cli import main
from harness.device.device import Device
from harness.errors import HarnessError
from harness.record.reader import iter_events
from harness.record.store import RunStore
from harness.run.folder import STORE_NAME
from harness.scenario.phone_state import journal_path, pending_journal
from harness.virtual.manager import RunningPhone
from tests.conftest import adb
from tests.scenario.test_runner import run_in_background, wait_for_line, write

ROOT = Path(__file__).resolve().parents[2]
MESSENGER = "com.example.messenger"
USER_STORE = "/data/misc/user/0/cacerts-added"

pytestmark = pytest.mark.slow


@pytest.fixture
def device(phone: RunningPhone) -> Device:
    found = Device.connect(phone.serial)
    try:
        found.adb.reverse_list()
    except Exception as exc:  # a virtual phone without `adb reverse` cannot carry the proxy
        pytest.skip(f"the virtual phone does not offer adb reverse yet ({exc})")
    return found


def meta(out: Path) -> dict[str, Any]:
    with RunStore.open(out / STORE_NAME) as store:
        return store.meta()


def user_cas(device: Device) -> list[str]:
    listing = device.shell(["su", "-c", f"ls {USER_STORE}"], check=False)
    return listing.stdout.split() if listing.exit_code == 0 else []


def assert_phone_clean(device: Device, serial: str, cas_before: list[str]) -> None:
    assert device.consent.setting("global", "http_proxy") in (None, ":0")
    assert adb("reverse", "--list", serial=serial).stdout.strip() == ""
    assert user_cas(device) == cas_before
    assert not journal_path(serial).exists()


def test_both_paths_on_the_demo_messenger(device: Device, phone: RunningPhone, tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    cas_before = user_cas(device)
    collectors = Path(phone.state) / "vphone" / "collectors.jsonl"
    seen_before = collectors.read_text().count("\n") if collectors.exists() else 0
    out = tmp_path / "demo"
    code = main(["run", str(ROOT / "scenarios" / "demo_messenger.yaml"), "--device", phone.serial,
                 "--out", str(out), "--capture", "both"])
    shown = capsys.readouterr().out
    assert code == 1, shown  # ran to its end, and found data sent without consent
    capture = json.loads((out / "report.json").read_text())["capture"]
    assert capture["paths"] == ["hooks", "mitm"] and capture["requested"] == "both"
    assert capture["ca_stores"] and capture["ca_stores"][0].startswith(f"{USER_STORE}/")
    assert "adb reverse" in (capture["proxy"] or "")

    # the proxy saw the messenger's HTTPS requests, and the hooks saw each of them too
    events = list(iter_events(out / STORE_NAME))
    proxied = [e for e in events if e.source == "mitm" and e.kind == "http.request"]
    urls = {(e.variant, e.dest.url) for e in proxied if e.dest is not None}
    assert {("pre_consent", "https://analytics.tracker.example/v1/init"),
            ("accepted", "https://analytics.tracker.example/v1/match"),
            ("rejected", "https://analytics.tracker.example/v1/ping")} <= urls
    assert all(e.dest is not None and e.dest.scheme == "https" for e in proxied)
    hooked = {(e.variant, e.dest.url, e.data) for e in events
              if e.source is None and e.kind == "http.request" and e.dest is not None}
    for event in proxied:
        assert event.dest is not None and (event.variant, event.dest.url, event.data) in hooked
    assert capture["proxy_requests"] == len(proxied) and capture["matched"] == len(proxied)
    assert capture["gaps"] == []
    # the SDK's raw-socket beacon (sent only behind a proxy) went around it
    (beacon,) = [b for b in capture["bypasses"] if b["destination"] == "sdk.tracker.example"]
    assert (beacon["variant"], beacon["port"], beacon["reason"], beacon["sdk"]) == \
        ("rejected", 9000, "direct", "com.tracker.sdk")
    assert [b for b in capture["bypasses"] if b["reason"] != "quic"] == [beacon]  # nothing else went around
    assert "Proxy bypasses (1)" in shown and "sdk.tracker.example:9000" in shown

    # one request seen by both paths is one flow: the rejected ping's Android ID has one flow to the tracker
    report = json.loads((out / "report.json").read_text())
    pings = [f for f in report["flows"] if f["variant"] == "rejected" and f["data_type"] == "android_id"
             and f["destination"]["host"] == "analytics.tracker.example"]
    assert len(pings) == 1 and pings[0]["sdk"] == "com.tracker.sdk"
    assert {e.id for e in proxied if e.variant == "rejected"} & set(pings[0]["evidence"])

    # ground truth: what reached the servers came through the proxy (one per proxied request)
    received = [json.loads(line) for line in collectors.read_text().splitlines()[seen_before:]]
    https = [r for r in received if r["collector"] == "https" and r["host"] == "analytics.tracker.example"]
    assert len(https) == len(proxied)
    assert_phone_clean(device, phone.serial, cas_before)


def long_scenario(tmp_path: Path) -> Path:
    return write(tmp_path, "long.yaml", (
        f"name: long\napp: {MESSENGER}\nvariants:\n  waiting:\n    consent: withheld\n"
        "steps:\n  - launchApp\n  - tapOn: Reject\n  - idle: 60\n"))


def test_ctrl_c_mid_run_takes_the_route_down(device: Device, phone: RunningPhone, tmp_path: Path) -> None:
    cas_before = user_cas(device)
    proc = run_in_background(["run", str(long_scenario(tmp_path)), "--device", phone.serial,
                              "--out", str(tmp_path / "out"), "--capture", "both"])
    try:
        wait_for_line(proc, "capture: hooks and proxy")
        wait_for_line(proc, "idle")
        assert (device.consent.setting("global", "http_proxy") or "").startswith("127.0.0.1:")
        assert adb("reverse", "--list", serial=phone.serial).stdout.strip()
        assert len(user_cas(device)) == len(cas_before) + 1
        time.sleep(2)
        proc.send_signal(signal.SIGINT)
        _stdout, stderr = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 3, stderr
    assert meta(tmp_path / "out")["capture"]["paths"] == ["hooks", "mitm"]
    assert_phone_clean(device, phone.serial, cas_before)


def test_a_crashed_run_is_repaired_by_the_next(device: Device, phone: RunningPhone, tmp_path: Path) -> None:
    cas_before = user_cas(device)
    proc = run_in_background(["run", str(long_scenario(tmp_path)), "--device", phone.serial,
                              "--out", str(tmp_path / "crashed"), "--capture", "both"])
    try:
        wait_for_line(proc, "capture: hooks and proxy")
        wait_for_line(proc, "idle")
        proc.kill()  # SIGKILL: no cleanup at all
        proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    journal = pending_journal(phone.serial)
    assert journal is not None
    assert {"ca-user", "reverse", "http_proxy"} <= set(journal.capture_changes)
    assert device.consent.setting("global", "http_proxy") not in (None, ":0")  # still routed to a dead proxy
    quick = write(tmp_path, "quick.yaml", f"name: quick\napp: {MESSENGER}\nsteps:\n  - launchApp\n  - idle: 1\n")
    assert main(["run", str(quick), "--device", phone.serial, "--out", str(tmp_path / "next"),
                 "--capture", "hooks"]) in (0, 1)
    assert_phone_clean(device, phone.serial, cas_before)


def test_auto_stays_with_the_hooks_where_not_every_app_would_trust_the_ca(device: Device, phone: RunningPhone,
                                                                          tmp_path: Path) -> None:
    quick = write(tmp_path, "quick.yaml", f"name: quick\napp: {MESSENGER}\nsteps:\n  - launchApp\n  - idle: 1\n")
    out = tmp_path / "auto"
    assert main(["run", str(quick), "--device", phone.serial, "--out", str(out)]) in (0, 1)
    capture = meta(out)["capture"]
    assert capture["requested"] == "auto" and capture["paths"] == ["hooks"]
    assert "Conscrypt APEX store" in capture["notes"][0]  # Android 14: user CAs only, not by default
    assert device.consent.setting("global", "http_proxy") in (None, ":0")
    assert not [e for e in iter_events(out / STORE_NAME) if e.source == "mitm"]


def test_both_is_refused_where_it_cannot_be_set_up(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ok = write(tmp_path, "ok.yaml", f"name: ok\napp: {MESSENGER}\nsteps: [launchApp]\n")
    assert main(["run", str(ok), "--device", "nope", "--out", str(tmp_path / "o"), "--capture", "mitm"]) == 2
    assert "not implemented" in capsys.readouterr().err
    with pytest.raises(HarnessError):
        from harness.capture.session import check_mode
        check_mode("sideways")
