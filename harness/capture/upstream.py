"""What the proxy takes from the phone before it starts: its hosts file and the CAs it trusts.

The proxy stands in for the phone towards the servers, so it resolves and verifies as the phone
would: ``phone_hosts`` reads the phone's ``/etc/hosts`` (``/system/etc/hosts``), whose names the
proxy connects to at the phone's addresses (``addon.PhoneResolver``), and ``upstream_bundle``
writes certifi's CAs plus the phone's system CAs (the Conscrypt APEX store where it exists, else
``/system/etc/security/cacerts``; read before the proxy's own CA is installed) into one PEM file for
mitmproxy's ``ssl_verify_upstream_trusted_ca``.  Both are read as the shell user (the files are
world-readable on Android); what cannot be read is said in the notes, never guessed.
"""

from __future__ import annotations

import logging
from pathlib import Path

import certifi

from harness.capture.addon import parse_hosts
from harness.capture.ca import pem_blocks
from harness.capture.phone import APEX_STORE, SYSTEM_STORE
from harness.device.device import Device
from harness.errors import CommandFailedError

log = logging.getLogger(__name__)


def phone_hosts(device: Device) -> dict[str, str]:
    """The phone's hosts file as {name: address} (empty when it cannot be read)."""
    try:
        result = device.shell(["cat", "/etc/hosts"], check=False, timeout=30)
    except CommandFailedError as exc:
        log.warning("%s: /etc/hosts could not be read: %s", device.serial, exc)
        return {}
    return parse_hosts(result.stdout) if result.exit_code == 0 else {}


def phone_trust_store(device: Device) -> tuple[str, list[bytes]]:
    """The folder of the CAs the phone's apps trust by default, and its PEM certificates."""
    apex = device.shell(["ls", "-d", APEX_STORE], check=False, timeout=30).exit_code == 0
    folder = APEX_STORE if apex else SYSTEM_STORE
    result = device.shell_line(f"cat {folder}/* 2>/dev/null", check=False, timeout=60)
    return folder, pem_blocks(result.stdout.encode("utf-8", "surrogateescape"))


def upstream_bundle(device: Device, path: Path) -> tuple[Path, str, int]:
    """certifi's CAs and the phone's system CAs in one PEM file at ``path``; (path, folder, phone CAs)."""
    folder, blocks = phone_trust_store(device)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(Path(certifi.where()).read_bytes().rstrip(b"\n") + b"\n" + b"".join(blocks))
    log.info("%s: the proxy trusts upstream certifi's CAs and %d of the phone's (%s)", device.serial,
             len(blocks), folder)
    return path, folder, len(blocks)
