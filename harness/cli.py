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
)

Handler = Callable[[argparse.Namespace], int]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="harness",
        description="Find what personal data leaves an Android phone, to whom, with and without consent.",
    )
    parser.add_argument("--version", action="version", version=f"harness {__version__}")
    parser.add_argument("-v", "--verbose", action="count", default=0, help="more log output (-vv: debug)")
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


def main(argv: Sequence[str] | None = None) -> int:
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
