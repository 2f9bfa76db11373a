"""Whether a run is whole: every command that reads a run says so when it is not.

A recording process writes ``recorder`` (pid, host, boot and process start time) into the run's
meta when it starts and ``closed`` when it has stored everything; ``stop_reason`` says why it
stopped (``duration``, ``targets-ended``, ``interrupted`` by SIGINT/SIGTERM with everything
received stored, ``aborted`` by a second signal with ``events_lost`` counted).  A run without
``closed`` whose recorder no longer runs was cut short (SIGKILL, a crash, power loss): it is
``incomplete``; what the recorder had not committed is lost (at most its window, see
``harness.instrument.session.RecorderWindow``), and ``last_event`` says how far it got.
"""

from __future__ import annotations

import os
import socket
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from harness.errors import StoreError
from harness.record import schema
from harness.record.meta import read_meta

COMPLETE = "complete"
INTERRUPTED = "interrupted"
ABORTED = "aborted"
RECORDING = "recording"
INCOMPLETE = "incomplete"


def _boot_id() -> str | None:
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    except OSError:
        return None


def start_ticks(pid: int) -> int | None:
    """The process's start time in clock ticks since boot (tells a reused pid apart)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    try:
        return int(stat[stat.rindex(")") + 2:].split()[19])
    except (ValueError, IndexError):
        return None


def recorder_identity() -> dict[str, Any]:
    """Who is recording: stored as the run's ``recorder`` meta key."""
    pid = os.getpid()
    return {"pid": pid, "host": socket.gethostname(), "boot_id": _boot_id(), "start_ticks": start_ticks(pid)}


def recorder_alive(identity: Any) -> bool:
    """True when the recorder described by ``identity`` still runs (on this host; a recorder on
    another host is assumed alive: we cannot tell)."""
    if not isinstance(identity, dict):
        return False
    pid = identity.get("pid")
    if not isinstance(pid, int) or pid <= 0:
        return False
    if identity.get("host") != socket.gethostname():
        return True
    if identity.get("boot_id") is not None and identity.get("boot_id") != _boot_id():
        return False
    ticks = start_ticks(pid)
    if ticks is None:
        return False
    return identity.get("start_ticks") in (None, ticks)


@dataclass(frozen=True)
class RunStatus:
    """How whole a run is; ``message()`` is the line commands print when it is not complete."""

    path: Path
    state: str
    stop_reason: str | None = None
    signal: str | None = None
    last_event: float | None = None
    events_lost: int = 0

    @property
    def whole(self) -> bool:
        """Every event the recorder received is in the run."""
        return self.state in (COMPLETE, INTERRUPTED)

    def message(self) -> str | None:
        when = _when(self.last_event)
        if self.state == INCOMPLETE:
            return (f"{self.path}: incomplete run: its recorder stopped without closing it (killed or "
                    f"crashed); last event stored at {when}; events it had not yet stored are lost")
        if self.state == ABORTED:
            return (f"{self.path}: incomplete run: recording was aborted ({self.signal or 'second signal'}); "
                    f"{self.events_lost} events recorded on the device were not stored; last event at {when}")
        if self.state == RECORDING:
            return f"{self.path}: still being recorded; this reads what is stored so far (last event at {when})"
        if self.state == INTERRUPTED:
            return (f"{self.path}: recording was interrupted ({self.signal or 'signal'}); everything received "
                    f"was stored; last event at {when}")
        return None


def _when(ts: float | None) -> str:
    if ts is None:
        return "(no events)"
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def run_status(path: Path | str) -> RunStatus:
    """The status of the run at ``path`` (a ``StoreError`` when it is not a readable run)."""
    run = Path(path)
    conn = schema.connect_existing(run)
    try:
        meta = read_meta(conn)
        last = conn.execute("SELECT MAX(ts) FROM events").fetchone()[0]
    except (sqlite3.Error, ValueError) as exc:
        raise StoreError(f"{run}: cannot read the run's metadata: {exc}") from exc
    finally:
        conn.close()
    last_event = float(last) if isinstance(last, int | float) else None
    reason = meta.get("stop_reason")
    reason = reason if isinstance(reason, str) else None
    signame = meta.get("stop_signal")
    signame = signame if isinstance(signame, str) else None
    lost = meta.get("events_lost")
    lost = lost if isinstance(lost, int) else 0
    if "closed" not in meta:
        state = RECORDING if recorder_alive(meta.get("recorder")) else INCOMPLETE
    elif reason == ABORTED or lost > 0:
        state = ABORTED
    elif reason == INTERRUPTED:
        state = INTERRUPTED
    else:
        state = COMPLETE
    return RunStatus(run, state, reason, signame, last_event, lost)


def status_notice(path: Path | str) -> tuple[str | None, int]:
    """What a command reading the run at ``path`` says on stderr (None when it is complete) and the
    exit status that implies: 0 whole (complete, or interrupted with everything stored), 3 not."""
    status = run_status(path)
    message = status.message()
    if message is not None and not status.whole:
        message = f"warning: {message}"
    return message, 0 if status.whole else 3
