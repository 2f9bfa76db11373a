"""The ADB device transport protocol: packet framing shared by the virtual phone's adbd.

Every packet is a 24-byte little-endian header (command, arg0, arg1, data length, data checksum,
magic = command ^ 0xffffffff) followed by the data.  From protocol version 0x01000001 on, the
checksum may be zero and is not verified, so we neither check nor compute it on receipt.

A peer is untrusted: ``parse_header`` and ``read_packet`` raise ``ProtocolViolation`` for anything
that is not a packet (a short header, a bad magic, an unknown command, a length over ``MAX_DATA``),
before any buffer of the announced length exists.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from dataclasses import dataclass

from harness.errors import VirtualPhoneError

A_SYNC = 0x434E5953
A_CNXN = 0x4E584E43
A_OPEN = 0x4E45504F
A_OKAY = 0x59414B4F
A_CLSE = 0x45534C43
A_WRTE = 0x45545257
A_AUTH = 0x48545541
A_STLS = 0x534C5453

#: Protocol version we answer with: checksums are optional from this version on.
A_VERSION = 0x01000001
#: The largest WRTE payload we accept; the host's own limit (from its CNXN) caps what we send.
MAX_PAYLOAD = 256 * 1024
#: The largest packet data we read from a peer (the host never sends more than it announced).
MAX_DATA = MAX_PAYLOAD * 4
HEADER = struct.Struct("<6I")

COMMAND_NAMES = {
    A_SYNC: "SYNC", A_CNXN: "CNXN", A_OPEN: "OPEN", A_OKAY: "OKAY",
    A_CLSE: "CLSE", A_WRTE: "WRTE", A_AUTH: "AUTH", A_STLS: "STLS",
}


class ProtocolViolation(VirtualPhoneError):
    """The peer sent something that is not a valid ADB packet; the connection must be dropped."""


@dataclass(frozen=True)
class Packet:
    command: int
    arg0: int
    arg1: int
    data: bytes = b""

    @property
    def name(self) -> str:
        return COMMAND_NAMES.get(self.command, hex(self.command))

    def encode(self) -> bytes:
        checksum = sum(self.data) & 0xFFFFFFFF
        header = HEADER.pack(
            self.command, self.arg0, self.arg1, len(self.data), checksum, self.command ^ 0xFFFFFFFF
        )
        return header + self.data


def parse_header(raw: bytes) -> tuple[int, int, int, int]:
    """Validate a header; return (command, arg0, arg1, data length) or raise ProtocolViolation."""
    if len(raw) != HEADER.size:
        raise ProtocolViolation(f"truncated header: {len(raw)} of {HEADER.size} bytes")
    command, arg0, arg1, length, _checksum, magic = HEADER.unpack(raw)
    if magic != command ^ 0xFFFFFFFF:
        raise ProtocolViolation(f"bad magic {magic:#x} for command {command:#x}")
    if command not in COMMAND_NAMES:
        raise ProtocolViolation(f"unknown command {command:#x}")
    if length > MAX_DATA:  # the host never sends more than it announced; be lenient, not naive
        raise ProtocolViolation(f"payload of {length} bytes is too large (at most {MAX_DATA})")
    return command, arg0, arg1, length


def read_packet(recv_exact: Callable[[int], bytes]) -> Packet:
    """The next packet from ``recv_exact(n)`` (exactly n bytes, or EOFError at the end of input).

    Raises ProtocolViolation for anything that is not a packet; the data is read only once the
    header was accepted, so a length field never allocates more than ``MAX_DATA``.
    """
    command, arg0, arg1, length = parse_header(recv_exact(HEADER.size))
    data = recv_exact(length) if length else b""
    if len(data) != length:
        raise ProtocolViolation(f"truncated data: {len(data)} of {length} bytes")
    return Packet(command, arg0, arg1, data)


# --- shell protocol v2 (inside a shell,v2 stream): 1-byte id + 4-byte length + data ---
SHELL_STDIN = 0
SHELL_STDOUT = 1
SHELL_STDERR = 2
SHELL_EXIT = 3
SHELL_CLOSE_STDIN = 4
SHELL_WINDOW_SIZE = 5
SHELL_HEADER = struct.Struct("<BI")


def shell_packet(packet_id: int, data: bytes) -> bytes:
    return SHELL_HEADER.pack(packet_id, len(data)) + data
