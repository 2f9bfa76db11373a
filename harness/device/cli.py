"""``harness devices [--json]``: every connected device with its facts."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from harness.device.adb import adb_client, server_errors
from harness.device.device import Device
from harness.errors import DeviceError


def register(sub: Any) -> None:
    parser = sub.add_parser("devices", help="list connected devices with their facts")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.set_defaults(func=_devices)
    register_device(sub)


def _collect() -> list[dict[str, Any]]:
    client = adb_client()
    with server_errors("listing devices", client.timeout):
        listed = client.list()
    rows: list[dict[str, Any]] = []
    for entry in sorted(listed, key=lambda d: d.serial):
        row: dict[str, Any] = {"serial": entry.serial, "state": entry.state}
        if entry.state == "device":
            try:
                row.update(Device(client.device(entry.serial), client).facts().to_json())
            except DeviceError as exc:  # one broken device must not hide the others
                row["error"] = str(exc)
        rows.append(row)
    return rows


def _devices(args: argparse.Namespace) -> int:
    rows = _collect()
    if args.json:
        sys.stdout.write(json.dumps({"devices": rows}, indent=2) + "\n")
        return 0
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    table = Table("serial", "state", "model", "android", "patch", "rooted", "fingerprint")
    for row in rows:
        table.add_row(
            escape(row["serial"]), escape(row["state"]), escape(str(row.get("model", ""))),
            escape(f"{row.get('release', '')} (SDK {row.get('sdk', '?')})" if "sdk" in row else ""),
            escape(str(row.get("security_patch", ""))),
            "yes" if row.get("rooted") else ("no" if "rooted" in row else ""),
            escape(str(row.get("fingerprint", row.get("error", "")))),
        )
    Console().print(table if rows else "no devices connected")
    return 0


def register_device(sub: Any) -> None:
    """``harness device ACTION``: one-off device operations through the same layer runs use."""
    parser = sub.add_parser("device", help="act on one device: grant/revoke, app-ops, settings, apps, shell")
    parser.add_argument("--device", "-s", dest="serial", help="device serial (default: the only one)")
    actions = parser.add_subparsers(dest="device_action", metavar="ACTION", required=True)

    facts = actions.add_parser("facts", help="print the device's facts as JSON")
    facts.set_defaults(func=_facts)
    for verb in ("grant", "revoke"):
        p = actions.add_parser(verb, help=f"{verb} a runtime permission (verified in dumpsys package)")
        p.add_argument("package")
        p.add_argument("permission")
        p.set_defaults(func=_permission, verb=verb)
    appop = actions.add_parser("appop", help="set an app-op mode (verified with appops get)")
    appop.add_argument("package")
    appop.add_argument("op")
    appop.add_argument("mode")
    appop.set_defaults(func=_appop)
    setting = actions.add_parser("setting", help="put a setting (verified with settings get)")
    setting.add_argument("namespace", choices=["system", "secure", "global"])
    setting.add_argument("key")
    setting.add_argument("value")
    setting.set_defaults(func=_setting)
    for verb in ("launch", "force-stop", "clear"):
        p = actions.add_parser(verb, help=f"{verb} an app")
        p.add_argument("package")
        p.set_defaults(func=_app, verb=verb)
    shell = actions.add_parser("shell", help="run a device shell command line, print its output")
    shell.add_argument("command_line")
    shell.set_defaults(func=_shell)


def _device(args: argparse.Namespace) -> Device:
    return Device.connect(args.serial)


def _facts(args: argparse.Namespace) -> int:
    sys.stdout.write(json.dumps(_device(args).facts().to_json(), indent=2) + "\n")
    return 0


def _permission(args: argparse.Namespace) -> int:
    consent = _device(args).consent
    before = (consent.grant if args.verb == "grant" else consent.revoke)(args.package, args.permission)
    sys.stdout.write(f"{args.verb} {args.package} {args.permission} (was {'granted' if before else 'denied'})\n")
    return 0


def _appop(args: argparse.Namespace) -> int:
    before = _device(args).consent.set_appop(args.package, args.op, args.mode)
    sys.stdout.write(f"{args.package} {args.op}: {args.mode} (was {before})\n")
    return 0


def _setting(args: argparse.Namespace) -> int:
    before = _device(args).consent.put_setting(args.namespace, args.key, args.value)
    sys.stdout.write(f"{args.namespace} {args.key}={args.value} (was {before if before is not None else 'unset'})\n")
    return 0


def _app(args: argparse.Namespace) -> int:
    apps = _device(args).apps
    if args.verb == "launch":
        pid = apps.launch(args.package)
        sys.stdout.write(f"{args.package} running as pid {pid}\n")
    elif args.verb == "force-stop":
        apps.force_stop(args.package)
    else:
        apps.clear(args.package)
    return 0


def _shell(args: argparse.Namespace) -> int:
    result = _device(args).shell_line(args.command_line, check=False)
    sys.stdout.write(result.stdout)
    sys.stderr.write(result.stderr)
    return result.exit_code
