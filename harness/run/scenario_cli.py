"""``harness run SCENARIO``: replay a scenario under its consent variants and record everything.

    harness run SCENARIO [--device SERIAL | --virtual [PROFILE]] [--out DIR] [--variants a,b]
                         [--ui uiautomator2|shell] [--env NAME=VALUE]... [--force] [--reconnect-timeout S]

The run folder (``harness.run.folder``) gets the run store, the artifacts and a copy of the
scenario.  The device is ``--device``, else ``$ANDROID_SERIAL``, else the only one connected;
``--virtual`` starts a fresh virtual phone for the run and stops it afterwards.

Ends with the run's report (``harness.report``: verdict first), also written into the run folder as
report.json, report.html and junit.xml.

Exit status: 0 every variant ran to its end and nothing was sent without consent; 1 a violation
or a failed expectation; 2 the run could not start (an invalid scenario, no device); 3 a variant
failed or is incomplete, or the run was interrupted (the scenario broke, not the app's privacy;
the report still shows what was found in what ran).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from harness.device.adb import adb_client
from harness.device.device import Device
from harness.errors import ConfigError, DeviceNotFoundError
from harness.instrument.config import AgentConfig, all_modules
from harness.instrument.devices import open_usb
from harness.instrument.reaper import Reaper
from harness.run import folder as run_folder
from harness.run.recording import Recording
from harness.run.trace import load_agent
from harness.signals import StopRequested, StopSignals


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "run", help="replay a scenario under its consent variants and record what leaves the phone",
        description="Run a scenario file on a phone, once per consent variant, from a clean state each time.")
    parser.add_argument("scenario", type=Path, metavar="SCENARIO", help="the scenario YAML file")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--device", metavar="SERIAL", help="the phone (default: $ANDROID_SERIAL or the only one)")
    where.add_argument("--virtual", nargs="?", const="default", metavar="PROFILE",
                       help="start a fresh virtual phone (profile: default) for the run, stopped after")
    parser.add_argument("--out", type=Path, metavar="DIR", help="the run folder (default: runs/NAME-TIME)")
    parser.add_argument("--variants", metavar="LIST", help="comma-separated variants to run (default: all)")
    parser.add_argument("--ui", choices=("uiautomator2", "shell"), default="uiautomator2",
                        help="how to drive the screen (shell: `uiautomator dump` + `input`, where the "
                             "uiautomator2 server cannot run)")
    parser.add_argument("--env", action="append", default=[], metavar="NAME=VALUE",
                        help="override a scenario parameter (repeatable)")
    parser.add_argument("--force", action="store_true", help="replace the run folder if it holds a run")
    parser.add_argument("--geoip", type=Path, action="append", default=[], metavar="DB",
                        help="a MaxMind-format database (.mmdb) for the report's countries instead of the bundled "
                             "one (repeat for a country and an ASN database)")
    parser.add_argument("--trackers", type=Path, metavar="FILE", help="a tracker list instead of the bundled one")
    parser.add_argument("--reconnect-timeout", type=float, default=30.0, metavar="S",
                        help="how long to wait for a phone that went away (default 30)")
    parser.set_defaults(func=run_command)


def _pick_device(explicit: str | None) -> str:
    serial = explicit or os.environ.get("ANDROID_SERIAL")
    if serial:
        return serial
    ready = [d.serial for d in adb_client().device_list()]
    if len(ready) == 1:
        return str(ready[0])
    if not ready:
        raise DeviceNotFoundError("-", "no device is connected (give --device SERIAL, or --virtual)")
    raise DeviceNotFoundError("-", f"{len(ready)} devices are connected ({', '.join(map(str, ready))}); "
                                   "choose one with --device")


@contextlib.contextmanager
def _phone(args: argparse.Namespace) -> Iterator[str]:
    if args.virtual is None:
        yield _pick_device(args.device)
        return
    from harness.virtual.manager import PhoneManager

    with tempfile.TemporaryDirectory(prefix="harness-run-phone-") as tmp:
        phone = PhoneManager().start(state=Path(tmp) / "state", profile=args.virtual)
        reaper = Reaper()  # the phone dies with this command, also when it is killed
        reaper.watch(phone.pid, group=True)
        try:
            yield phone.serial
        finally:
            PhoneManager().stop(phone.serial)
            reaper.close()


def run_command(args: argparse.Namespace) -> int:
    from harness.scenario.env import parse_env_overrides
    from harness.scenario.load import load_scenario, select_variants

    scenario = load_scenario(args.scenario, parse_env_overrides(args.env))
    variants = list(select_variants(scenario, args.variants.split(",")) if args.variants else scenario.variants)
    if not variants:
        raise ConfigError(f"{scenario.path}: --variants: no variant given")
    if not 0 <= args.reconnect_timeout <= 3600:
        raise ConfigError("--reconnect-timeout must be from 0 to 3600 seconds")
    report = _report_settings(args)  # a bad --geoip is said before the phone is touched
    out = args.out or Path("runs") / f"{run_folder.safe_name(scenario.name)}-{time.strftime('%Y%m%d-%H%M%S')}"
    run_folder.prepare(out, force=args.force)
    with _phone(args) as serial:
        return _run(args, scenario, variants, serial, out=out, report=report)


def _report_settings(args: argparse.Namespace) -> Any:
    from harness.compare.geo import GeoDb
    from harness.detect.destinations import TrackerDb
    from harness.scenario.session import ReportSettings

    return ReportSettings(geo=GeoDb.load(*args.geoip) if args.geoip else GeoDb.bundled(),
                          trackers=TrackerDb.load(args.trackers) if args.trackers else TrackerDb.bundled())


def _run(args: argparse.Namespace, scenario: Any, variants: list[Any], serial: str, *, out: Path, report: Any) -> int:
    from harness.scenario.session import run_session

    device = Device.connect(serial)
    frida_device = open_usb(serial)
    source, decode = load_agent()
    agent = AgentConfig(modules=scenario.hooks or all_modules(), app_package=scenario.app)
    with StopSignals() as signals:
        recording = Recording.open(
            frida_device, out / run_folder.STORE_NAME, signals, agent=agent, source=source, decode=decode,
            force=True, meta={"command": "run", "scenario": str(scenario.path), "scenario_name": scenario.name,
                              "variants": [v.name for v in variants], "expect": scenario.expect,
                              "first_party": list(scenario.first_party), "app": scenario.app})
        recording.started()
        run_folder.copy_sources(out, scenario.sources)
        try:
            return run_session(scenario, variants, device, recording, out=out, signals=signals, ui_kind=args.ui,
                               reconnect_timeout=args.reconnect_timeout, report=report)
        except StopRequested:
            return 3
