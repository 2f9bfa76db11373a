"""Start, stop and list virtual phones (what ``harness virtual start|stop|status`` does).

Each running phone has a registry entry ``<home>/virtual/running/<port>.json`` (pid, port, serial,
state folder, profile, daemon log); ``<home>`` is $HARNESS_HOME or ~/.local/state/harness.  A phone
without ``--state`` keeps its state in ``<home>/virtual/phones/<profile>-<n>``, the first such
folder no running phone uses, so a restarted phone finds its settings again.

``start`` checks what it can before it spawns the daemon (the adb server answers, the state folder
is a writable folder, the port is free), and stops the daemon again if anything fails afterwards,
so a failed start leaves nothing running.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import subprocess
import sys
import time
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path

from harness import config
from harness.device.adb import SERVER_TIMEOUT, adb_client, ensure_server, server_errors
from harness.errors import AdbServerError, HarnessError, VirtualPhoneError
from harness.files import write_atomic
from harness.virtual.preflight import check_port_free, check_state_folder

log = logging.getLogger(__name__)

_START_TIMEOUT = 30.0


def harness_home() -> Path:
    return config.home_dir()


@dataclass(frozen=True)
class RunningPhone:
    serial: str
    port: int
    pid: int
    state: str
    profile: str
    log: str

    @property
    def alive(self) -> bool:
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True


class PhoneManager:
    def __init__(self, home: Path | None = None) -> None:
        self.home = home or harness_home()
        self.running_dir = self.home / "virtual" / "running"
        self.phones_dir = self.home / "virtual" / "phones"
        self.logs_dir = self.home / "virtual" / "logs"

    # -- registry ----------------------------------------------------------------------------
    def running(self) -> list[RunningPhone]:
        """Registered phones; entries of daemons that died are removed."""
        phones = []
        if not self.running_dir.is_dir():
            return []
        for entry in sorted(self.running_dir.glob("*.json")):
            try:
                phone = RunningPhone(**json.loads(entry.read_text(encoding="utf-8")))
            except (OSError, ValueError, TypeError):
                log.warning("ignoring unreadable registry entry %s", entry)
                continue
            if phone.alive:
                phones.append(phone)
            else:
                entry.unlink(missing_ok=True)
        return phones

    def _default_state(self, profile: str) -> Path:
        used = {Path(p.state).resolve() for p in self.running()}
        index = 1
        while True:
            candidate = (self.phones_dir / f"{profile}-{index}").resolve()
            if candidate not in used:
                return candidate
            index += 1

    # -- start / stop ------------------------------------------------------------------------
    def start(self, port: int = 0, state: Path | None = None, profile: str = "default") -> RunningPhone:
        """Start a phone daemon, wait until it serves, and attach it to the adb server."""
        ensure_server()  # a bad ANDROID_ADB_SERVER_PORT or a server that hangs: before anything starts
        state_dir = check_state_folder(state or self._default_state(profile))
        check_port_free(port)
        for dirs in (self.running_dir, self.logs_dir):
            dirs.mkdir(parents=True, exist_ok=True)
        token = uuid.uuid4().hex[:8]
        ready = self.running_dir / f".starting-{token}"
        log_path = self.logs_dir / f"phone-{token}.log"
        command = [sys.executable, "-m", "harness.virtual.daemon", "--state", str(state_dir),
                   "--profile", profile, "--port", str(port), "--ready", str(ready)]
        with log_path.open("ab") as log_file:
            proc = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=log_file, stderr=log_file,
                                    start_new_session=True)
        try:
            phone = _await_ready(proc, ready, log_path)
        except BaseException:
            _kill_group(proc)
            ready.unlink(missing_ok=True)
            raise
        try:
            write_atomic(self.running_dir / f"{phone.port}.json", json.dumps(asdict(phone)).encode("utf-8"))
            self._attach(phone)
        except BaseException:
            self._discard(phone)
            raise
        return phone

    def _attach(self, phone: RunningPhone) -> None:
        client = adb_client(SERVER_TIMEOUT)
        answer = "no answer"
        deadline = time.monotonic() + 15.0
        while time.monotonic() < deadline:
            try:
                with server_errors(f"attaching {phone.serial}", client.timeout):
                    answer = client.connect(phone.serial, timeout=5) or answer
                    states = {d.serial: d.state for d in client.list()}
            except AdbServerError as exc:
                answer = str(exc)
            else:
                if states.get(phone.serial) == "device":
                    return
            time.sleep(0.2)
        raise VirtualPhoneError(f"adb did not attach {phone.serial}: {answer}")

    def stop(self, serial: str) -> RunningPhone:
        """Stop a phone; its daemon is stopped even when the adb server cannot be told."""
        phone = self._find(serial)
        self._discard(phone)
        return phone

    def _discard(self, phone: RunningPhone) -> None:
        try:
            client = adb_client(SERVER_TIMEOUT)
            with server_errors(f"disconnecting {phone.serial}", client.timeout):
                client.disconnect(phone.serial)
        except HarnessError as exc:
            log.warning("%s: not disconnected from the adb server: %s", phone.serial, exc)
        _terminate(phone.pid)
        (self.running_dir / f"{phone.port}.json").unlink(missing_ok=True)

    def stop_all(self) -> list[RunningPhone]:
        return [self.stop(p.serial) for p in self.running()]

    def _find(self, serial: str) -> RunningPhone:
        for phone in self.running():
            if serial in (phone.serial, str(phone.port), f"localhost:{phone.port}"):
                return phone
        raise VirtualPhoneError(f"no running virtual phone {serial!r} (see `harness virtual status`)")


def _await_ready(proc: subprocess.Popen[bytes], ready: Path, log_path: Path) -> RunningPhone:
    """The phone the daemon ``proc`` describes in ``ready`` once it serves."""
    deadline = time.monotonic() + _START_TIMEOUT
    while not ready.exists():
        if proc.poll() is not None:
            raise VirtualPhoneError(f"the virtual phone did not start: {_tail(log_path)}")
        if time.monotonic() > deadline:
            raise VirtualPhoneError(f"the virtual phone did not start within {_START_TIMEOUT:.0f} s "
                                    f"(log: {log_path})")
        time.sleep(0.05)
    info = json.loads(ready.read_text(encoding="utf-8"))
    ready.unlink()
    return RunningPhone(serial=info["serial"], port=info["port"], pid=info["pid"],
                        state=info["state"], profile=info["profile"], log=str(log_path))


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    """Kill a daemon that did not start, with whatever it started in its session, and reap it."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(5)


def _terminate(pid: int, grace: float = 10.0) -> None:
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)
        time.sleep(0.05)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGKILL)


def _tail(path: Path) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace").strip().splitlines()
    except OSError:
        return f"see {path}"
    reported = [line.removeprefix("harness:").strip() for line in text if line.startswith("harness:")]
    if reported:
        return "; ".join(reported)
    return f"{text[-1].strip()} (log: {path})" if text else f"no output (log: {path})"
