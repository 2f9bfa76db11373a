"""What the second capture path changes on the phone, each change journaled before it is made.

Four changes, each with a JSON undo record in the run's phone-state journal
(``PhoneState.note_capture``, ``$HARNESS_HOME/journals/SERIAL.json``) *before* it is made, so
Ctrl-C, a crash or a power cut in between leaves the phone repairable (``harness.capture.cleanup``
undoes them, at the end of the run or in the next run's ``repair``):

``ca_file``    the proxy's CA copied (as root) into a CA store folder as ``<subject_hash_old>.<n>``
               (the user store ``/data/misc/user/0/cacerts-added``; the system store where root can
               write it).  Undone by removing that file, only while it still holds our certificate.
``iptables``   QUIC blocked (``iptables``/``ip6tables -I OUTPUT -p udp --dport 443 -j REJECT``, as
               root) so apps fall back to TCP, which the proxy carries.  Undone with ``-D``.
``reverse``    ``adb reverse tcp:PHONE_PORT tcp:PROXY_PORT``: the phone's 127.0.0.1:PHONE_PORT reaches
               the proxy on this host over USB.  Undone with ``adb reverse --remove``.
``http_proxy`` ``settings put global http_proxy 127.0.0.1:PHONE_PORT``; the four related keys
               (``global_http_proxy_host``, ``..._port``, ``..._exclusion_list``, ``global_proxy_pac``)
               are recorded too.  Undone with ``:0`` first (deleting the key can leave ProxyTracker's
               in-memory proxy in place), then the value found before (deleted again if there was none).
"""

from __future__ import annotations

import logging
import socket
import tempfile
from pathlib import Path
from typing import Any

import adbutils

from harness.capture.ca import CaCert
from harness.device.device import Device
from harness.device.shell import ShellResult, quote_command
from harness.errors import CommandFailedError, ConfigError
from harness.scenario.phone_state import PhoneState

log = logging.getLogger(__name__)

USER_STORE = "/data/misc/user/0/cacerts-added"
SYSTEM_STORE = "/system/etc/security/cacerts"
APEX_STORE = "/apex/com.android.conscrypt/cacerts"
PROXY_KEYS = ("http_proxy", "global_http_proxy_host", "global_http_proxy_port",
              "global_http_proxy_exclusion_list", "global_proxy_pac")
QUIC_RULE = ("OUTPUT", "-p", "udp", "--dport", "443", "-j", "REJECT")
_STAGING = "/data/local/tmp/harness-mitm-ca.pem"


def as_root(device: Device, argv: list[str], *, check: bool = True, timeout: float = 30.0) -> ShellResult:
    """Run ``argv`` as root: directly when adbd is root, through ``su -c`` otherwise."""
    method = device.facts().root_method
    if method is None:
        raise ConfigError(f"{device.serial}: this needs root (`su` or `adb root`), which the phone does not give")
    command = argv if method == "adb-root" else ["su", "-c", quote_command(argv)]
    return device.shell(command, check=check, timeout=timeout)


def _adb_error(device: Device, what: str, exc: BaseException) -> CommandFailedError:
    return CommandFailedError(device.serial, what, None, str(exc) or type(exc).__name__)


# ---- the CA ------------------------------------------------------------------------------------

def store_exists(device: Device, folder: str) -> bool:
    return as_root(device, ["ls", "-d", folder], check=False).exit_code == 0


