"""What the agent is configured with and where its events go: the seams of the session layer.

``AgentConfig`` is the agent's ``init`` (modules, data cap, batching, flow control with its
``RecorderWindow``); ``EventSink`` / ``DeferredEventSink`` are what a session feeds (the run
writer is one); ``Decoder`` / ``BatchSizer`` turn the agent's batch messages into events.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from harness.events import Event


@functools.cache
def all_modules() -> tuple[str, ...]:
    """The hook modules, in order: read from the hook catalogue (``frida_hooks/src/catalogue.json``),
    the one list the agent's modules and the harness share; the agent refuses to load if they differ."""
    from harness.instrument.agent import catalogue

    return tuple(module.name for module in catalogue())

#: ``decode(message, data)``; a decoder that also takes ``process=``/``pid=`` keywords (like
#: ``messages.decode_batch``) gets this target's.
Decoder = Callable[..., list[Event]]
#: How many events a batch holds, without decoding it (``messages.batch_size``).
BatchSizer = Callable[[dict[str, Any], bytes | None], int]


class EventSink(Protocol):
    """Where decoded events go (``harness.record.writer.EventWriter`` is one)."""

    def put(self, events: Sequence[Event]) -> None: ...


@runtime_checkable
class DeferredEventSink(EventSink, Protocol):
    """A sink that decodes batches itself, on its own thread, and says when they are committed
    (``EventWriter`` does)."""

    def put_deferred(self, count: int, decode: Callable[[], Sequence[Event]], *,
                     on_stored: Callable[[], None] | None = None, block: bool = True) -> None: ...


@dataclass(frozen=True)
class RecorderWindow:
    """How much one traced process may have recorded that the run has not yet committed.

    The native ring holds socket events until they are committed (``ring_bytes``, ``ring_records``);
    every other event waits in the agent's queue or in flight, at most twice ``window_bytes`` /
    ``window_events`` together.  The defaults are about half a second of the recorder's measured
    full rate each (``benchmarks/hook_throughput.py`` prints it): 64 MiB of 1 KiB sends or 64k
    small ones.  A harness killed with SIGKILL loses at most this much per process.
    """

    ring_bytes: int = 64 << 20
    ring_records: int = 64 << 10
    window_bytes: int = 8 << 20
    window_events: int = 8192
    #: how long a hook waits for room before it queues anyway (counted as overflow)
    wait_ms: int = 10_000

    def events(self) -> int:
        """The most events one process can hold: the ring's records plus the JS queue and flight."""
        return self.ring_records + 2 * self.window_events


@dataclass(frozen=True)
class AgentConfig:
    """The agent's ``init`` parameters: module selection, data cap, batching and flow control."""

    modules: tuple[str, ...] = field(default_factory=all_modules)
    max_data: int = 64 * 1024
    flush_ms: int = 100
    flush_count: int = 256
    flush_bytes: int = 1 << 20
    app_package: str | None = None
    #: numbered batches acknowledged once stored (see the module docstring); False: send freely
    flow: bool = True
    window: RecorderWindow = field(default_factory=RecorderWindow)
    #: further agent options (e.g. ``tlsReads``), passed in ``init``'s ``options``
    options: Mapping[str, Any] = field(default_factory=dict)

    def init_params(self) -> dict[str, Any]:
        w = self.window
        return {
            "modules": list(self.modules), "maxData": self.max_data, "flushMs": self.flush_ms,
            "flushCount": self.flush_count, "flushBytes": self.flush_bytes,
            "flow": {"enabled": self.flow, "windowBytes": w.window_bytes, "windowEvents": w.window_events,
                     "waitMs": w.wait_ms},
            "options": {"ringBytes": w.ring_bytes, "ringRecords": w.ring_records, **self.options,
                        "appPackage": self.app_package},
        }


@dataclass
class InitReport:
    hooked: list[str] = field(default_factory=list)
    skipped: list[dict[str, Any]] = field(default_factory=list)


def default_decoder() -> Decoder:
    """The hook agent's batch decoder."""
    from harness.instrument.messages import decode_batch

    return decode_batch


def default_sizer() -> BatchSizer:
    """Counts a batch's events without decoding it."""
    from harness.instrument.messages import batch_size

    return batch_size
