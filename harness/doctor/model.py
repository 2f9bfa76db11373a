"""What a doctor check is and returns, and the error ``harness run`` stops with.

A check is a small function ``check(context) -> Check``; ``CheckSpec`` puts it in the registry with
its name, whether it belongs to the fast subset that ``harness run`` runs before every run, what it
runs (for ``harness doctor --list`` and the README) and the checks it needs to have passed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Literal

from harness.errors import DeviceError

if TYPE_CHECKING:
    from harness.doctor.context import Context

Status = Literal["pass", "warn", "fail", "skip"]
STATUSES: tuple[Status, ...] = ("pass", "warn", "fail", "skip")


@dataclass(frozen=True)
class Check:
    """The outcome of one check: ``detail`` says what was found, ``fix`` (one line, empty when
    there is nothing to do) what to do about a ``fail`` or ``warn``."""

    name: str
    status: Status
    detail: str
    fix: str = ""
    fast: bool = False

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "status": self.status, "detail": self.detail, "fix": self.fix,
                "fast": self.fast}

    @property
    def failed(self) -> bool:
        return self.status == "fail"


def passed(name: str, detail: str) -> Check:
    return Check(name, "pass", detail)


def warned(name: str, detail: str, fix: str) -> Check:
    return Check(name, "warn", detail, fix)


def failed(name: str, detail: str, fix: str) -> Check:
    return Check(name, "fail", detail, fix)


def skipped(name: str, detail: str) -> Check:
    return Check(name, "skip", detail)


CheckFunction = Callable[["Context"], Check]


@dataclass(frozen=True)
class CheckSpec:
    """One entry of the registry (``harness.doctor.registry.CHECKS``)."""

    name: str
    run: CheckFunction
    fast: bool
    runs: str                      # what it runs on the phone, in a few words
    fix: str                       # the fix when the check cannot even be made (an unexpected error)
    needs: tuple[str, ...] = ()    # checks that must not have failed first

    def outcome(self, check: Check) -> Check:
        """``check`` under this spec's name with its ``fast`` flag."""
        return replace(check, name=self.name, fast=self.fast)


class PhoneNotReadyError(DeviceError):
    """A check of the fast subset failed before a run: the message is its detail and its fix
    (``harness run`` exits 2 with it, before anything on the phone changed)."""

    def __init__(self, serial: str, checks: Sequence[Check]) -> None:
        self.checks = list(checks)
        failures = [c for c in self.checks if c.failed]
        lines = [f"{c.name}: {c.detail} -- fix: {c.fix}" for c in failures]
        more = f" (and {len(failures) - 1} more)" if len(failures) > 1 else ""
        super().__init__(serial, f"the phone is not ready for a run{more}: " + "; ".join(lines)
                         + f" (`harness doctor --device {serial}` runs every check)")
