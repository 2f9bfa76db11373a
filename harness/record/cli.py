"""``harness export RUN (--jsonl [FILE] | --har FILE)``: a run's events as JSON Lines or HAR 1.2."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from harness.errors import StoreError
from harness.record.har import build_har
from harness.record.jsonl import export_jsonl


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "export", help="export a run's events (JSON Lines or HAR)",
        description="Export the events of a recorded run.")
    parser.add_argument("run", type=Path, metavar="RUN", help="the run file (from `harness trace --out`)")
    fmt = parser.add_mutually_exclusive_group(required=True)
    fmt.add_argument("--jsonl", nargs="?", const="-", metavar="FILE",
                     help="one event record per line (data base64); stdout when FILE is omitted")
    fmt.add_argument("--har", metavar="FILE", help="HTTP and TLS events as HAR 1.2")
    parser.set_defaults(func=run_export)


def _open_out(target: str) -> Any:
    try:
        return Path(target).open("w", encoding="utf-8")
    except OSError as exc:
        raise StoreError(f"{target}: cannot write: {exc.strerror}") from exc


def run_export(args: argparse.Namespace) -> int:
    if args.jsonl is not None:
        if args.jsonl == "-":
            export_jsonl(args.run, sys.stdout)
            sys.stdout.flush()
        else:
            with _open_out(args.jsonl) as out:
                export_jsonl(args.run, out)
        return 0
    har = build_har(args.run)
    with _open_out(args.har) as out:
        json.dump(har, out, indent=1, ensure_ascii=True)
        out.write("\n")
    return 0
