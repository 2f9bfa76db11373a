"""``harness run SCENARIO --devices S1,S2 | all``: one scenario on many phones at once.

One worker process per phone (``harness run SCENARIO --device S --out OUT/NAME``, the same command a
person would type), all started together, so the phones run concurrently and one phone's trouble
(a crash, a phone that drops) is confined to its own run.  Each worker writes its own run folder
``OUT/NAME/`` and its output to ``OUT/NAME.log`` (echoed to stderr with a ``[NAME]`` prefix).
A phone is ``SERIAL`` on the default adb server (``--adb`` or the environment) or
``SERIAL@HOST:PORT`` on another one (a lab's remote adb server); ``all`` is every phone the default
server lists as ready.  At most ``MAX_PHONES``.

Workers die with the harness (a ``Reaper`` kills their process groups if it is killed); Ctrl-C or
SIGTERM is passed to every worker, which stops cleanly and keeps what it recorded (a second signal
aborts them, as for one run).  When all have ended, ``OUT/fleet.json`` holds the merged matrix
(``harness.report.fleet``).  Exit status: 3 if any phone's run failed or broke (its reason is
shown), else 1 if any found a violation or failed expectation, else 0.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from harness.device.adb_env import parse_server
from harness.errors import ConfigError, DeviceNotFoundError
from harness.instrument.reaper import Reaper
from harness.run import folder as run_folder
from harness.run.api import RunRequest

log = logging.getLogger(__name__)

#: The most phones one command drives (each is a worker process with a frida session and a UI client).
MAX_PHONES = 64


@dataclass(frozen=True)
class Phone:
    serial: str
    adb: str | None = None   # HOST:PORT of its adb server; None: the default one
    name: str = ""           # its folder name under OUT


@dataclass
class Worker:
    phone: Phone
    process: subprocess.Popen[bytes]
    log_path: Path
    last_error: str | None = None
    exit_code: int | None = None


def parse_devices(text: str, ready: Sequence[str]) -> list[Phone]:
    """``S1,S2@HOST:PORT`` or ``all`` (the ``ready`` serials of the default server) as phones."""
    if text.strip() == "all":
        if not ready:
            raise DeviceNotFoundError("-", "--devices all: no phone is connected to the adb server")
        entries = list(ready)
    else:
        entries = [entry.strip() for entry in text.split(",") if entry.strip()]
        if not entries:
            raise ConfigError("--devices: give serials separated by commas (SERIAL or SERIAL@HOST:PORT), or all")
    if len(entries) > MAX_PHONES:
        raise ConfigError(f"--devices: {len(entries)} phones; at most {MAX_PHONES} are driven at once")
    phones: list[Phone] = []
    names: set[str] = set()
    for entry in entries:
        serial, _, server = entry.partition("@")
        if not serial:
            raise ConfigError(f"--devices: {entry!r}: no serial")
        if server:
            host, port = parse_server(server)
            server = f"{host}:{port}"
        name = base = run_folder.safe_name(serial)
        number = 2
        while name in names:
            name, number = f"{base}-{number}", number + 1
        names.add(name)
        phones.append(Phone(serial, server or None, name))
    if len({(p.serial, p.adb) for p in phones}) != len(phones):
        raise ConfigError("--devices: a phone is named twice")
    return phones


def worker_command(request: RunRequest, phone: Phone, out: Path) -> list[str]:
    command = [sys.executable, "-m", "harness.cli"]
    if phone.adb:
        command += ["--adb", phone.adb]
    command += ["run", str(request.scenario), "--device", phone.serial, "--out", str(out / phone.name), "--force",
                "--ui", request.ui, "--reconnect-timeout", str(request.reconnect_timeout), "--capture", request.capture]
    if request.variants:
        command += ["--variants", ",".join(request.variants)]
    for item in request.env:
        command += ["--env", item]
    for database in request.geoip:
        command += ["--geoip", str(database)]
    if request.trackers:
        command += ["--trackers", str(request.trackers)]
    return command


class Fleet:
    """The workers of one ``--devices`` run."""

    def __init__(self, request: RunRequest, phones: list[Phone], out: Path) -> None:
        self.request, self.phones, self.out = request, phones, out
        self.workers: list[Worker] = []
        self._print_lock = threading.Lock()
        self._signals = 0

    def _echo(self, worker: Worker, stream: IO[bytes]) -> None:
        with worker.log_path.open("wb") as saved:
            for raw in iter(stream.readline, b""):
                saved.write(raw)
                saved.flush()
                line = raw.decode("utf-8", "backslashreplace").rstrip()
                shown = "".join(c if c.isprintable() else f"\\x{ord(c):02x}" for c in line)
                if line.startswith("harness: "):
                    worker.last_error = shown.removeprefix("harness: ")
                if not line.startswith(("run: ", "harness: ")):
                    continue  # the phone's own report tables stay in its log and its run folder
                with self._print_lock:
                    sys.stderr.write(f"[{worker.phone.name}] {shown}\n")
                    sys.stderr.flush()

    def _forward(self, signum: int, _frame: object) -> None:
        self._signals += 1
        with self._print_lock:
            sys.stderr.write(f"run: {signal.Signals(signum).name}: asking every phone's run to "
                             f"{'stop (again: abort)' if self._signals == 1 else 'abort'}\n")
        for worker in self.workers:
            if worker.process.poll() is None:
                with contextlib.suppress(OSError):
                    os.killpg(worker.process.pid, signal.SIGINT)

    def run(self) -> list[Worker]:
        reaper = Reaper()
        readers: list[threading.Thread] = []
        previous = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
        main_thread = threading.current_thread() is threading.main_thread()
        if main_thread:
            for sig in previous:
                signal.signal(sig, self._forward)
        try:
            for phone in self.phones:
                process = subprocess.Popen(
                    worker_command(self.request, phone, self.out), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                    stderr=subprocess.STDOUT, start_new_session=True,  # its own group: signals go through us
                    env={**os.environ, "PYTHONUNBUFFERED": "1"})
                reaper.watch(process.pid, group=True)
                worker = Worker(phone, process, self.out / f"{phone.name}.log")
                self.workers.append(worker)
                assert process.stdout is not None
                reader = threading.Thread(target=self._echo, args=(worker, process.stdout), daemon=True,
                                          name=f"fleet-{phone.name}")
                reader.start()
                readers.append(reader)
            for worker in self.workers:
                while worker.exit_code is None:
                    try:
                        worker.exit_code = worker.process.wait(timeout=0.5)
                    except subprocess.TimeoutExpired:
                        continue
            for reader in readers:
                reader.join(timeout=10)
        finally:
            if main_thread:
                for sig, handler in previous.items():
                    signal.signal(sig, handler)
            for worker in self.workers:
                if worker.process.poll() is None:  # only after an error of ours: never leave one behind
                    with_group_kill(worker.process)
            reaper.close()
        return self.workers


def with_group_kill(process: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(OSError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=30)


def prepare_fleet_folder(out: Path, phones: list[Phone], *, force: bool) -> None:
    """``out`` for a fleet run: empty or new, or (with ``force``) a previous fleet run's folder."""
    if out.exists() and not out.is_dir():
        raise ConfigError(f"{out}: is a file; --out takes a folder")
    if out.is_dir() and any(out.iterdir()):
        if not (out / "fleet.json").exists() and not force:
            raise ConfigError(f"{out}: a folder that is not empty; choose another --out (or --force)")
        if not force:
            raise ConfigError(f"{out}: a fleet run folder already exists (use --force to replace it)")
    out.mkdir(parents=True, exist_ok=True)
    for phone in phones:  # each worker makes its own run folder; what a previous fleet run left goes
        (out / f"{phone.name}.log").unlink(missing_ok=True)




