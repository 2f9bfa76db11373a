"""The virtual phone's adbd: the device side of the ADB transport over TCP.

A real adb server reaches it with ``adb connect 127.0.0.1:PORT``.  Each TCP connection is one
transport; inside it the host OPENs many streams (one per service request).  Flow control is
the classic one: a side may have one unacknowledged WRTE per stream, the other side OKAYs it.
We OKAY a host WRTE only once the service has consumed it, so a slow service slows the host
instead of growing a buffer.  A malformed packet drops that transport only.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
from collections.abc import Callable
from typing import Protocol

from harness.virtual.adb_protocol import (
    A_AUTH,
    A_CLSE,
    A_CNXN,
    A_OKAY,
    A_OPEN,
    A_VERSION,
    A_WRTE,
    HEADER,
    MAX_PAYLOAD,
    Packet,
    ProtocolViolation,
    parse_header,
)

log = logging.getLogger(__name__)

_ACK_TIMEOUT = 60.0


class StreamClosed(Exception):
    """The host closed the stream (or the transport went away)."""


class Stream:
    """One OPENed service stream, as seen by the service running on the device."""

    def __init__(self, transport: Transport, local_id: int, remote_id: int, destination: str) -> None:
        self._transport = transport
        self.local_id = local_id
        self.remote_id = remote_id
        self.destination = destination
        self._cond = threading.Condition()
        self._inbox = bytearray()
        self._ack_owed = False     # the host's last WRTE still waits for our OKAY
        self._write_acked = True   # our last WRTE was OKAYed by the host
        self.closed = False

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
        """Exactly ``size`` bytes; raises StreamClosed if the host closes first."""
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


Service = Callable[[Stream], None]


class ServiceResolver(Protocol):
    """Maps an OPEN destination ("shell,v2,raw:ls", "sync:", "tcp:9008") to a service or None."""

    def resolve(self, destination: str) -> Service | None: ...

    def banner(self) -> str: ...


class Transport:
    """One host connection: reads packets, dispatches streams to services."""

    def __init__(self, sock: socket.socket, resolver: ServiceResolver) -> None:
        self._sock = sock
        self._resolver = resolver
        self._send_lock = threading.Lock()
        self._streams: dict[int, Stream] = {}
        self._streams_lock = threading.Lock()
        self._next_id = 1
        self.max_payload = 4096
        self.peer = "?"

    def send(self, packet: Packet) -> None:
        data = packet.encode()
        with self._send_lock:
            try:
                self._sock.sendall(data)
            except OSError as exc:
                raise StreamClosed(f"transport to {self.peer} lost: {exc}") from exc

    def forget(self, local_id: int) -> None:
        with self._streams_lock:
            self._streams.pop(local_id, None)

    def _recv_exact(self, size: int) -> bytes:
        chunks = bytearray()
        while len(chunks) < size:
            chunk = self._sock.recv(size - len(chunks))
            if not chunk:
                raise EOFError
            chunks += chunk
        return bytes(chunks)

    def serve(self) -> None:
        """Read packets until the host disconnects or misbehaves; then close every stream."""
        with contextlib.suppress(OSError):
            self.peer = "{}:{}".format(*self._sock.getpeername()[:2])
        try:
            while True:
                command, arg0, arg1, length = parse_header(self._recv_exact(HEADER.size))
                data = self._recv_exact(length) if length else b""
                self._dispatch(Packet(command, arg0, arg1, data))
        except ProtocolViolation as exc:
            log.warning("dropping transport %s: %s", self.peer, exc)
        except (EOFError, OSError, StreamClosed):
            log.debug("transport %s closed", self.peer)
        finally:
            with self._streams_lock:
                streams = list(self._streams.values())
                self._streams.clear()
            for stream in streams:
                stream._on_close()
            with contextlib.suppress(OSError):
                self._sock.close()

    def _dispatch(self, packet: Packet) -> None:
        if packet.command == A_CNXN:
            self.max_payload = max(1024, min(packet.arg1, MAX_PAYLOAD))
            self.send(Packet(A_CNXN, A_VERSION, MAX_PAYLOAD, self._resolver.banner().encode()))
        elif packet.command == A_OPEN:
            self._open(packet.arg0, packet.data.rstrip(b"\0").decode("utf-8", "replace"))
        elif packet.command == A_WRTE:
            stream = self._stream(packet.arg1)
            if stream is None:
                self.send(Packet(A_CLSE, packet.arg1, packet.arg0))
            else:
                stream._on_write(packet.data)
        elif packet.command == A_OKAY:
            stream = self._stream(packet.arg1)
            if stream is not None:
                stream._on_okay(packet.arg0)
        elif packet.command == A_CLSE:
            with self._streams_lock:
                stream = self._streams.pop(packet.arg1, None)
            if stream is not None:
                stream._on_close()
        elif packet.command == A_AUTH:
            # We never ask for AUTH, so a well-behaved host never sends it.
            raise ProtocolViolation("unexpected AUTH")

    def _stream(self, local_id: int) -> Stream | None:
        with self._streams_lock:
            return self._streams.get(local_id)

    def _open(self, remote_id: int, destination: str) -> None:
        service = self._resolver.resolve(destination)
        if service is None:
            log.info("refusing unsupported service %r", destination)
            self.send(Packet(A_CLSE, 0, remote_id))
            return
        with self._streams_lock:
            local_id = self._next_id
            self._next_id += 1
            stream = Stream(self, local_id, remote_id, destination)
            self._streams[local_id] = stream
        self.send(Packet(A_OKAY, local_id, remote_id))
        threading.Thread(
            target=self._run_service, args=(service, stream), name=f"adbd:{destination[:40]}", daemon=True
        ).start()

    def _run_service(self, service: Service, stream: Stream) -> None:
        try:
            service(stream)
        except StreamClosed:
            log.debug("stream %s closed by host", stream.destination)
        except Exception:
            log.exception("service %r failed", stream.destination)
        finally:
            with contextlib.suppress(StreamClosed):
                stream.close()


class AdbdServer:
    """Listens on loopback and serves one ``Transport`` per connection."""

    def __init__(self, resolver: ServiceResolver, port: int = 0, host: str = "127.0.0.1") -> None:
        self._resolver = resolver
        self._listener = socket.create_server((host, port), reuse_port=False)
        self.port: int = self._listener.getsockname()[1]
        self._thread: threading.Thread | None = None
        self._stopping = False

    def start(self) -> None:
        self._thread = threading.Thread(target=self._accept_loop, name="adbd-accept", daemon=True)
        self._thread.start()

    def _accept_loop(self) -> None:
        while not self._stopping:
            try:
                sock, _ = self._listener.accept()
            except OSError:
                return
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            transport = Transport(sock, self._resolver)
            threading.Thread(target=transport.serve, name="adbd-transport", daemon=True).start()

    def stop(self) -> None:
        self._stopping = True
        with contextlib.suppress(OSError):
            self._listener.close()
