"""Running a scenario from Python: what ``harness run`` and the pytest plugin call.

    outcome = run_scenario(RunRequest(scenario=Path("scenarios/demo_messenger.yaml"), virtual="default"))
    outcome.exit_code          # 0 pass, 1 violations or failed expectations, 3 a variant broke
    outcome.report()           # the report document (harness.report.shape.ReportDoc), or None

The run folder (``harness.run.folder``) gets the run store, the artifacts, a copy of the scenario
and the report.  The device is ``device``, else ``$ANDROID_SERIAL``, else the only one connected;
``virtual`` starts a fresh virtual phone of that profile for the run and stops it afterwards.
``capture`` chooses the capture paths (``harness.capture.session``): ``auto`` (hooks and the
in-process proxy where its CA can go into the system store, else hooks with a note), ``both`` or
``hooks``.  Bad
input (an invalid scenario, no device) raises a ``HarnessError`` before the phone is touched.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from harness.capture.cleanup import repair_capture
from harness.capture.session import CaptureSession, check_mode
from harness.device.adb import adb_client, ensure_connected
from harness.device.device import Device
from harness.doctor.registry import require_ready
from harness.errors import ConfigError, DeviceNotFoundError
from harness.instrument.config import AgentConfig, all_modules
from harness.instrument.devices import open_usb
from harness.instrument.reaper import Reaper
from harness.report.shape import ReportDoc
from harness.run import folder as run_folder
from harness.run.recording import Recording
from harness.run.trace import load_agent
from harness.signals import StopRequested, StopSignals


@dataclass(frozen=True)
class RunRequest:
    """One ``harness run``: its options, as on the command line."""

    scenario: Path
    out: Path | None = None            # default runs/NAME-TIME
    device: str | None = None          # a serial; else $ANDROID_SERIAL or the only one connected
    virtual: str | None = None         # a virtual phone profile, started for this run
    variants: Sequence[str] | None = None
    env: Sequence[str] = ()            # NAME=VALUE overrides
    ui: str = "uiautomator2"
    force: bool = False
    reconnect_timeout: float = 30.0
    geoip: Sequence[Path] = ()
    trackers: Path | None = None
    capture: str = "auto"              # auto | hooks | both (harness.capture.session)
    quiet: bool = False                # no report on stdout (it is still written into the run folder)


@dataclass(frozen=True)
class RunOutcome:
    exit_code: int
    out: Path
    serial: str

    def report(self) -> ReportDoc | None:
        """The run's report document (None when it could not be made: the exit status says why)."""
        path = self.out / "report.json"
        if not path.is_file():
            return None
        return cast(ReportDoc, json.loads(path.read_text(encoding="utf-8")))


def pick_device(explicit: str | None) -> str:
    serial = explicit or os.environ.get("ANDROID_SERIAL")
    if serial:
        ensure_connected(serial)  # HOST:PORT (an STF provider, a phone in TCP mode): adb connect it
        return serial
    ready = [d.serial for d in adb_client().device_list()]
    if len(ready) == 1:
        return str(ready[0])
    if not ready:
        raise DeviceNotFoundError("-", "no device is connected (give --device SERIAL, or --virtual)")
    raise DeviceNotFoundError("-", f"{len(ready)} devices are connected ({', '.join(map(str, ready))}); "
                                   "choose one with --device")


@contextlib.contextmanager
def _phone(request: RunRequest) -> Iterator[str]:
    if request.virtual is None:
        yield pick_device(request.device)
        return
    from harness.virtual.manager import PhoneManager

    with tempfile.TemporaryDirectory(prefix="harness-run-phone-") as tmp:
        phone = PhoneManager().start(state=Path(tmp) / "state", profile=request.virtual)
        reaper = Reaper()  # the phone dies with this command, also when it is killed
        reaper.watch(phone.pid, group=True)
        try:
            yield phone.serial
        finally:
            PhoneManager().stop(phone.serial)
            reaper.close()


def run_scenario(request: RunRequest) -> RunOutcome:
    """Run the scenario (see the module docstring); bad input raises before the phone is touched."""
    from harness.scenario.env import parse_env_overrides
    from harness.scenario.load import load_scenario, select_variants

    scenario = load_scenario(request.scenario, parse_env_overrides(list(request.env)))
    variants = list(select_variants(scenario, list(request.variants)) if request.variants else scenario.variants)
    if not variants:
        raise ConfigError(f"{scenario.path}: --variants: no variant given")
    if not 0 <= request.reconnect_timeout <= 3600:
        raise ConfigError("--reconnect-timeout must be from 0 to 3600 seconds")
    if request.ui not in ("uiautomator2", "shell"):
        raise ConfigError(f"--ui: {request.ui!r} is not uiautomator2 or shell")
    check_mode(request.capture)
    report = _report_settings(request)  # a bad --geoip is said before the phone is touched
    out = request.out or Path("runs") / f"{run_folder.safe_name(scenario.name)}-{time.strftime('%Y%m%d-%H%M%S')}"
    run_folder.prepare(out, force=request.force)
    with _phone(request) as serial:
        code = _run(request, scenario, variants, serial, out=out, report=report)
    return RunOutcome(exit_code=code, out=out, serial=serial)


def _report_settings(request: RunRequest) -> Any:
    from harness.compare.geo import GeoDb
    from harness.detect.destinations import TrackerDb
    from harness.scenario.session import ReportSettings

    return ReportSettings(geo=GeoDb.load(*request.geoip) if request.geoip else GeoDb.bundled(),
                          trackers=TrackerDb.load(request.trackers) if request.trackers else TrackerDb.bundled(),
                          quiet=request.quiet)


def _run(request: RunRequest, scenario: Any, variants: list[Any], serial: str, *, out: Path, report: Any) -> int:
    from harness.scenario.session import run_session

    device = Device.connect(serial)
    repair_capture(device)  # a crashed run's proxy route first: the doctor would refuse the phone for it
    require_ready(device, scenario)  # the doctor's fast checks: stops (exit 2) before the phone is changed
    frida_device = open_usb(serial)
    source, decode = load_agent()
    agent = AgentConfig(modules=scenario.hooks or all_modules(), app_package=scenario.app)
    capture = CaptureSession(request.capture, max_data=agent.max_data)
    capture.preflight(device)  # auto decided (or an explicit `both` refused) before anything changes
    with StopSignals() as signals:
        recording = Recording.open(
            frida_device, out / run_folder.STORE_NAME, signals, agent=agent, source=source, decode=decode,
            force=True, meta={"command": "run", "scenario": str(scenario.path), "scenario_name": scenario.name,
                              "variants": [v.name for v in variants], "expect": scenario.expect,
                              "first_party": list(scenario.first_party), "app": scenario.app})
        recording.started()
        capture.sink = recording.writer
        run_folder.copy_sources(out, scenario.sources)
        try:
            return run_session(scenario, variants, device, recording, out=out, signals=signals, ui_kind=request.ui,
                               reconnect_timeout=request.reconnect_timeout, report=report, capture=capture)
        except StopRequested:
            return 3
        finally:
            capture.close()
