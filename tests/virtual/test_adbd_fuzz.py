"""Hostile input to the virtual phone's adbd: random and mutated ADB packets.

The packet parser may only answer with its own ``ProtocolViolation`` (a HarnessError) or a clean end
of input, never allocate what a length field claims before the data is there, and a transport fed
anything must end cleanly: no exception escapes a thread, nothing is logged as an error, every
service thread finishes.  End to end, garbage on a running phone's adbd port leaves it serving.
"""

from __future__ import annotations

import contextlib
import logging
import os
import random
import socket
import threading
import time
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from harness.errors import HarnessError
from harness.virtual.adb.adbd import Stream, StreamClosed, Transport
from harness.virtual.adb.protocol import (
    A_AUTH,
    A_CLSE,
    A_CNXN,
    A_OKAY,
    A_OPEN,
    A_STLS,
    A_SYNC,
    A_VERSION,
    A_WRTE,
    HEADER,
    MAX_DATA,
    SHELL_HEADER,
    Packet,
    ProtocolViolation,
    parse_header,
    read_packet,
)
from harness.virtual.adb.services import PhoneServices
from harness.virtual.adb.shell_service import ShellRequest
from harness.virtual.adb.stream import MAX_INBOX
from harness.virtual.manager import RunningPhone
from harness.virtual.net.ports import PortMap
from tests.conftest import adb

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
KNOWN = [A_SYNC, A_CNXN, A_OPEN, A_OKAY, A_CLSE, A_WRTE, A_AUTH, A_STLS]
U32 = st.integers(0, 0xFFFFFFFF)
IDS = st.integers(0, 4)
DESTINATIONS = st.sampled_from([b"echo:", b"talk:", b"big:", b"v2:", b"hold:", b"nope:", b"", b"echo:\0x",
                                b"tcp:\xc2\xb2", b"shell,v2,raw:"]) | st.binary(max_size=40)


def _header(command: int, arg0: int, arg1: int, length: int, checksum: int, magic_ok: bool, magic: int) -> bytes:
    return HEADER.pack(command, arg0, arg1, length, checksum, command ^ 0xFFFFFFFF if magic_ok else magic)


PACKETS = st.one_of(
    st.builds(lambda c, a0, a1, d: Packet(c, a0, a1, d).encode(), st.sampled_from(KNOWN), IDS, IDS,
              st.binary(max_size=300)),
    st.builds(lambda a0, d: Packet(A_OPEN, a0, 0, d).encode(), st.integers(1, 4), DESTINATIONS),
    st.builds(lambda a0, a1, d: Packet(A_WRTE, a0, a1, d).encode(), IDS, IDS, st.binary(max_size=64)),
    st.builds(lambda a0, a1: Packet(A_OKAY, a0, a1).encode(), IDS, IDS),
    st.builds(_header, st.sampled_from(KNOWN) | U32, IDS, IDS, st.integers(0, 64) | U32, U32, st.booleans(), U32),
    st.binary(max_size=64),  # garbage
)


@st.composite
def wires(draw: st.DrawFn) -> bytes:
    """A byte stream a host might send: packets, raw headers and garbage, maybe mutated."""
    chunks = draw(st.lists(PACKETS, max_size=12))
    if draw(st.booleans()):
        chunks.insert(0, Packet(A_CNXN, A_VERSION, 4096, b"host::\0").encode())
    wire = bytearray(b"".join(chunks))
    if wire and draw(st.booleans()):
        at = draw(st.integers(0, len(wire) - 1))
        wire[at] ^= draw(st.integers(1, 255))
    if wire and draw(st.booleans()):
        del wire[draw(st.integers(0, len(wire))):]
    return bytes(wire)


class _Source:
    """``recv_exact`` over bytes, remembering the largest size it was asked for."""

    def __init__(self, data: bytes) -> None:
        self._data = data
        self.largest = 0

    def __call__(self, size: int) -> bytes:
        self.largest = max(self.largest, size)
        if len(self._data) < size:
            raise EOFError
        out, self._data = self._data[:size], self._data[size:]
        return out


# -- the pure parser -----------------------------------------------------------------------------
@FUZZ
@given(st.binary(max_size=48))
def test_parse_header_accepts_a_header_or_raises_its_own_error(raw: bytes) -> None:
    try:
        command, _arg0, _arg1, length = parse_header(raw)
    except ProtocolViolation as exc:
        assert isinstance(exc, HarnessError) and str(exc)
        return
    assert len(raw) == HEADER.size and command in KNOWN and length <= MAX_DATA


