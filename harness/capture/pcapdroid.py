"""PCAPdroid driven over adb (its documented ``am start`` API), and its PCAP imported into a run.

    harness pcap start [--device S] [--app PKG] [--name traffic.pcap]
    harness pcap stop  [--device S]
    harness pcap pull  [--device S] [--name traffic.pcap] FILE
    harness pcap import RUN FILE.pcap

PCAPdroid (com.emanuelef.remote_capture) captures through a VPN service, so it needs no root; it
asks the user to allow each control request unless the caller was granted permanently (or, from
v1.8.6, an API key is set in its settings): the first ``start`` may wait for a tap on the phone.
``start`` writes ``Download/PCAPdroid/NAME`` (``pcap_dump_mode pcap_file``), optionally for one app
(``app_filter``), with QUIC blocked (``block_quic``, v51+) so apps fall back to TCP.  ``import``
adds the capture's connections to a run as ``net.connect`` events with ``source: pcap``, each
stamped with the variant and step whose time it falls in.  The extras' names are PCAPdroid's
``docs/app_api.md``.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

from harness.device.shell import Shell
from harness.errors import ConfigError, DeviceError

log = logging.getLogger(__name__)

PACKAGE = "com.emanuelef.remote_capture"
CONTROL = f"{PACKAGE}/.activities.CaptureCtrl"
CAPTURE_FOLDER = "/sdcard/Download/PCAPdroid"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}\.pcap$")


def check_name(name: str) -> str:
    if not _NAME.match(name):
        raise ConfigError(f"--name {name!r}: a file name ending in .pcap (letters, digits, . _ -)")
    return name


def control_argv(action: str, *, name: str | None = None, app: str | None = None,
                 block_quic: bool = True) -> list[str]:
    """The ``am start`` argument list of one PCAPdroid control request (quoted by the shell layer)."""
    argv = ["am", "start", "-e", "action", action]
    if action == "start":
        argv += ["-e", "pcap_dump_mode", "pcap_file", "-e", "pcap_name", check_name(name or "traffic.pcap")]
        if app:
            argv += ["-e", "app_filter", app]
        if block_quic:
            argv += ["-e", "block_quic", "true"]
    argv += ["-n", CONTROL]
    return argv


class PcapDroid:
    """PCAPdroid on one phone."""

    def __init__(self, shell: Shell) -> None:
        self.shell, self.serial = shell, shell.serial

    def installed(self) -> bool:
        result = self.shell.shell(["pm", "path", PACKAGE], check=False, timeout=30)
        return result.exit_code == 0 and "package:" in result.stdout

    def _control(self, argv: list[str]) -> None:
        if not self.installed():
            raise DeviceError(self.serial, f"PCAPdroid is not installed ({PACKAGE}); install it from F-Droid or "
                              "its GitHub releases (`adb install PCAPdroid.apk`), open it once, then retry")
        result = self.shell.shell(argv, check=False, timeout=30)
        text = (result.stdout + result.stderr).strip()
        if result.exit_code != 0 or "Error" in text:
            raise DeviceError(self.serial, f"PCAPdroid did not take the request: {text or result.exit_code}")

    def start(self, name: str = "traffic.pcap", app: str | None = None) -> None:
        self._control(control_argv("start", name=name, app=app))
        log.info("PCAPdroid asked to capture into %s/%s (the phone may ask to allow it)", CAPTURE_FOLDER, name)

    def stop(self) -> None:
        self._control(control_argv("stop"))

    def remote_path(self, name: str) -> str:
        return f"{CAPTURE_FOLDER}/{check_name(name)}"


def import_pcap(run: Path, pcap: Path) -> tuple[int, int]:
    """Add the connections of ``pcap`` to the run at ``run`` (a folder or a run file): (added, skipped packets)."""
    from harness.capture.pcap_import import connect_events, read_pcap
    from harness.record.store import RunStore
    from harness.record.view import RunView
    from harness.run.folder import store_path

    store = store_path(run)
    summary = read_pcap(pcap)
    view = RunView(store)
    steps = sorted(view.steps, key=lambda s: s.started)
    events = []
    for event in connect_events(summary):
        variant = step = None
        for candidate in steps:  # the step whose time the connection falls in
            if candidate.started <= event.ts and (candidate.finished is None or event.ts <= candidate.finished):
                variant, step = candidate.variant, candidate.index
        events.append(event.__class__(**{**event.__dict__, "variant": variant, "step": step}))
    with RunStore.open(store) as opened:
        writer = opened.writer()
        writer.put(events)
        writer.flush(durable=True)
        opened.update_meta({"pcap_imports": [*view.meta.get("pcap_imports", []),
                                             {"file": str(pcap), "connections": len(events),
                                              "packets": summary.packets, "skipped": summary.skipped}]})
    return len(events), summary.skipped
