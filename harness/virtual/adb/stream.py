"""One service stream of the virtual phone's adbd, as the service on the device sees it.

Flow control is the classic one: a side may have one unacknowledged WRTE per stream, the other side
OKAYs it.  We OKAY a host WRTE only once the service has consumed it, so a slow service slows the
host instead of growing a buffer; a host that sends on regardless (more than ``MAX_INBOX`` unread)
breaks the protocol and loses its transport.

Most streams are OPENed by the host; those adbd OPENs itself (a connection to an ``adb reverse``
port) start ``opening``: the host's first OKAY both accepts the stream and names its id, and no
WRTE may go before it (``wait_opened``); a CLSE instead means the host refused it.
"""

from __future__ import annotations

import threading
from typing import Protocol

from harness.virtual.adb.protocol import A_CLSE, A_OKAY, A_WRTE, MAX_DATA, Packet, ProtocolViolation

_ACK_TIMEOUT = 60.0
#: The largest record a service may ask for with ``read_exact``.
MAX_READ = 1 << 20
#: What a stream may hold unread: a host that keeps within flow control never gets near it.
MAX_INBOX = MAX_READ + MAX_DATA


class StreamTransport(Protocol):
    """What a stream needs of its transport."""

    max_payload: int

    def send(self, packet: Packet) -> None: ...

    def forget(self, local_id: int) -> None: ...


class StreamClosed(Exception):
    """The host closed the stream (or the transport went away)."""


class Stream:
    """One OPENed service stream, as seen by the service running on the device."""

    def __init__(self, transport: StreamTransport, local_id: int, remote_id: int, destination: str,
                 *, opening: bool = False) -> None:
        self._transport = transport
        self.local_id = local_id
        self.remote_id = remote_id
        self.destination = destination
        self._cond = threading.Condition()
        self._inbox = bytearray()
        self._ack_owed = False     # the host's last WRTE still waits for our OKAY
        self._write_acked = not opening  # our last WRTE (or our OPEN) was OKAYed by the host
        self.closed = False

    @property
    def transport(self) -> StreamTransport:
        """The transport the stream travels on (the host connection it belongs to)."""
        return self._transport

    def wait_opened(self, timeout: float) -> None:
        """For a stream adbd OPENed: return once the host OKAYed it; StreamClosed if it refused
        (CLSE), went away, or did not answer within ``timeout`` seconds."""
        with self._cond:
            if not self._cond.wait_for(lambda: self._write_acked or self.closed, timeout):
                raise StreamClosed(f"{self.destination}: the host did not answer the OPEN")
            if self.closed:
                raise StreamClosed(f"{self.destination}: the host refused the stream")

    # -- device -> host ---------------------------------------------------------------------
    def write(self, data: bytes) -> None:
        """Send ``data`` to the host, respecting its payload limit and flow control."""
        view = memoryview(data)
        limit = self._transport.max_payload
        for start in range(0, len(view), limit):
            with self._cond:
                if not self._cond.wait_for(lambda: self._write_acked or self.closed, _ACK_TIMEOUT):
                    raise StreamClosed(f"{self.destination}: host stopped acknowledging")
                if self.closed:
                    raise StreamClosed(self.destination)
                self._write_acked = False
            self._transport.send(Packet(A_WRTE, self.local_id, self.remote_id, bytes(view[start:start + limit])))

    def close(self) -> None:
        """End the stream from the device side (service finished)."""
        with self._cond:
            if self.closed:
                return
            # let the host take our last WRTE before the CLSE, as adbd does
            self._cond.wait_for(lambda: self._write_acked or self.closed, 5.0)
            already = self.closed
            self.closed = True
            self._cond.notify_all()
        if not already:
            self._transport.send(Packet(A_CLSE, self.local_id, self.remote_id))
        self._transport.forget(self.local_id)

    # -- host -> device ---------------------------------------------------------------------
    def _owe_ack_locked(self) -> None:
        if self._ack_owed and not self.closed:
            self._ack_owed = False
            self._transport.send(Packet(A_OKAY, self.local_id, self.remote_id))

    def read(self, max_bytes: int = 1 << 20) -> bytes:
        """Some bytes from the host; b"" once the stream is closed and drained."""
        with self._cond:
            while not self._inbox:
                if self.closed:
                    return b""
                self._owe_ack_locked()
                self._cond.wait(1.0)
            out = bytes(self._inbox[:max_bytes])
            del self._inbox[:max_bytes]
            if not self._inbox:
                self._owe_ack_locked()
            return out

    def read_exact(self, size: int) -> bytes:
        """Exactly ``size`` bytes; raises StreamClosed if the host closes first, or if ``size`` is
        over ``MAX_READ`` (a length the host sent that no service record reaches)."""
        if size > MAX_READ:
            raise StreamClosed(f"{self.destination}: a record of {size} bytes is too large (at most {MAX_READ})")
        with self._cond:
            while len(self._inbox) < size:
                if self.closed:
                    raise StreamClosed(self.destination)
                self._owe_ack_locked()
                self._cond.wait(1.0)
            out = bytes(self._inbox[:size])
            del self._inbox[:size]
            if not self._inbox:
                self._owe_ack_locked()
            return out

    # -- called by the transport's reader thread ----------------------------------------------
    def _on_write(self, data: bytes) -> None:
        with self._cond:
            if len(self._inbox) + len(data) > MAX_INBOX:
                raise ProtocolViolation(f"host ignored flow control on stream {self.local_id} "
                                        f"({len(self._inbox)} bytes unread)")
            self._inbox += data
            self._ack_owed = True
            self._cond.notify_all()

    def _on_okay(self, remote_id: int) -> None:
        with self._cond:
            self.remote_id = remote_id
            self._write_acked = True
            self._cond.notify_all()

    def _on_close(self) -> None:
        with self._cond:
            self.closed = True
            self._write_acked = True
            self._cond.notify_all()
