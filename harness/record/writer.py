"""The event writer: one thread that owns the inserts, fed through a queue.

Producers (frida's message thread, the scenario runner) call ``put(events)``, or
``put_deferred(count, decode)`` to have the writer thread decode a raw batch itself (one Python
thread decoding and inserting beats two contending for the GIL).  The writer thread inserts with
``executemany`` and commits as soon as it has written everything queued (a group commit), or after
``commit_every`` events; with ``commit_interval`` > 0 it commits at most that often instead.
Commits at ``mark_step`` and ``close`` are durable (fsync).  After each commit it calls the
``on_stored`` callbacks of the batches it committed: the hook agent's flow control acknowledges
them from there, so what the agent has recorded but the store has not committed stays bounded
(``harness.instrument.session``).

Nothing is dropped while the run is open: a producer without flow control blocks in ``put``
while ``max_pending`` events are waiting (``block=False`` is for flow-controlled producers, whose
in-flight events are bounded by their own window); every wait is counted
(``backpressure_waits``, ``backpressure_wait_s``) and every wait longer than ``put_timeout`` logs
a warning and counts in ``backpressure_timeouts``.  ``abort()`` is the one exception: it stops
at once, discards what is still queued and records how many events that was
(``events_discarded``).  The counters, with ``events_received`` and ``events_written``, are stored
in the run's ``meta`` table at every commit.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Callable, Sequence

from harness.errors import StoreError
from harness.events import Event
from harness.record import schema
from harness.record.meta import write_meta
from harness.record.rows import event_rows
from harness.record.writer_items import Batch, Control, Deferred, Item, WriterStats

log = logging.getLogger(__name__)


class EventWriter:
    """Writes events to a run; use ``RunStore.writer()`` rather than constructing one."""

    def __init__(
        self,
        conn: sqlite3.Connection,
        lock: threading.Lock,
        path: str,
        *,
        max_pending: int = 100_000,
        commit_every: int = 20_000,
        commit_interval: float = 0.0,
        put_timeout: float = 2.0,
    ) -> None:
        self._conn = conn
        self._lock = lock
        self._path = path
        self._max_pending = max_pending
        self._commit_every = commit_every
        self._commit_interval = commit_interval
        self._put_timeout = put_timeout
        self._cond = threading.Condition()
        self._items: list[Item] = []
        self._pending = 0
        self._received = 0
        self._written = 0
        self._waits = 0
        self._timeouts = 0
        self._wait_s = 0.0
        self._undecodable = 0
        self._discarded = 0
        self._error: BaseException | None = None
        self._closing = False
        self._variant: str | None = None
        self._step: int | None = None
        with lock:
            row = conn.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM events").fetchone()
            self._written = conn.execute("SELECT COUNT(*) FROM events").fetchone()[0]
        self._received = self._written
        self._next_id: int = row[0]
        self._thread = threading.Thread(target=self._run, name="harness-run-writer", daemon=True)
        self._thread.start()

    # ---- producer side -------------------------------------------------------------------

    def put(self, events: Sequence[Event], *, on_stored: Callable[[], None] | None = None,
            block: bool = True) -> None:
        """Queue ``events`` for writing; blocks (never drops) while the queue is full, unless
        ``block`` is False.  ``on_stored()`` is called on the writer thread once they are committed."""
        if events:
            self._enqueue(Batch(list(events), on_stored), len(events), block)
        elif on_stored is not None:
            self._enqueue(Batch([], on_stored), 0, block)

    def put_deferred(self, count: int, decode: Callable[[], Sequence[Event]], *,
                     on_stored: Callable[[], None] | None = None, block: bool = True) -> None:
        """Queue ``count`` events that ``decode()`` produces, called on the writer thread.

        Lets a producer (frida's message thread) hand over a raw batch without decoding it: one
        Python thread then does the decoding and the inserts, instead of two contending for the
        GIL.  A ``decode`` that raises is logged and its events counted in ``events_undecodable``.
        ``on_stored`` and ``block`` as for ``put``.
        """
        if count > 0 or on_stored is not None:
            self._enqueue(Deferred(max(count, 0), decode, on_stored), max(count, 0), block)

    def _enqueue(self, batch: Batch | Deferred, n: int, block: bool) -> None:
        with self._cond:
            self._received += n
            self._check()
            if block and self._pending + n > self._max_pending and self._pending > 0:
                self._waits += 1
                started = time.monotonic()
                while self._pending + n > self._max_pending and self._pending > 0:
                    if not self._cond.wait(self._put_timeout):
                        self._timeouts += 1
                        log.warning("%s: run writer is %d events behind; producer blocked for %.1fs",
                                    self._path, self._pending, time.monotonic() - started)
                    self._check()
                self._wait_s += time.monotonic() - started
            self._items.append(batch)
            self._pending += n
            self._cond.notify_all()

    def set_variant(self, name: str | None) -> None:
        """Events queued after this call without a variant are stamped with ``name``."""
        self._control(Control("variant", name=name))

    def mark_step(self, index: int, name: str) -> None:
        """Close the current step, start step ``index``; returns once that is durably committed."""
        self._control(Control("step", index=index, name=name, durable=True))

    def flush(self, durable: bool = False) -> None:
        """Return once everything queued so far is committed (fsynced with ``durable``)."""
        self._control(Control("sync", durable=durable))

    def close(self) -> WriterStats:
        """Write everything queued, commit durably and stop the thread; idempotent."""
        if self._thread.is_alive():
            ctl = Control("close", durable=True)
            with self._cond:
                self._closing = True
                self._items.append(ctl)
                self._cond.notify_all()
            self._thread.join()
        if self._error is not None:
            raise StoreError(f"{self._path}: writing events failed: {self._error}") from self._error
        return self.stats()

    def abort(self) -> WriterStats:
        """Stop now: discard what is still queued (counted in ``events_discarded``), commit what
        was written with the counters, and stop the thread.  For a second Ctrl-C."""
        with self._cond:
            discarded = [i for i in self._items if not isinstance(i, Control)]
            self._items = [i for i in self._items if isinstance(i, Control)]
            self._discarded += sum(len(i.events) if isinstance(i, Batch) else i.count for i in discarded)
            self._pending = 0
            self._cond.notify_all()
        return self.close()

    def stats(self) -> WriterStats:
        with self._cond:
            return WriterStats(self._received, self._written, self._waits, self._timeouts, self._wait_s,
                               self._undecodable, self._discarded)

    @property
    def current_step(self) -> int | None:
        return self._step

    def _check(self) -> None:
        if self._error is not None:
            raise StoreError(f"{self._path}: writing events failed: {self._error}")
        if self._closing:
            raise StoreError(f"{self._path}: the run writer is closed")

    def _control(self, ctl: Control) -> None:
        with self._cond:
            self._check()
            self._items.append(ctl)
            self._cond.notify_all()
        ctl.done.wait()
        with self._cond:
            if self._error is not None:
                raise StoreError(f"{self._path}: writing events failed: {self._error}")

    # ---- writer thread -------------------------------------------------------------------

    def _run(self) -> None:
        uncommitted = 0
        stored: list[Callable[[], None]] = []   # on_stored callbacks waiting for the next commit
        last_commit = time.monotonic()
        items: list[Item] = []

        def commit() -> None:
            nonlocal uncommitted, last_commit
            self._commit(durable=False)
            uncommitted = 0
            last_commit = time.monotonic()
            self._fire(stored)

        try:
            while True:
                with self._cond:
                    while not self._items:
                        timeout = None
                        if uncommitted or stored:
                            timeout = last_commit + self._commit_interval - time.monotonic()
                            if timeout <= 0:
                                break
                        if not self._cond.wait(timeout) and (uncommitted or stored):
                            break
                    items, self._items = self._items, []
                    taken = sum(len(i.events) if isinstance(i, Batch) else i.count for i in items
                                if not isinstance(i, Control))
                    self._pending -= taken
                    self._cond.notify_all()
                batch: list[Event] = []
                for item in items:
                    if not isinstance(item, Control):
                        batch.extend(item.events if isinstance(item, Batch) else self._decode(item))
                        if item.on_stored is not None:
                            stored.append(item.on_stored)
                        if len(batch) >= self._commit_every:
                            uncommitted += self._insert(batch)
                            batch = []
                            commit()
                        continue
                    uncommitted += self._insert(batch)
                    batch = []
                    if self._apply(item):
                        self._fire(stored)
                        return
                    uncommitted = 0
                    last_commit = time.monotonic()
                    self._fire(stored)
                uncommitted += self._insert(batch)
                if (uncommitted or stored) and (uncommitted >= self._commit_every
                                                or time.monotonic() - last_commit >= self._commit_interval):
                    commit()
        except BaseException as exc:  # the writer must never die silently
            log.exception("%s: run writer failed", self._path)
            with self._cond:
                self._error = exc
                for item in self._items:
                    if isinstance(item, Control):
                        item.done.set()
                for item in items:
                    if isinstance(item, Control):
                        item.done.set()
                self._items = []
                self._pending = 0
                self._cond.notify_all()

    def _fire(self, callbacks: list[Callable[[], None]]) -> None:
        for callback in callbacks:
            try:
                callback()
            except Exception:
                log.exception("%s: an on_stored callback failed", self._path)
        callbacks.clear()

    def _decode(self, item: Deferred) -> Sequence[Event]:
        try:
            events = item.decode()
        except Exception:
            log.exception("%s: a batch of %d events could not be decoded", self._path, item.count)
            with self._cond:
                self._undecodable += item.count
            return ()
        if len(events) != item.count:  # the producer's count was an estimate: keep received exact
            with self._cond:
                self._received += len(events) - item.count
        return events

    def _insert(self, batch: list[Event]) -> int:
        if not batch:
            return 0
        rows = event_rows(batch, self._next_id, self._variant, self._step)
        with self._lock:
            if not self._conn.in_transaction:
                self._conn.execute("BEGIN")
            self._conn.executemany(schema.INSERT_EVENT, rows)
        self._next_id += len(rows)
        with self._cond:
            self._written += len(rows)
        return len(rows)

    def _apply(self, ctl: Control) -> bool:
        now = time.time()
        with self._lock:
            if not self._conn.in_transaction:
                self._conn.execute("BEGIN")
            if ctl.op == "variant":
                self._variant = ctl.name
                if ctl.name is not None:
                    self._conn.execute(
                        "INSERT OR IGNORE INTO variants (name, position, started) "
                        "VALUES (?, (SELECT COUNT(*) FROM variants), ?)", (ctl.name, now))
                self._step = None
            elif ctl.op == "step":
                variant = self._variant or ""
                self._conn.execute(
                    "UPDATE steps SET finished = ? WHERE variant = ? AND finished IS NULL", (now, variant))
                self._conn.execute(
                    "INSERT OR REPLACE INTO steps (variant, idx, name, started) VALUES (?, ?, ?, ?)",
                    (variant, ctl.index, ctl.name, now))
                self._step = ctl.index
            elif ctl.op == "close":
                self._conn.execute("UPDATE steps SET finished = ? WHERE finished IS NULL", (now,))
        self._commit(durable=ctl.durable, closed=ctl.op == "close")
        ctl.done.set()
        return ctl.op == "close"

    def _commit(self, durable: bool, closed: bool = False) -> None:
        stats = self.stats()
        with self._lock:
            if not self._conn.in_transaction:
                self._conn.execute("BEGIN")
            write_meta(self._conn, {
                "events_received": stats.received,
                "events_written": stats.written,
                "backpressure_waits": stats.backpressure_waits,
                "backpressure_timeouts": stats.backpressure_timeouts,
                "backpressure_wait_s": round(stats.backpressure_wait_s, 3),
                "events_undecodable": stats.undecodable,
                "events_discarded": stats.discarded,
                **({"closed": time.time()} if closed else {}),
            })
            self._conn.execute("COMMIT")
            if durable:
                # A checkpoint fsyncs the WAL (then the database): everything committed so far
                # now survives power loss, not only the death of this process.
                self._conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
