"""The harness's side of the agent's flow control (``frida_hooks/src/flow.ts``).

The agent numbers its batches (``seq``) and keeps what each one holds until the harness
acknowledges it; ``FlowState`` tracks, for one agent session, the highest batch the run has
committed (acknowledged back with ``harness:ack``), the batch the agent said was its last after
``quiesce`` (``harness:drained``), and how many events were committed since, so that stopping can
wait until everything the agent recorded is stored and say how much is left while it waits.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Drain:
    """Progress of a stop: events still to store (an estimate while the agent sends) and done."""

    left: int
    done: bool


class FlowState:
    """Acknowledgement bookkeeping of one session; thread-safe (frida's and the writer's threads)."""

    def __init__(self, post_ack: Callable[[int], None]) -> None:
        self._post_ack = post_ack
        self._cond = threading.Condition()
        self.enabled = False
        self.received_seq = 0
        self.stored_seq = 0
        self.stored_events = 0
        self.drained_seq: int | None = None
        self._held_at_quiesce: int | None = None
        self._stored_at_quiesce = 0

    def received(self, seq: int) -> None:
        with self._cond:
            self.received_seq = max(self.received_seq, seq)

    def stored(self, seq: int, events: int) -> None:
        """The sink committed batch ``seq`` (``events`` events): acknowledge it to the agent."""
        with self._cond:
            self.stored_events += events
            if seq <= self.stored_seq:
                return
            self.stored_seq = seq
            self._cond.notify_all()
        self._post_ack(seq)

    def quiesced(self, held_events: int) -> None:
        """The agent stopped recording holding about ``held_events`` events not yet stored."""
        with self._cond:
            self._held_at_quiesce = held_events
            self._stored_at_quiesce = self.stored_events

    def drained(self, seq: int) -> None:
        """The agent has sent everything; ``seq`` is its last batch."""
        with self._cond:
            self.drained_seq = seq
            self._cond.notify_all()

    def progress(self) -> Drain:
        with self._cond:
            done = self.drained_seq is not None and self.stored_seq >= self.drained_seq
            held = self._held_at_quiesce or 0
            left = 0 if done else max(held - (self.stored_events - self._stored_at_quiesce), 0)
            return Drain(left=left, done=done)

    def wait_drained(self, timeout: float, gone: threading.Event) -> bool:
        """Wait until the agent's last batch is stored, or, once the process is gone (frida has
        delivered its last messages by then), until everything it sent is; False on timeout."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                last = self.drained_seq if self.drained_seq is not None else (
                    self.received_seq if gone.is_set() else None)
                if last is not None and self.stored_seq >= last:
                    return True
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._cond.wait(min(remaining, 0.1))