def run_fleet(request: RunRequest, devices: str) -> int:
    """The scenario on every phone of ``devices`` (see the module docstring); the exit status."""
    import json
    import time

    from rich.console import Console

    from harness.device.adb import adb_client
    from harness.files import write_atomic
    from harness.report.fleet import PhoneOutcome, fleet_doc, print_fleet
    from harness.scenario.env import parse_env_overrides
    from harness.scenario.load import load_scenario, select_variants

    scenario = load_scenario(request.scenario, parse_env_overrides(list(request.env)))  # bad input: before any phone
    if request.variants:
        select_variants(scenario, list(request.variants))
    ready = [str(d.serial) for d in adb_client().device_list()] if devices.strip() == "all" else []
    phones = parse_devices(devices, ready)
    out = request.out or Path("runs") / f"{run_folder.safe_name(scenario.name)}-{time.strftime('%Y%m%d-%H%M%S')}"
    prepare_fleet_folder(out, phones, force=request.force)
    sys.stderr.write(f"run: {scenario.name} on {len(phones)} phones at once: {', '.join(p.serial for p in phones)}\n")
    workers = Fleet(request, phones, out).run()
    doc = fleet_doc([PhoneOutcome(w.phone.name, w.phone.serial, w.phone.adb, out / w.phone.name, w.exit_code,
                                  w.last_error) for w in workers])
    write_atomic(out / "fleet.json", (json.dumps(doc, indent=1, ensure_ascii=True) + "\n").encode("ascii"))
    console = Console(highlight=False, soft_wrap=True, width=None if sys.stdout.isatty() else 200)
    print_fleet(doc, console)
    console.print(f"fleet: {out / 'fleet.json'}; each phone's report in {out}/PHONE/report.html", markup=False)
    return doc["exit_code"]
