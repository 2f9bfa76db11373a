"""`harness run` against the same steps scripted by hand, on one virtual phone, in one process.

    python benchmarks/run_overhead.py [--rounds 1] [--idle 3]

The scenario is the demo's (scenarios/demo_messenger.yaml: pre_consent, accepted, rejected) with
its idle shortened to ``--idle`` seconds on both sides.  The hand-written script does per variant
what a person would with adbutils, uiautomator2 and frida and the same waits: force-stop and clear
the app, set READ_CONTACTS, seed two contacts and an SMS (and remove them after), launch the app,
attach the hook agent right after the launch, wait for the consent screen, tap Accept/Reject,
idle, detach.  It stores nothing and restores nothing else: the harness's extra work (verifying
every change, journaling, logcat, the run store, reading identifiers, the final report) is what
is measured.  Prints both wall times and their ratio (goal: harness <= 1.2x the script) and the
harness's per-variant reset (stop, clear, restore, seed, apply, verify; goal: <= 3 s).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
APP = "com.example.messenger"
PERM = "android.permission.READ_CONTACTS"
VARIANTS = (("pre_consent", None, None), ("accepted", "grant", "Accept"), ("rejected", "revoke", "Reject"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def by_hand(serial: str, idle: float) -> float:
    """The demo's three variants, scripted directly; returns the wall time."""
    import adbutils
    import frida
    import uiautomator2

    from harness.instrument.agent import agent_source
    from harness.instrument.config import AgentConfig

    started = time.perf_counter()
    dev = adbutils.AdbClient(port=int(os.environ["ANDROID_ADB_SERVER_PORT"])).device(serial)
    fdev = frida.get_device_manager().get_device(serial, timeout=5)
    u2 = uiautomator2.connect(dev)
    source = agent_source()
    params = AgentConfig(modules=("network", "identifiers", "contacts", "sms"), app_package=APP).init_params()
    for _name, permission, button in VARIANTS:
        dev.shell(f"am force-stop {APP}; pm clear {APP}")
        if permission:
            dev.shell(f"pm {permission} {APP} {PERM}")
        for i in range(2):
            dev.shell(["content", "insert", "--uri", "content://com.android.contacts/raw_contacts",
                       "--bind", f"account_name:s:bench{i}"])
        dev.shell(["content", "insert", "--uri", "content://sms", "--bind", "address:s:+12015550100",
                   "--bind", "body:s:bench"])
        before = {p.pid for p in fdev.enumerate_processes() if p.name == APP}
        dev.shell(f"monkey -p {APP} 1")
        pid = None
        while pid is None:
            pid = next((p.pid for p in fdev.enumerate_processes() if p.name == APP and p.pid not in before), None)
            time.sleep(0.1)
        session = fdev.attach(pid)
        script = session.create_script(source)
        script.on("message", lambda message, data: None)
        script.load()
        script.exports_sync.init(params)
        if button:
            u2(text="Help us improve Messenger").wait(timeout=17)
            u2(text=button).click()
        time.sleep(idle)
        script.exports_sync.flush()
        script.unload()
        session.detach()
        dev.shell(["content", "delete", "--uri", "content://sms", "--where", "body='bench'"])
        dev.shell(["content", "delete", "--uri", "content://com.android.contacts/raw_contacts",
                   "--where", "account_name LIKE 'bench%'"])
    dev.shell(f"am force-stop {APP}")
    return time.perf_counter() - started


def with_harness(serial: str, scenario: Path, out: Path) -> tuple[float, dict[str, float]]:
    from harness.cli import main
    from harness.record.store import RunStore

    started = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):
        code = main(["run", str(scenario), "--device", serial, "--out", str(out), "--force"])
    elapsed = time.perf_counter() - started
    if code not in (0, 1):  # 1: ran, and found data sent without consent (the demo's SDK does)
        raise SystemExit(f"harness run exited {code}")
    with RunStore.open(out / "events.run") as store:
        results = store.meta()["variant_results"]
    return elapsed, {name: float(r["reset_seconds"]) for name, r in results.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=1, help="alternating rounds of both sides")
    parser.add_argument("--idle", type=float, default=3.0, help="seconds each variant idles (both sides)")
    args = parser.parse_args()
    home = tempfile.mkdtemp(prefix="bench-run-")
    os.environ["ANDROID_ADB_SERVER_PORT"] = str(_free_port())
    os.environ["HARNESS_HOME"] = home
    from harness.device.adb import adb_binary
    from harness.virtual.manager import PhoneManager

    subprocess.run([adb_binary(), "start-server"], check=True, capture_output=True)
    demo = (ROOT / "scenarios" / "demo_messenger.yaml").read_text()
    scenario = Path(home) / "demo_messenger.yaml"
    scenario.write_text(demo.replace("idle: 8", f"idle: {args.idle:g}") + f"idle: {args.idle:g}\n")
    manager = PhoneManager()
    phone = manager.start(state=Path(home) / "state")
    try:
        hand: list[float] = []
        harness: list[float] = []
        resets: dict[str, list[float]] = {}
        for round_ in range(args.rounds):  # alternate, so machine load drifts hit both
            hand.append(by_hand(phone.serial, args.idle))
            elapsed, reset = with_harness(phone.serial, scenario, Path(home) / f"run{round_}")
            harness.append(elapsed)
            for name, seconds in reset.items():
                resets.setdefault(name, []).append(seconds)
        best_hand, best_harness = min(hand), min(harness)
        print(f"demo scenario, 3 variants, idle {args.idle:g} s, best of {args.rounds}:")
        print(f"  by hand (adbutils + uiautomator2 + frida): {best_hand:.1f} s")
        print(f"  harness run:                               {best_harness:.1f} s")
        print(f"  harness / by hand = {best_harness / best_hand:.2f}x (goal <= 1.2x)")
        print("  per-variant reset (stop, clear, restore, seed, apply, verify), goal <= 3 s:")
        print("    " + json.dumps({name: round(min(v), 2) for name, v in resets.items()}))
    finally:
        manager.stop(phone.serial)
        subprocess.run([adb_binary(), "kill-server"], capture_output=True, check=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
