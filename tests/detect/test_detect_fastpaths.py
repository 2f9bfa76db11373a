"""Fast paths give exactly what the straightforward code gives (the jsonl reader has its own file)."""

from __future__ import annotations

import dataclasses
import gzip
import json
import re
from pathlib import Path

import pytest
import reference_protobuf
from detect_support import CANARIES, http_request
from hypothesis import given, settings
from hypothesis import strategies as st

from harness.detect import decoders, inputs, parallel, protobuf
from harness.detect.detector import Detector
from harness.detect.peel import Limits
from harness.detect.structural import find_structural
from harness.testing import make_event

# hex digits -> "h", ':' and '-' kept, every other byte -> ' ': the view the shapes are defined on
HEX_VIEW = bytes(ord("h") if chr(b) in "0123456789abcdefABCDEF" else b if chr(b) in ":-" else 0x20 for b in range(256))
HEXISH = st.text("0123456789abcdefAF:- x\"=", max_size=120).map(str.encode)


@settings(max_examples=300, deadline=None)
@given(parts=st.lists(st.one_of(HEXISH, st.sampled_from([
    b"02:1a:11:f0:3c:5e", b"02-1A-11-F0-3C-5E", b"adid=38400000-8cf0-41bd-b23e-10b96e40000d",
    b"gaid:38400000-8cf0-41bd-a23e-10b96e40000d-", b"00:00:00:00:00:00"])), max_size=6))
def test_hex_shapes_equal_the_regex_search(parts: list[bytes]) -> None:
    data = b" ".join(parts)
    view = data.translate(HEX_VIEW)
    macs = [span for pattern in (rb"hh:hh:hh:hh:hh:hh", rb"hh-hh-hh-hh-hh-hh")
            for span in (m.span() for m in re.finditer(pattern, view))]
    uuids = [m.span() for m in re.finditer(rb"hhhhhhhh-hhhh-hhhh-hhhh-hhhhhhhhhhhh", view)]
    found = {(hit.start, hit.end) for hit in find_structural(data) if hit.type in ("wifi_mac", "advertising_id")}
    assert found <= set(macs) | set(uuids)
    for start, end in macs:
        standalone = (start == 0 or view[start - 1] == 0x20) and (end == len(view) or view[end] == 0x20)
        mac = data[start:end].decode().lower().replace("-", ":")
        if standalone and mac not in ("00:00:00:00:00:00", "ff:ff:ff:ff:ff:ff", "02:00:00:00:00:00"):
            assert (start, end) in found


def _capture(path: Path) -> None:
    """A JSONL capture with findings, a notice (a capped gzip body), malformed and blank lines."""
    bodies = [b"imei=352099001761481", gzip.compress(b'{"email": "aoife.byrne@example.org"}'), b"",
              b"x" * 5000, gzip.compress(b"0" * 300_000), b'{"n": "490154203237518"}']
    lines = []
    for i, body in enumerate(bodies * 20):
        event = make_event(data=http_request(f"/v1/{i}?id=9774d56d682e549c", body=body,
                                             headers={"X-Pos": "53.34381,-6.25462"} if i % 2 else {}))
        lines.append(json.dumps(dataclasses.replace(event, id=i).to_json()))
        if i % 7 == 3:
            lines.append('{"id": "broken", "data": "QUJD"}' if i % 2 else "")
    path.write_text("\n".join(lines) + "\n")


@pytest.mark.parametrize("range_bytes", [1, 3000, 1 << 20])
def test_a_worker_pool_finds_the_same_in_the_same_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                        range_bytes: int) -> None:
    monkeypatch.setattr(parallel, "RANGE_BYTES", range_bytes)
    monkeypatch.setattr(parallel, "_BLOCK", 1000)
    path = tmp_path / "capture.jsonl"
    _capture(path)
    detector = Detector(CANARIES, limits=Limits(max_layer_bytes=100_000))
    reports: tuple[list[object], list[object]] = ([], [])
    expected = list(detector.detect_items(inputs.iter_jsonl_items(path, reports[0].append), reports[1].append))
    pooled: tuple[list[object], list[object]] = ([], [])
    found = list(parallel.detect_jsonl(detector, path, 2, pooled[0].append, pooled[1].append))
    assert found == expected and expected
    assert [str(error) for error in pooled[0]] == [str(error) for error in reports[0]] and reports[0]
    assert pooled[1] == reports[1] and reports[1]  # the capped gzip body raises a notice each time


