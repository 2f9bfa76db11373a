"""Frida's exceptions, translated into ``InstrumentError`` with text that says what to do.

``translate(exc, device, action)`` keeps the original exception as ``__cause__``; ``frida_errors``
is the context manager used around every frida call that can fail for a user-facing reason.  With
a ``timeout`` it also bounds the call: frida's operations take a ``Cancellable``, which a timer
cancels, so a device or server that stops answering (a silent TCP port, a wedged frida-server)
becomes an ``InstrumentError`` saying so instead of a hang.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import frida

from harness.errors import InstrumentError

_START_SERVER = (
    "start frida-server as root on the phone, e.g. "
    "`adb shell su -c '/data/local/tmp/frida-server -D'`"
)


def _advice(exc: Exception, device: str) -> str:
    client = frida.__version__
    if isinstance(exc, frida.ServerNotRunningError):
        return f"no frida-server is answering on {device}: {_START_SERVER}"
    if isinstance(exc, frida.ProcessNotFoundError):
        return "the process is not running (or exited); check the name/pid with `frida-ps`"
    if isinstance(exc, frida.PermissionDeniedError):
        return ("permission denied: frida-server must run as root to attach to another app or a "
                "system process (on a local Linux host: same user and kernel.yama.ptrace_scope=0)")
    if isinstance(exc, frida.TransportError):
        return (f"the connection to frida on {device} failed or was lost; check `adb devices` "
                "(USB) or that host:port is reachable (remote)")
    if isinstance(exc, frida.ProtocolError):
        return (f"frida-server on {device} speaks another protocol; install frida-server {client} "
                "(the same version as the harness's frida)")
    if isinstance(exc, frida.InvalidOperationError):
        return "the frida session or script is gone (the process detached or exited)"
    if isinstance(exc, frida.ExecutableNotFoundError):
        return "the program (or package) to spawn does not exist"
    if isinstance(exc, frida.NotSupportedError):
        return "the device does not support this (e.g. spawn); try attaching after launch"
    if isinstance(exc, frida.TimedOutError):
        return "frida timed out; the process may be stuck or the device slow"
    if isinstance(exc, frida.ProcessNotRespondingError):
        return "the process is not responding"
    if isinstance(exc, frida.RPCException):
        return "the hook agent raised an error (see its message above)"
    if isinstance(exc, frida.InvalidArgumentError):
        return "frida rejected an argument"
    return "unexpected frida error"


def translate(exc: Exception, device: str, action: str) -> InstrumentError:
    """The ``InstrumentError`` for a frida exception raised while doing ``action`` on ``device``."""
    detail = str(exc).strip() or type(exc).__name__
    return InstrumentError(f"{device}: {action} failed: {detail} -- {_advice(exc, device)}")


#: The frida exception classes ``frida_errors`` translates.
FRIDA_ERRORS: tuple[type[Exception], ...] = (
    frida.ServerNotRunningError,
    frida.ExecutableNotFoundError,
    frida.ExecutableNotSupportedError,
    frida.ProcessNotFoundError,
    frida.ProcessNotRespondingError,
    frida.InvalidArgumentError,
    frida.InvalidOperationError,
    frida.PermissionDeniedError,
    frida.AddressInUseError,
    frida.TimedOutError,
    frida.NotSupportedError,
    frida.ProtocolError,
    frida.TransportError,
    frida.OperationCancelledError,
    frida.RPCException,
)


@contextmanager
def frida_errors(device: str, action: str, timeout: float | None = None) -> Iterator[None]:
    """Translate frida exceptions raised in the block into ``InstrumentError``; with ``timeout``,
    cancel the block's frida operations after that many seconds."""
    if timeout is None:
        try:
            yield
        except FRIDA_ERRORS as exc:
            raise translate(exc, device, action) from exc
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
            raise translate(exc, device, action) from exc
        raise InstrumentError(f"{device}: {action} got no answer within {timeout:g} s -- the device or "
                              "frida-server stopped answering (check the connection, or restart frida-server)"
                              ) from exc
    except FRIDA_ERRORS as exc:
        raise translate(exc, device, action) from exc
    finally:
        timer.cancel()
