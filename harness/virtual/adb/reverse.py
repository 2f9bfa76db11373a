"""``reverse:`` service: adbd's side of ``adb reverse``, and the socket relay of every tunnel.

The host sends ``reverse:forward:[norebind:]REMOTE;LOCAL``, ``reverse:killforward:REMOTE``,
``reverse:killforward-all`` or ``reverse:list-forward`` as an OPEN (adb's own server snoops the
forward commands and from then on accepts OPENs of ``LOCAL`` from this device).  adbd answers as
``handle_forward_request`` does on a device (adb.cpp): ``OKAY`` (plus ``%04x`` and the port for a
``tcp:0`` request), ``FAIL%04x<message>``, or the listener list as a ``%04x`` string, one
``<transport> <REMOTE> <LOCAL>`` line each (adbd names a TCP transport ``host-<fd>``).

REMOTE is a listener on the phone: ``tcp:N`` listens on the phone's loopback address
(``harness.virtual.net.ports.loopback_address``) port N, where the phone's apps reach it as
``127.0.0.1:N``; ``adb forward`` to ``tcp:N`` reaches it too (it is in the phone's ``PortMap``).
For every connection it accepts, adbd OPENs ``LOCAL`` on the transport that asked for the
listener and relays bytes both ways until either side closes (ADB streams have no half-close: a
CLSE ends both directions).  A listener lives as long as its transport; only ``tcp:`` listeners
are offered (``localabstract:`` and friends are refused as an unknown socket specification).
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from harness.virtual.adb.stream import Stream, StreamClosed
from harness.virtual.net.ports import PortMap

log = logging.getLogger(__name__)

OKAY = b"OKAY"
#: How long a connection waits for the host's answer to the OPEN of its tunnel.
OPEN_TIMEOUT = 10.0


def protocol_string(text: str) -> bytes:
    data = text.encode("utf-8")
    return f"{len(data):04x}".encode() + data


def fail(message: str) -> bytes:
    return b"FAIL" + protocol_string(message)


class ReverseTransport(Protocol):
    """What a reverse listener needs of the transport that asked for it."""

    serial: str

    def open_stream(self, destination: str, timeout: float = ...) -> Stream: ...

    def add_close_callback(self, callback: Callable[[], None]) -> None: ...


def bridge(stream: Stream, conn: socket.socket) -> None:
    """Relay bytes between an ADB stream and a socket until either ends; closes ``conn``."""
    def to_socket() -> None:
        try:
            while data := stream.read():
                conn.sendall(data)
        except (StreamClosed, OSError):
            pass
        with contextlib.suppress(OSError):  # the stream is over in both directions
            conn.shutdown(socket.SHUT_RDWR)

    threading.Thread(target=to_socket, name=f"relay:{stream.destination[:30]}", daemon=True).start()
    try:
        while data := conn.recv(65536):
            stream.write(data)
    except (OSError, StreamClosed):
        pass
    finally:
        conn.close()
        with contextlib.suppress(StreamClosed):
            stream.close()


@dataclass
class _Listener:
    name: str                     # "tcp:8080", as listed
    connect_to: str               # the host's LOCAL, OPENed per connection
    transport: ReverseTransport
    sock: socket.socket
    port: int
    active: bool = True


class ReverseForwards:
    """The phone's ``adb reverse`` listeners (one list for all its transports, as in adbd)."""

    def __init__(self, address: str, ports: PortMap) -> None:
        self.address = address
        self._ports = ports
        self._lock = threading.Lock()
        self._listeners: dict[str, _Listener] = {}

    def serve(self, stream: Stream, command: str) -> None:
        """Answer one ``reverse:COMMAND`` stream."""
        transport = stream.transport
        if not hasattr(transport, "open_stream"):
            stream.write(fail("reverse is not supported on this transport"))
            return
        stream.write(self.handle(command, transport))  # type: ignore[arg-type]

    def handle(self, command: str, transport: ReverseTransport) -> bytes:
        if command == "list-forward":
            with self._lock:
                listing = "".join(f"{entry.transport.serial} {entry.name} {entry.connect_to}\n"
                                  for entry in self._listeners.values())
            return protocol_string(listing)
        if command == "killforward-all":
            with self._lock:
                removed = list(self._listeners.values())
                self._listeners.clear()
            for listener in removed:
                self._close(listener)
            return OKAY
        if command.startswith("killforward:"):
            name = command[len("killforward:"):]
            if not name or ";" in name:
                return fail(f"bad killforward: {name}")
            with self._lock:
                dropped = self._listeners.pop(name, None)
            if dropped is None:
                return fail(f"listener '{name}' not found")
            self._close(dropped)
            return OKAY
        if command.startswith("forward:"):
            spec = command[len("forward:"):]
            no_rebind = spec.startswith("norebind:")
            spec = spec[len("norebind:"):] if no_rebind else spec
            pieces = spec.split(";")
            if len(pieces) != 2 or not pieces[0] or not pieces[1] or pieces[1].startswith("*"):
                return fail(f"bad forward: {spec}")
            return self._install(pieces[0], pieces[1], transport, no_rebind)
        return fail("not a reverse forwarding command")

    def _install(self, remote: str, local: str, transport: ReverseTransport, no_rebind: bool) -> bytes:
        with self._lock:
            existing = self._listeners.get(remote)
            if existing is not None:
                if no_rebind:
                    return fail("cannot rebind existing socket")
                existing.connect_to = local
                moved = existing.transport is not transport
                existing.transport = transport
        if existing is not None:
            if moved:  # now it lives as long as this transport
                transport.add_close_callback(lambda: self._drop_transport(transport))
            return OKAY
        port_text = remote[len("tcp:"):] if remote.startswith("tcp:") else None
        if port_text is None or not (port_text.isascii() and port_text.isdigit()) or int(port_text) > 65535:
            return fail(f"cannot bind listener: unknown socket specification '{remote}'")
        port = int(port_text)
        if port and self._ports.registered(port):  # a service of the phone holds it (frida-server, u2)
            return fail(f"cannot bind listener: {os.strerror(errno.EADDRINUSE)}")
        try:
            sock = socket.create_server((self.address, port), reuse_port=False)
        except OSError as exc:
            return fail(f"cannot bind listener: {exc.strerror or exc}")
        bound = int(sock.getsockname()[1])
        name = f"tcp:{bound}"
        listener = _Listener(name, local, transport, sock, bound)
        with self._lock:
            if name in self._listeners:  # a racing request for the same port won
                sock.close()
                return fail("cannot rebind existing socket") if no_rebind else OKAY
            self._listeners[name] = listener
        self._ports.register(bound, bound, self.address)
        transport.add_close_callback(lambda: self._drop_transport(transport))
        threading.Thread(target=self._accept_loop, args=(listener,), name=f"reverse:{name}", daemon=True).start()
        log.info("reverse %s (%s:%d) -> host %s", name, self.address, bound, local)
        return OKAY + (protocol_string(str(bound)) if port == 0 else b"")

    def _drop_transport(self, transport: ReverseTransport) -> None:
        """The host connection is gone: so are the listeners it asked for."""
        with self._lock:
            gone = [entry for entry in self._listeners.values() if entry.transport is transport]
            for listener in gone:
                del self._listeners[listener.name]
        for listener in gone:
            self._close(listener)

    def _close(self, listener: _Listener) -> None:
        listener.active = False
        self._ports.unregister(listener.port)
        with contextlib.suppress(OSError):  # wakes the accept() blocked on it, which close() does not
            listener.sock.shutdown(socket.SHUT_RDWR)
        with contextlib.suppress(OSError):
            listener.sock.close()
        log.info("reverse %s removed", listener.name)

    def close_all(self) -> None:
        with self._lock:
            gone = list(self._listeners.values())
            self._listeners.clear()
        for listener in gone:
            self._close(listener)

    def _accept_loop(self, listener: _Listener) -> None:
        while listener.active:
            try:
                conn, _ = listener.sock.accept()
            except OSError:
                return  # closed by killforward or with its transport
            threading.Thread(target=self._tunnel, args=(listener, conn), name=f"reverse:{listener.name}",
                             daemon=True).start()

    def _tunnel(self, listener: _Listener, conn: socket.socket) -> None:
        with self._lock:  # the host accepts OPENs only of what is still forwarded: never OPEN after a kill
            transport, connect_to = listener.transport, listener.connect_to
            active = listener.active
        if not active:
            conn.close()
            return
        try:
            stream = transport.open_stream(connect_to, OPEN_TIMEOUT)
        except StreamClosed as exc:
            log.info("reverse %s: the host refused %s (%s)", listener.name, connect_to, exc)
            conn.close()
            return
        bridge(stream, conn)