@settings(max_examples=200, deadline=None)
@given(text=st.text("ab\n", max_size=60).map(str.encode), size=st.integers(1, 20), block=st.integers(1, 9))
def test_line_ranges_cover_the_file_in_whole_lines(tmp_path_factory: pytest.TempPathFactory, text: bytes,
                                                   size: int, block: int) -> None:
    path = tmp_path_factory.mktemp("ranges") / "f.jsonl"
    path.write_bytes(text)
    ranges = list(parallel.line_ranges(path, size, block))
    assert b"".join(text[start:end] for start, end, _ in ranges) == text
    for start, _, number in ranges:
        assert start == 0 or text[start - 1:start] == b"\n"
        assert number == text[:start].count(b"\n") + 1


def _key(field: int, wire: int) -> bytes:
    return _varint((field << 3) | wire)


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        byte, n = n & 0x7F, n >> 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _message(fields: list[tuple[int, int, bytes]]) -> bytes:
    out = b""
    for field, wire, payload in fields:
        if wire == 2:
            out += _key(field, 2) + _varint(len(payload)) + payload
        elif wire == 0:
            out += _key(field, 0) + _varint(int.from_bytes(payload[:9] or b"\0", "little"))
        else:
            out += _key(field, wire) + (payload * 8)[: 8 if wire == 1 else 4].ljust(8 if wire == 1 else 4, b"\0")
    return out


MESSAGES = st.recursive(
    st.one_of(st.binary(max_size=30), st.text(max_size=20).map(str.encode)),
    lambda inner: st.lists(st.tuples(st.sampled_from([0, 1, 2, 3, 15, 16, 2047]), st.sampled_from([0, 1, 2, 2, 5]),
                                     inner), max_size=5).map(_message),
    max_leaves=20,
)


@settings(max_examples=1000, deadline=None)
@given(data=st.one_of(MESSAGES, st.binary(max_size=60), st.tuples(
    # over-long varints: a key of field 0 or a huge field number, in several bytes
    st.sampled_from([b"\x80\x00", b"\x8a\x80\x00", b"\xf8\xff\xff\xff\x7f", b"\xff" * 11]),
    st.binary(max_size=20)).map(b"".join)),
       cut=st.one_of(st.none(), st.integers(0, 80)))
def test_protobuf_flatten_equals_the_reference_parser(data: bytes, cut: int | None) -> None:
    if cut is not None:
        data = data[:cut]
    assert protobuf.flatten(data) == reference_protobuf.flatten(data)
    assert protobuf.length_delimited_fields(data) == reference_protobuf.length_delimited_fields(data)


@settings(max_examples=2000, deadline=None)
@given(data=st.binary(max_size=40), payload=st.binary(max_size=300), level=st.sampled_from([0, 1, 6, 9]))
def test_the_deflate_header_check_rejects_only_what_zlib_rejects(data: bytes, payload: bytes, level: int) -> None:
    import zlib

    inflater = zlib.decompressobj(-15)
    try:
        decodes = bool(inflater.decompress(data, 1024))
    except zlib.error:
        decodes = False
    assert decoders._deflate_may_start(data) or not decodes
    deflater = zlib.compressobj(level, zlib.DEFLATED, -15)
    stream = deflater.compress(payload) + deflater.flush()
    assert decoders._deflate_may_start(stream)
    assert decoders.decompress("deflate", stream, 1 << 20) == ((payload, False, True) if payload else None)
