from __future__ import annotations

import json
from pathlib import Path

import pytest
from detect_support import DETECTOR

from harness.detect import CanarySet, Detector, inputs, jsonstream
from harness.errors import DetectError
from harness.testing import make_event


def _har_text() -> str:
    entries = [{"request": {"url": f"https://t.example/{i}?imei=352099001761481", "headers": [],
                            "cookies": [], "bodySize": 12345}, "time": 1234.5678} for i in range(5)]
    return json.dumps({"log": {"version": "1.2", "pages": [{"id": "p", "n": 987654321}], "entries": entries},
                       "extra": [1.25, {"x": None}]})


@pytest.mark.parametrize("chunk", [3, 7, 64, 1 << 20])
def test_har_is_read_incrementally_whatever_the_chunk(tmp_path: Path, chunk: int,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(jsonstream, "_CHUNK", chunk)
    path = tmp_path / "a.har"
    path.write_text(_har_text(), encoding="utf-8")
    errors: list[DetectError] = []
    items = list(inputs.iter_har_entries(path, errors.append))
    assert errors == []
    assert [item.source.index for item in items] == [0, 1, 2, 3, 4]
    findings = list(DETECTOR.detect_items(items))
    assert {(f.source.to_json()["har_entry"], f.type, f.where) for f in findings} == {
        (i, "imei", "url") for i in range(5)}


def test_har_without_entries_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "x.har"
    path.write_text('{"log": {"version": "1.2"}}', encoding="utf-8")
    with pytest.raises(DetectError, match=r"no log\.entries"):
        list(inputs.iter_har_entries(path, lambda e: None))


def test_detector_without_canaries_still_reports_structure() -> None:
    detector = Detector(CanarySet())
    event = make_event(data=b"POST / HTTP/1.1\r\nHost: a.example\r\n\r\nimei=490154203237518")
    assert [(f.type, f.confidence) for f in detector.detect([event])] == [("imei", "structural")]


def test_raw_header_values_are_matched_as_the_bytes_that_were_sent() -> None:
    from harness.detect.items import item_from_event

    name = "Ciarán Ó Dálaigh".encode()
    request = (b"POST /x HTTP/1.1\r\nHost: a.example\r\nX-Name: " + name + b"\r\nCookie: n=" + name
               + b"; z=1\r\nContent-Encoding: GZIP\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n")
    item = item_from_event(make_event(data=request))
    assert item is not None
    parts = {part.where: part for part in item.parts}
    assert parts["header:x-name"].data == name and parts["cookie:n"].data == name  # UTF-8, not mojibake
    assert parts["body"].data == b"abc" and parts["body"].content_encoding == "gzip"
