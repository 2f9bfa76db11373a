"""One run's capture paths: the hooks always, the proxy too where it can be set up (``--capture``).

    capture = CaptureSession("auto", max_data=agent.max_data)
    capture.preflight(device)                 # before the phone is touched: auto -> both or hooks
    capture.sink = recording.writer           # where the proxy's events go
    capture.attach(device, state, note)       # after PhoneState.capture: proxy up, phone routed to it
    ...                                       # the variants run; the proxy's events go to the writer
    problems = capture.detach(device, state)  # the phone's proxy setting, reverse port, CA, QUIC rule undone
    capture.close()                           # the proxy stopped, its per-run CA and key deleted
    store.update_meta({"capture": capture.meta()})

Modes: ``hooks`` (frida only); ``both`` (frida and the proxy: an error when the proxy cannot be set
up; its CA in the user store at least); ``auto`` (the default: ``both`` where the CA can go where
every app trusts it — the system store, root-writable, and no Conscrypt APEX store taking its place
— else ``hooks`` with a note saying why: a CA only some apps trust breaks the others' HTTPS, which
changes what they send, so that takes an explicit ``both``);
``mitm`` (the proxy without hooks) is not implemented: the recording is built around the frida
session, and the cross-check needs both.

Setting up, in order (each phone change journaled first, ``harness.capture.phone``): the phone's
hosts file and system CAs read (the proxy resolves and verifies upstream as the phone would), the
proxy started on 127.0.0.1 and a free port with a fresh CA (a temporary folder, deleted at
``close``), that CA installed as root in the user store and, where root can write it, the system
store (not the Conscrypt APEX store of Android 14+: see README), QUIC blocked with iptables where
there is iptables, ``adb reverse``, and last the global ``http_proxy`` setting, so nothing is
routed to a proxy that is not ready.  Installing a CA needs root: without it even ``both`` refuses,
since a proxy the phone does not trust breaks the apps' HTTPS and so changes what they send.
Transparent mode (iptables REDIRECT on the phone) is not implemented: NAT state lives on the
phone, so mitmproxy's transparent mode on this host cannot find the original destination across
``adb reverse`` (README, "Second capture path").
"""

from __future__ import annotations

import logging
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from harness.capture.addon import EventSink, FlowRecorder, PhoneResolver
from harness.capture.ca import CaCert
from harness.capture.cleanup import undo_all, undo_one
from harness.capture.phone import APEX_STORE, SYSTEM_STORE, USER_STORE, add_reverse, block_quic, install_ca, set_proxy
from harness.capture.proxy import MitmProxy
from harness.capture.upstream import phone_hosts, upstream_bundle
from harness.device.device import Device
from harness.errors import CaptureError, ConfigError, HarnessError
from harness.scenario.phone_state import PhoneState

log = logging.getLogger(__name__)

MODES = ("auto", "hooks", "mitm", "both")
HOOKS, MITM = "hooks", "mitm"
#: The address the phone's apps are told to use (the phone's end of ``adb reverse``).
PHONE_PROXY_HOST = "127.0.0.1"


def check_mode(mode: str) -> None:
    """Refuse a mode that cannot run, before anything is touched."""
    if mode not in MODES:
        raise ConfigError(f"--capture: {mode!r} is not one of {', '.join(MODES)}")
    if mode == MITM:
        raise ConfigError("--capture mitm (the proxy without hooks) is not implemented yet; "
                          "--capture both records through both paths")


