"""Limits that bite are never silent: a decompression budget per input, and large bodies scanned to the end."""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import multiprocessing
from pathlib import Path

import pytest
from detect_support import CANARIES, DETECTOR
from hostile_support import IMEI, detect, har_entry, write
from hypothesis import given, settings
from hypothesis import strategies as st

from harness.detect import Detector, EgressItem, EgressPart, Limits, Notice, Source
from harness.detect import budget as budget_module
from harness.detect.budget import DecompressionBudget
from harness.detect.peel import windows

ANDROID_ID = "9774d56d682e549c"
_MIB = 1 << 20


@pytest.fixture(scope="module")
def bomb() -> bytes:
    """gzip of gzip of 80 MiB of zeros: 300 bytes that inflate to 64 MiB (the per-layer cap) each."""
    return gzip.compress(gzip.compress(b"\0" * (80 * _MIB), 9), 9)


def _bomb_har(path: Path, bomb: bytes, count: int) -> Path:
    entries = [har_entry(f"https://b.example/{i}", headers=[{"name": "Content-Encoding", "value": "gzip"}],
                         post={"text": base64.b64encode(bomb).decode(), "encoding": "base64"})
               for i in range(count)]
    hidden = base64.b64encode(gzip.compress(json.dumps({"android_id": ANDROID_ID}).encode())).decode()
    entries.append(har_entry(f"https://t.example/?imei={IMEI}", post={"text": hidden, "encoding": "base64"}))
    return write(path, json.dumps({"log": {"entries": entries}}))


def test_a_capture_of_bombs_spends_one_budget_then_is_analysed_undecompressed(
        tmp_path: Path, canary_file: Path, capsys: pytest.CaptureFixture[str], bomb: bytes,
        monkeypatch: pytest.MonkeyPatch) -> None:
    har = _bomb_har(tmp_path / "bombs.har", bomb, 100)
    assert har.stat().st_size < 70_000
    monkeypatch.setattr(budget_module, "BASE_BYTES", 16 * _MIB)  # the real 256 MiB takes four bombs
    code, findings, err = detect(capsys, "--canaries", str(canary_file), "--har", str(har))
    assert code == 1
    spent = [line for line in err.splitlines() if "decompression budget" in line]
    assert len(spent) == 1 and spent[0].startswith("harness: limit: entry 0: body: the decompression budget of "
                                                   f"this input ({16 * _MIB + 16 * har.stat().st_size} bytes")
    # the last entry was still analysed, but not decompressed: its URL leak is found, its gzip'd one is not
    assert [(f["type"], f["where"]) for f in findings] == [("imei", "url")]
    monkeypatch.setattr(budget_module, "BASE_BYTES", 64 * _MIB)  # room for the small gzip body, not for a bomb
    few = _bomb_har(tmp_path / "few.har", bomb, 0)
    code, findings, err = detect(capsys, "--canaries", str(canary_file), "--har", str(few))
    assert (code, err) == (0, "")
    assert {(f["type"], f["encoding"]) for f in findings} == {("imei", "plain"), ("android_id", "gzip>plain")}


def test_the_budget_is_one_counter_across_forked_workers() -> None:
    shared = DecompressionBudget(1000, shared=True)
    context = multiprocessing.get_context("fork")
    children = [context.Process(target=shared.charge, args=(300,)) for _ in range(3)]
    for child in children:
        child.start()
    for child in children:
        child.join()
    assert shared.remaining == 100
    assert not shared.first_exhaustion()
    shared.charge(100)
    assert shared.first_exhaustion() and not shared.first_exhaustion()  # reported once
    local = DecompressionBudget.for_input(10)
    assert local.remaining == budget_module.BASE_BYTES + 160


def test_a_canary_after_64_mib_of_padding_is_found(tmp_path: Path, canary_file: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    padding = "x" * (Limits().max_input_bytes + 1)
    har = write(tmp_path / "padded.har", json.dumps({"log": {"entries": [
        har_entry("https://t.example/upload", post={"mimeType": "text/plain", "text": f"{padding}&imei={IMEI}"})]}}))
    code, findings, err = detect(capsys, "--canaries", str(canary_file), "--har", str(har))
    assert (code, err) == (0, "")
    assert [(f["type"], f["where"], f["encoding"]) for f in findings] == [("imei", "body", "plain")]


@pytest.mark.parametrize("form", ["plain", "sha256"])
def test_a_canary_across_a_window_boundary_is_found(form: str) -> None:
    detector = Detector(CANARIES, limits=Limits(max_input_bytes=_MIB))
    value = IMEI.encode() if form == "plain" else hashlib.sha256(IMEI.encode()).hexdigest().encode()
    for offset in range(-len(value), 1, 3):  # the value ends at, or runs across, the first window's end
        start = _MIB + offset
        body = b"x" * start + b" " + value + b" " + b"y" * (3 * _MIB)
        item = EgressItem(Source("event_id", 1), "t.example", (EgressPart("body", body),))
        notices: list[Notice] = []
        found = {(f.type, f.encoding) for f in detector.scan_item(item, notices.append)}
        assert found == {("imei", form)} and notices == [], offset


@settings(max_examples=200, deadline=None)
@given(length=st.integers(0, 400), size=st.integers(8, 64), overlap=st.integers(0, 40))
def test_windows_cover_every_span_of_the_overlap(length: int, size: int, overlap: int) -> None:
    data = bytes(i % 251 for i in range(length))
    found = list(windows(data, size, overlap))
    parts = [part for part, _ in found]
    assert all(len(part) <= size for part in parts) and parts[-1] == data[len(data) - len(parts[-1]):]
    assert [edge is None for _, edge in found] == [False] * (len(found) - 1) + [True]
    reach = min(overlap, size // 2)
    start = 0
    for part, edge in found:  # each span of ``reach`` bytes is whole in the window its start is left to
        stop = start + (edge if edge is not None else len(part))
        for position in range(start, stop):
            span = data[position:position + reach]
            assert part[position - start:position - start + reach] == span
        start = stop


def test_the_default_overlap_is_the_longest_form() -> None:
    assert DETECTOR.overlap >= max(map(len, DETECTOR.matcher.patterns)) >= 128  # SHA-512 hex
