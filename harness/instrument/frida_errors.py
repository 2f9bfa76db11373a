"""Frida's exceptions, translated into ``InstrumentError`` with text that says what to do.

``translate(exc, device, action)`` keeps the original exception as ``__cause__``; ``frida_errors``
is the context manager used around every frida call that can fail for a user-facing reason.  With
a ``timeout`` it also bounds the call: frida's operations take a ``Cancellable``, which a timer
cancels, so a device or server that stops answering (a silent TCP port, a wedged frida-server)
becomes an ``InstrumentError`` saying so instead of a hang.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager

import frida

from harness.errors import (
    AttachRefusedError,
    InstrumentError,
    NoAnswerError,
    ProcessGoneError,
    ServerMissingError,
    ServerVersionError,
    UnsupportedError,
)

_START_SERVER = (
    "start frida-server as root on the phone, e.g. "
    "`adb shell su -c '/data/local/tmp/frida-server -D'`"
)


def _client() -> str:
    return str(frida.__version__)


#: frida's exception -> (the harness's error class, what to do).  The one place frida's errors are
#: translated: callers catch the specific class (e.g. ``SpawnNotSupportedError``), never look at
#: ``__cause__``.
_TABLE: tuple[tuple[type[Exception], type[InstrumentError], Callable[[str], str]], ...] = (
    (frida.ServerNotRunningError, ServerMissingError,
     lambda device: f"no frida-server is answering on {device}: {_START_SERVER}"),
    (frida.ProcessNotFoundError, ProcessGoneError,
     lambda device: "the process is not running (or exited); check the name/pid with `frida-ps`"),
    (frida.PermissionDeniedError, AttachRefusedError,
     lambda device: "permission denied: frida-server must run as root to attach to another app or a "
                    "system process (on a local Linux host: same user and kernel.yama.ptrace_scope=0)"),
    (frida.TransportError, InstrumentError,
     lambda device: f"the connection to frida on {device} failed or was lost; check `adb devices` "
                    "(USB) or that host:port is reachable (remote)"),
    (frida.ProtocolError, ServerVersionError,
     lambda device: f"frida-server on {device} speaks another protocol; install frida-server {_client()} "
                    "(the same version as the harness's frida)"),
    (frida.InvalidOperationError, ProcessGoneError,
     lambda device: "the frida session or script is gone (the process detached or exited)"),
    (frida.ExecutableNotFoundError, InstrumentError,
     lambda device: "the program (or package) to spawn does not exist"),
    (frida.NotSupportedError, UnsupportedError,
     lambda device: "the device does not support this (e.g. spawn); try attaching after launch"),
    (frida.TimedOutError, NoAnswerError,
     lambda device: "frida timed out; the process may be stuck or the device slow"),
    (frida.ProcessNotRespondingError, NoAnswerError, lambda device: "the process is not responding"),
    (frida.RPCException, InstrumentError, lambda device: "the hook agent raised an error (see its message above)"),
    (frida.InvalidArgumentError, InstrumentError, lambda device: "frida rejected an argument"),
)


def translate(exc: Exception, device: str, action: str,
              overrides: Mapping[type[InstrumentError], type[InstrumentError]] | None = None) -> InstrumentError:
    """The ``InstrumentError`` (subclass from ``_TABLE``) for a frida exception raised while doing
    ``action`` on ``device``; ``overrides`` narrows a class for this call (e.g. ``UnsupportedError``
    -> ``SpawnNotSupportedError`` around a spawn)."""
    detail = str(exc).strip() or type(exc).__name__
    for frida_class, error_class, advice in _TABLE:
        if isinstance(exc, frida_class):
            chosen = (overrides or {}).get(error_class, error_class)
            return chosen(f"{device}: {action} failed: {detail} -- {advice(device)}")
    return InstrumentError(f"{device}: {action} failed: {detail} -- unexpected frida error")


#: The frida exception classes ``frida_errors`` translates.
FRIDA_ERRORS: tuple[type[Exception], ...] = (
    *(row[0] for row in _TABLE),
    frida.ExecutableNotSupportedError,
    frida.AddressInUseError,
    frida.OperationCancelledError,
)


@contextmanager
def frida_errors(device: str, action: str, timeout: float | None = None,
                 overrides: Mapping[type[InstrumentError], type[InstrumentError]] | None = None) -> Iterator[None]:
    """Translate frida exceptions raised in the block into ``InstrumentError``s; with ``timeout``,
    cancel the block's frida operations after that many seconds (``NoAnswerError``)."""
    if timeout is None:
        try:
            yield
        except FRIDA_ERRORS as exc:
            raise translate(exc, device, action, overrides) from exc
        return
    cancellable = frida.Cancellable()  # type: ignore[no-untyped-call]
    timer = threading.Timer(timeout, cancellable.cancel)
    timer.daemon = True
    timer.start()
    try:
        with cancellable:
            yield
    except frida.OperationCancelledError as exc:
        if not cancellable.is_cancelled:
            raise translate(exc, device, action, overrides) from exc
        raise NoAnswerError(f"{device}: {action} got no answer within {timeout:g} s -- the device or "
                              "frida-server stopped answering (check the connection, or restart frida-server)"
                              ) from exc
    except FRIDA_ERRORS as exc:
        raise translate(exc, device, action, overrides) from exc
    finally:
        timer.cancel()
