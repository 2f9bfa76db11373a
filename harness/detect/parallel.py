"""A JSONL capture analysed on several cores, with the results of one process, in the same order.

The main process only cuts the file into ranges of whole lines (about ``RANGE_BYTES`` each, found by
reading blocks and looking for newlines); each forked worker opens the file, reads its range with
the streaming reader and runs ``Detector.scan_item`` on every event.  No event crosses a pipe, so
each process holds about what a single-process run holds (a worker: one event and its layers; the
main process: one block), and at most ``2 * workers`` ranges are in flight whatever the size of the
capture.  A worker returns the findings, notices and read errors of its range in order; the main
process yields the findings and passes notices and errors on to the callbacks, in file order.
Workers are forked, so they inherit the detector (its automaton cannot be pickled).
"""

from __future__ import annotations

import multiprocessing
from collections import deque
from collections.abc import Iterator
from multiprocessing.pool import AsyncResult
from pathlib import Path

from harness.detect.detector import Detector, Finding, Notice, OnNotice
from harness.detect.inputs import OnError, jsonl_events
from harness.detect.items import items_from_events
from harness.errors import DetectError

RANGE_BYTES = 1 << 20
_BLOCK = 1 << 20

_Outcome = Finding | Notice | DetectError
_worker: dict[str, Detector] = {}  # the detector of this worker process


def _start(detector: Detector) -> None:
    _worker["detector"] = detector  # forked: inherited, not pickled


def _scan_range(path: Path, start: int, end: int, first_number: int) -> list[_Outcome]:
    detector = _worker["detector"]
    out: list[_Outcome] = []
    with path.open("rb") as handle:
        handle.seek(start)
        for item in items_from_events(jsonl_events(handle, str(path), out.append, first_number, end)):
            out.extend(detector.scan_item(item, out.append))
    return out


def line_ranges(path: Path, size: int | None = None, block_size: int | None = None) -> Iterator[tuple[int, int, int]]:
    """(start, end, number of the first line) of consecutive ranges of whole lines covering ``path``,
    each ``size`` bytes or more (but the last), read ``block_size`` bytes at a time."""
    size, block_size = size or RANGE_BYTES, block_size or _BLOCK
    start = position = lines = 0
    number = 1
    with path.open("rb") as handle:
        while block := handle.read(block_size):
            position += len(block)
            lines += block.count(b"\n")
            last = block.rfind(b"\n")
            cut = position - len(block) + last + 1
            if last >= 0 and cut - start >= size:
                yield start, cut, number
                start, number, lines = cut, number + lines, 0
    if position > start:
        yield start, position, number


def detect_jsonl(detector: Detector, path: Path, workers: int, on_error: OnError,
                 on_notice: OnNotice | None = None) -> Iterator[Finding]:
    """What ``detector.detect_items(iter_jsonl_items(path, on_error), on_notice)`` yields, and the same
    calls of ``on_error`` and ``on_notice``, computed by ``workers`` processes."""
    try:
        ranges = line_ranges(path)
        first = next(ranges, None)
    except OSError as exc:
        raise DetectError(f"{path}: cannot read JSONL file: {exc}") from exc
    if first is None:
        return
    with multiprocessing.get_context("fork").Pool(workers, _start, (detector,)) as pool:
        pending: deque[AsyncResult[list[_Outcome]]] = deque([pool.apply_async(_scan_range, (path, *first))])
        for span in ranges:
            pending.append(pool.apply_async(_scan_range, (path, *span)))
            if len(pending) >= 2 * workers:
                yield from _report(pending.popleft().get(), on_error, on_notice)
        while pending:
            yield from _report(pending.popleft().get(), on_error, on_notice)


def _report(outcomes: list[_Outcome], on_error: OnError, on_notice: OnNotice | None) -> Iterator[Finding]:
    for outcome in outcomes:
        if isinstance(outcome, Finding):
            yield outcome
        elif isinstance(outcome, Notice):
            Detector.notify(outcome, on_notice)
        else:
            on_error(outcome)
