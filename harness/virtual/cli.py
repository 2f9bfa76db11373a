"""``harness virtual start|stop|status``: run virtual phones for tests and demos."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from harness.errors import ConfigError
from harness.virtual.manager import PhoneManager
from harness.virtual.preflight import check_state_folder


def register(sub: Any) -> None:
    parser = sub.add_parser("virtual", help="start, stop and list virtual phones")
    vsub = parser.add_subparsers(dest="virtual_command", metavar="ACTION", required=True)

    start = vsub.add_parser("start", help="start a virtual phone and attach it to the adb server")
    start.add_argument("--port", type=int, default=0, help="adbd port on 127.0.0.1 (default: any free one)")
    start.add_argument("--state", type=Path, help="state folder (default: one per profile under $HARNESS_HOME)")
    start.add_argument("--profile", default="default", help="ROM profile name or YAML file (default: default)")
    start.set_defaults(func=_start)

    stop = vsub.add_parser("stop", help="stop virtual phones")
    stop.add_argument("serial", nargs="?", help="serial (127.0.0.1:PORT) or port")
    stop.add_argument("--all", action="store_true", help="stop every running virtual phone")
    stop.set_defaults(func=_stop)

    prepare = vsub.add_parser("prepare", help="compile the virtual phone's Android stubs and apps (done once)")
    prepare.set_defaults(func=_prepare)

    status = vsub.add_parser("status", help="list running virtual phones")
    status.add_argument("--json", action="store_true")
    status.set_defaults(func=_status)


def _start(args: argparse.Namespace) -> int:
    if not 0 <= args.port < 65536:
        raise ConfigError(f"--port {args.port}: not a TCP port (1-65535, or 0 for any free one)")
    if args.state is not None:
        check_state_folder(args.state, "--state", create=False)  # the manager creates it, once adb answers
    phone = PhoneManager().start(port=args.port, state=args.state, profile=args.profile)
    sys.stderr.write(f"virtual phone started: profile {phone.profile}, state {phone.state}, pid {phone.pid}\n")
    sys.stdout.write(phone.serial + "\n")
    return 0


def _stop(args: argparse.Namespace) -> int:
    manager = PhoneManager()
    if args.all:
        stopped = manager.stop_all()
    elif args.serial:
        stopped = [manager.stop(args.serial)]
    else:
        raise ConfigError("say which phone to stop (SERIAL) or --all")
    for phone in stopped:
        sys.stdout.write(f"stopped {phone.serial}\n")
    return 0


def _status(args: argparse.Namespace) -> int:
    phones = PhoneManager().running()
    if args.json:
        sys.stdout.write(json.dumps([p.__dict__ for p in phones], indent=2) + "\n")
        return 0
    if not phones:
        sys.stdout.write("no virtual phones running\n")
    for phone in phones:
        sys.stdout.write(f"{phone.serial}\tprofile={phone.profile}\tpid={phone.pid}\tstate={phone.state}\n")
    return 0


def _prepare(_args: argparse.Namespace) -> int:
    """Compile the Java stubs and every app any bundled profile installs, into the cache."""
    from harness.virtual.profile.load import list_profiles, load_profile
    from harness.virtual.runtime.javac import compile_sources, stubs_classpath
    from harness.virtual.runtime.launcher import APPS_DIR

    stubs = stubs_classpath()
    folders = sorted({str(spec.app.get("sources", spec.name)) for name in list_profiles()
                      for spec in load_profile(name).packages if spec.app.get("main")})
    for folder in folders:
        compile_sources([APPS_DIR / folder], classpath=[stubs])
    sys.stdout.write(f"prepared the Android stubs and {len(folders)} apps ({', '.join(folders)})\n")
    return 0
