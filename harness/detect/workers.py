"""The detector's worker processes: never more than the cores, never outliving the detector.

``cap_workers`` bounds a requested count by the cores this process may run on
(``os.sched_getaffinity``): more workers than cores only cost memory (each holds an event and its
layers), and ``--workers 100000`` once forked until the machine ran out of it.

``die_with_parent`` is every worker's initializer.  On Linux it asks the kernel to SIGKILL the
worker when its parent dies (``prctl(PR_SET_PDEATHSIG)``), then checks that the parent has not
died already (before the request was made); a detector killed with ``kill -9`` thus takes its
workers with it at once.  The signal follows the *thread* that forked the worker: the pool forks
its workers in the thread that submits work, the one iterating the findings.
"""

from __future__ import annotations

import ctypes
import logging
import os
import signal
import sys

log = logging.getLogger(__name__)

_PR_SET_PDEATHSIG = 1


def available_cores() -> int:
    """The cores this process may run on (its CPU affinity), at least 1."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # not Linux
        return max(1, os.cpu_count() or 1)


def cap_workers(requested: int) -> int:
    """``requested`` bounded to 1..``available_cores()``, with a log line when it is lowered."""
    cores = available_cores()
    if requested > cores:
        log.warning("detect: %d worker processes asked for; using %d, the cores this process may run on",
                    requested, cores)
        return cores
    return max(1, requested)


def die_with_parent(parent: int) -> None:
    """Worker initializer: be killed when process ``parent`` (the detector) dies; exit now if it has."""
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            if libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
                log.debug("prctl(PR_SET_PDEATHSIG) failed: errno %d", ctypes.get_errno())
        except (OSError, AttributeError) as exc:  # no libc symbol: the parent check below still holds
            log.debug("prctl unavailable: %s", exc)
    if os.getppid() != parent:  # the parent died before the request: it would never be signalled
        os._exit(1)
