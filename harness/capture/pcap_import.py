"""Connections out of a PCAP file (PCAPdroid's, tcpdump's) as ``net.connect`` events with ``source: pcap``.

A third capture path that needs no root and no hooks: the network as the phone's VPN service (or
a root capture) saw it.  Each TCP connection the phone opened (its SYN) and each UDP flow (its
first datagram) becomes one ``net.connect`` event at the packet's time, with the destination IP
and port, and the host name when the capture shows it: the TLS ClientHello's SNI, else the DNS
answer that gave that address earlier in the capture.  Payloads are not kept (a PCAP of a whole
phone is mostly other apps' traffic); the event's ``data_len`` counts the bytes the flow sent.

Read: classic PCAP (microsecond and nanosecond, either byte order) with link types Ethernet (1,
VLAN tags skipped), raw IP (12, 14, 101, 228, 229) and Linux cooked captures (113, 276).  PCAPNG
(PCAPdroid's paid format) is refused with a message saying so.  The file is hostile input: every
length is checked; a packet that is not TCP/UDP over IP (or is damaged) is skipped and counted,
never a traceback; at most ``MAX_PACKETS`` packets and ``MAX_FLOWS`` flows are read.
"""

from __future__ import annotations

import ipaddress
import struct
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from harness.errors import ConfigError
from harness.events import Dest, Event

MAX_PACKETS = 5_000_000
MAX_FLOWS = 200_000
_MAX_PACKET = 262_144
_RAW = {12, 14, 101, 228, 229}
_TLS_PORTS = {443, 8443, 853}


@dataclass
class Flow:
    proto: str
    src: tuple[str, int]
    dst: tuple[str, int]
    first_ts: float
    host: str | None = None
    sent: int = 0


@dataclass
class PcapSummary:
    flows: list[Flow] = field(default_factory=list)
    packets: int = 0
    skipped: int = 0
    linktype: int = 0


def _header(handle: BinaryIO, origin: str) -> tuple[struct.Struct, float, int]:
    """The record header's layout, the timestamp unit and the link type of a PCAP file."""
    header = handle.read(24)
    if len(header) < 24:
        raise ConfigError(f"{origin}: not a PCAP file (too short)")
    magic = header[:4]
    if magic == b"\x0a\x0d\x0d\x0a":
        raise ConfigError(f"{origin}: a PCAPNG file; export it as PCAP (PCAPdroid: pcapng_format off, the default)")
    formats = {b"\xd4\xc3\xb2\xa1": ("<", 1e-6), b"\xa1\xb2\xc3\xd4": (">", 1e-6),
               b"\x4d\x3c\xb2\xa1": ("<", 1e-9), b"\xa1\xb2\x3c\x4d": (">", 1e-9)}
    if magic not in formats:
        raise ConfigError(f"{origin}: not a PCAP file (magic {magic.hex()})")
    order, unit = formats[magic]
    return struct.Struct(order + "IIII"), unit, struct.unpack(order + "I", header[20:24])[0] & 0x0FFFFFFF


def _packets(handle: BinaryIO, origin: str, record: struct.Struct, unit: float) -> Iterator[tuple[float, bytes]]:
    while True:
        head = handle.read(16)
        if len(head) < 16:
            return
        seconds, fraction, captured, _original = record.unpack(head)
        if captured > _MAX_PACKET:
            raise ConfigError(f"{origin}: a packet record of {captured} bytes: the file is damaged")
        data = handle.read(captured)
        if len(data) < captured:
            return  # cut short: what was read stays
        yield seconds + fraction * unit, data


def _network_layer(linktype: int, frame: bytes) -> bytes | None:
    if linktype in _RAW:
        return frame
    if linktype == 1:  # Ethernet, VLAN tags skipped
        offset, ethertype = 12, 0
        while offset + 2 <= len(frame):
            ethertype = int.from_bytes(frame[offset:offset + 2], "big")
            offset += 2
            if ethertype not in (0x8100, 0x88A8):
                break
            offset += 2
        return frame[offset:] if ethertype in (0x0800, 0x86DD) else None
    if linktype == 113:
        return frame[16:] if int.from_bytes(frame[14:16], "big") in (0x0800, 0x86DD) else None
    if linktype == 276:
        return frame[20:] if int.from_bytes(frame[0:2], "big") in (0x0800, 0x86DD) else None
    return None


def _transport(packet: bytes) -> tuple[str, str, str, bytes] | None:
    """(proto, src ip, dst ip, transport bytes) of an IPv4/IPv6 packet carrying TCP or UDP."""
    if not packet:
        return None
    version = packet[0] >> 4
    if version == 4 and len(packet) >= 20:
        ihl = (packet[0] & 0x0F) * 4
        if ihl < 20 or len(packet) < ihl or int.from_bytes(packet[6:8], "big") & 0x1FFF:
            return None  # a later fragment carries no ports
        proto, src, dst, rest = packet[9], packet[12:16], packet[16:20], packet[ihl:]
    elif version == 6 and len(packet) >= 40:
        proto, src, dst, rest = packet[6], packet[8:24], packet[24:40], packet[40:]
        while proto in (0, 43, 60, 44) and len(rest) >= 8:  # extension headers
            if proto == 44 and int.from_bytes(rest[2:4], "big") & 0xFFF8:
                return None
            proto, rest = rest[0], rest[8 if proto == 44 else (rest[1] + 1) * 8:]
    else:
        return None
    name = {6: "tcp", 17: "udp"}.get(proto)
    if name is None:
        return None
    return name, str(ipaddress.ip_address(src)), str(ipaddress.ip_address(dst)), rest


