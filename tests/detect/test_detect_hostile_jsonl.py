"""Hostile JSONL exports: a bad line is an error naming file, line and field; the other lines are analysed."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest
from hostile_support import IMEI, detect, jsonl_text, record, sources, write

from harness.detect.inputs import iter_jsonl_items
from harness.detect.records import check_record, parse_record
from harness.errors import DetectError

WRONG_TYPES: list[tuple[dict[str, Any], str]] = [
    ({"dest": {"host": 5, "url": None}}, "dest.host: expected a string or null, got a number"),
    ({"dest": {"host": ["a"], "url": None}}, "dest.host: expected a string or null, got a list"),
    ({"dest": {"host": {"a": 1}}}, "dest.host: expected a string or null, got an object"),
    ({"dest": {"host": True}}, "dest.host: expected a string or null, got a boolean"),
    ({"dest": {"host": "t.example", "url": 12.5}}, "dest.url: expected a string or null, got a number"),
    ({"dest": {"host": "t.example", "url": ["https://t.example/"]}}, "dest.url: expected a string or null"),
    ({"dest": {"url": {"u": "https://t.example/"}}}, "dest.url: expected a string or null, got an object"),
    ({"dest": {"port": "443"}}, "dest.port: expected an integer or null, got a string"),
    ({"dest": "t.example"}, "dest: expected an object or null, got a string"),
    ({"ts": "1.5"}, "ts: expected a number or null, got a string"),
    ({"ts": 10**400}, "ts: expected a number or null, got a number"),
    ({"id": "7"}, "id: expected an integer, got a string"),
    ({"id": None}, "id: expected an integer, got null"),
    ({"id": 1.5}, "id: expected an integer, got a number"),
    ({"kind": 3}, "kind: expected a string, got a number"),
    ({"pid": [1]}, "pid: expected an integer or null, got a list"),
    ({"stack": 5}, "stack: expected a list of strings or null, got a number"),
    ({"stack": ["a", 1]}, "stack: expected a list of strings or null, got a list"),
    ({"headers": "Cookie: a"}, "headers: expected a list of [name, value] pairs or null, got a string"),
    ({"headers": [["a", "b", "c"]]}, "headers[0]: expected a [name, value] pair of strings, got a list"),
    ({"headers": [["a", 1]]}, "headers[0]: expected a [name, value] pair of strings, got a list"),
    ({"headers": {"a": "b"}}, "headers: expected a list of [name, value] pairs or null, got an object"),
    ({"sdk": {"n": 1}}, "sdk: expected a string or null, got an object"),
    ({"data": "not base64!"}, "data: not valid base64"),
    ({"data": 17}, "data: expected a base64 string or null, got int"),
    ({"data": ["QUJD"]}, "data: expected a base64 string or null, got list"),
]


def _lines_around(bad: list[str]) -> list[str]:
    return [json.dumps(record(id=1)), *bad, json.dumps(record(id=2))]


def test_wrong_typed_fields_are_errors_naming_line_and_field(tmp_path: Path, canary_file: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    bad = [json.dumps(record(**{"id": 100 + i, **fields})) for i, (fields, _) in enumerate(WRONG_TYPES)]
    path = write(tmp_path / "types.jsonl", jsonl_text(_lines_around(bad)))
    code, findings, err = detect(capsys, "--canaries", str(canary_file), "--jsonl", str(path))
    assert code == 1
    assert sources(findings) == [1, 2]
    lines = err.splitlines()
    assert len(lines) == len(WRONG_TYPES)
    for number, (line, (_, message)) in enumerate(zip(lines, WRONG_TYPES, strict=True), 2):
        assert line.startswith(f"harness: {path}:{number}: malformed event record: {message}"), line


@pytest.mark.parametrize("fields", [
    {"dest": {"host": "t.example", "url": "http://[::1"}},
    {"dest": {"host": "[::1", "url": f"http://[::1/?imei={IMEI}"}},
    {"dest": {"host": "t.example", "url": f"https://t.example/\ud800?imei={IMEI}"}},
    {"headers": [["X-\ud800", f"{IMEI}\udc80"]]},
    {"dest": {"host": "\ud800.example", "url": None}, "data": base64.b64encode(IMEI.encode()).decode()},
])
def test_odd_but_valid_text_is_analysed(tmp_path: Path, canary_file: Path, capsys: pytest.CaptureFixture[str],
                                        fields: dict[str, Any]) -> None:
    path = write(tmp_path / "odd.jsonl", jsonl_text(_lines_around([json.dumps(record(id=5, **fields))])))
    code, findings, err = detect(capsys, "--canaries", str(canary_file), "--jsonl", str(path))
    assert (code, err) == (0, "")
    assert {1, 2} <= set(sources(findings))
    if IMEI in json.dumps(fields):
        assert 5 in sources(findings)


def test_json_nested_100000_deep_is_an_error_for_its_line(tmp_path: Path, canary_file: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    deep = "[" * 100_000 + "]" * 100_000
    nested_field = json.dumps(record(id=9)).replace('"value": null', '"value": ' + deep)
    path = write(tmp_path / "deep.jsonl", jsonl_text(_lines_around([deep, nested_field])))
    code, findings, err = detect(capsys, "--canaries", str(canary_file), "--jsonl", str(path))
    assert code == 1 and sources(findings) == [1, 2]
    assert err.splitlines() == [f"harness: {path}:2: malformed event record: invalid JSON: nested too deep",
                                f"harness: {path}:3: malformed event record: invalid JSON: nested too deep"]


def test_a_line_that_is_not_utf8_is_reported_and_still_analysed(tmp_path: Path, canary_file: Path,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    line = json.dumps(record(id=3, dest={"host": "t.example", "url": f"https://t.example/?imei={IMEI}&x=BAD"}))
    text = jsonl_text(_lines_around(["LINE"])).encode().replace(b"LINE", line.encode().replace(b"BAD", b"\xc3("))
    path = write(tmp_path / "bytes.jsonl", text)
    code, findings, err = detect(capsys, "--canaries", str(canary_file), "--jsonl", str(path))
    assert code == 1 and sources(findings) == [1, 3, 2]
    assert err == (f"harness: {path}:2: the line is not valid UTF-8 (its bytes were kept); "
                   "the record was still analysed\n")
    errors: list[DetectError] = []
    (item,) = [i for i in iter_jsonl_items(path, errors.append) if i.source.index == 3]
    assert item.parts[0].data.endswith(b"&x=\xc3(")


@pytest.mark.parametrize("text", [b"", b"[]", b"17", b'"x"', b"null", b"{", b'{"id": 1, "kind": "k"} trailing',
                                  b"[NaN]", b'{"id": Infinity, "kind": "k"}', b"\xff\xfe", b'{"id": 1e999}'])
def test_the_record_reader_raises_only_detect_errors(text: bytes) -> None:
    try:
        obj, _ = parse_record(text)
        check_record(obj)
    except DetectError as exc:
        assert str(exc)
    else:
        pytest.fail(f"{text!r} was accepted")
