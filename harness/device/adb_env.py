"""Where the adb server is: ``ANDROID_ADB_SERVER_PORT`` (and ``ANDROID_ADB_SERVER_HOST``), checked.

A remote adb server (a lab's, ``harness --adb HOST:PORT``, as ``adb -H HOST -P PORT``) is set with
``use_server``: it exports the address in every spelling the three clients read, before any of
them is imported or starts: adbutils (``ANDROID_ADB_SERVER_HOST``/``_PORT``), the adb command line
(``ADB_SERVER_SOCKET=tcp:HOST:PORT``) and frida's Android backend (``ADB_SERVER_SOCKET``, else
``ANDROID_ADB_SERVER_ADDRESS``/``_PORT``); so the processes the harness starts inherit it too.

adbutils reads the port variable once, when it is first imported, to build its module-level client,
and fails on a value that is not a number (``abc``, an empty string) with a traceback; frida's
device manager reads it too.  ``import_adbutils`` imports adbutils with such a value hidden, so the
harness itself can report the value (``server_port()`` raises ``ConfigError``) before adbutils or
frida use it.  This module imports neither.
"""

from __future__ import annotations

import importlib
import os
import sys

from harness.errors import ConfigError

PORT_VARIABLE = "ANDROID_ADB_SERVER_PORT"
HOST_VARIABLE = "ANDROID_ADB_SERVER_HOST"
DEFAULT_PORT = 5037
DEFAULT_HOST = "127.0.0.1"


def parse_port(text: str) -> int | None:
    """``text`` as a TCP port (1-65535), or None when it is not one."""
    if not (text.isascii() and text.isdigit()):
        return None
    port = int(text)
    return port if 1 <= port <= 65535 else None


def server_port() -> int:
    """The adb server's port: ``$ANDROID_ADB_SERVER_PORT`` or 5037; ``ConfigError`` if it is not a port."""
    raw = os.environ.get(PORT_VARIABLE)
    if raw is None:
        return DEFAULT_PORT
    port = parse_port(raw)
    if port is None:
        raise ConfigError(f"{PORT_VARIABLE}={raw!r} is not a TCP port: give a number from 1 to 65535 "
                          f"(or unset it for the default, {DEFAULT_PORT})")
    return port


def server_host() -> str:
    """The adb server's host: ``$ANDROID_ADB_SERVER_HOST`` or 127.0.0.1 (as adbutils has it)."""
    return os.environ.get(HOST_VARIABLE) or DEFAULT_HOST


def is_local_server() -> bool:
    """Is the adb server on this host (so the harness may start one when none runs)?"""
    return server_host() in ("127.0.0.1", "localhost", "::1")


def parse_server(text: str) -> tuple[str, int]:
    """``HOST:PORT`` (``[v6]:PORT`` for IPv6) of an adb server; ``ConfigError`` naming the value."""
    host, sep, port_text = text.strip().rpartition(":")
    host = host.strip("[]")
    port = parse_port(port_text) if sep else None
    if not host or port is None or any(c.isspace() or c in "/@" for c in host):
        raise ConfigError(f"--adb {text!r}: expected HOST:PORT of an adb server (as `adb -H HOST -P PORT`), "
                          "e.g. 10.0.0.5:5037")
    return host, port


def use_server(host: str, port: int) -> None:
    """Talk to the adb server at ``host:port`` from now on (see the module docstring)."""
    os.environ[HOST_VARIABLE] = host
    os.environ[PORT_VARIABLE] = str(port)
    os.environ["ANDROID_ADB_SERVER_ADDRESS"] = host
    os.environ["ADB_SERVER_SOCKET"] = f"tcp:{f'[{host}]' if ':' in host else host}:{port}"


def server_address() -> str:
    """``host:port`` of the adb server, for messages."""
    return f"{server_host()}:{server_port()}"


def import_adbutils() -> None:
    """Import adbutils without letting a malformed port variable break the import.

    The variable is hidden only for the import itself (the harness is single-threaded while it
    imports its modules) and restored right after; every adb call of the harness then goes through
    ``server_port()``, which reports it.
    """
    if "adbutils" in sys.modules:
        return
    raw = os.environ.get(PORT_VARIABLE)
    if raw is None or parse_port(raw) is not None:
        importlib.import_module("adbutils")
        return
    del os.environ[PORT_VARIABLE]
    try:
        importlib.import_module("adbutils")
    finally:
        os.environ[PORT_VARIABLE] = raw
