"""`harness trace --device SERIAL --process NAME` against an app on the virtual phone (frida's USB path)."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

from harness.device.device import Device
from harness.errors import HarnessError
from harness.record.reader import iter_events
from harness.record.store import RunStore
from harness.virtual.manager import RunningPhone
from tests.virtual.apps_support import tap_text, wait_for_request

MESSENGER = "com.example.messenger"


def _wait_for_target(run: Path, timeout: float = 30.0) -> None:
    """The run records its target once the agent's init returned, i.e. its hooks are live."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if run.exists():
            try:
                store = RunStore.open(run)
                try:
                    if store.targets():
                        return
                finally:
                    store.close()
            except HarnessError:
                pass  # created but not initialised yet
        time.sleep(0.2)
    raise AssertionError("harness trace never attached")


def test_trace_device_process_records_the_apps_egress(fresh_phone: RunningPhone, tmp_path: Path) -> None:
    device = Device.connect(fresh_phone.serial)
    device.apps.launch(MESSENGER)
    wait_for_request(fresh_phone, "/v1/init")  # running and past its first beacon
    run = tmp_path / "messenger.run"
    trace = subprocess.Popen(
        [sys.executable, "-m", "harness.cli", "trace", "--device", fresh_phone.serial, "--process", MESSENGER,
         "--hooks", "network,identifiers", "--app-package", MESSENGER, "--duration", "12", "--out", str(run)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        # once the agent is in, reject consent: the SDK reads an identifier and sends it in a header
        _wait_for_target(run)
        tap_text(device, "Reject")
        wait_for_request(fresh_phone, "/v1/ping")
        _out, err = trace.communicate(timeout=60)
    finally:
        if trace.poll() is None:
            trace.kill()
    assert trace.returncode == 0, err
    events = list(iter_events(run))
    pings = [e for e in events if e.kind == "http.request" and e.dest and (e.dest.url or "").endswith("/v1/ping")]
    assert pings, [(e.kind, e.api) for e in events]
    android_id = device.consent.setting("secure", "android_id")
    headers = dict(pings[0].headers)
    assert headers.get("X-Device-Id") == android_id  # Android 14: no IMEI for apps, the SDK falls back
    assert pings[0].sdk == "com.tracker.sdk"
    store = RunStore.open(run)
    try:
        (target,) = store.targets()
        assert target.process == MESSENGER and target.mode == "attach"
    finally:
        store.close()
    exported = subprocess.run([sys.executable, "-m", "harness.cli", "export", str(run), "--jsonl"],
                              capture_output=True, text=True, timeout=60, check=True).stdout
    assert any(json.loads(line)["kind"] == "http.request" for line in exported.splitlines())


def test_trace_spawn_on_a_device_that_cannot_spawn_attaches_after_launch(fresh_phone: RunningPhone,
                                                                           tmp_path: Path) -> None:
    run = tmp_path / "spawned.run"
    result = subprocess.run(
        [sys.executable, "-m", "harness.cli", "trace", "--device", fresh_phone.serial, "--spawn",
         "--hooks", "network,identifiers", "--duration", "8", "--out", str(run), "--", MESSENGER],
        capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    assert "attach-after-launch" in result.stdout
    store = RunStore.open(run)
    try:
        (target,) = store.targets()
        assert (target.process, target.mode) == (MESSENGER, "attach-after-launch")
    finally:
        store.close()
    beacons = [e for e in iter_events(run) if e.kind == "http.request" and (e.dest and (e.dest.url or "")
                                                                             .endswith("/v1/init"))]
    assert beacons and beacons[0].sdk == "com.tracker.sdk"  # the SDK's first beacon was not missed
