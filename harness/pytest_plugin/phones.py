"""Which phone a pytest session (or xdist worker) drives, and the virtual phone it may start.

``Phones(config)`` is kept in the session's ``config.stash``; ``serial()`` chooses, once:

    --virtual [PROFILE]      a virtual phone of PROFILE, started on first use (one per session, one
                             per xdist worker, each with a state folder named after the worker) and
                             stopped at the session's end, also when tests failed or it was killed
    --device S1[,S2...]      the listed serials, one per xdist worker by worker index (gw0 -> S1)
    $ANDROID_SERIAL          the same, when --device is not given
    otherwise                the connected phones (`adb devices`): the only one, or one per worker

No phone and none asked for raises ``NoPhone`` (the caller skips); a choice that cannot work
(several phones and no --device, fewer phones than workers) raises ``PhoneChoiceError`` (the caller
fails).  Nothing here talks to adb or frida before ``serial()`` is first called, so a session that
runs no scenario and asks for no phone fixture never touches either.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import pytest

if TYPE_CHECKING:
    from harness.instrument.reaper import Reaper
    from harness.virtual.manager import RunningPhone

log = logging.getLogger(__name__)


class NoPhone(Exception):
    """No phone is connected and none was asked for: tests that need one are skipped."""


class PhoneChoiceError(Exception):
    """The phone options cannot give this session (or worker) a phone of its own."""


def worker_of(config: pytest.Config) -> tuple[str | None, int, int]:
    """(worker id, index, count) of this session: (None, 0, 1) outside pytest-xdist."""
    # config.workerinput, not $PYTEST_XDIST_WORKER: a session run inside an xdist worker (pytester)
    # inherits the variable without being a worker itself
    info = cast(dict[str, Any] | None, getattr(config, "workerinput", None))
    if not info:
        return None, 0, 1
    name = str(info.get("workerid", "gw0"))
    match = re.fullmatch(r"gw(\d+)", name)
    return name, int(match.group(1)) if match else 0, int(info.get("workercount", 1))


#: The session's ``Phones``, in ``config.stash``.
PHONES = pytest.StashKey["Phones"]()


def split_serials(text: str | None) -> list[str]:
    return [s.strip() for s in (text or "").split(",") if s.strip()]


def connected_serials() -> list[str]:
    """Serials of the phones the adb server has in state ``device`` (sorted)."""
    from harness.device.adb import adb_client, server_errors

    client = adb_client()
    with server_errors("listing devices", client.timeout):
        return sorted(str(d.serial) for d in client.list() if d.state == "device")


class Phones:
    """The phone of one pytest session (see the module docstring)."""

    def __init__(self, config: pytest.Config) -> None:
        self._config = config
        self.device_option: str | None = config.getoption("harness_device")
        self.virtual: str | None = config.getoption("harness_virtual")
        self.out_option: Path | None = config.getoption("harness_out")
        self.worker_id, self.worker_index, self.worker_count = worker_of(config)
        self._serial: str | None = None
        self._failure: Exception | None = None
        self._phone: RunningPhone | None = None
        self._reaper: Reaper | None = None
        self._base: Path | None = None

    def serial(self) -> str:
        """The serial of this session's phone (started if virtual); see the module docstring."""
        if self._serial is not None:
            return self._serial
        if self._failure is not None:  # asked once: every test gets the same answer
            raise self._failure
        try:
            self._serial = self._choose()
        except (NoPhone, PhoneChoiceError) as exc:
            self._failure = exc
            raise
        return self._serial

    def _choose(self) -> str:
        from harness.errors import HarnessError

        if self.virtual is not None:
            try:
                return self._start_virtual(self.virtual)
            except HarnessError as exc:
                raise PhoneChoiceError(f"--virtual {self.virtual}: the virtual phone did not start: {exc}") from exc
        listed = split_serials(self.device_option) or split_serials(os.environ.get("ANDROID_SERIAL"))
        source = "--device" if self.device_option else "$ANDROID_SERIAL"
        if not listed:
            try:
                listed = connected_serials()
            except HarnessError as exc:
                raise NoPhone(f"no Android phone: the adb server cannot be asked ({exc}); give --device SERIAL "
                              "or run with --virtual") from exc
            source = "connected phones"
            if not listed:
                raise NoPhone("no Android phone is connected; connect one, give --device SERIAL, or run with "
                              "--virtual (a virtual phone)")
            if len(listed) > 1 and self.worker_id is None:
                raise PhoneChoiceError(f"{len(listed)} phones are connected ({', '.join(listed)}); choose one with "
                                       "--device SERIAL (or run one pytest-xdist worker per phone: -n "
                                       f"{len(listed)})")
        if self.worker_id is None:
            return listed[0]
        if self.worker_index >= len(listed) or len(listed) < self.worker_count:
            raise PhoneChoiceError(f"{self.worker_count} pytest-xdist workers but {len(listed)} phone(s) from "
                                   f"{source} ({', '.join(listed)}): each worker needs a phone of its own; use "
                                   f"-n {len(listed)}, list more serials with --device S1,S2,..., or use --virtual")
        return listed[self.worker_index]

    # -- folders -------------------------------------------------------------------------------
    def base(self) -> Path:
        """This session's folder for phone states and run folders (pytest's basetemp, per worker)."""
        if self._base is None:
            factory = getattr(self._config, "_tmp_path_factory", None)
            if factory is not None:
                self._base = Path(factory.mktemp("harness", numbered=True))
            else:  # pragma: no cover - pytest's tmp_path plugin disabled (-p no:tmpdir)
                self._base = Path(tempfile.mkdtemp(prefix="harness-pytest-"))
        return self._base

    def new_run_folder(self, name: str) -> Path:
        """A new, empty folder for one run: under --harness-out DIR, else under this session's temp."""
        from harness.run.folder import safe_name

        parent = self.out_option if self.out_option is not None else self.base() / "runs"
        parent.mkdir(parents=True, exist_ok=True)
        stem = safe_name(name if self.worker_id is None else f"{name}-{self.worker_id}")
        for n in range(1, 10_000):
            folder = parent / (stem if n == 1 else f"{stem}-{n}")
            try:
                folder.mkdir()  # atomic: two workers sharing --harness-out never get the same folder
            except FileExistsError:
                continue
            return folder
        raise PhoneChoiceError(f"{parent}: no free run folder name for {stem}")  # pragma: no cover

    # -- the virtual phone -----------------------------------------------------------------------
    def _start_virtual(self, profile: str) -> str:
        from harness.instrument.reaper import Reaper
        from harness.virtual.manager import PhoneManager

        state = self.base() / f"phone-{self.worker_id or 'main'}" / "state"
        state.parent.mkdir(parents=True, exist_ok=True)
        log.info("starting a virtual phone (%s) in %s", profile, state)
        phone = PhoneManager().start(state=state, profile=profile)
        self._phone = phone
        self._reaper = Reaper()  # the phone dies with this pytest process, also when it is killed
        self._reaper.watch(phone.pid, group=True)
        return phone.serial

    def close(self) -> None:
        """Stop the virtual phone this session started (nothing else)."""
        phone, self._phone = self._phone, None
        reaper, self._reaper = self._reaper, None
        if phone is not None:
            from harness.errors import HarnessError
            from harness.virtual.manager import PhoneManager

            try:
                PhoneManager().stop(phone.serial)
            except HarnessError as exc:
                # the reaper stays open: it kills the phone when this process ends
                log.warning("%s: stopping the virtual phone: %s", phone.serial, exc)
                return
        if reaper is not None:
            with contextlib.suppress(OSError):
                reaper.close()
