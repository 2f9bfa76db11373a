"""PCAPdroid's path: PCAP files written by scapy (an independent implementation of the formats) read
as connections; imported into a run as net.connect events (source: pcap) stamped by variant and step;
hostile files refused or skipped, never a traceback.  PCAPdroid itself cannot run here: its control
requests are checked as argument lists and against a phone that lacks it (the virtual phone)."""

from __future__ import annotations

import re
import struct
from pathlib import Path

import pytest
from scapy.layers.dns import DNS, DNSQR, DNSRR
from scapy.layers.inet import IP, TCP, UDP
from scapy.layers.inet6 import IPv6
from scapy.layers.l2 import Ether
from scapy.layers.tls.extensions import ServerName, TLS_Ext_ServerName
from scapy.layers.tls.handshake import TLSClientHello
from scapy.layers.tls.record import TLS
from scapy.packet import Packet, Raw
from scapy.utils import PcapWriter, wrpcap

from harness.capture.pcap_import import read_pcap
from harness.capture.pcapdroid import CONTROL, PcapDroid, control_argv
from harness.cli import main
from harness.device.device import Device
from harness.errors import ConfigError, DeviceError
from harness.record.reader import iter_events
from harness.virtual.manager import RunningPhone
from tests.compare.compare_support import make_run, request

PHONE, TRACKER, RESOLVER = "10.215.173.1", "203.0.113.7", "10.215.173.2"


def hello(name: str) -> Packet:
    return TLS(msg=[TLSClientHello(ext=[TLS_Ext_ServerName(servernames=[ServerName(servername=name.encode())])])])


def traffic(t0: float) -> list[Packet]:
    packets = [
        IP(src=RESOLVER, dst=PHONE) / UDP(sport=53, dport=40000) / DNS(
            qr=1, qd=DNSQR(qname="analytics.tracker.example"), an=DNSRR(rrname="analytics.tracker.example",
                                                                      type="A", rdata=TRACKER)),
        IP(src=PHONE, dst=TRACKER) / TCP(sport=41000, dport=80, flags="S"),
        IP(src=TRACKER, dst=PHONE) / TCP(sport=80, dport=41000, flags="SA"),  # not a connection of the phone
        IP(src=PHONE, dst=TRACKER) / TCP(sport=41000, dport=80, flags="PA") / Raw(b"GET / HTTP/1.1\r\n\r\n"),
        IP(src=PHONE, dst="198.51.100.20") / TCP(sport=41001, dport=443, flags="S"),
        IP(src=PHONE, dst="198.51.100.20") / TCP(sport=41001, dport=443, flags="PA") / hello("cdn.example.org"),
        IPv6(src="fd00::1", dst="2001:db8::5") / UDP(sport=42000, dport=9000) / Raw(b"beacon"),
        IP(src=PHONE, dst=TRACKER, flags="MF", frag=0) / Raw(b"x" * 4),  # no transport header: skipped
    ]
    for number, packet in enumerate(packets):
        packet.time = t0 + number
    return packets


def write(path: Path, packets: list[Packet], linktype: int = 101) -> Path:
    wrpcap(str(path), packets, linktype=linktype)
    return path


def test_connections_with_their_hosts(tmp_path: Path) -> None:
    summary = read_pcap(write(tmp_path / "raw.pcap", traffic(1_800_000_000.0)))
    seen = [(f.proto, f.dst, f.host, f.first_ts) for f in summary.flows]
    assert seen == [
        ("tcp", (TRACKER, 80), "analytics.tracker.example", 1_800_000_001.0),  # the DNS answer named it
        ("tcp", ("198.51.100.20", 443), "cdn.example.org", 1_800_000_004.0),  # the ClientHello's SNI
        ("udp", ("2001:db8::5", 9000), None, 1_800_000_006.0),
    ]
    assert summary.flows[0].sent == len(b"GET / HTTP/1.1\r\n\r\n") and summary.packets == 8
    assert summary.skipped == 1