class CaptureSession:
    """The capture paths of one run (see the module docstring)."""

    def __init__(self, requested: str, *, sink: EventSink | None = None, max_data: int = 64 * 1024) -> None:
        check_mode(requested)
        self.requested = requested
        self.mode = HOOKS if requested == HOOKS else "both"
        self.notes: list[str] = []
        self.sink = sink
        self._max_data = max_data
        self._recorder: FlowRecorder | None = None
        self._proxy: MitmProxy | None = None
        self._workdir: Path | None = None
        self._info: dict[str, Any] = {}
        self._active: list[float] = []

    @property
    def paths(self) -> list[str]:
        return [HOOKS] if self.mode == HOOKS else [HOOKS, MITM]

    def _fall_back(self, why: str) -> None:
        """``auto``: hooks only, saying why; an explicit ``both``: the run cannot be made."""
        if self.requested != "auto":
            raise CaptureError(f"--capture {self.requested}: {why}")
        self.mode = HOOKS
        self.notes.append(f"hooks only: {why}")
        log.warning("capture: hooks only: %s", why)

    def preflight(self, device: Device) -> None:
        """Decide ``auto`` from what the phone allows (root for the CA), before anything changes."""
        if self.mode == HOOKS:
            return
        try:
            root = device.facts().root_method
        except HarnessError as exc:
            self._fall_back(f"the phone's root access could not be read ({exc})")
            return
        if root is None:
            self._fall_back("installing the proxy's CA on the phone needs root (`su` or `adb root`); "
                            "a proxy the phone does not trust would break the apps' HTTPS")
        elif self.requested == "auto" and device.shell(["ls", "-d", APEX_STORE], check=False).exit_code == 0:
            self._fall_back(f"the phone's apps trust the Conscrypt APEX store ({APEX_STORE}), which the harness "
                            "does not change: only apps trusting user CAs would accept the proxy, the others' "
                            "HTTPS would break (--capture both uses the user store anyway)")

    # ---- the run -------------------------------------------------------------------------------

    def attach(self, device: Device, state: PhoneState, note: Callable[[str], None]) -> None:
        """Start the proxy and route the phone's traffic to it (journaled in ``state``)."""
        for said in self.notes:  # what preflight decided
            note(f"capture: {said}")
        if self.mode == HOOKS:
            return
        try:
            self._attach(device, state, note)
        except HarnessError as exc:
            problems = undo_all(device, state)
            self._stop()
            for problem in problems:
                note(f"capture: not restored: {problem}")
            self._fall_back(f"the proxy could not be set up: {exc}")
            note(f"capture: {self.notes[-1]}")

    def _attach(self, device: Device, state: PhoneState, note: Callable[[str], None]) -> None:
        if self.sink is None:
            raise CaptureError("the proxy has nowhere to record (no sink)")
        self._workdir = Path(tempfile.mkdtemp(prefix="harness-mitm-"))
        hosts = phone_hosts(device)
        bundle, trusted_folder, trusted = upstream_bundle(device, self._workdir / "upstream-ca.pem")
        resolver = PhoneResolver(hosts)
        self._recorder = FlowRecorder(self.sink, max_data=self._max_data, resolve=resolver.lookup)
        self._proxy = MitmProxy(self._workdir / "mitmproxy", addons=[self._recorder, resolver], upstream_ca=bundle)
        port = self._proxy.start()
        ca = CaCert.from_pem(self._proxy.ca_pem.read_bytes(), str(self._proxy.ca_pem))
        stores = [install_ca(device, state, "ca-user", ca, USER_STORE)]
        apex = device.shell(["ls", "-d", APEX_STORE], check=False).exit_code == 0
        if apex:
            self.notes.append(f"the CA is not in the Conscrypt APEX store ({APEX_STORE}): only apps trusting "
                              "user CAs accept the proxy (README: the APEX bind-mount recipe)")
        else:
            try:
                stores.append(install_ca(device, state, "ca-system", ca, SYSTEM_STORE))
            except HarnessError as exc:
                undo_one(device, state, "ca-system")
                if self.requested == "auto":  # the apps would not all trust the proxy: not by default
                    raise CaptureError(f"the CA cannot go into the system store ({SYSTEM_STORE}: {exc}); only "
                                       "apps trusting user CAs would accept the proxy (--capture both uses the "
                                       "user store anyway)") from exc
                self.notes.append(f"the CA is not in the system store ({SYSTEM_STORE}: {exc}); only apps "
                                  "trusting user CAs accept the proxy (README: the tmpfs recipe)")
        quic = block_quic(device, state)
        if not quic:
            self.notes.append("QUIC is not blocked (no iptables as root): UDP 443 goes around the proxy "
                              "and is listed as a proxy bypass where the hooks see it")
        phone_port = add_reverse(device, state, "reverse", port)
        set_proxy(device, state, "http_proxy", f"{PHONE_PROXY_HOST}:{phone_port}")
        self._active = [time.time()]
        self._info = {"listen": f"127.0.0.1:{port}", "phone_proxy": f"{PHONE_PROXY_HOST}:{phone_port}",
                      "ca_subject_hash": ca.hash_name, "ca_stores": stores, "quic_blocked": quic,
                      "upstream_trust": {"phone_store": trusted_folder, "phone_cas": trusted,
                                         "hosts_entries": len(hosts)}}
        note(f"capture: hooks and proxy (phone {PHONE_PROXY_HOST}:{phone_port} -> adb reverse -> "
             f"127.0.0.1:{port}; CA {', '.join(stores)})")

    def detach(self, device: Device, state: PhoneState) -> list[str]:
        """Undo the phone's routing (proxy setting, reverse port, QUIC rule, CA); the problems."""
        if self._active and len(self._active) == 1:
            self._active.append(time.time())
        problems = undo_all(device, state) if state.capture_changes else []
        self._stop()
        return problems

    def _stop(self) -> None:
        if self._proxy is not None:
            self._proxy.stop()
            self._proxy = None

    def close(self) -> None:
        """Stop the proxy and delete its folder (its CA key) — idempotent."""
        if self._active and len(self._active) == 1:
            self._active.append(time.time())
        self._stop()
        if self._workdir is not None:
            shutil.rmtree(self._workdir, ignore_errors=True)
            self._workdir = None

    def meta(self) -> dict[str, Any]:
        """The run meta's ``capture`` entry (read by the report's cross-check)."""
        stats = self._recorder.stats if self._recorder is not None else None
        return {
            "requested": self.requested, "paths": self.paths, "notes": list(self.notes),
            "proxy": dict(self._info) if self._info else None,
            "active": [self._active] if len(self._active) == 2 else [],
            "proxy_requests": stats.requests if stats else 0,
            "proxy_tls_failures": stats.tls_failures if stats else 0,
            "proxy_errors": stats.errors if stats else 0,
            "proxy_error_messages": list(stats.error_messages) if stats else [],
        }

