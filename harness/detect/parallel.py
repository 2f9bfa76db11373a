"""A capture analysed on several cores, with the results of one process, in the same order.

The main process only cuts the capture into ranges: of whole lines for a JSONL export (about
``RANGE_BYTES`` each, found by reading blocks and looking for newlines), of event ids for a run
store (``RUN_EVENTS`` ids each).  Each forked worker opens the capture itself, reads its range with
the same streaming reader a single process uses and runs ``Detector.scan_item`` on every event.  No
event crosses a pipe, so each process holds about what a single-process run holds (a worker: one
event and its layers; the main process: one block), and at most ``2 * workers`` ranges are in
flight whatever the size of the capture.  A worker returns the findings, notices and read errors of
its range in order; the main process yields the findings and passes notices and errors on to the
callbacks, in capture order.

Workers are forked, so they inherit the detector (its automaton cannot be pickled) and the input's
decompression budget (a counter in shared memory).  There are never more of them than cores, and
they die with the detector (``workers``).  A worker that dies (killed, out of memory, a crash in a
decoder) does not end the analysis: its range is tried again alone, and if it kills a worker again
it is reported as a DetectError naming the range and skipped, and the rest of the capture is still
analysed.  An exception inside one item is reported for that item alone (``scan_or_report``).
"""

from __future__ import annotations

import logging
import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from harness.detect.budget import DecompressionBudget
from harness.detect.detector import Detector, Finding, Notice, OnNotice, scan_or_report
from harness.detect.inputs import OnError, jsonl_events
from harness.detect.items import items_from_events
from harness.detect.workers import cap_workers, die_with_parent
from harness.errors import DetectError

log = logging.getLogger(__name__)

RANGE_BYTES = 1 << 20
RUN_EVENTS = 2000
_BLOCK = 1 << 20

_Outcome = Finding | Notice | DetectError
_Result = tuple[list[_Outcome], int]
OnItems = Callable[[int], None]
#: (detector, budget), set in the parent just before the fork: inherited, not pickled
_worker: list[tuple[Detector, DecompressionBudget | None]] = []


def _scan_lines(path: Path, start: int, end: int, first_number: int) -> _Result:
    """The outcomes of the JSONL lines in bytes ``start:end``, in order, and how many egress items they held."""
    detector, budget = _worker[0]
    out: list[_Outcome] = []
    items = 0
    with path.open("rb") as handle:
        handle.seek(start)
        for item in items_from_events(jsonl_events(handle, str(path), out.append, first_number, end)):
            items += 1
            out.extend(scan_or_report(detector, item, str(path), on_notice=out.append, on_error=out.append,
                                      budget=budget))
    return out, items


def _scan_ids(path: Path, first_id: int, end_id: int) -> _Result:
    """The outcomes of the run's events with ids in ``first_id:end_id``, and how many egress items they held."""
    from harness.record.reader import iter_events

    detector, budget = _worker[0]
    out: list[_Outcome] = []
    items = 0
    damaged = lambda exc: out.append(DetectError(str(exc)))  # noqa: E731 - a damaged row, named
    for item in items_from_events(iter_events(path, id_range=(first_id, end_id), on_error=damaged)):
        items += 1
        out.extend(scan_or_report(detector, item, str(path), on_notice=out.append, on_error=out.append,
                                      budget=budget))
    return out, items


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
                 on_notice: OnNotice | None = None, *, on_items: OnItems | None = None,
                 budget: DecompressionBudget | None = None) -> Iterator[Finding]:
    """What ``detector.detect_items(iter_jsonl_items(path, on_error), on_notice, budget=budget)`` yields,
    and the same calls of ``on_error`` and ``on_notice``, computed by ``workers`` processes (at most one
    per core); ``on_items`` is told how many egress items each range held, as its findings are yielded
    (for counts and progress).  ``budget`` must be ``shared`` to bound all the workers together."""
    def jobs() -> Iterator[tuple[str, tuple[object, ...]]]:
        try:
            for start, end, number in line_ranges(path):
                yield f"{path}:{number}: the lines from here (bytes {start}-{end})", (path, start, end, number)
        except OSError as exc:
            raise DetectError(f"{path}: cannot read JSONL file: {exc}") from exc

    return _run(detector, workers, _scan_lines, jobs(), on_error=on_error, on_notice=on_notice, on_items=on_items,
                budget=budget)


