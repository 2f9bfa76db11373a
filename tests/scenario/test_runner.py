"""`harness run` on the virtual phone: the demo's three variants, Maestro flows, hostile text,
consent restored between variants and after the run, a failing step, Ctrl-C, a phone that goes away.

The phone is read over adb (and the run through the store) as a user would; the virtual phone's
collectors (what reached its servers) are test ground truth only.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from harness.cli import main
from harness.device.device import Device
from harness.record.reader import iter_events
from harness.record.store import RunStore
from harness.run.folder import STORE_NAME
from harness.scenario.phone_state import journal_path
from harness.virtual.manager import RunningPhone

ROOT = Path(__file__).resolve().parents[2]
MESSENGER = "com.example.messenger"
HOSTILE = "it's \"quoted\"; $(touch /sdcard/pwned) `id` | tee x > y & \\ done"


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def meta(out: Path) -> dict[str, Any]:
    with RunStore.open(out / STORE_NAME) as store:
        return store.meta()


def requests(out: Path, variant: str) -> list[Any]:
    return [e for e in iter_events(out / STORE_NAME, variant=variant) if e.kind == "http.request"]


def contacts_count(device: Device) -> int:
    out = device.shell(["content", "query", "--uri", "content://com.android.contacts/raw_contacts",
                        "--projection", "_id"]).stdout
    return sum(1 for line in out.splitlines() if line.startswith("Row:"))


def test_demo_messenger_runs_its_three_variants(phone: RunningPhone, tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    device = Device.connect(phone.serial)
    contacts_before = contacts_count(device)
    out = tmp_path / "demo"
    assert main(["run", str(ROOT / "scenarios" / "demo_messenger.yaml"), "--device", phone.serial,
                 "--out", str(out)]) == 1  # ran to its end, and found data sent without consent
    shown = capsys.readouterr().out
    assert shown.lstrip().startswith("FAIL: 4 violations"), shown[:300]  # the verdict first
    results = meta(out)["variant_results"]
    assert [results[v]["status"] for v in ("pre_consent", "accepted", "rejected")] == ["ok"] * 3
    android_id = device.consent.setting("secure", "android_id")
    init = [e for e in requests(out, "pre_consent") if e.dest and "/v1/init" in (e.dest.url or "")]
    assert init and android_id and any(android_id.encode() in (e.data or b"") for e in init)
    ping = [e for e in requests(out, "rejected") if e.dest and "/v1/ping" in (e.dest.url or "")]
    assert ping and all(("X-Device-Id", android_id) in e.headers for e in ping)
    match = [e for e in requests(out, "accepted") if e.dest and "/v1/match" in (e.dest.url or "")]
    assert match, "the contact-hash upload after Accept"
    assert not [e for e in requests(out, "rejected") if e.dest and "/v1/match" in (e.dest.url or "")]
    assert all(e.variant is not None and e.step is not None for e in iter_events(out / STORE_NAME))  # stamped

    # the verdict (report.json, written by the run): the pre_consent Android ID beacon and the
    # rejected X-Device-Id ping are violations of com.tracker.sdk; the contact hashes after Accept consented
    report = json.loads((out / "report.json").read_text())
    assert report["verdict"]["status"] == "fail" and report["verdict"]["exit_code"] == 1
    flows = {(f["variant"], f["data_type"]): f for f in report["flows"]}
    violations = {(v["variant"], v["data_type"]): v for v in report["violations"]}
    assert set(violations) == {("pre_consent", "android_id"), ("pre_consent", "advertising_id"),
                               ("rejected", "android_id"), ("rejected", "advertising_id")}
    assert {v["sdk"] for v in violations.values()} == {"com.tracker.sdk"}
    beacon = flows[("pre_consent", "android_id")]
    assert {e.id for e in init} & set(beacon["evidence"])
    assert beacon["destination"]["host"] == "analytics.tracker.example"
    rejected = flows[("rejected", "android_id")]
    assert "header:x-device-id" in rejected["places"] and {e.id for e in ping} & set(rejected["evidence"])
    assert not rejected["after_refusal"]  # the Android ID leaves after Accept too
    contact = flows[("accepted", "contact.phone")]
    assert contact["status"] == "consented" and {e.id for e in match} & set(contact["evidence"])
    assert contact["encodings"] == ["base64>gzip>sha256"]
    assert report["device"]["fingerprint"] == device.facts().fingerprint
    assert (out / "report.html").stat().st_size > 0 and (out / "junit.xml").stat().st_size > 0

    assert (out / "scenario" / "demo_messenger.yaml").is_file()
    assert (out / "artifacts" / "accepted" / "logcat.txt").stat().st_size > 0
    # the run's own canaries (seeded data and the phone's identifiers) make `detect RUN` work alone
    assert main(["detect", str(out), "--json"]) == 0
    findings = json.loads(capsys.readouterr().out)["findings"]
    assert {"android_id", "contact.phone"} <= {f["type"] for f in findings}
    # `harness report` says the same again, from the run alone
    assert main(["report", str(out), "--json", "-"]) == 1
    again = json.loads(capsys.readouterr().out)
    assert [(f["variant"], f["data_type"], f["status"]) for f in again["flows"]] == \
        [(f["variant"], f["data_type"], f["status"]) for f in report["flows"]]
    assert contacts_count(device) == contacts_before  # the seeded contacts are gone
    assert not journal_path(phone.serial).exists()


def test_a_maestro_flow_runs_unchanged(phone: RunningPhone, tmp_path: Path) -> None:
    write(tmp_path, "reject.yaml", f"appId: {MESSENGER}\n---\n- launchApp\n"
          "- assertVisible: Help us improve Messenger\n- tapOn:\n    id: reject\n"
          "- runFlow:\n    when:\n      visible: Chats\n    commands:\n      - tapOn:\n          id: message\n")
    scenario = write(tmp_path, "maestro.yaml", f"name: maestro\napp: {MESSENGER}\n"
                     "variants:\n  plain:\n    consent: withheld\nsteps:\n  - runFlow: reject.yaml\n  - idle: 1\n")
    out = tmp_path / "out"
    # ran to its end (1: the messenger's SDK sends the Android ID with consent withheld)
    assert main(["run", str(scenario), "--device", phone.serial, "--out", str(out), "--variants", "plain"]) == 1
    with RunStore.open(out / STORE_NAME) as store:
        names = [s.name for s in store.steps() if s.variant == "plain"]
    assert any("reject.yaml:5:3 tapOn id 'reject'" in n for n in names), names  # stamped with the flow's lines
    assert (out / "scenario" / "reject.yaml").is_file()


def test_hostile_text_reaches_the_device_verbatim_and_never_runs(phone: RunningPhone, tmp_path: Path) -> None:
    device = Device.connect(phone.serial)
    quoted = json.dumps(HOSTILE)
    scenario = write(tmp_path, "hostile.yaml", (
        f"name: hostile\napp: {MESSENGER}\nvariants:\n  typed:\n    consent: withheld\nsteps:\n"
        "  - launchApp\n  - tapOn: Reject\n  - tapOn:\n      id: message\n"
        f"  - inputText: {quoted}\n"
        f"  - shell: [settings, put, global, harness_probe_text, {quoted}]\n"
        "  - takeScreenshot: typed\n"))
    out = tmp_path / "out"
    # ran to its end (1: the messenger's SDK sends the Android ID with consent withheld)
    assert main(["run", str(scenario), "--device", phone.serial, "--out", str(out), "--variants", "typed"]) == 1
    assert device.consent.setting("global", "harness_probe_text") == HOSTILE
    device.shell(["settings", "delete", "global", "harness_probe_text"])
    inputs = [json.loads(line) for line in (Path(phone.state) / "vphone" / "input.jsonl").read_text().splitlines()]
    assert any(record.get("text") == HOSTILE for record in inputs)  # ground truth: what the field got
    assert device.shell(["ls", "/sdcard/pwned"], check=False).exit_code != 0
    assert (out / "artifacts" / "typed" / "typed.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


PROBE = ("settings get global harness_probe > /sdcard/probe.txt; "
         f"appops get {MESSENGER} READ_SMS >> /sdcard/probe.txt; "
         f"dumpsys package {MESSENGER} | grep READ_CONTACTS >> /sdcard/probe.txt")


def test_consent_is_restored_between_variants_and_after_the_run(phone: RunningPhone, tmp_path: Path) -> None:
    device = Device.connect(phone.serial)
    device.shell(["settings", "put", "global", "harness_probe", "original"])
    before = (device.consent.appop(MESSENGER, "READ_SMS"),
              device.consent.permissions(MESSENGER)["android.permission.READ_CONTACTS"].granted)
    scenario = write(tmp_path, "restore.yaml", (
        f"name: restore\napp: {MESSENGER}\nvariants:\n"
        "  changes:\n    consent: given\n    permissions: {READ_CONTACTS: grant}\n"
        "    appops: {READ_SMS: ignore}\n    settings: {global.harness_probe: changed}\n"
        "  observes:\n    consent: withheld\n"
        "steps:\n  - setting: {global.harness_probe: changed-mid-flow}\n"
        f"  - shell: [sh, -c, {json.dumps(PROBE)}]\n"))
    out = tmp_path / "out"
    assert main(["run", str(scenario), "--device", phone.serial, "--out", str(out),
                 "--variants", "changes,observes"]) == 0
    seen_in_observes = device.shell(["cat", "/sdcard/probe.txt"]).stdout
    device.shell(["rm", "/sdcard/probe.txt"])
    # in `observes`, everything `changes` changed was back to the original ...
    assert seen_in_observes.splitlines()[0] == "changed-mid-flow"  # (set by observes' own first step)
    assert f"READ_SMS: {before[0]}" in seen_in_observes or before[0] == "default"
    assert f"granted={str(before[1]).lower()}" in seen_in_observes
    # ... and after the run too
    assert device.consent.setting("global", "harness_probe") == "original"
    assert device.consent.appop(MESSENGER, "READ_SMS") == before[0]
    assert device.consent.permissions(MESSENGER)["android.permission.READ_CONTACTS"].granted == before[1]
    device.shell(["settings", "delete", "global", "harness_probe"])


def test_a_failing_step_keeps_its_artifacts_and_the_next_variant_runs(phone: RunningPhone, tmp_path: Path) -> None:
    scenario = write(tmp_path, "failing.yaml", (
        f"name: failing\napp: {MESSENGER}\nvariants:\n"
        "  broken:\n    consent: withheld\n    ui:\n"
        "      - extendedWaitUntil: {visible: No such button, timeout: 500}\n"
        "  fine:\n    consent: withheld\n    ui:\n      - tapOn: Reject\n"
        "steps:\n  - launchApp\n  - consentUi\n  - idle: 1\n"))
    out = tmp_path / "out"
    assert main(["run", str(scenario), "--device", phone.serial, "--out", str(out),
                 "--variants", "broken,fine"]) == 3
    results = meta(out)["variant_results"]
    assert results["broken"]["status"] == "failed"
    assert "failing.yaml:7:9: extendedWaitUntil" in results["broken"]["reason"]
    assert results["fine"]["status"] == "ok"
    saved = {Path(p).suffix for p in results["broken"]["artifacts"]}
    assert saved == {".png", ".xml", ".txt"}
    assert all(Path(p).stat().st_size > 0 for p in results["broken"]["artifacts"])
    # the report says broken (and still what was sent), with the failed step's screenshot in the page
    report = json.loads((out / "report.json").read_text())
    assert report["verdict"]["status"] == "broken" and report["verdict"]["broken_variants"] == ["broken"]
    (broken,) = [v for v in report["variants"] if v["name"] == "broken"]
    assert broken["failed_step"] is not None and "extendedWaitUntil" in (broken["reason"] or "")
    (shot,) = broken["screenshots"]
    assert shot["path"].startswith("artifacts/broken/") and shot["png_base64"]
    assert f'src="data:image/png;base64,{shot["png_base64"][:40]}' in (out / "report.html").read_text()


RUNNER = """
import signal, sys
signal.signal(signal.SIGINT, signal.default_int_handler)
from harness.cli import main
sys.exit(main(sys.argv[1:]))
"""


def run_in_background(args: list[str]) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-c", RUNNER, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env={**os.environ, "COLUMNS": "200"})


def wait_for_line(proc: subprocess.Popen[str], text: str, timeout: float = 120) -> None:
    assert proc.stderr is not None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        if not line:
            raise AssertionError(f"the run ended before {text!r}: {proc.communicate()}")
        if text in line:
            return
    raise AssertionError(f"no {text!r} within {timeout} s")


def test_ctrl_c_mid_variant_keeps_the_run_and_restores_the_phone(phone: RunningPhone, tmp_path: Path) -> None:
    device = Device.connect(phone.serial)
    device.shell(["settings", "put", "global", "harness_probe_int", "original"])
    contacts_before = contacts_count(device)
    scenario = write(tmp_path, "long.yaml", (
        f"name: long\napp: {MESSENGER}\ncanaries: auto\nvariants:\n  waiting:\n    consent: given\n"
        "    permissions: {READ_CONTACTS: grant}\n    settings: {global.harness_probe_int: during}\n"
        "steps:\n  - launchApp\n  - tapOn: Accept\n  - idle: 60\n"))
    out = tmp_path / "out"
    proc = run_in_background(["run", str(scenario), "--device", phone.serial, "--out", str(out),
                              "--variants", "waiting"])
    try:
        wait_for_line(proc, "idle")
        time.sleep(2)
        proc.send_signal(signal.SIGINT)
        _stdout, stderr = proc.communicate(timeout=90)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 3, stderr
    info = meta(out)
    assert info["stop_reason"] == "interrupted" and info["stop_signal"] == "SIGINT"
    assert info["variant_results"]["waiting"]["status"] == "interrupted"
    assert [e for e in iter_events(out / STORE_NAME) if e.kind == "http.request"]  # readable, kept
    assert device.consent.setting("global", "harness_probe_int") == "original"
    assert contacts_count(device) == contacts_before
    assert not journal_path(phone.serial).exists()
    device.shell(["settings", "delete", "global", "harness_probe_int"])


def test_a_phone_that_goes_away_marks_its_variant_incomplete(fresh_phone: RunningPhone, tmp_path: Path) -> None:
    scenario = write(tmp_path, "gone.yaml", (
        f"name: gone\napp: {MESSENGER}\nvariants:\n  lost:\n    consent: withheld\n"
        "steps:\n  - launchApp\n  - idle: 60\n"))
    out = tmp_path / "out"
    proc = run_in_background(["run", str(scenario), "--device", fresh_phone.serial, "--out", str(out),
                              "--variants", "lost", "--reconnect-timeout", "3"])
    try:
        wait_for_line(proc, "idle")
        time.sleep(3)  # the app's first requests are recorded meanwhile
        os.kill(fresh_phone.pid, signal.SIGKILL)  # the phone is gone: adbd, apps, frida portal
        _stdout, stderr = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 3, stderr
    result = meta(out)["variant_results"]["lost"]
    assert result["status"] == "incomplete" and "went away" in result["reason"]
    assert [e for e in iter_events(out / STORE_NAME) if e.kind == "http.request"]  # nothing recorded is lost
    assert journal_path(fresh_phone.serial).exists()  # kept for the next run to repair
    journal_path(fresh_phone.serial).unlink()


def test_run_refuses_what_it_cannot_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    broken = write(tmp_path, "broken.yaml", "name: x\nstepz: []\n")
    assert main(["run", str(broken), "--device", "nope", "--out", str(tmp_path / "o")]) == 2
    assert "broken.yaml:2:1" in capsys.readouterr().err
    ok = write(tmp_path, "ok.yaml", f"name: ok\napp: {MESSENGER}\nsteps: [launchApp]\n")
    assert main(["run", str(ok), "--device", "nope", "--variants", "nope", "--out", str(tmp_path / "o")]) == 2
    assert "undefined variant 'nope'" in capsys.readouterr().err
    (tmp_path / "file").write_text("x")
    assert main(["run", str(ok), "--device", "nope", "--out", str(tmp_path / "file")]) == 2
    assert "is a file" in capsys.readouterr().err



@pytest.mark.parametrize("path", sorted((ROOT / "scenarios").rglob("*.yaml")), ids=lambda p: p.name)
def test_every_shipped_scenario_validates(path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(path)]) == 0, capsys.readouterr().err


def test_a_target_that_starts_mid_variant_is_instrumented(adb_server: int, tmp_path: Path) -> None:
    """The vendor ROM's analytics system app, started by a broadcast in the middle of the variant
    (on a fresh vendor-b virtual phone that `--virtual` starts and stops)."""
    scenario = write(tmp_path, "broadcast.yaml", (
        "name: broadcast\ntargets: [com.vendor.analytics]\nhooks: [network, native_net, identifiers]\n"
        "variants:\n  mid:\n    consent: withheld\n"
        "steps:\n  - idle: 1\n  - shell: [am, broadcast, -a, com.vendor.analytics.action.REPORT]\n  - idle: 3\n"))
    out = tmp_path / "out"
    # ran to its end (1: what the vendor's diagnostics upload, with consent withheld, is a violation)
    assert main(["run", str(scenario), "--virtual", "vendor-b", "--out", str(out), "--variants", "mid"]) in (0, 1)
    with RunStore.open(out / STORE_NAME) as store:
        targets = [(t.process, t.mode, t.variant) for t in store.targets()]
    assert ("com.vendor.analytics", "attach-after-launch", "mid") in targets, targets


def test_the_scenario_s_apk_is_installed_when_missing(fresh_phone: RunningPhone, tmp_path: Path) -> None:
    u2 = pytest.importorskip("uiautomator2")
    real = Path(u2.__file__).parent / "assets" / "app-uiautomator.apk"  # a real APK
    if not real.exists():
        pytest.skip("uiautomator2's bundled APK is not there")
    (tmp_path / "app.apk").write_bytes(real.read_bytes())
    scenario = write(tmp_path, "apk.yaml", "name: apk\napp: {package: com.github.uiautomator, apk: app.apk}\n"
                     "variants:\n  once:\n    consent: withheld\nsteps:\n  - idle: 0.5\n")
    device = Device.connect(fresh_phone.serial)
    assert not device.apps.is_installed("com.github.uiautomator")
    out = tmp_path / "out"
    assert main(["run", str(scenario), "--device", fresh_phone.serial, "--out", str(out), "--variants", "once",
                 "--ui", "shell"]) == 0
    assert device.apps.is_installed("com.github.uiautomator")


def test_a_virtual_phone_started_for_the_run_dies_with_it(adb_server: int, tmp_path: Path) -> None:
    from harness.virtual.manager import PhoneManager

    scenario = write(tmp_path, "long.yaml", f"name: long\napp: {MESSENGER}\nvariants:\n  v:\n    consent: withheld\n"
                     "steps:\n  - launchApp\n  - idle: 60\n")
    before = {p.serial for p in PhoneManager().running()}
    proc = run_in_background(["run", str(scenario), "--virtual", "--out", str(tmp_path / "out"), "--variants", "v"])
    try:
        wait_for_line(proc, "idle")
        [phone] = [p for p in PhoneManager().running() if p.serial not in before]
        proc.send_signal(signal.SIGKILL)  # no clean-up code of the harness runs
        proc.wait(10)
        deadline = time.monotonic() + 15
        while phone.alive and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not phone.alive
    finally:
        if proc.poll() is None:
            proc.kill()
        for stale in [p for p in PhoneManager().running() if p.serial not in before]:
            with contextlib.suppress(Exception):
                PhoneManager().stop(stale.serial)
