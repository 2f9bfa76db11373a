"""The frida checks: frida-server answers at the right version; the hook agent works in an app.

The agent probe launches a harmless app with the hook agent (only its ``identifiers`` module) in it
the way a run does (spawn, else attach right after launch), makes the app read an identifier and
waits for the ``id.read`` event, then detaches and force-stops the app.  On the virtual phone the
app is the messenger, whose analytics SDK reads the Android ID about 2.5 s after launch.  On a
real phone it is Settings, asked to show "About phone" (which shows the IMEI and phone number on
most builds); when no read arrives the check still proves that the agent loaded and its Java hooks
went in, and says so as a warning.  (The messenger is chosen wherever it is installed: a phone
with ``com.example.messenger`` is a virtual one.)
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass

from harness.doctor.context import Context
from harness.doctor.frida_server import RELEASES_URL, asset_name, compare, mismatch_text, server_pids
from harness.doctor.model import Check, failed, passed, skipped, warned
from harness.errors import HarnessError, InstrumentError, ServerMissingError
from harness.events import Event
from harness.instrument.config import AgentConfig
from harness.instrument.tracer import Tracer
from harness.instrument.versions import CLIENT_VERSION, check_server

log = logging.getLogger(__name__)

#: Seconds the agent probe waits for the app's identifier read.
READ_TIMEOUT = 10.0


def setup_fix(ctx: Context) -> str:
    """The one line that puts the right frida-server on this phone."""
    asset = asset_name(ctx.abi)
    return f"`harness setup-device --device {ctx.serial} --frida-server {asset}` (download it from {RELEASES_URL})"


def frida_server_check(ctx: Context) -> Check:
    version, path = ctx.server
    if version is not None and compare(version) == "other-major":
        return failed("frida-server", mismatch_text(version, path or "the phone's"), setup_fix(ctx))
    try:
        info = check_server(ctx.frida, None)
    except ServerMissingError:
        running = server_pids(ctx.device)
        what = (f"a frida-server process runs (pid {', '.join(map(str, running))}) but frida gets no answer from it"
                if running else "no frida-server runs (nothing answers on tcp:27042)")
        return failed("frida-server", what, setup_fix(ctx))
    except InstrumentError as exc:
        return failed("frida-server", str(exc), setup_fix(ctx))
    answers = f"frida answers (access: {info.access})"
    if version is None and info.access == "portal":   # over USB only the virtual phone serves a portal
        return passed("frida-server", "the virtual phone's frida portal answers (its stand-in for frida-server, "
                                      "run by this harness's frida)")
    if version is None:
        return warned("frida-server", f"{answers}, but no frida-server binary prints its version (none runs from, "
                                      f"or is at, a path the harness knows)", setup_fix(ctx))
    if compare(version) == "same-major":
        return warned("frida-server", f"{answers}; {path} is frida-server {version}, the harness's frida is "
                                      f"{CLIENT_VERSION} (same major: works; the same version is safest)",
                      setup_fix(ctx))
    return passed("frida-server", f"frida-server {version} ({path}) answers (access: {info.access}), the harness's "
                                  "frida version")


# ---- the hook agent in a throwaway app ------------------------------------------------------------

@dataclass(frozen=True)
class ProbeApp:
    package: str
    #: a device command that makes the app read an identifier once the agent is in (None: it does on start)
    trigger: Sequence[str] | None
    how: str


VIRTUAL_APP = ProbeApp("com.example.messenger", None, "its analytics SDK reads the Android ID after launch")
PHONE_APP = ProbeApp("com.android.settings", ("am", "start", "-a", "android.settings.DEVICE_INFO_SETTINGS"),
                     "\"About phone\" shows the IMEI and phone number")


class _Reads:
    """An ``EventSink`` that keeps the identifier reads."""

    def __init__(self) -> None:
        self.reads: list[Event] = []
        self.seen = threading.Event()

    def put(self, events: Sequence[Event]) -> None:
        reads = [e for e in events if e.kind == "id.read"]
        if reads:
            self.reads.extend(reads)
            self.seen.set()


def _probe_app(ctx: Context) -> ProbeApp | None:
    """The virtual phone's messenger where it is installed, else Settings."""
    return next((app for app in (VIRTUAL_APP, PHONE_APP) if ctx.device.apps.is_installed(app.package)), None)


def hook_agent_check(ctx: Context, timeout: float = READ_TIMEOUT) -> Check:
    from harness.run.trace import load_agent

    app = _probe_app(ctx)
    if app is None:
        return skipped("hook-agent", f"{PHONE_APP.package} is not installed: no harmless app to load the agent into")
    source, decode = load_agent()
    reads = _Reads()
    device = ctx.device
    tracer = Tracer(ctx.frida, source=source, decode=decode, sink=reads,
                    config=AgentConfig(modules=("identifiers",), app_package=app.package))
    fix = ("see the detail; `harness trace --device SERIAL --spawn --hooks identifiers --duration 10 --out probe.run "
           f"-- {app.package}` shows the same with logs (-vv)").replace("SERIAL", ctx.serial)
    try:
        device.apps.force_stop(app.package)   # its reads at start must come after the agent is in
        session = tracer.spawn_or_launch([app.package], lambda: device.apps.launch(app.package),
                                         name=app.package, timeout=15)
        hooked, skipped_hooks = session.report.hooked, session.report.skipped
        if not hooked:
            reasons = "; ".join(f"{s.get('target')}: {s.get('reason')}" for s in skipped_hooks[:3]) or "none given"
            return failed("hook-agent", f"the hook agent loaded into {app.package} but put in no hook ({reasons})",
                          "frida-java-bridge cannot hook this ART (a Play system update of ART? see `harness "
                          "setup-device` for the ART version); use the frida release that supports it")
        if app.trigger is not None:
            device.shell(list(app.trigger), check=False, timeout=15)
        deadline = time.monotonic() + timeout
        while not reads.seen.is_set() and time.monotonic() < deadline:
            session.flush(timeout=2.0)
            reads.seen.wait(0.25)
    except InstrumentError as exc:
        return failed("hook-agent", f"the hook agent did not load into {app.package}: {exc}", fix)
    finally:
        tracer.abort()
        with contextlib.suppress(HarnessError):
            device.shell(["am", "force-stop", app.package], check=False, timeout=15)
    where = f"{app.package} (pid {session.pid}, {session.mode})"
    if reads.reads:
        return passed("hook-agent", f"the hook agent loaded into {where}, hooked {len(hooked)} identifier APIs and "
                                    f"saw a read ({reads.reads[0].api})")
    return warned("hook-agent", f"the hook agent loaded into {where} and hooked {len(hooked)} identifier APIs, but "
                                f"saw no identifier read within {timeout:g} s ({app.how}, on most builds): "
                                "its Java hooks are in, so runs will record what apps read", fix)
