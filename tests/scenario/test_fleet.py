"""`harness run --devices`: one scenario on two virtual phones at once, one of them reached through a
second adb server on another port (standing in for a lab's remote adb server, `--adb HOST:PORT`);
a phone that dies mid-run is marked failed with its reason while the other completes."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.device.adb import adb_binary
from harness.run.folder import safe_name
from harness.virtual.manager import RunningPhone
from tests.conftest import free_port

MESSENGER = "com.example.messenger"


@pytest.fixture
def remote_phone(adb_server: int, tmp_path: Path) -> Iterator[tuple[str, int, int]]:
    """A virtual phone attached to a second adb server (its own port): (serial, server port, phone pid)."""
    port = free_port()
    env = {**os.environ, "ANDROID_ADB_SERVER_PORT": str(port)}
    subprocess.run([adb_binary(), "start-server"], env=env, check=True, capture_output=True, timeout=60)
    started = subprocess.run([sys.executable, "-m", "harness.cli", "virtual", "start", "--state",
                              str(tmp_path / "remote-state")], env=env, capture_output=True, text=True, timeout=180,
                             check=False)
    assert started.returncode == 0, started.stderr
    serial = started.stdout.strip().splitlines()[-1]
    status = subprocess.run([sys.executable, "-m", "harness.cli", "virtual", "status", "--json"], env=env,
                            capture_output=True, text=True, timeout=60, check=True)
    pid = next(p["pid"] for p in json.loads(status.stdout) if p["serial"] == serial)
    try:
        yield serial, port, pid
    finally:
        subprocess.run([sys.executable, "-m", "harness.cli", "virtual", "stop", serial], env=env,
                       capture_output=True, timeout=120, check=False)
        subprocess.run([adb_binary(), "kill-server"], env=env, capture_output=True, timeout=60, check=False)


def scenario(tmp_path: Path, idle: int) -> Path:
    path = tmp_path / "fleet.yaml"
    path.write_text(f"name: fleet\napp: {MESSENGER}\nvariants:\n  refused:\n    consent: withheld\n"
                    f"    ui: [{{tapOn: Reject}}]\nsteps:\n  - launchApp\n  - consentUi\n  - idle: {idle}\n",
                    encoding="utf-8")
    return path


def harness(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "harness.cli", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)


def test_two_phones_at_once_one_behind_another_adb_server(phone: RunningPhone, remote_phone: tuple[str, int, int],
                                                         tmp_path: Path) -> None:
    serial, port, _pid = remote_phone
    out = tmp_path / "fleet"
    started = time.monotonic()
    proc = harness("run", str(scenario(tmp_path, 6)), "--devices", f"{phone.serial},{serial}@127.0.0.1:{port}",
                   "--out", str(out))
    stdout, stderr = proc.communicate(timeout=300)
    elapsed = time.monotonic() - started
    assert proc.returncode == 1, stderr  # both ran to their end; the SDK sends the Android ID after Reject
    doc = json.loads((out / "fleet.json").read_text())
    assert [p["serial"] for p in doc["phones"]] == [phone.serial, serial]
    assert [p["status"] for p in doc["phones"]] == ["fail", "fail"] and all(p["fingerprint"] for p in doc["phones"])
    names = [p["name"] for p in doc["phones"]]
    for name in names:  # one complete run folder per phone, with its report
        report = json.loads((out / name / "report.json").read_text())
        assert report["run"]["status"] == "complete" and all(v["status"] == "ok" for v in report["variants"])
    row = next(r for r in doc["matrix"] if r["data_type"] == "android_id")
    assert row["destination"] == "tracker.example" and set(row["cells"]) == set(names)
    assert all(cell["variants"]["refused"] == "violation" for cell in row["cells"].values())
    assert "Personal data per destination and phone" in stdout
    assert f"[{names[1]}] run: variant refused" in stderr  # each phone's progress, labelled
    # concurrent: the two runs overlapped in time
    spans = []
    for name in names:
        report = json.loads((out / name / "report.json").read_text())
        spans.append((report["run"]["started"], report["run"]["ended"]))
    assert spans[0][0] < spans[1][1] and spans[1][0] < spans[0][1], (spans, elapsed)


def test_a_phone_that_dies_mid_run_is_marked_failed_and_the_other_completes(
        fresh_phone: RunningPhone, remote_phone: tuple[str, int, int], tmp_path: Path) -> None:
    serial, port, pid = remote_phone
    out = tmp_path / "fleet"
    proc = harness("run", str(scenario(tmp_path, 20)), "--devices", f"{fresh_phone.serial},{serial}@127.0.0.1:{port}",
                   "--out", str(out), "--reconnect-timeout", "3")
    try:
        assert proc.stderr is not None
        seen = ""
        deadline = time.monotonic() + 180
        idling = [f"[{safe_name(s)}] run: refused: step 3: idle" for s in (fresh_phone.serial, serial)]
        while not all(marker in seen for marker in idling):  # both phones are in their idle step
            line = proc.stderr.readline()
            assert line and time.monotonic() < deadline, seen
            seen += line
        time.sleep(2)
        os.kill(pid, signal.SIGKILL)  # the remote phone is gone: adbd, apps, frida portal
        _stdout, rest = proc.communicate(timeout=240)
    finally:
        if proc.poll() is None:
            with contextlib.suppress(OSError):
                os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 3, seen + rest
    doc = json.loads((out / "fleet.json").read_text())
    first, second = doc["phones"]
    assert first["serial"] == fresh_phone.serial and first["status"] == "fail" and first["reason"] is None
    assert second["serial"] == serial and second["status"] == "broken"
    assert "refused incomplete" in (second["reason"] or ""), second
    report = json.loads((out / first["name"] / "report.json").read_text())
    assert report["run"]["status"] == "complete" and all(v["status"] == "ok" for v in report["variants"])
    incomplete = json.loads((out / second["name"] / "report.json").read_text())
    refused = next(v for v in incomplete["variants"] if v["name"] == "refused")
    assert refused["status"] == "incomplete" and "went away" in (refused["reason"] or "")
