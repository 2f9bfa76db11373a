"""``harness detect``: find seeded personal data (and identifier-shaped values) in a capture.

    harness detect --canaries FILE (RUN | --har FILE | --jsonl FILE) [--json] [--workers N]

A run store or JSONL export of 8 MiB or more is analysed by one worker process per core
(``--workers`` sets how many; 1 analyses in this process); findings come out in the same order
either way.  A HAR file is always read in this process (one JSON document, streamed).

Exit codes: 0 when the whole capture was read (findings or not — verdicts are the compare stage's
job), 1 when some entries or lines were malformed (they are named on stderr; findings from the
rest are still printed), 2 when nothing could be read or an input is unusable.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from harness.detect.canaries import load_canaries
from harness.detect.destinations import Destinations, TrackerDb
from harness.detect.detector import Detector, Finding, Notice
from harness.detect.inputs import iter_har_entries, iter_jsonl_items, iter_run_items
from harness.detect.items import EgressItem
from harness.detect.parallel import detect_jsonl, detect_run
from harness.detect.render import print_table
from harness.errors import DetectError


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "detect",
        help="find seeded personal data in a run, a HAR file or a JSONL export",
        description="Peel every encoding off every egress event and report where seeded canaries "
                    "(and identifier-shaped values nobody seeded) left the device.",
    )
    parser.add_argument("run", nargs="?", type=Path, metavar="RUN", help="a run store written by the harness")
    parser.add_argument("--canaries", type=Path, required=True, metavar="FILE", help="the canary YAML file")
    parser.add_argument("--har", type=Path, metavar="FILE", help="audit a HAR capture from another tool")
    parser.add_argument("--jsonl", type=Path, metavar="FILE", help="audit a `harness export --jsonl` file")
    parser.add_argument("--json", action="store_true", help="print findings as JSON")
    parser.add_argument("--tracker-db", type=Path, metavar="PATH",
                        help="tracker list to use instead of the bundled one (harness JSON format, "
                             "or one domain / ||domain^ rule a line)")
    parser.add_argument("--first-party", action="append", default=[], metavar="DOMAIN",
                        help="a first-party domain (repeatable); default: guessed from the package name")
    parser.add_argument("--package", metavar="NAME", help="the app's package name, for HAR captures")
    parser.add_argument("--no-structural", action="store_true",
                        help="report canary matches only, not identifier-shaped values nobody seeded")
    parser.add_argument("--workers", type=_positive, metavar="N",
                        help="worker processes for a run or JSONL export (default: one per core for 8 MiB or more)")
    parser.set_defaults(func=run_detect)


#: Below this a capture is analysed in-process: starting workers would cost more than they save.
POOL_THRESHOLD = 8 << 20


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got {text!r}")
    return value


def _workers(args: argparse.Namespace) -> int:
    """How many worker processes analyse the capture (1: this process alone)."""
    capture = args.jsonl if args.jsonl is not None else args.run
    if args.har is not None or capture is None:
        return 1
    if args.workers is not None:
        return int(args.workers)
    try:
        size = capture.stat().st_size
    except OSError:
        return 1  # the reader reports the error
    return max(1, len(os.sched_getaffinity(0))) if size >= POOL_THRESHOLD else 1


def _items(args: argparse.Namespace, errors: list[DetectError]) -> Iterator[EgressItem]:
    chosen = [x for x in (args.run, args.har, args.jsonl) if x is not None]
    if len(chosen) != 1:
        raise DetectError("give exactly one capture: RUN, --har FILE or --jsonl FILE")
    if args.har is not None:
        return iter_har_entries(args.har, errors.append)
    if args.jsonl is not None:
        return iter_jsonl_items(args.jsonl, errors.append)
    return iter_run_items(args.run)


def run_detect(args: argparse.Namespace) -> int:
    errors: list[DetectError] = []
    items = _items(args, errors)
    workers = _workers(args)
    canaries = load_canaries(args.canaries)
    trackers = TrackerDb.load(args.tracker_db) if args.tracker_db else TrackerDb.bundled()
    detector = Detector(
        canaries,
        destinations=Destinations(trackers, args.first_party, args.package),
        structural=not args.no_structural,
    )
    notices: list[Notice] = []
    findings: list[Finding] = []
    read = 0
    progress = _Progress(findings)
    try:
        if workers > 1:
            def count(items: int) -> None:
                nonlocal read
                read += items
                progress.show(read)

            if args.jsonl is not None:
                findings.extend(detect_jsonl(detector, args.jsonl, workers, errors.append, notices.append,
                                             on_items=count))
            else:
                findings.extend(detect_run(detector, args.run, workers, errors.append, notices.append,
                                            on_items=count))
        else:
            for item in items:
                read += 1
                findings.extend(detector.scan_item(item, notices.append))
                if not read % 256:
                    progress.show(read)
    except DetectError as exc:  # the capture broke off: keep what was read before it
        if read == 0:
            raise
        errors.append(exc)
    if args.json:
        json.dump({"findings": [f.to_json() for f in findings]}, sys.stdout, ensure_ascii=True)
        sys.stdout.write("\n")
    else:
        print_table(findings, read)
    for notice in notices:
        sys.stderr.write(f"harness: limit: {_one_line(str(notice))}\n")
    for error in errors:
        sys.stderr.write(f"harness: {_one_line(str(error))}\n")
    if errors and read == 0:
        return 2
    return 1 if errors else 0


class _Progress:
    """A line on a terminal's stderr every few seconds of a long analysis (never in pipes or logs)."""

    EVERY = 2.0

    def __init__(self, findings: list[Finding]) -> None:
        self.findings = findings
        self.enabled = sys.stderr.isatty()
        self.started = self.last = time.monotonic()

    def show(self, items: int) -> None:
        now = time.monotonic()
        if self.enabled and now - self.last >= self.EVERY:
            self.last = now
            sys.stderr.write(f"detect: {items} egress items analysed, {len(self.findings)} findings "
                             f"({now - self.started:.0f} s)\n")
            sys.stderr.flush()


def _one_line(text: str) -> str:
    return "".join(c if c.isprintable() else f"\\x{ord(c):02x}" for c in text)