def detect_run(detector: Detector, path: Path, workers: int, on_error: OnError,
               on_notice: OnNotice | None = None, *, on_items: OnItems | None = None,
               budget: DecompressionBudget | None = None) -> Iterator[Finding]:
    """What ``detector.detect_items(iter_run_items(path), on_notice)`` yields, computed by ``workers``
    processes, each reading its own ranges of event ids from the store; ``on_error`` hears of ranges
    that could not be analysed (a store that cannot be read raises, as with one process)."""
    from harness.record.reader import id_bounds

    def jobs() -> Iterator[tuple[str, tuple[object, ...]]]:
        bounds = id_bounds(path)
        if bounds is None:
            return
        for first in range(bounds[0], bounds[1] + 1, RUN_EVENTS):
            end = min(first + RUN_EVENTS, bounds[1] + 1)
            yield f"{path}: events {first}-{end - 1}", (path, first, end)

    return _run(detector, workers, _scan_ids, jobs(), on_error=on_error, on_notice=on_notice, on_items=on_items,
                budget=budget)


def _run(detector: Detector, workers: int, scan: Callable[..., _Result],
         jobs: Iterator[tuple[str, tuple[object, ...]]], *, on_error: OnError, on_notice: OnNotice | None,
         on_items: OnItems | None, budget: DecompressionBudget | None) -> Iterator[Finding]:
    """``scan(*args)`` of every job on the pool, reported in job order; a job is (label for errors, args)."""
    _worker[:] = [(detector, budget)]
    pool = _Pool(cap_workers(workers), scan, on_error)
    try:
        for label, args in jobs:
            pool.submit(label, args)
            while pool.full() or pool.head_done():
                if (result := pool.head_result()) is not None:
                    yield from _report(result, on_error, on_notice, on_items)
        while pool.pending:
            if (result := pool.head_result()) is not None:
                yield from _report(result, on_error, on_notice, on_items)
    finally:
        pool.close()
        _worker.clear()


class _Pool:
    """Forked workers and the jobs in flight on them, oldest first.

    A dead worker breaks the whole executor and fails every job in flight, so the executor is
    replaced, the job at the head is run again on its own (a job that kills its worker a second time
    is the cause: it is reported through ``on_error`` and skipped) and the others are resubmitted.
    """

    def __init__(self, workers: int, scan: Callable[..., _Result], on_error: OnError) -> None:
        self.workers, self.scan, self.on_error = workers, scan, on_error
        self.context = multiprocessing.get_context("fork")
        self.executor = self._executor(workers)
        self.pending: deque[tuple[str, tuple[object, ...], Future[_Result]]] = deque()

    def _executor(self, workers: int) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(workers, mp_context=self.context, initializer=die_with_parent,
                                   initargs=(os.getpid(),))

    def submit(self, label: str, args: tuple[object, ...]) -> None:
        self.pending.append((label, args, self.executor.submit(self.scan, *args)))

    def full(self) -> bool:
        return len(self.pending) >= 2 * self.workers

    def head_done(self) -> bool:
        return bool(self.pending) and self.pending[0][2].done()

    def head_result(self) -> _Result | None:
        """The result of the oldest job (None if it killed its worker twice)."""
        label, args, future = self.pending.popleft()
        try:
            return future.result()
        except BrokenProcessPool:
            self.executor.shutdown(wait=True, cancel_futures=True)
        log.warning("%s: a detector worker died; analysing them again on their own", label)
        result: _Result | None = None
        with self._executor(1) as alone:
            try:
                result = alone.submit(self.scan, *args).result()
            except BrokenProcessPool:
                self.on_error(DetectError(f"{label}: a detector worker died while analysing them (twice); "
                                          "they were skipped, the rest was analysed"))
        self.executor = self._executor(self.workers)
        for index, (other_label, other_args, other) in enumerate(self.pending):
            if not (other.done() and not other.cancelled() and other.exception() is None):  # a result stands
                self.pending[index] = (other_label, other_args, self.executor.submit(self.scan, *other_args))
        return result

    def close(self) -> None:
        for _, _, future in self.pending:
            future.cancel()
        self.executor.shutdown(wait=True, cancel_futures=True)


def _report(result: _Result, on_error: OnError, on_notice: OnNotice | None,
            on_items: OnItems | None) -> Iterator[Finding]:
    outcomes, items = result
    if on_items is not None:
        on_items(items)
    for outcome in outcomes:
        if isinstance(outcome, Finding):
            yield outcome
        elif isinstance(outcome, Notice):
            Detector.notify(outcome, on_notice)
        else:
            on_error(outcome)
