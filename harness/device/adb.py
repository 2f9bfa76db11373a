"""The adb server the harness talks to: the one adbutils finds (its bundled adb by default).

The server port honours ANDROID_ADB_SERVER_PORT (tests use a private port, never 5037).
"""

from __future__ import annotations

import logging
import os
import subprocess

import adbutils

from harness.errors import HarnessError

log = logging.getLogger(__name__)


def adb_binary() -> str:
    """The adb executable: $ADB if set, else the one bundled with adbutils (or on PATH)."""
    explicit = os.environ.get("ADB")
    if explicit:
        return explicit
    return str(adbutils.adb_path())


def server_port() -> int:
    return int(os.environ.get("ANDROID_ADB_SERVER_PORT", "5037"))


def ensure_server() -> None:
    """Start the adb server if it is not running (adb itself is idempotent about this)."""
    try:
        adbutils.AdbClient().server_version()
        return
    except (adbutils.AdbError, OSError):
        pass
    try:
        result = subprocess.run([adb_binary(), "start-server"], capture_output=True, text=True, timeout=30,
                                check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise HarnessError(f"cannot start the adb server ({adb_binary()}): {exc}") from exc
    if result.returncode != 0:
        raise HarnessError(
            f"cannot start the adb server on port {server_port()}: {(result.stderr or result.stdout).strip()}"
        )


def adb_client() -> adbutils.AdbClient:
    """An adbutils client of the running adb server (started if needed)."""
    ensure_server()
    return adbutils.AdbClient()