@FUZZ
@given(wires())
def test_read_packet_never_fails_otherwise_nor_asks_for_a_claimed_length(wire: bytes) -> None:
    source = _Source(wire)
    with contextlib.suppress(ProtocolViolation, EOFError):
        while True:
            packet = read_packet(source)
            assert packet.command in KNOWN and len(packet.data) <= MAX_DATA
    assert source.largest <= MAX_DATA


@FUZZ
@given(st.sampled_from(KNOWN), U32, U32, st.binary(max_size=2000))
def test_packets_round_trip(command: int, arg0: int, arg1: int, data: bytes) -> None:
    packet = Packet(command, arg0, arg1, data)
    assert read_packet(_Source(packet.encode())) == packet


def test_a_four_gigabyte_length_is_refused_from_the_header() -> None:
    source = _Source(_header(A_WRTE, 1, 1, 0xFFFFFFFF, 0, True, 0) + b"x" * 100)
    with pytest.raises(ProtocolViolation, match="4294967295 bytes is too large"):
        read_packet(source)
    assert source.largest == HEADER.size


@pytest.mark.parametrize("raw", [b"", b"CNXN", HEADER.pack(0, 0, 0, 0, 0, 0)[:23]])
def test_a_truncated_header_is_a_protocol_violation(raw: bytes) -> None:
    with pytest.raises(ProtocolViolation, match="truncated header"):
        parse_header(raw)


@FUZZ
@given(st.text(max_size=60) | st.sampled_from(["tcp:²", "tcp:", "tcp:0", "tcp:65536", "tcp:-1", "sync:",
                                                 "shell,v2,pty:", "exec:", "shell:\0"]))
def test_service_destinations_resolve_or_are_refused(destination: str) -> None:
    services = PhoneServices({}, lambda argv, pty: argv, lambda path: Path("/nonexistent") / path,
                             Path("/nonexistent"), PortMap())
    service = services.resolve(destination)
    assert service is None or callable(service)
    if destination.startswith(("shell", "exec:")):
        assert isinstance(ShellRequest.parse(destination).command, str)


# -- one transport, fed anything ---------------------------------------------------------------
class _Services:
    """A resolver with services that echo, talk, read records of any size, or hold the stream."""

    def __init__(self) -> None:
        self.running = 0
        self._lock = threading.Lock()

    def banner(self) -> str:
        return "device::ro.product.name=fuzz;features=shell_v2"

    def resolve(self, destination: str) -> Callable[[Stream], None] | None:
        service = {"echo": self._echo, "talk": self._talk, "big": self._big, "v2": self._v2,
                   "hold": self._hold}.get(destination.split(":", 1)[0])
        if service is None:
            return None

        def tracked(stream: Stream) -> None:
            with self._lock:
                self.running += 1
            try:
                service(stream)
            finally:
                with self._lock:
                    self.running -= 1
        return tracked

    @staticmethod
    def _echo(stream: Stream) -> None:
        while data := stream.read():
            stream.write(data)

    @staticmethod
    def _talk(stream: Stream) -> None:
        stream.write(b"t" * 10_000)

    @staticmethod
    def _big(stream: Stream) -> None:
        stream.read_exact(1 << 31)

    @staticmethod
    def _v2(stream: Stream) -> None:
        while True:
            _kind, size = SHELL_HEADER.unpack(stream.read_exact(SHELL_HEADER.size))
            stream.read_exact(size)

    @staticmethod
    def _hold(stream: Stream) -> None:
        while not stream.closed:
            time.sleep(0.01)


