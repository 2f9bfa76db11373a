"""What travels through the run writer's queue, and the counters it keeps (``harness.record.writer``)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from harness.events import Event


@dataclass
class Control:
    """An in-order instruction for the writer thread; ``done`` is set once it is committed."""

    op: str  # "step" | "variant" | "sync" | "close"
    index: int | None = None
    name: str | None = None
    durable: bool = False
    done: threading.Event = field(default_factory=threading.Event)


@dataclass(frozen=True)
class Deferred:
    """``count`` events that the writer thread decodes itself (see ``put_deferred``)."""

    count: int
    decode: Callable[[], Sequence[Event]]
    on_stored: Callable[[], None] | None = None


@dataclass(frozen=True)
class Batch:
    """Decoded events, with what to call once they are committed."""

    events: list[Event]
    on_stored: Callable[[], None] | None = None


Item = Batch | Deferred | Control


@dataclass(frozen=True)
class WriterStats:
    """What the writer has seen so far (also stored in the run's ``meta``)."""

    received: int
    written: int
    backpressure_waits: int
    backpressure_timeouts: int
    backpressure_wait_s: float
    undecodable: int = 0
    discarded: int = 0
