"""``harness export RUN (--jsonl [FILE] | --har FILE) [--force]``: a run's events as JSON Lines or HAR 1.2.

Files are written under a temporary name and renamed when complete; an existing file is replaced
only with ``--force`` and only when it is a regular file, and never the run itself.

Exit codes: 0 everything exported; 1 some stored events could not be read (named on stderr; the
rest is exported); 3 the run is incomplete (its recorder was killed, or aborted with events lost),
said on stderr, with everything it holds exported; 2 nothing could be exported.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import IO, Any

from harness.errors import StoreError
from harness.files import atomic_output, check_output
from harness.record.har import build_har
from harness.record.jsonl import export_jsonl
from harness.record.status import status_notice
from harness.record.store import sidecars
from harness.run.folder import store_path


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "export", help="export a run's events (JSON Lines or HAR)",
        description="Export the events of a recorded run.")
    parser.add_argument("run", type=Path, metavar="RUN",
                        help="the run: a run file (`harness trace --out`) or a run folder (`harness run --out`)")
    fmt = parser.add_mutually_exclusive_group(required=True)
    fmt.add_argument("--jsonl", nargs="?", const="-", metavar="FILE",
                     help="one event record per line (data base64); stdout when FILE is omitted")
    fmt.add_argument("--har", metavar="FILE", help="HTTP and TLS events as HAR 1.2")
    parser.add_argument("--force", action="store_true", help="replace FILE if it exists (a regular file only)")
    parser.set_defaults(func=run_export)


def run_export(args: argparse.Namespace) -> int:
    args.run = store_path(args.run)
    target = args.jsonl if args.jsonl is not None else args.har
    to_stdout = target == "-"
    if not to_stdout:
        check_output(Path(target), force=args.force, inputs=sidecars(args.run), what="export")
    message, code = status_notice(args.run)
    if message is not None:
        sys.stderr.write(f"harness: {message}\n")
    errors: list[StoreError] = []
    if to_stdout:
        export_jsonl(args.run, sys.stdout, on_error=errors.append)
        sys.stdout.flush()
    else:
        with atomic_output(Path(target)) as out:
            _write(args, out, errors)
    for error in errors[:100]:
        sys.stderr.write(f"harness: {error}\n")
    if len(errors) > 100:
        sys.stderr.write(f"harness: ... and {len(errors) - 100} more unreadable events\n")
    return code or (1 if errors else 0)


def _write(args: argparse.Namespace, out: IO[Any], errors: list[StoreError]) -> None:
    if args.jsonl is not None:
        export_jsonl(args.run, out, on_error=errors.append)
        return
    json.dump(build_har(args.run, on_error=errors.append), out, indent=1, ensure_ascii=True)
    out.write("\n")