class _Errors(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@contextlib.contextmanager
def _watched() -> Iterator[tuple[list[BaseException], _Errors]]:
    """Thread exceptions that escape, and error records the adbd logs, while the block runs."""
    escaped: list[BaseException] = []
    previous = threading.excepthook
    threading.excepthook = lambda args: escaped.append(args.exc_value or RuntimeError(str(args)))
    errors = _Errors()
    logger = logging.getLogger("harness.virtual")
    logger.addHandler(errors)
    try:
        yield escaped, errors
    finally:
        logger.removeHandler(errors)
        threading.excepthook = previous


def _tcp_pair() -> tuple[socket.socket, socket.socket]:
    """Two ends of a loopback TCP connection, as the adbd's transports have."""
    with socket.create_server(("127.0.0.1", 0)) as listener:
        ours = socket.create_connection(listener.getsockname(), timeout=5)
        theirs, _ = listener.accept()
    ours.settimeout(None)
    return ours, theirs


def _feed(wire: bytes, services: _Services) -> tuple[Transport, threading.Thread]:
    ours, theirs = _tcp_pair()
    transport = Transport(theirs, services)
    serving = threading.Thread(target=transport.serve, daemon=True)
    serving.start()

    def drain() -> None:
        with contextlib.suppress(OSError):
            while ours.recv(65536):
                pass

    draining = threading.Thread(target=drain, daemon=True)
    draining.start()
    with contextlib.suppress(OSError):
        ours.sendall(wire)
        ours.shutdown(socket.SHUT_WR)
    serving.join(10)
    draining.join(10)
    ours.close()
    return transport, serving


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(wires())
def test_a_transport_fed_anything_ends_cleanly(wire: bytes) -> None:
    services = _Services()
    with _watched() as (escaped, errors):
        _transport, serving = _feed(wire, services)
        assert not serving.is_alive(), "the transport did not end at the end of its input"
        deadline = time.monotonic() + 10
        while services.running and time.monotonic() < deadline:
            time.sleep(0.01)
    assert services.running == 0, "a service thread outlived its transport"
    assert not escaped, escaped
    assert not errors.records, [r.getMessage() for r in errors.records]


def test_a_host_ignoring_flow_control_is_dropped_before_it_fills_memory() -> None:
    services = _Services()
    ours, theirs = _tcp_pair()
    transport = Transport(theirs, services)
    serving = threading.Thread(target=transport.serve, daemon=True)
    tracemalloc.start()
    try:
        serving.start()
        ours.sendall(Packet(A_CNXN, A_VERSION, 4096, b"host::\0").encode())
        ours.sendall(Packet(A_OPEN, 1, 0, b"hold:\0").encode())
        chunk = Packet(A_WRTE, 1, 1, b"w" * (256 * 1024)).encode()
        sent = 0
        with contextlib.suppress(OSError):
            while sent < 64 * 1024 * 1024:
                ours.sendall(chunk)  # never waiting for the OKAY each WRTE needs
                sent += len(chunk)
        serving.join(10)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        ours.close()
    assert not serving.is_alive()
    assert sent < 64 * 1024 * 1024, "the transport took 64 MiB of WRTEs without acknowledging them"
    assert peak < 4 * MAX_INBOX, f"peak {peak} bytes"


def test_a_record_larger_than_a_service_reads_closes_the_stream() -> None:
    ours, theirs = _tcp_pair()
    stream = Stream(Transport(theirs, _Services()), 1, 1, "big:")
    with pytest.raises(StreamClosed, match="too large"):
        stream.read_exact(1 << 32)
    ours.close()
    theirs.close()


# -- end to end ------------------------------------------------------------------------------------
def _garbage() -> Iterator[bytes]:
    rng = random.Random(9)
    cnxn = Packet(A_CNXN, A_VERSION, 4096, b"host::\0").encode()
    yield bytes(rng.getrandbits(8) for _ in range(4096))
    yield HEADER.pack(A_CNXN, 0, 0, 0, 0, 0)                        # bad magic
    yield _header(A_CNXN, A_VERSION, 4096, 0xFFFFFFFF, 0, True, 0)   # 4 GB of data announced
    yield cnxn[:10]                                                  # truncated header
    yield cnxn + b"".join(Packet(c, 7, 99, b"zz").encode() for c in (A_WRTE, A_OKAY, A_CLSE, A_SYNC, A_STLS))
    yield cnxn + Packet(A_OPEN, 1, 0, "tcp:²".encode()).encode() + Packet(A_OPEN, 2, 0, b"shell:echo \0x").encode()
    yield cnxn + Packet(A_OPEN, 3, 0, b"shell:cat\0").encode() + Packet(A_WRTE, 3, 1, b"x" * 4096).encode() * 1200
    yield cnxn + Packet(A_OPEN, 4, 0, b"sync:\0").encode() + Packet(A_WRTE, 4, 1, b"SEND\xff\xff\xff\xff").encode()
    yield cnxn + Packet(A_AUTH, 1, 0, b"token").encode()
    yield cnxn + bytes(rng.getrandbits(8) for _ in range(4096))


def test_garbage_on_a_phones_adbd_port_leaves_it_serving(fresh_phone: RunningPhone) -> None:
    silent = socket.create_connection(("127.0.0.1", fresh_phone.port), timeout=5)  # never sends its CNXN
    try:
        for wire in _garbage():
            with socket.create_connection(("127.0.0.1", fresh_phone.port), timeout=5) as conn, \
                    contextlib.suppress(OSError):
                conn.sendall(wire)
                conn.shutdown(socket.SHUT_WR)
                while conn.recv(65536):
                    pass
        out = adb("shell", "echo ok", serial=fresh_phone.serial)
        assert out.stdout.strip() == "ok"
    finally:
        silent.close()
    os.kill(fresh_phone.pid, 0)  # the daemon is alive
    log_text = Path(fresh_phone.log).read_text(encoding="utf-8", errors="replace")
    assert "dropping transport" in log_text
    assert "Traceback" not in log_text and "Exception in thread" not in log_text, log_text[-3000:]