def install_ca(device: Device, state: PhoneState, label: str, ca: CaCert, folder: str) -> str:
    """Copy ``ca`` into the CA store ``folder`` as root; its path on the phone."""
    made_dir = not store_exists(device, folder)
    listing = as_root(device, ["ls", folder], check=False).stdout.split()
    path = f"{folder}/{ca.file_name(listing)}"
    state.note_capture(label, {"type": "ca_file", "path": path, "folder": folder, "made_dir": made_dir,
                               "fingerprint": _fingerprint(ca.pem.decode("ascii"))})
    with tempfile.TemporaryDirectory(prefix="harness-ca-") as tmp:
        local = Path(tmp) / "ca.pem"
        local.write_bytes(ca.pem)
        device.push(str(local), _STAGING)
    try:
        if made_dir:
            as_root(device, ["mkdir", "-p", folder])
        as_root(device, ["cp", _STAGING, path])
        as_root(device, ["chmod", "644", path])
        if folder == USER_STORE:  # as the Settings app files a user CA (best effort: not every shell has it)
            as_root(device, ["chown", "system:system", path], check=False)
        as_root(device, ["restorecon", path], check=False)
    finally:
        device.shell(["rm", "-f", _STAGING], check=False)
    if _fingerprint(as_root(device, ["cat", path]).stdout) != _fingerprint(ca.pem.decode("ascii")):
        raise CommandFailedError(device.serial, f"cp {_STAGING} {path}", 0, "the copy does not hold the CA")
    log.info("%s: the proxy's CA is in %s", device.serial, path)
    return path


def _fingerprint(text: str) -> str:
    """The certificate text without whitespace (``cat`` through adb may change line ends)."""
    return "".join(text.split())


# ---- QUIC --------------------------------------------------------------------------------------

def block_quic(device: Device, state: PhoneState) -> list[str]:
    """Reject UDP to port 443 (QUIC) with iptables and ip6tables; the tools that did it."""
    done = []
    for tool in ("iptables", "ip6tables"):
        if as_root(device, [tool, "-w", "-L", "OUTPUT", "-n"], check=False).exit_code != 0:
            continue  # no such tool (or no netfilter): QUIC stays possible, the report lists it
        label = f"quic-{tool}"
        state.note_capture(label, {"type": "iptables", "tool": tool, "rule": list(QUIC_RULE)})
        result = as_root(device, [tool, "-w", "-I", *QUIC_RULE], check=False)
        if result.exit_code != 0:
            state.forget_capture(label)
            log.warning("%s: %s could not block QUIC: %s", device.serial, tool, result.output.strip()[-200:])
            continue
        done.append(tool)
    return done


# ---- the route: adb reverse and the proxy setting ------------------------------------------------

def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def add_reverse(device: Device, state: PhoneState, label: str, local_port: int, attempts: int = 5) -> int:
    """``adb reverse tcp:P tcp:local_port`` with a free P (never replacing another's); P."""
    last: BaseException | None = None
    for _ in range(attempts):
        phone_port = _free_port()
        record = {"type": "reverse", "remote": f"tcp:{phone_port}", "local": f"tcp:{local_port}"}
        state.note_capture(label, record)
        try:
            device.adb.reverse(record["remote"], record["local"], norebind=True)
        except (adbutils.AdbError, OSError, EOFError) as exc:
            last = exc
            state.forget_capture(label)
            if "unknown" in str(exc).lower() or "not supported" in str(exc).lower():
                break
            continue
        log.info("%s: adb reverse tcp:%d -> this host's tcp:%d", device.serial, phone_port, local_port)
        return phone_port
    raise _adb_error(device, f"adb reverse tcp:PORT tcp:{local_port}", last or RuntimeError("failed"))


def set_proxy(device: Device, state: PhoneState, label: str, value: str) -> None:
    """``settings put global http_proxy VALUE`` (read back), the previous proxy keys journaled first."""
    previous = {key: device.consent.setting("global", key) for key in PROXY_KEYS}
    state.note_capture(label, {"type": "http_proxy", "value": value, "previous": previous})
    device.consent.put_setting("global", "http_proxy", value)
    log.info("%s: global http_proxy %s (was %s)", device.serial, value, previous["http_proxy"])


def reverse_list(device: Device) -> list[tuple[str, str]]:
    try:
        return [(item.remote, item.local) for item in device.adb.reverse_list()]
    except (adbutils.AdbError, OSError, EOFError) as exc:
        raise _adb_error(device, "adb reverse --list", exc) from exc


def record_of(state: PhoneState, label: str) -> dict[str, Any] | None:
    record = state.capture_changes.get(label)
    return record if isinstance(record, dict) else None
