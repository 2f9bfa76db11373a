"""One instrumented process: a frida session with the hook agent loaded, its messages -> a sink.

Message handling (frida calls ``_on_message`` on its own thread, one message at a time):

* ``harness:batch`` -> raw events without pid/process get this target's -> with a
  ``DeferredEventSink`` (the run writer): ``put_deferred(count, decode)``, so the writer thread
  decodes (``harness.instrument.messages.decode_batch``) and inserts, and frida's thread only
  appends to the writer's queue; other sinks get ``put(decode(payload, data))`` here.
* Flow control (``AgentConfig.flow``, the agent's ``flow.ts``): each batch carries ``seq``; once
  the sink has committed it, ``harness:ack`` {seq} is posted back, and only then does the agent
  free what the batch held.  What the agent has recorded but the run has not committed is thus
  bounded per process by ``ring_bytes``/``ring_records`` (native socket events) plus twice
  ``window_bytes``/``window_events`` (every other event) — see ``RecorderWindow``.  frida's thread
  never blocks on the writer then.  Without flow control (a user's own agent script) the writer's
  queue blocks frida's thread instead (back-pressure, counted by the writer).
* ``harness:crash`` (a native process about to die of a signal, after it sent what it held) is
  recorded in ``crash`` and answered with ``harness:crash-ack``; ``harness:drained`` ends a
  ``quiesce``; ``harness:ready`` / ``harness:skipped`` / ``harness:error`` are recorded on the
  session; script errors and ``console.log`` go to the log.  Nothing raised here reaches frida's
  thread.

``detached`` gives frida's reason ("process-terminated", "process-replaced",
"connection-terminated", "device-lost", "application-requested"); it is kept in
``detach_reason`` and passed to ``on_detached``.
"""

from __future__ import annotations

import dataclasses
import inspect
import logging
import threading
from collections.abc import Callable, Mapping
from typing import Any

import frida

from harness.errors import HarnessError, InstrumentError
from harness.events import Event, InstrumentMode
from harness.instrument.config import (
    AgentConfig,
    BatchSizer,
    Decoder,
    DeferredEventSink,
    EventSink,
    InitReport,
    RecorderWindow,
    default_decoder,
    default_sizer,
)
from harness.instrument.devices import SLOW_CALL_TIMEOUT, FridaDevice
from harness.instrument.flow import Drain, FlowState
from harness.instrument.frida_errors import FRIDA_ERRORS, frida_errors, translate
from harness.instrument.messages import ACK, BATCH, CRASH, CRASH_ACK, DRAINED, ERROR, READY, SKIPPED

log = logging.getLogger(__name__)

#: Longest wait for the agent's init (installing Java hooks in a big app takes a while).
INIT_TIMEOUT = 120.0

__all__ = [  # the seams live in harness.instrument.config; importable from here as before
    "AgentConfig", "AgentSession", "BatchSizer", "Decoder", "DeferredEventSink", "EventSink",
    "InitReport", "RecorderWindow", "default_decoder", "default_sizer", "ensure_started",
]

def _identity_kwargs(decode: Decoder, process: str, pid: int) -> dict[str, Any]:
    try:
        params = inspect.signature(decode).parameters
    except (TypeError, ValueError):
        return {}
    return {"process": process, "pid": pid} if "process" in params and "pid" in params else {}


