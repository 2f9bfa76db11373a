"""The decompression budget of one input file: how many decompressed bytes its whole analysis may make.

``Limits`` bound the work on one piece of data (a decompressed layer is cut at 64 MiB, a part's
layers at 256 MiB in all), but a capture of a hundred small compression bombs would still cost a
hundred times that: 100 double-gzip bombs in a 62 KB HAR took 41 s.  So ``harness detect`` also
gives each input file a budget of decompressed bytes, shared by all its parts, items and worker
processes:

    BASE_BYTES (256 MiB) + PER_INPUT_BYTE (16) x the size of the file

Real traffic stays far below that (gzip'd JSON telemetry inflates 5-10 times, and an export's
base64 already makes it 4/3 of the payload: the throughput benchmark's 200 MB capture decompresses
40 MB of its 4.7 GB), while a file of bombs reaches it after four of them (a second and a half).  Every
decompressor call is charged its output, probes included; once the budget is spent nothing more is
decompressed, the rest is still analysed as it is, and one ``Notice`` says where it ran out (so
``harness detect`` exits 1).  On several workers the budget is one shared counter: which items
were decompressed before it ran out then depends on timing, and the notice says so.  The Python API
(``Detector.detect``, ``parallel.detect_jsonl``) has no budget unless it is given one.
"""

from __future__ import annotations

import multiprocessing
from contextlib import AbstractContextManager, nullcontext
from typing import Any

_MIB = 1 << 20
BASE_BYTES = 256 * _MIB
PER_INPUT_BYTE = 16


class DecompressionBudget:
    """Decompressed bytes an input may still produce; ``shared`` makes it one counter in shared
    memory, inherited by forked worker processes."""

    def __init__(self, total: int, *, shared: bool = False) -> None:
        self.total = total
        self._cells: Any  # [bytes spent, whether the exhaustion was reported]
        self._lock: AbstractContextManager[Any]
        if shared:
            self._cells = multiprocessing.get_context("fork").Array("q", 2)  # with a re-entrant lock
            self._lock = self._cells.get_lock()
        else:
            self._cells, self._lock = [0, 0], nullcontext()

    @classmethod
    def for_input(cls, size: int, *, shared: bool = False) -> DecompressionBudget:
        """The budget of an input file of ``size`` bytes (see the module docstring)."""
        return cls(BASE_BYTES + PER_INPUT_BYTE * max(0, size), shared=shared)

    @property
    def remaining(self) -> int:
        return max(0, self.total - int(self._cells[0]))

    def charge(self, produced: int) -> None:
        with self._lock:
            self._cells[0] += produced

    def first_exhaustion(self) -> bool:
        """True exactly once over all processes: for the first call that finds the budget spent."""
        if self.remaining > 0:
            return False
        with self._lock:
            first = not self._cells[1]
            self._cells[1] = 1
        return bool(first)

    def message(self) -> str:
        return (f"the decompression budget of this input ({self.total} bytes: {BASE_BYTES} + {PER_INPUT_BYTE} "
                "per byte of the file) is spent; nothing after this was decompressed (the rest was analysed "
                "as it is; on several workers, which items came first depends on timing)")
