"""Checks of a virtual phone's state folder and port, made before anything is started.

Both the manager (before it spawns a daemon) and the daemon (which owns the folder and the port)
use them, so a bad ``--state`` or ``--port`` is one line that names it, and nothing is left
running.
"""

from __future__ import annotations

import errno
import os
import socket
from pathlib import Path

from harness.errors import ConfigError, VirtualPhoneError

LOOPBACK = "127.0.0.1"


def check_state_folder(path: Path, label: str = "state folder", create: bool = True) -> Path:
    """``path`` resolved, created if ``create``; ``ConfigError`` naming ``label`` and the path when
    it is a file, lies under a file, or cannot be created or written."""
    resolved = path.expanduser().resolve()
    existing = resolved
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if existing.exists() and not existing.is_dir():
        where = "is a file" if existing == resolved else f"is under {existing}, which is a file"
        raise ConfigError(f"{label} {path}: {where}, not a folder")
    if create:
        try:
            resolved.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ConfigError(f"{label} {path}: cannot create the folder ({exc.strerror or exc})") from exc
        existing = resolved
    if not os.access(existing, os.W_OK | os.X_OK):
        where = "the folder is not writable" if existing == resolved else f"cannot create it in {existing}"
        raise ConfigError(f"{label} {path}: {where} (permission denied)")
    return resolved


def listen(port: int, host: str = LOOPBACK) -> socket.socket:
    """A listening TCP socket on ``host:port`` (0: any free port); ``VirtualPhoneError`` saying
    "port N is in use" when another program holds it."""
    try:
        return socket.create_server((host, port), reuse_port=False)
    except OverflowError as exc:
        raise ConfigError(f"port {port}: not a TCP port (1-65535, or 0 for any free one)") from exc
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise VirtualPhoneError(f"port {port} is in use (another program listens on {host}:{port}); "
                                    "choose another --port, or leave it out for a free one") from exc
        raise VirtualPhoneError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from exc


def check_port_free(port: int, host: str = LOOPBACK) -> None:
    """Raise as ``listen`` would when ``port`` (not 0) cannot be listened on now."""
    if port:
        listen(port, host).close()
