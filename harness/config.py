"""The paths the harness takes from its environment, read in one place.

    HARNESS_HOME          state that outlives a command: the registry of running virtual phones and
                          their default state folders (default ~/.local/state/harness)
    HARNESS_CACHE_DIR     what is costly to rebuild and safe to delete: compiled hook agents, the
                          virtual phone's compiled Java (default ~/.cache/harness)
    HARNESS_FRIDA_HOOKS   the frida_hooks/ npm project to compile the agent from, instead of the
                          checkout's or the bundle shipped in the package
    ADB                   the adb executable (default: the one bundled with adbutils)

The adb server's address (ANDROID_ADB_SERVER_HOST/PORT) is read and checked in
``harness.device.adb_env``, which must do so before adbutils is imported.  Only the standard
library is imported here (setup.py uses it while building the package).
"""

from __future__ import annotations

import os
from pathlib import Path

HOME_VARIABLE = "HARNESS_HOME"
CACHE_VARIABLE = "HARNESS_CACHE_DIR"
FRIDA_HOOKS_VARIABLE = "HARNESS_FRIDA_HOOKS"
ADB_VARIABLE = "ADB"


def _path(variable: str) -> Path | None:
    value = os.environ.get(variable)
    return Path(value).expanduser() if value else None


def home_dir() -> Path:
    """``$HARNESS_HOME`` or ``~/.local/state/harness``."""
    return _path(HOME_VARIABLE) or Path.home() / ".local" / "state" / "harness"


def cache_dir(*parts: str) -> Path:
    """``$HARNESS_CACHE_DIR`` (or ``~/.cache/harness``) joined with ``parts``."""
    return (_path(CACHE_VARIABLE) or Path.home() / ".cache" / "harness").joinpath(*parts)


def frida_hooks_dir() -> Path | None:
    """``$HARNESS_FRIDA_HOOKS`` when set."""
    return _path(FRIDA_HOOKS_VARIABLE)


def adb_executable() -> str | None:
    """``$ADB`` when set."""
    return os.environ.get(ADB_VARIABLE) or None