def test_ethernet_and_nanosecond_captures(tmp_path: Path) -> None:
    framed = []
    for packet in traffic(1_800_000_000.5):
        frame = Ether() / packet
        frame.time = packet.time
        framed.append(frame)
    path = tmp_path / "eth.pcap"
    with PcapWriter(str(path), linktype=1, nano=True) as writer:
        for packet in framed:
            writer.write(packet)
    summary = read_pcap(path)
    assert [f.dst for f in summary.flows] == [(TRACKER, 80), ("198.51.100.20", 443), ("2001:db8::5", 9000)]
    assert summary.flows[0].first_ts == pytest.approx(1_800_000_001.5)


def test_import_into_a_run_stamps_variant_and_step(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run = make_run(tmp_path / "r.run", {"pre_consent": [request("pre_consent", 1, b"x")]},
                   consent={"pre_consent": "withheld"})
    (started,) = {e.ts for e in iter_events(run)}
    pcap = write(tmp_path / "c.pcap", traffic(started - 0.5))  # the DNS answer before, connections during
    assert main(["pcap", "import", str(run), str(pcap)]) == 0
    assert "3 connections added" in capsys.readouterr().out
    imported = [e for e in iter_events(run) if e.source == "pcap"]
    assert [e.kind for e in imported] == ["net.connect"] * 3
    assert imported[0].dest is not None and imported[0].dest.host == "analytics.tracker.example"
    assert {e.variant for e in imported if e.ts <= started + 0.1} <= {"pre_consent", None}


@pytest.mark.parametrize(("content", "message"), [
    (b"", "not a PCAP file (too short)"),
    (b"\x0a\x0d\x0d\x0a" + b"\x00" * 40, "a PCAPNG file"),
    (b"GIF89a" + b"\x00" * 40, "not a PCAP file (magic"),
    (struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 101) + struct.pack("<IIII", 0, 0, 10_000_000, 0),
     "a packet record of 10000000 bytes"),
])
def test_hostile_files_are_refused_with_the_reason(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "bad.pcap"
    path.write_bytes(content)
    with pytest.raises(ConfigError, match=re.escape(message)):
        read_pcap(path)


def test_a_capture_cut_short_keeps_what_was_read(tmp_path: Path) -> None:
    path = write(tmp_path / "cut.pcap", traffic(1_800_000_000.0))
    data = path.read_bytes()
    path.write_bytes(data[:-10])  # into the last packet's record
    summary = read_pcap(path)
    assert summary.packets == 7 and len(summary.flows) == 3  # everything before the cut


def test_truncated_and_garbage_packets_never_raise(tmp_path: Path) -> None:
    packets = [Raw(bytes([0x45]) + bytes(range(200))), Raw(b"\x60" + b"\xff" * 39), Raw(b"\x45\x00"), Raw(b"")]
    summary = read_pcap(write(tmp_path / "garbage.pcap", packets))
    assert summary.packets == 4
    assert summary.skipped + len(summary.flows) == 4  # each packet read: a connection, or skipped and counted
    assert summary.skipped >= 3  # the short and empty ones cannot be a connection


def test_control_requests_are_pcapdroids_documented_extras() -> None:
    assert control_argv("start", name="t.pcap", app="com.example.messenger") == [
        "am", "start", "-e", "action", "start", "-e", "pcap_dump_mode", "pcap_file", "-e", "pcap_name", "t.pcap",
        "-e", "app_filter", "com.example.messenger", "-e", "block_quic", "true", "-n", CONTROL]
    assert control_argv("stop") == ["am", "start", "-e", "action", "stop", "-n", CONTROL]
    with pytest.raises(ConfigError, match=r"a file name ending in \.pcap"):
        control_argv("start", name="../../x.pcap")


def test_a_phone_without_pcapdroid_is_told_what_to_install(phone: RunningPhone) -> None:
    with pytest.raises(DeviceError, match="PCAPdroid is not installed"):
        PcapDroid(Device.connect(phone.serial)).start()
