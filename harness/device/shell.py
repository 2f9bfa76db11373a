"""The seam between the device layer's parts and adb: a small shell Protocol.

``Apps``, ``Consent``, ``Seeder`` and ``read_facts`` need only a device's serial, its shell and file
transfer; they take a ``Shell`` rather than a ``Device`` (which composes them), so a unit test can
hand them a fake one that answers in Android's own output formats.
"""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

#: Seconds a device command may run before it is given up on.
DEFAULT_TIMEOUT = 120.0


@dataclass(frozen=True)
class ShellResult:
    """What a device command printed and its exit status."""

    command: str
    exit_code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def quote_command(args: Sequence[str]) -> str:
    """One device command line from argv, every word quoted for the device's sh."""
    return " ".join(shlex.quote(str(a)) for a in args)


class Shell(Protocol):
    """What the device layer's parts need from a device (``Device`` is one)."""

    @property
    def serial(self) -> str: ...

    def shell(self, args: Sequence[str], *, check: bool = True, timeout: float = DEFAULT_TIMEOUT) -> ShellResult:
        """Run ``args`` (each word quoted) in the device's shell; ``check`` raises on a non-zero exit."""
        ...

    def push(self, local: str, remote: str, verify: bool = False) -> int: ...

    def pull(self, remote: str, local: str) -> int: ...
