"""The checks, in the order they run, and the two ways they run.

``run_checks(context)`` runs every check (``harness doctor``); a check whose prerequisite failed is
skipped with a note.  ``require_ready(device, scenario)`` runs the fast subset before a run and
raises ``PhoneNotReadyError`` (exit 2, before anything on the phone changed) when one fails; root
belongs to that subset only when the scenario instruments a system app or process (on a real phone
an app-only scenario's frida-server check already covers what it needs).
"""

from __future__ import annotations

import fnmatch
import logging
from collections.abc import Sequence
from typing import Protocol

from harness.device.device import Device
from harness.doctor.context import Context, FridaOpener
from harness.doctor.frida_checks import frida_server_check, hook_agent_check
from harness.doctor.model import Check, CheckSpec, PhoneNotReadyError, failed, skipped
from harness.doctor.phone_checks import (
    ROOT_FIX,
    adb_check,
    authorised_check,
    clock_check,
    proxy_check,
    root_check,
    storage_check,
)
from harness.doctor.seed_check import SEED_FIX, canary_seeding_check
from harness.doctor.ui_checks import OTHER_FIX, uiautomator2_check
from harness.errors import HarnessError
from harness.instrument.devices import open_usb

log = logging.getLogger(__name__)

_READY = ("authorised",)
CHECKS: tuple[CheckSpec, ...] = (
    CheckSpec("adb", adb_check, fast=True, runs="the adb server answers and lists the phone",
              fix="start the adb server (`adb start-server`)"),
    CheckSpec("authorised", authorised_check, fast=True, needs=("adb",),
              runs="the phone's adb state is `device` (not unauthorized/offline)",
              fix="accept the USB debugging prompt on the phone"),
    CheckSpec("root", root_check, fast=True, needs=_READY,
              runs="`id`, `su -c id` print uid=0; `su -v`: Magisk/KernelSU/APatch (fast only for system targets)",
              fix=ROOT_FIX),
    CheckSpec("frida-server", frida_server_check, fast=True, needs=_READY,
              runs="frida's query_system_parameters over USB; `frida-server --version` of the running binary",
              fix="`harness setup-device --frida-server FILE`"),
    CheckSpec("proxy", proxy_check, fast=True, needs=_READY,
              runs="`settings get global http_proxy` is null or :0",
              fix="`adb shell settings put global http_proxy :0`"),
    CheckSpec("clock", clock_check, fast=True, needs=_READY,
              runs="`date +%s` against the host's clock (warn > 5 s, fail > 120 s)",
              fix="turn on automatic date and time on the phone"),
    CheckSpec("storage", storage_check, fast=False, needs=_READY,
              runs="`df /data` (fail under 200 MB free, warn under 1 GB)",
              fix="free space on the phone"),
    CheckSpec("uiautomator2", uiautomator2_check, fast=False, needs=_READY,
              runs="start the uiautomator2 server, one dump, `input keyevent 0`; MIUI/One UI markers",
              fix=OTHER_FIX),
    CheckSpec("canary-seeding", canary_seeding_check, fast=False, needs=_READY,
              runs="a throwaway contact: content insert, query, delete", fix=SEED_FIX),
    CheckSpec("hook-agent", hook_agent_check, fast=False, needs=("frida-server",),
              runs="the hook agent (identifiers) in a harmless app; waits for an id.read event",
              fix="see the detail"),
)
CHECK_NAMES = tuple(spec.name for spec in CHECKS)


def run_checks(ctx: Context, specs: Sequence[CheckSpec] = CHECKS) -> list[Check]:
    """Every check of ``specs`` in order; one whose prerequisite did not pass is skipped."""
    results: dict[str, Check] = {}
    for spec in specs:
        blocked = [name for name in spec.needs if name in results and results[name].status in ("fail", "skip")]
        if blocked:
            outcome = skipped(spec.name, f"skipped: needs `{blocked[0]}`, which did not pass")
        else:
            try:
                outcome = spec.run(ctx)
            except HarnessError as exc:
                outcome = failed(spec.name, str(exc), spec.fix)
        results[spec.name] = spec.outcome(outcome)
        log.info("%s: %s: %s", spec.name, outcome.status, outcome.detail)
    return list(results.values())


def fast_specs(with_root: bool) -> tuple[CheckSpec, ...]:
    return tuple(spec for spec in CHECKS if spec.fast and (with_root or spec.name != "root"))


class RunTargets(Protocol):
    """What ``require_ready`` needs of a scenario (``harness.scenario.model.Scenario`` is one)."""

    @property
    def app(self) -> str | None: ...

    @property
    def targets(self) -> tuple[str, ...]: ...


def needs_root(device: Device, scenario: RunTargets) -> bool:
    """Whether a run of ``scenario`` instruments a system app or process (root on a real phone): a
    target that is no installed package (``system_server``, a daemon) or matches a system one."""
    names = [t.split(":", 1)[0] for t in (scenario.targets or ((scenario.app,) if scenario.app else ()))]
    if not names:
        return False
    packages = {p.name: p.system for p in device.apps.installed()}
    for name in names:
        if any(c in name for c in "*?["):
            if any(system for package, system in packages.items() if fnmatch.fnmatchcase(package, name)):
                return True
        elif name in packages:
            if packages[name]:
                return True
        elif name != scenario.app:   # a process that is no package (the app missing is the run's to say)
            return True
    return False


def require_ready(device: Device, scenario: RunTargets, *, open_frida: FridaOpener = open_usb) -> list[Check]:
    """Run the fast subset on ``device`` before a run of ``scenario``; raise ``PhoneNotReadyError``
    (its message: each failing check's detail and fix) when one fails.  Returns the checks."""
    with_root = needs_root(device, scenario)
    ctx = Context(device.serial, needs_root=with_root, open_frida=open_frida, device=device)
    checks = run_checks(ctx, fast_specs(with_root))
    for check in checks:
        if check.status == "warn":
            log.warning("%s: %s: %s (%s)", device.serial, check.name, check.detail, check.fix)
    if any(check.failed for check in checks):
        raise PhoneNotReadyError(device.serial, checks)
    return checks