def _sni(payload: bytes) -> str | None:
    """The server name of a TLS ClientHello at the start of ``payload`` (None if it is not one)."""
    try:
        if len(payload) < 43 or payload[0] != 0x16 or payload[5] != 0x01:
            return None
        at = 9 + 2 + 32  # record header, handshake header, version, random
        at += 1 + payload[at]  # session id
        at += 2 + int.from_bytes(payload[at:at + 2], "big")  # cipher suites
        at += 1 + payload[at]  # compression methods
        end = at + 2 + int.from_bytes(payload[at:at + 2], "big")
        at += 2
        while at + 4 <= min(end, len(payload)):
            kind, size = int.from_bytes(payload[at:at + 2], "big"), int.from_bytes(payload[at + 2:at + 4], "big")
            body = payload[at + 4:at + 4 + size]
            if kind == 0 and len(body) >= 5 and body[2] == 0:
                length = int.from_bytes(body[3:5], "big")
                name = body[5:5 + length].decode("ascii", "strict")
                return name.lower() if name and all(c.isalnum() or c in "-._" for c in name) else None
            at += 4 + size
    except (IndexError, UnicodeDecodeError):
        return None
    return None


def _dns_answers(payload: bytes) -> list[tuple[str, str]]:
    """(name, address) of the A/AAAA answers of a DNS response (the question's name)."""
    try:
        if len(payload) < 12 or not payload[2] & 0x80:
            return []
        questions, answers = int.from_bytes(payload[4:6], "big"), int.from_bytes(payload[6:8], "big")
        at, labels = 12, []
        while payload[at]:
            if payload[at] & 0xC0:
                return []
            labels.append(payload[at + 1:at + 1 + payload[at]].decode("ascii"))
            at += 1 + payload[at]
        at += 5
        if questions != 1:
            return []  # several questions (or none): unusual, not trusted
        name, found = ".".join(labels).lower(), []
        for _ in range(min(answers, 64)):
            while payload[at] and not payload[at] & 0xC0:
                at += 1 + payload[at]
            at += 2 if payload[at] & 0xC0 else 1
            kind, size = int.from_bytes(payload[at:at + 2], "big"), int.from_bytes(payload[at + 8:at + 10], "big")
            data = payload[at + 10:at + 10 + size]
            if (kind, size) in ((1, 4), (28, 16)) and len(data) == size:
                found.append((name, str(ipaddress.ip_address(data))))
            at += 10 + size
        return found
    except (IndexError, UnicodeDecodeError, ValueError):
        return []


def read_pcap(path: Path) -> PcapSummary:
    """The connections in the PCAP at ``path`` (see the module docstring)."""
    summary = PcapSummary()
    flows: dict[tuple[str, str, int, str, int], Flow] = {}
    names: dict[str, str] = {}
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the PCAP file: {exc.strerror or exc}") from exc
    with handle:
        record, unit, linktype = _header(handle, str(path))
        summary.linktype = linktype
        for ts, frame in _packets(handle, str(path), record, unit):
            summary.packets += 1
            if summary.packets > MAX_PACKETS:
                raise ConfigError(f"{path}: more than {MAX_PACKETS} packets; split the capture")
            packet = _network_layer(linktype, frame)
            parsed = _transport(packet) if packet is not None else None
            if parsed is None or len(parsed[3]) < 8:
                summary.skipped += 1  # not TCP/UDP over IP, a later fragment, or damaged
                continue
            proto, src, dst, segment = parsed
            sport, dport = int.from_bytes(segment[0:2], "big"), int.from_bytes(segment[2:4], "big")
            if proto == "tcp":
                offset = (segment[12] >> 4) * 4 if len(segment) >= 13 else 20
                payload, flags = segment[offset:], segment[13] if len(segment) > 13 else 0
            else:
                payload, flags = segment[8:], 0
            if proto == "udp" and sport == 53:
                names.update((address, name) for name, address in _dns_answers(payload))
            key = (proto, src, sport, dst, dport)
            flow = flows.get(key)
            opening = proto == "udp" or (flags & 0x02 and not flags & 0x10)  # a SYN, not a SYN-ACK
            if flow is None and opening and not (proto == "udp" and sport == 53):
                if len(flows) >= MAX_FLOWS:
                    raise ConfigError(f"{path}: more than {MAX_FLOWS} connections; split the capture")
                flow = flows[key] = Flow(proto, (src, sport), (dst, dport), ts, names.get(dst))
                summary.flows.append(flow)
            if flow is not None:
                flow.sent += len(payload)
                if flow.host is None and payload and dport in _TLS_PORTS:
                    flow.host = _sni(payload) or flow.host
    return summary


def connect_events(summary: PcapSummary, *, process: str = "(pcap)") -> list[Event]:
    """One ``net.connect`` event per flow (ids 0: the store numbers them)."""
    return [Event(id=0, ts=flow.first_ts, kind="net.connect", api=f"pcap:{flow.proto}", process=process, pid=0,
                  dest=Dest(host=flow.host, ip=flow.dst[0], port=flow.dst[1], scheme=flow.proto),
                  data_len=flow.sent, source="pcap") for flow in summary.flows]
