"""``harness doctor`` and ``harness setup-device``.

``harness doctor [--device S] [--json] [--fast]``: every check, each pass/warn/fail/skip with its
fix in one line.  Exit 0 when none failed (warnings allowed), 1 when one did, 2 when it could not
run at all (no adb server, no such device).  ``--json`` prints ``{"serial", "exit_code",
"checks": [{name, status, detail, fix, fast}]}`` with every check of the registry, in its order.

``harness setup-device [--device S] [--frida-server FILE] [--json]``: see
``harness.doctor.provision``; a refused file is exit 2 with both versions (or ABIs) named.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from pathlib import Path
from typing import Any

from harness.doctor.model import STATUSES, Check


def register(sub: Any) -> None:
    doctor = sub.add_parser("doctor", help="check that a phone is ready for runs; each problem with its fix",
                            description="Check everything a run needs on a phone: adb, root, frida-server, "
                                        "uiautomator2, clock, storage, canary seeding, proxy, the hook agent.")
    doctor.add_argument("--device", "-s", dest="serial", metavar="SERIAL",
                        help="the phone (default: $ANDROID_SERIAL, else the only one connected)")
    doctor.add_argument("--json", action="store_true", help="machine-readable output")
    doctor.add_argument("--fast", action="store_true", help="only the checks `harness run` makes before a run")
    doctor.set_defaults(func=_doctor)

    setup = sub.add_parser("setup-device", help="place, start and verify frida-server on a rooted phone",
                           description="Push a frida-server (checked: ABI and version), start it as root, verify "
                                       "it answers, and report root, SELinux, Android, patch and ART versions.")
    setup.add_argument("--device", "-s", dest="serial", metavar="SERIAL",
                       help="the phone (default: $ANDROID_SERIAL, else the only one connected)")
    setup.add_argument("--frida-server", type=Path, metavar="FILE",
                       help="the frida-server binary for the phone (frida-server-VERSION-android-ARCH[.xz]); "
                            "without it: verify what is on the phone")
    setup.add_argument("--wait", type=float, default=20.0, metavar="S",
                       help="seconds to wait for the started server to answer (default 20)")
    setup.add_argument("--json", action="store_true", help="machine-readable output")
    setup.set_defaults(func=_setup)


# ---- doctor -----------------------------------------------------------------------------------

def _pick_serial(explicit: str | None) -> tuple[str | None, str]:
    """The phone to check, or (None, why not): any adb state counts (an unauthorised phone is a
    failed check, not a missing one)."""
    from harness.device.adb import adb_client, ensure_connected, server_errors
    from harness.errors import HarnessError

    serial = explicit or os.environ.get("ANDROID_SERIAL")
    try:
        if serial:
            with contextlib.suppress(HarnessError):   # the adb check says what adb says
                ensure_connected(serial)
            return serial, ""
        client = adb_client()
        with server_errors("listing devices", client.timeout):
            listed = sorted(str(d.serial) for d in client.list())
    except HarnessError as exc:
        return None, str(exc)
    if len(listed) == 1:
        return listed[0], ""
    if not listed:
        return None, "no device is connected (`adb devices` lists none)"
    return None, f"{len(listed)} devices are connected ({', '.join(listed)}): choose one with --device"


def doctor_checks(serial: str | None, problem: str, fast: bool) -> list[Check]:
    from harness.doctor.context import Context
    from harness.doctor.registry import CHECKS, fast_specs, run_checks

    specs = fast_specs(with_root=True) if fast else CHECKS
    if serial is None:
        fix = "connect the phone (USB debugging on), or name it with --device SERIAL"
        return [Check("adb", "fail", problem, fix, fast=True),
                *(Check(s.name, "skip", "skipped: no device to check", "", s.fast) for s in specs[1:])]
    return run_checks(Context(serial), specs)


def exit_code(checks: list[Check]) -> int:
    if any(c.failed for c in checks if c.name == "adb"):
        return 2
    return 1 if any(c.failed for c in checks) else 0


def _doctor(args: argparse.Namespace) -> int:
    serial, problem = _pick_serial(args.serial)
    checks = doctor_checks(serial, problem, args.fast)
    code = exit_code(checks)
    if args.json:
        sys.stdout.write(json.dumps({"serial": serial, "exit_code": code,
                                     "checks": [c.to_json() for c in checks]}, indent=2) + "\n")
        return code
    _print_checks(serial, checks, code)
    return code


_STYLE = {"pass": "green", "warn": "yellow", "fail": "bold red", "skip": "dim"}
assert set(_STYLE) == set(STATUSES)


def _print_checks(serial: str | None, checks: list[Check], code: int) -> None:
    from rich.console import Console
    from rich.markup import escape

    console = Console(highlight=False)
    console.print(f"harness doctor: {escape(serial or 'no device')}")
    width = max(len(c.name) for c in checks)
    for check in checks:
        style = _STYLE[check.status]
        console.print(f"  [{style}]{check.status.upper():4}[/{style}]  {escape(check.name.ljust(width))}  "
                      f"{escape(check.detail)}", soft_wrap=True)
        if check.fix and check.status in ("fail", "warn"):
            console.print(f"  {'':4}  {'':{width}}  fix: {escape(check.fix)}", soft_wrap=True)
    counts = {status: sum(c.status == status for c in checks) for status in STATUSES}
    summary = ", ".join(f"{n} {status}" for status, n in counts.items() if n)
    verdict = {0: "ready", 1: "NOT READY", 2: "could not check"}[code]
    console.print(f"{verdict}: {summary}", soft_wrap=True)


# ---- setup-device -----------------------------------------------------------------------------

def _setup(args: argparse.Namespace) -> int:
    from harness.device.device import Device
    from harness.doctor.provision import setup_device
    from harness.errors import ConfigError
    from harness.run.api import pick_device

    if args.wait <= 0 or args.wait > 600:
        raise ConfigError("--wait must be from 0 to 600 seconds")
    device = Device.connect(pick_device(args.serial))
    report = setup_device(device, args.frida_server, wait=args.wait)
    if args.json:
        sys.stdout.write(json.dumps(report.to_json(), indent=2) + "\n")
        return 0
    from rich.console import Console
    from rich.markup import escape

    console = Console(highlight=False)
    console.print(f"{escape(report.serial)}: {escape(report.message)}", soft_wrap=True)
    rows = (("frida-server", f"{report.server_version or 'unknown'} ({report.server_path or '-'}), "
                             f"access: {report.access or 'none'}"),
            ("root", report.root), ("SELinux", report.selinux), ("Android", report.android),
            ("security patch", report.security_patch), ("ART module", report.art_version), ("ABI", report.abi))
    for name, value in rows:
        console.print(f"  {name:15} {escape(value)}", soft_wrap=True)
    for note in report.notes:
        console.print(f"  [yellow]note[/yellow]: {escape(note)}", soft_wrap=True)
    return 0