class AgentSession:
    """The hook agent running in one process; ``start()`` attaches and loads, ``stop()`` detaches."""

    def __init__(self, device: FridaDevice, pid: int, process: str, mode: InstrumentMode, *, source: str,
                 config: AgentConfig, sink: EventSink, decode: Decoder, size: BatchSizer | None = None,
                 on_detached: Callable[[AgentSession, str], None] | None = None) -> None:
        self.device = device
        self.pid = pid
        self.process = process
        self.mode = mode
        self._source = source
        self._config = config
        self._sink = sink
        self._decode = decode
        self._decode_kwargs = _identity_kwargs(decode, process, pid)
        self._size = size or default_sizer()
        self._on_detached_cb = on_detached
        self._session: frida.Session | None = None
        self._script: frida.Script | None = None
        self.report = InitReport()
        self.ready = threading.Event()
        self.detached = threading.Event()
        self.detach_reason: str | None = None
        self.target_id: int | None = None
        self.batches = 0
        self.received = 0
        self.lost = 0
        self.agent_errors: list[dict[str, Any]] = []
        self.script_errors = 0
        #: what the agent reported before its process died of a signal ({signal, exception, address})
        self.crash: dict[str, Any] | None = None
        self.flow = FlowState(self._post_ack)

    @property
    def where(self) -> str:
        return f"{self.device.label}: {self.process} (pid {self.pid})"

    def start(self) -> InitReport:
        """Attach, load the agent and call its ``init``; raises ``InstrumentError``."""
        session = self.device.attach(self.pid)
        self._session = session
        session.on("detached", self._on_detached)
        action = f"loading the hook agent into {self.process} (pid {self.pid})"
        with frida_errors(self.device.label, action, SLOW_CALL_TIMEOUT):
            script = session.create_script(self._source, name="harness-agent")
            script.on("message", self._on_message)
            script.set_log_handler(self._on_log)
            self._script = script
            script.load()
        # frida's RPC calls take no Cancellable: bound init on a helper thread
        answered, result, error = self._call("init", INIT_TIMEOUT, self._config.init_params())
        if error is not None:
            raise translate(error, self.device.label, action) from error
        if not answered:
            self.detach()
            raise InstrumentError(f"{self.where}: the hook agent's init got no answer within {INIT_TIMEOUT:g} s "
                                  "(the process may be stuck); detached")
        if isinstance(result, Mapping):  # keep what harness:skipped messages reported meanwhile
            self.flow.enabled = result.get("flow") is True
            self.report.hooked.extend(str(h) for h in result.get("hooked") or [])
            self.report.skipped.extend(dict(s) for s in result.get("skipped") or []
                                       if dict(s) not in self.report.skipped)
        for skip in self.report.skipped:
            log.info("%s: hook skipped: %s %s (%s)", self.where, skip.get("module"), skip.get("target"),
                     skip.get("reason"))
        return self.report

    def _call(self, method: str, timeout: float, *args: Any) -> tuple[bool, Any, Exception | None]:
        """Call the agent's RPC ``method`` on a helper thread (frida's RPC calls cannot be cancelled,
        and a busy or dying process may never answer); ``(answered, result, frida error)``."""
        script = self._script
        if script is None or self.detached.is_set():
            return False, None, None
        done = threading.Event()
        out: list[Any] = [None, None]

        def call() -> None:
            try:
                out[0] = getattr(script.exports_sync, method)(*args)
            except FRIDA_ERRORS as exc:
                log.debug("%s: %s failed: %s", self.where, method, exc)
                out[1] = exc
            finally:
                done.set()

        threading.Thread(target=call, name=f"harness-agent-{method}", daemon=True).start()
        answered = done.wait(timeout)
        return answered, out[0], out[1]

    def flush(self, timeout: float = 5.0) -> bool:
        """Ask the agent to send what it has queued; True when it answered within ``timeout``."""
        answered, _result, error = self._call("flush", timeout)
        return answered and error is None

    def quiesce(self, timeout: float = 5.0) -> bool:
        """Stop the agent recording and have it send its backlog (flow control only: without it,
        ``flush``); True when it answered."""
        if not self.flow.enabled:
            return self.flush(timeout)
        answered, result, error = self._call("quiesce", timeout)
        if answered and error is None and isinstance(result, Mapping):
            held = result.get("held")
            self.flow.quiesced(int(held) if isinstance(held, int) else 0)
        return answered and error is None

    def drain(self) -> Drain:
        """How far the backlog after ``quiesce`` has been stored."""
        if not self.flow.enabled or self.detached.is_set():
            return Drain(left=0, done=True)
        return self.flow.progress()

    def wait_drained(self, timeout: float) -> bool:
        """After ``quiesce``: wait until everything the agent recorded is stored."""
        if not self.flow.enabled:
            return True
        return self.flow.wait_drained(timeout, self.detached)

    def stop(self, flush_timeout: float = 5.0) -> None:
        """Quiesce (or flush), wait for the backlog to be stored, unload the agent and detach (a
        no-op once the process is gone)."""
        if self._session is None or self.detached.is_set():
            return
        if self.quiesce(flush_timeout):
            self.wait_drained(flush_timeout)
        self.detach()

    def detach(self) -> None:
        """Unload the agent and detach now, whatever it still holds."""
        if self._session is None or self.detached.is_set():
            return
        try:
            if self._script is not None:
                self._script.unload()
            self._session.detach()
        except FRIDA_ERRORS as exc:  # the process may have died meanwhile
            log.debug("%s: detach: %s", self.where, exc)

    def _post_ack(self, seq: int) -> None:
        script = self._script
        if script is None or self.detached.is_set():
            return
        try:
            script.post({"type": ACK, "seq": seq})
        except FRIDA_ERRORS as exc:
            log.debug("%s: ack %d not posted: %s", self.where, seq, exc)

    # ---- frida's thread ------------------------------------------------------------------

    def _on_detached(self, reason: str, crash: Any) -> None:
        self.detach_reason = str(reason)
        if crash is not None:  # frida's own crash report (iOS, some Android builds)
            log.warning("%s: crashed: %s", self.where, getattr(crash, "summary", crash))
            self.crash = self.crash or {"signal": None, "exception": str(getattr(crash, "summary", crash))}
        if self.crash is not None and reason != "application-requested":
            detail = ", ".join(str(self.crash[k]) for k in ("exception", "address") if self.crash.get(k))
            self.detach_reason = f"process-crashed: {self.crash.get('signal') or 'signal'}" + (
                f" ({detail})" if detail else "")
        log.info("%s: detached (%s)", self.where, reason)
        try:
            if self._on_detached_cb is not None:
                self._on_detached_cb(self, self.detach_reason)
        except Exception:
            log.exception("%s: detach handler failed", self.where)
        finally:
            self.detached.set()

    def _on_log(self, level: str, text: str) -> None:
        log.info("%s: agent %s: %s", self.where, level, text)

    def _on_message(self, message: Mapping[str, Any], data: bytes | None) -> None:
        try:
            mtype = message.get("type")
            if mtype == "send":
                payload = message.get("payload")
                if isinstance(payload, dict):
                    self._dispatch(payload, data)
            elif mtype == "error":
                self.script_errors += 1
                log.error("%s: agent script error: %s\n%s", self.where, message.get("description"),
                          message.get("stack", ""))
        except Exception:
            log.exception("%s: handling an agent message failed", self.where)

    def _on_batch(self, payload: dict[str, Any], data: bytes | None) -> None:
        raw = payload.get("events")
        count = self._size(payload, data)
        seq = payload.get("seq")
        if isinstance(raw, list) and not self._decode_kwargs:
            # the agent does not know its pid/process and the decoder cannot be told: fill them in
            pid, process = self.pid, self.process
            for item in raw:
                if isinstance(item, dict):
                    if not item.get("pid"):
                        item["pid"] = pid
                    if not item.get("process"):
                        item["process"] = process
        self.batches += 1
        flow = self.flow
        on_stored = None
        if isinstance(seq, int) and flow.enabled:
            flow.received(seq)
            on_stored = lambda: flow.stored(seq, count)  # noqa: E731
        try:
            if isinstance(self._sink, DeferredEventSink):
                self.received += count
                # with flow control the agent bounds what is in flight: never block frida's thread
                self._sink.put_deferred(count, lambda: self._decoded(payload, data), on_stored=on_stored,
                                        block=on_stored is None)
                return
            try:
                events = self._decoded(payload, data)
            except Exception:
                self.lost += count
                log.exception("%s: a batch of %d events could not be decoded", self.where, count)
                return
            self.received += len(events)
            self._sink.put(events)
            if on_stored is not None:
                on_stored()
        except HarnessError as exc:
            self.lost += count
            log.error("%s: %d events could not be stored: %s", self.where, count, exc)

    def _decoded(self, payload: dict[str, Any], data: bytes | None) -> list[Event]:
        events = self._decode(payload, data, **self._decode_kwargs)
        if events and (not events[0].pid or not events[0].process):
            events = [dataclasses.replace(e, pid=e.pid or self.pid, process=e.process or self.process)
                      for e in events]
        return events

    def _dispatch(self, payload: dict[str, Any], data: bytes | None) -> None:
        ptype = payload.get("type")
        if ptype == BATCH:
            self._on_batch(payload, data)
        elif ptype == READY:
            self.ready.set()
        elif ptype == SKIPPED:  # one {module, target, reason} or {skipped: [...]}
            listed = payload.get("skipped")
            entries = listed if isinstance(listed, list) else [{k: v for k, v in payload.items() if k != "type"}]
            self.report.skipped.extend(dict(e) for e in entries
                                       if isinstance(e, dict) and dict(e) not in self.report.skipped)
        elif ptype == ERROR:
            entry = {k: v for k, v in payload.items() if k != "type"}
            self.agent_errors.append(entry)
            log.warning("%s: hook module %s: %s", self.where, payload.get("module"), payload.get("message"))
        elif ptype == DRAINED:
            seq = payload.get("seq")
            self.flow.drained(seq if isinstance(seq, int) else 0)
        elif ptype == CRASH:
            self.crash = {k: payload.get(k) for k in ("signal", "exception", "address")}
            log.warning("%s: crashing: %s (%s at %s)", self.where, payload.get("signal") or "signal",
                        payload.get("exception"), payload.get("address"))
            script = self._script
            if script is not None:  # everything it sent before the report has arrived
                try:
                    script.post({"type": CRASH_ACK})
                except FRIDA_ERRORS as exc:
                    log.debug("%s: crash ack not posted: %s", self.where, exc)
        else:
            log.debug("%s: ignored agent message %r", self.where, ptype)


def ensure_started(session: AgentSession) -> InitReport:
    """``session.start()``, with a non-frida failure (e.g. a bad agent) as ``InstrumentError``."""
    try:
        return session.start()
    except InstrumentError:
        raise
    except Exception as exc:
        raise InstrumentError(f"{session.where}: loading the hook agent failed: {exc}") from exc
