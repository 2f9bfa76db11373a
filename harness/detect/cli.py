"""``harness detect``: find seeded personal data (and identifier-shaped values) in a capture.

    harness detect [--canaries FILE] (RUN | --har FILE | --jsonl FILE) [--json] [--workers N]

The canaries are those stored in RUN (by ``harness run``: what it seeded and the device's
identifiers), all of them, plus those of ``--canaries FILE``; a HAR or JSONL capture holds none,
so it needs ``--canaries``.

A run store or JSONL export of 8 MiB or more is analysed by one worker process per core
(``--workers`` sets how many, never more than the cores; 1 analyses in this process); findings come
out in the same order either way.  A HAR file is always read in this process (one JSON document,
streamed).  The capture gets a decompression budget of its own (``budget``).

Exit codes: 0 when the whole capture was read and analysed (findings or not — verdicts are the
compare stage's job); 1 when some entries or lines were malformed, or a limit cut the analysis of
something short (each named on stderr, as ``harness: ...`` and ``harness: limit: ...``; the
findings from everything else are still printed); 2 when nothing could be read or an input (the
canary file, say) is unusable; 3 when the capture is a run that is incomplete (its recorder was
killed, or aborted with events lost: said on stderr, and everything it holds is analysed).  A
stored event that cannot be read is named and skipped like a malformed line.  An item whose
analysis fails is reported and skipped, never a traceback; a broken pipe on output is left to
``harness.cli``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from harness.detect.budget import DecompressionBudget
from harness.detect.canaries import CanarySet, load_canaries, load_canaries_text, merge_canary_sets
from harness.detect.destinations import Destinations, TrackerDb
from harness.detect.detector import Detector, Finding, Notice, scan_or_report
from harness.detect.har import iter_har_entries
from harness.detect.inputs import iter_jsonl_items, iter_run_items
from harness.detect.items import EgressItem
from harness.detect.parallel import detect_jsonl, detect_run
from harness.detect.render import print_table
from harness.detect.workers import available_cores, cap_workers
from harness.errors import DetectError, HarnessError


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "detect",
        help="find seeded personal data in a run, a HAR file or a JSONL export",
        description="Peel every encoding off every egress event and report where seeded canaries "
                    "(and identifier-shaped values nobody seeded) left the device.",
    )
    parser.add_argument("run", nargs="?", type=Path, metavar="RUN", help="a run store written by the harness")
    parser.add_argument("--canaries", type=Path, metavar="FILE",
                        help="a canary YAML file (needed for --har and --jsonl; for a run, added to the "
                             "canaries stored in it)")
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
        return cap_workers(int(args.workers))
    return available_cores() if _input_size(capture) >= POOL_THRESHOLD else 1


def _input_size(path: Path) -> int:
    """Bytes of a capture file, or of the files of a run folder (0 if unreadable: the reader says why)."""
    try:
        if path.is_dir():
            return sum(entry.stat().st_size for entry in path.rglob("*") if entry.is_file())
        return path.stat().st_size
    except OSError:
        return 0


def _items(args: argparse.Namespace, errors: list[DetectError]) -> Iterator[EgressItem]:
    chosen = [x for x in (args.run, args.har, args.jsonl) if x is not None]
    if len(chosen) != 1:
        raise DetectError("give exactly one capture: RUN, --har FILE or --jsonl FILE")
    if args.har is not None:
        return iter_har_entries(args.har, errors.append)
    if args.jsonl is not None:
        return iter_jsonl_items(args.jsonl, errors.append)
    return iter_run_items(args.run, errors.append)


def run_detect(args: argparse.Namespace) -> int:
    if args.run is not None:  # a run folder (`harness run --out DIR`) or a run file
        from harness.run.folder import store_path

        args.run = store_path(args.run)
    errors: list[DetectError] = []
    items = _items(args, errors)
    unfinished = 0
    if args.run is not None:  # a run cut short says so first; everything it holds is still analysed
        from harness.record.status import status_notice

        message, unfinished = status_notice(args.run)
        if message is not None:
            sys.stderr.write(f"harness: {_one_line(message)}\n")
    workers = _workers(args)
    canaries = _canaries(args)
    trackers = TrackerDb.load(args.tracker_db) if args.tracker_db else TrackerDb.bundled()
    detector = Detector(
        canaries,
        destinations=Destinations(trackers, args.first_party, args.package),
        structural=not args.no_structural,
    )
    capture = next(x for x in (args.run, args.har, args.jsonl) if x is not None)
    budget = DecompressionBudget.for_input(_input_size(capture), shared=workers > 1)
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

            detect = detect_jsonl if args.jsonl is not None else detect_run
            findings.extend(detect(detector, capture, workers, errors.append, notices.append, on_items=count,
                                   budget=budget))
        else:
            for item in items:
                read += 1
                findings.extend(scan_or_report(detector, item, str(capture), on_notice=notices.append,
                                               on_error=errors.append, budget=budget))
                if not read % 256:
                    progress.show(read)
    except HarnessError as exc:  # the capture broke off (a HAR cut short, a damaged store): keep what was read
        if read == 0:
            raise
        errors.append(exc if isinstance(exc, DetectError) else DetectError(str(exc)))
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
    return unfinished or (1 if errors or notices else 0)


def _canaries(args: argparse.Namespace) -> CanarySet:
    """The canaries stored in the run (all of them) and those of ``--canaries FILE``, merged."""
    sets: list[CanarySet] = []
    if args.run is not None:
        for name, text in stored_canaries(args.run):
            sets.append(load_canaries_text(text, f"{args.run}: stored canaries {name!r}"))
    elif args.canaries is None:
        raise DetectError("--canaries FILE is needed with --har and --jsonl (only a run holds its own canaries)")
    if args.canaries is not None:
        sets.append(load_canaries(args.canaries))
    if not sets:
        raise DetectError(f"{args.run}: the run holds no canaries; give them with --canaries FILE")
    return merge_canary_sets(sets, str(args.run or args.canaries))


def stored_canaries(run: Path) -> list[tuple[str, str]]:
    """(name, text) of every canary document the run stores, in the order stored (read-only: the
    run is not reopened for writing, so a run still recording or cut short stays as it is)."""
    import sqlite3

    from harness.record import schema
    from harness.run.folder import store_path

    path = store_path(run)
    conn = schema.connect_existing(path)
    try:
        rows = conn.execute("SELECT name, text FROM canaries ORDER BY id").fetchall()
    except sqlite3.Error as exc:
        raise DetectError(f"{run}: cannot read the stored canaries: {exc}") from exc
    finally:
        conn.close()
    return [(str(name) if name is not None else f"#{n + 1}", str(text)) for n, (name, text) in enumerate(rows)]


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
