"""The virtual phone's adbd: the device side of the ADB transport over TCP.

A real adb server reaches it with ``adb connect 127.0.0.1:PORT``.  Each TCP connection is one
transport; inside it the host OPENs many streams (one per service request), each a ``Stream``
(``stream``, with its flow control) served by its own thread.  adbd OPENs streams to the host too
(``Transport.open_stream``), one per connection to an ``adb reverse`` port.

The host is untrusted.  A transport that breaks the protocol (a malformed packet, WRTEs that ignore
flow control) is dropped with a warning in the log, and only that transport; a connection that
sends no packet for ``HANDSHAKE_TIMEOUT`` seconds before its CNXN is dropped; at most
``MAX_STREAMS`` streams are open per transport.  Nothing a peer sends ends the accept loop.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import socket
import threading
import time
from collections.abc import Callable
from typing import Protocol

from harness.virtual.adb.protocol import (
    A_AUTH,
    A_CLSE,
    A_CNXN,
    A_OKAY,
    A_OPEN,
    A_VERSION,
    A_WRTE,
    MAX_PAYLOAD,
    Packet,
    ProtocolViolation,
    read_packet,
)
from harness.virtual.adb.stream import Stream, StreamClosed
from harness.virtual.preflight import LOOPBACK, listen

__all__ = ["HANDSHAKE_TIMEOUT", "MAX_STREAMS", "AdbdServer", "Service", "ServiceResolver", "Stream",
           "StreamClosed", "Transport"]

log = logging.getLogger(__name__)

#: Seconds a new connection may stay silent before its CNXN.
HANDSHAKE_TIMEOUT = 30.0
#: Open streams per transport (each runs a thread); further OPENs are refused.
MAX_STREAMS = 1024


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
        self._close_callbacks: list[Callable[[], None]] = []
        self._gone = False
        self.max_payload = 4096
        self.peer = "?"
        #: The transport's name on the device (adbd names a TCP transport "host-<fd>").
        self.serial = f"host-{sock.fileno()}"

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

    def add_close_callback(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` once the host connection is gone (adbd drops its reverse listeners);
        at once if it is gone already."""
        with self._streams_lock:
            if not self._gone:
                self._close_callbacks.append(callback)
                return
        callback()

    def open_stream(self, destination: str, timeout: float = 10.0) -> Stream:
        """OPEN a stream to the host (``tcp:N`` there); returns it once the host OKAYed it.

        Raises StreamClosed when the host refuses it (CLSE), is gone, or does not answer in time.
        """
        with self._streams_lock:
            if len(self._streams) >= MAX_STREAMS:
                raise StreamClosed(f"{destination}: too many open streams")
            local_id = self._next_id
            self._next_id += 1
            stream = Stream(self, local_id, 0, destination, opening=True)
            self._streams[local_id] = stream
        try:
            # arg1 is 0: we advertise no delayed_ack, so the OPEN grants no window
            self.send(Packet(A_OPEN, local_id, 0, destination.encode("utf-8") + b"\0"))
            stream.wait_opened(timeout)
        except StreamClosed:
            self.forget(local_id)
            raise
        return stream

    def _recv_exact(self, size: int) -> bytes:
        chunks = bytearray()
        while len(chunks) < size:
            chunk = self._sock.recv(min(size - len(chunks), 1 << 16))
            if not chunk:
                raise EOFError
            chunks += chunk
        return bytes(chunks)

    def serve(self) -> None:
        """Read packets until the host disconnects or misbehaves; then close every stream."""
        with contextlib.suppress(OSError):
            peer = self._sock.getpeername()
            self.peer = f"{peer[0]}:{peer[1]}" if isinstance(peer, tuple) else repr(peer)
        try:
            self._sock.settimeout(HANDSHAKE_TIMEOUT)
            while True:
                packet = read_packet(self._recv_exact)
                if packet.command == A_CNXN:
                    self._sock.settimeout(None)
                self._dispatch(packet)
        except ProtocolViolation as exc:
            log.warning("dropping transport %s: %s", self.peer, exc)
        except TimeoutError:
            log.warning("dropping transport %s: no CNXN within %.0f s", self.peer, HANDSHAKE_TIMEOUT)
        except (EOFError, OSError, StreamClosed):
            log.debug("transport %s closed", self.peer)
        except Exception:  # a bug; the log has it, the phone goes on serving other transports
            log.exception("dropping transport %s: unexpected error", self.peer)
        finally:
            with self._streams_lock:
                streams = list(self._streams.values())
                self._streams.clear()
            for stream in streams:
                stream._on_close()
            with self._streams_lock:
                self._gone = True
                callbacks, self._close_callbacks = self._close_callbacks, []
            for callback in callbacks:
                try:
                    callback()
                except Exception:
                    log.exception("cleaning up after transport %s failed", self.peer)
            with contextlib.suppress(OSError):
                self._sock.close()

    def _dispatch(self, packet: Packet) -> None:
        if packet.command == A_CNXN:
            self.max_payload = max(1024, min(packet.arg1, MAX_PAYLOAD))
            self.send(Packet(A_CNXN, A_VERSION, MAX_PAYLOAD, self._resolver.banner().encode()))
        elif packet.command == A_OPEN:
            # a C string on a real adbd: it ends at the first NUL
            self._open(packet.arg0, packet.data.split(b"\0", 1)[0].decode("utf-8", "replace"))
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
        try:
            service = self._resolver.resolve(destination)
        except Exception:
            log.exception("cannot resolve service %r", destination)
            service = None
        with self._streams_lock:
            too_many = len(self._streams) >= MAX_STREAMS
        if service is None or too_many:
            log.info("refusing %s service %r", "one more" if too_many else "unsupported", destination[:200])
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

    def __init__(self, resolver: ServiceResolver, port: int = 0, host: str = LOOPBACK,
                 listener: socket.socket | None = None) -> None:
        self._resolver = resolver
        self._listener = listener or listen(port, host)
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
            except OSError as exc:
                if self._stopping or exc.errno in (errno.EBADF, errno.EINVAL):
                    return  # the listener was closed
                log.warning("adbd cannot accept a connection: %s", exc)  # e.g. out of file descriptors
                time.sleep(0.1)
                continue
            try:
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                transport = Transport(sock, self._resolver)
                threading.Thread(target=transport.serve, name="adbd-transport", daemon=True).start()
            except (OSError, RuntimeError) as exc:  # the peer is gone already, or no thread to serve it
                log.warning("adbd dropped a new connection: %s", exc)
                with contextlib.suppress(OSError):
                    sock.close()

    def stop(self) -> None:
        self._stopping = True
        with contextlib.suppress(OSError):
            self._listener.close()
