"""``harness trace``: record a running (or spawned) process's egress without a scenario.

    harness trace --device SERIAL (--process NAME | --pid N) [--hooks LIST] [--duration S] --out RUN
    harness trace --local (--pid N | --spawn -- CMD ARGS...) [--hooks LIST] [--duration S] --out RUN
    harness trace --remote HOST:PORT ...

Progress (events received, rate) goes to stderr at most once a second.  SIGINT (Ctrl-C) or
SIGTERM stops cleanly: the hooks stop recording, what they hold is stored (with a progress line
while that takes), the run is marked ``interrupted`` and the command exits 0; a second signal
aborts the wait, records the events lost in the run and exits 3.  Spawned targets end with the
trace unless ``--keep-running``.  A one-line summary ends the command.
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path
from typing import Any

from rich.console import Console

from harness.device.device import Device
from harness.errors import ConfigError
from harness.instrument.devices import FridaDevice, open_local, open_remote, open_usb
from harness.run.trace import TraceOptions, TraceResult, load_agent, parse_hooks, run_trace

#: The most data kept per event: larger sends are cut (their true length is kept); beyond this one
#: event would take a good part of the agent's ring (RecorderWindow.ring_bytes).
MAX_DATA_LIMIT = 16 << 20


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "trace", help="record a process's egress events without a scenario",
        description="Instrument a process with the hook agent and record every event into a run file.",
        epilog="examples: harness trace --device SERIAL --process system_server --duration 60 "
               "--out audit.run;  harness trace --local --spawn --out r.run -- ./prog arg")
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--device", metavar="SERIAL", help="an Android device (through the adb server)")
    where.add_argument("--remote", metavar="HOST:PORT", help="a frida-server listening on HOST:PORT")
    where.add_argument("--local", action="store_true", help="a process on this host")
    what = parser.add_mutually_exclusive_group(required=True)
    what.add_argument("--process", metavar="NAME", help="attach to the one running process of this name")
    what.add_argument("--pid", type=int, metavar="N", help="attach to this pid")
    what.add_argument("--spawn", action="store_true",
                      help="spawn the command after `--` (a package name on Android) with hooks from "
                           "its first instruction")
    parser.add_argument("--hooks", metavar="LIST", help="comma-separated hook modules (default: all)")
    parser.add_argument("--duration", type=float, metavar="S", help="stop after S seconds")
    parser.add_argument("--out", type=Path, required=True, metavar="RUN", help="the run file to write")
    parser.add_argument("--force", action="store_true", help="replace an existing run (a regular file only)")
    parser.add_argument("--keep-running", action="store_true",
                        help="with --spawn: leave the spawned process running when the trace ends")
    parser.add_argument("--watch-relaunch", action="store_true",
                        help="reattach when a process of the same name starts again")
    parser.add_argument("--server-version", metavar="VERSION",
                        help="the frida-server version (`frida-server --version`), checked against ours")
    parser.add_argument("--app-package", metavar="PKG", help="the app package, for SDK attribution")
    parser.add_argument("--max-data", type=int, default=64 * 1024, metavar="BYTES",
                        help="bytes of data kept per event (default 65536)")
    parser.add_argument("--agent-script", type=Path, metavar="FILE", help=argparse.SUPPRESS)
    parser.add_argument("command", nargs="*", help="with --spawn: the command and its arguments")
    parser.set_defaults(func=run)


def _device(args: argparse.Namespace) -> FridaDevice:
    if args.local:
        return open_local()
    if args.remote:
        return open_remote(args.remote)
    return open_usb(args.device)


def _options(args: argparse.Namespace) -> TraceOptions:
    if args.spawn and not args.command:
        raise ConfigError("--spawn needs the command after `--`, e.g. --spawn -- ./prog arg")
    if args.command and not args.spawn:
        raise ConfigError(f"unexpected arguments {' '.join(args.command)!r} (only --spawn takes a command)")
    if args.duration is not None and not 0 < args.duration < 1e9:
        raise ConfigError("--duration must be a positive number of seconds")
    if not 0 <= args.max_data <= MAX_DATA_LIMIT:
        raise ConfigError(f"--max-data must be from 0 to {MAX_DATA_LIMIT} bytes (kept per event), not {args.max_data}")
    command = list(args.command)
    if args.local and command and "/" not in command[0]:
        # frida spawns a path: find a bare program name on PATH, as a shell would
        found = shutil.which(command[0])
        if found is None:
            raise ConfigError(f"--spawn: no program {command[0]!r} on PATH")
        command[0] = found
    launch = None
    app_package = args.app_package
    if args.device and args.spawn:
        # frida spawns Android apps by package; where it cannot (a vendor ROM, the virtual phone's
        # portal), the package is launched over adb and attached right after launch
        package = args.command[0]
        launch = lambda: Device.connect(args.device).apps.launch(package)  # noqa: E731
        app_package = app_package or package
    return TraceOptions(
        out=args.out, process=args.process, pid=args.pid, spawn=tuple(command),
        hooks=parse_hooks(args.hooks), duration=args.duration, force=args.force,
        watch_relaunch=args.watch_relaunch, server_version=args.server_version,
        app_package=app_package, max_data=args.max_data, launch=launch, keep_running=args.keep_running)


def summary_line(result: TraceResult) -> str:
    kinds = ", ".join(f"{kind} {n}" for kind, n in sorted(result.by_kind.items())) or "none"
    targets = "; ".join(f"{name} (pid {pid}, {mode}): {reason or 'attached'}"
                        for name, pid, mode, reason in result.targets) or "no target"
    unstored = result.received - result.written
    stop = f"{result.stop} ({result.signal})" if result.signal else result.stop
    return (f"{result.written} events ({kinds}) from {targets}; stopped: {stop}"
            f"{f'; {unstored} NOT STORED' if unstored else ''}"
            f"{f'; {result.lost} recorded on the device but LOST (aborted)' if result.lost else ''}"
            f"; run: {result.out}")


def run(args: argparse.Namespace) -> int:
    opts = _options(args)
    device = _device(args)
    source, decode = load_agent(args.agent_script)
    err = Console(stderr=True, highlight=False)
    last = [0, 0.0]

    def progress(received: int, elapsed: float) -> None:
        rate = (received - last[0]) / max(elapsed - last[1], 1e-6)
        last[0], last[1] = received, elapsed
        err.print(f"[dim]trace[/dim] {elapsed:6.0f}s  {received} events  {rate:,.0f}/s")

    def draining(left: int) -> None:
        err.print(f"[dim]trace[/dim] stopping: storing what the hooks recorded, about {left} events left "
                  "(Ctrl-C again to abort)")

    result = run_trace(device, opts, source=source, decode=decode, progress=progress, draining=draining)
    Console(highlight=False, soft_wrap=True).print(summary_line(result), markup=False)
    return 3 if result.stop == "aborted" else 0
