"""One instrumented process: a frida session with the hook agent loaded, its messages -> a sink.

Message handling (frida calls ``_on_message`` on its own thread, one message at a time):

* ``harness:batch`` -> raw events without pid/process get this target's -> with a
  ``DeferredEventSink`` (the run writer): ``put_deferred(count, decode)``, so the writer thread
  decodes (``harness.instrument.messages.decode_batch``) and inserts, and frida's thread only
  appends to the writer's bounded queue; other sinks get ``put(decode(payload, data))`` here.
  When the writer is behind, frida's thread blocks (back-pressure, counted by the writer) rather
  than anything being dropped.
* ``harness:ready`` / ``harness:skipped`` / ``harness:error`` are recorded on the session;
  script errors and ``console.log`` go to the log.  Nothing raised here reaches frida's thread.

``detached`` gives frida's reason ("process-terminated", "process-replaced",
"connection-terminated", "device-lost", "application-requested"); it is kept in
``detach_reason`` and passed to ``on_detached``.
"""

from __future__ import annotations

import dataclasses
import inspect
import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

import frida

from harness.errors import HarnessError, InstrumentError
from harness.events import Event
from harness.instrument.devices import FridaDevice
from harness.instrument.frida_errors import FRIDA_ERRORS, frida_errors

log = logging.getLogger(__name__)

ALL_MODULES = ("network", "native_net", "sms", "contacts", "identifiers", "location", "clipboard",
               "accounts", "packages")

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
    """A sink that can decode batches itself, on its own thread (``EventWriter`` can)."""

    def put_deferred(self, count: int, decode: Callable[[], Sequence[Event]]) -> None: ...


@dataclass(frozen=True)
class AgentConfig:
    """The agent's ``init`` parameters: module selection, data cap and batching."""

    modules: tuple[str, ...] = ALL_MODULES
    max_data: int = 64 * 1024
    flush_ms: int = 100
    flush_count: int = 256
    flush_bytes: int = 1 << 20
    app_package: str | None = None
    #: further agent options (e.g. ``ringBytes``, ``tlsReads``), passed in ``init``'s ``options``
    options: Mapping[str, Any] = field(default_factory=dict)

    def init_params(self) -> dict[str, Any]:
        return {
            "modules": list(self.modules), "maxData": self.max_data, "flushMs": self.flush_ms,
            "flushCount": self.flush_count, "flushBytes": self.flush_bytes,
            "options": {**self.options, "appPackage": self.app_package},
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


def _identity_kwargs(decode: Decoder, process: str, pid: int) -> dict[str, Any]:
    try:
        params = inspect.signature(decode).parameters
    except (TypeError, ValueError):
        return {}
    return {"process": process, "pid": pid} if "process" in params and "pid" in params else {}


class AgentSession:
    """The hook agent running in one process; ``start()`` attaches and loads, ``stop()`` detaches."""

    def __init__(self, device: FridaDevice, pid: int, process: str, mode: str, *, source: str,
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

    @property
    def where(self) -> str:
        return f"{self.device.label}: {self.process} (pid {self.pid})"

    def start(self) -> InitReport:
        """Attach, load the agent and call its ``init``; raises ``InstrumentError``."""
        session = self.device.attach(self.pid)
        self._session = session
        session.on("detached", self._on_detached)
        with frida_errors(self.device.label, f"loading the hook agent into {self.process} (pid {self.pid})"):
            script = session.create_script(self._source, name="harness-agent")
            script.on("message", self._on_message)
            script.set_log_handler(self._on_log)
            self._script = script
            script.load()
            result = script.exports_sync.init(self._config.init_params())
        if isinstance(result, Mapping):  # keep what harness:skipped messages reported meanwhile
            self.report.hooked.extend(str(h) for h in result.get("hooked") or [])
            self.report.skipped.extend(dict(s) for s in result.get("skipped") or []
                                       if dict(s) not in self.report.skipped)
        for skip in self.report.skipped:
            log.info("%s: hook skipped: %s %s (%s)", self.where, skip.get("module"), skip.get("target"),
                     skip.get("reason"))
        return self.report

    def flush(self, timeout: float = 5.0) -> bool:
        """Ask the agent to send what it has queued; True when it answered within ``timeout``."""
        script = self._script
        if script is None or self.detached.is_set():
            return False
        done = threading.Event()

        def call() -> None:
            try:
                script.exports_sync.flush()
            except FRIDA_ERRORS as exc:
                log.debug("%s: flush failed: %s", self.where, exc)
            finally:
                done.set()

        threading.Thread(target=call, name="harness-agent-flush", daemon=True).start()
        return done.wait(timeout)

    def stop(self, flush_timeout: float = 5.0) -> None:
        """Flush, unload the agent and detach (a no-op once the process is gone)."""
        if self._session is None or self.detached.is_set():
            return
        self.flush(flush_timeout)
        try:
            if self._script is not None:
                self._script.unload()
            self._session.detach()
        except FRIDA_ERRORS as exc:  # the process may have died meanwhile
            log.debug("%s: detach: %s", self.where, exc)

    # ---- frida's thread ------------------------------------------------------------------

    def _on_detached(self, reason: str, crash: Any) -> None:
        self.detach_reason = str(reason)
        if crash is not None:
            log.warning("%s: crashed: %s", self.where, getattr(crash, "summary", crash))
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
        try:
            if isinstance(self._sink, DeferredEventSink):
                self.received += count
                self._sink.put_deferred(count, lambda: self._decoded(payload, data))
                return
            try:
                events = self._decoded(payload, data)
            except Exception:
                self.lost += count
                log.exception("%s: a batch of %d events could not be decoded", self.where, count)
                return
            self.received += len(events)
            self._sink.put(events)
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
        if ptype == "harness:batch":
            self._on_batch(payload, data)
        elif ptype == "harness:ready":
            self.ready.set()
        elif ptype == "harness:skipped":  # one {module, target, reason} or {skipped: [...]}
            listed = payload.get("skipped")
            entries = listed if isinstance(listed, list) else [{k: v for k, v in payload.items() if k != "type"}]
            self.report.skipped.extend(dict(e) for e in entries
                                       if isinstance(e, dict) and dict(e) not in self.report.skipped)
        elif ptype == "harness:error":
            entry = {k: v for k, v in payload.items() if k != "type"}
            self.agent_errors.append(entry)
            log.warning("%s: hook module %s: %s", self.where, payload.get("module"), payload.get("message"))
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
