"""The ``harness`` command.

Each stage contributes its sub-commands through a ``register(subparsers)`` function in its own
``cli`` module (listed in ``_COMMAND_MODULES``); a sub-command's handler takes the parsed
arguments and returns the exit code.  Any ``HarnessError`` becomes one line ``harness: message``
on stderr and exit code 2 — never a traceback for a user mistake.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
from collections.abc import Callable, Sequence

from harness import __version__
from harness.errors import HarnessError

log = logging.getLogger(__name__)

_COMMAND_MODULES = (
    "harness.device.cli",
    "harness.virtual.cli",
    "harness.detect.cli",
    "harness.instrument.cli_hooks",
    "harness.run.cli",
    "harness.run.scenario_cli",
    "harness.record.cli",
    "harness.scenario.cli",
    "harness.report.cli",
    "harness.db.cli",
    "harness.doctor.cli",
    "harness.capture.pcap_cli",
)

Handler = Callable[[argparse.Namespace], int]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="harness",
        description="Find what personal data leaves an Android phone, to whom, with and without consent.",
    )
    parser.add_argument("--version", action="version", version=f"harness {__version__}")
    parser.add_argument("-v", "--verbose", action="count", default=0, help="more log output (-vv: debug)")
    parser.add_argument("--adb", metavar="HOST:PORT",
                        help="the adb server to use, e.g. a lab's on another host (as `adb -H HOST -P PORT`); "
                             "default: $ANDROID_ADB_SERVER_HOST:$ANDROID_ADB_SERVER_PORT or 127.0.0.1:5037")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in _COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def _configure_logging(verbosity: int) -> None:
    level = logging.WARNING if verbosity == 0 else logging.INFO if verbosity == 1 else logging.DEBUG
    try:
        from rich.console import Console
        from rich.logging import RichHandler

        # stderr: stdout carries results (JSON, JSONL, tables) that logs must never mix into
        handler: logging.Handler = RichHandler(console=Console(stderr=True), show_path=False,
                                               rich_tracebacks=False)
        logging.basicConfig(level=level, format="%(message)s", handlers=[handler])
    except ImportError:  # pragma: no cover - rich is a dependency
        logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")


def _adb_server_option(argv: Sequence[str]) -> str | None:
    """The value of the top-level ``--adb`` option, read before any command module is imported: adbutils
    and frida take the adb server's address from the environment once, when they start."""
    for index, arg in enumerate(argv):
        if arg == "--":
            return None
        if arg == "--adb" and index + 1 < len(argv):
            return argv[index + 1]
        if arg.startswith("--adb="):
            return arg.split("=", 1)[1]
        if not arg.startswith("-"):
            return None  # the command: options after it are the command's
    return None


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    server = _adb_server_option(argv)
    if server is not None:
        from harness.device.adb_env import parse_server, use_server

        try:
            use_server(*parse_server(server))
        except HarnessError as exc:
            sys.stderr.write(f"harness: {exc}\n")
            return 2
    parser = build_parser()
    args = parser.parse_args(argv)
    _configure_logging(args.verbose)
    handler: Handler | None = getattr(args, "func", None)
    if handler is None:
        parser.print_help(sys.stderr)
        return 2
    try:
        code = handler(args)
        sys.stdout.flush()
        return code
    except HarnessError as exc:
        sys.stderr.write(f"harness: {exc}\n")
        return 2
    except KeyboardInterrupt:
        sys.stderr.write("harness: interrupted\n")
        return 130
    except BrokenPipeError:
        # the reader went away (`harness export RUN --jsonl | head -1`): end quietly, as a
        # program killed by SIGPIPE would; point stdout at /dev/null so the interpreter's own
        # final flush does not raise again
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
