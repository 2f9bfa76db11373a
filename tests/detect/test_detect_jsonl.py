"""The streaming JSONL reader gives exactly what parsing each whole line with ``json.loads`` gives."""

from __future__ import annotations

import base64
import binascii
import dataclasses
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from harness.detect import inputs, jsonl
from harness.errors import ConfigError, DetectError
from harness.events import Event


def _reference(path: Path) -> list[Event | int]:
    """The straightforward reading: the whole line parsed, then ``data`` decoded (line number on error)."""
    out: list[Event | int] = []
    for number, line in enumerate(path.read_bytes().splitlines(keepends=True), 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
            if not isinstance(obj, dict):
                raise ValueError("not a JSON object")
            encoded = obj.pop("data", None)
            data = base64.b64decode(encoded, validate=True) if encoded is not None else None
            event = Event.from_json(obj)
            out.append(dataclasses.replace(event, data=data) if data is not None else event)
        except (ConfigError, ValueError, TypeError, binascii.Error):
            out.append(number)
    return out


def _streamed(path: Path) -> list[Event | int]:
    errors: list[DetectError] = []
    out: list[Event | int] = list(inputs.iter_jsonl_events(path, errors.append))
    out.extend(int(str(error).removeprefix(f"{path}:").split(":")[0]) for error in errors)
    return out


def _value(payload: bytes, style: str) -> str:
    text = base64.b64encode(payload).decode()
    if style == "escaped":
        return text.replace("/", "\\/").replace("A", "\\u0041")
    if style == "bad-char":
        return text[: len(text) // 2] + "!" + text[len(text) // 2:]
    if style == "bad-then-escaped":
        return "!" + text.replace("/", "\\/")
    if style == "inner-padding":
        return base64.b64encode(payload[:4]).decode() + "==" + text
    if style == "unpadded":
        return text.rstrip("=")
    return text


def _line(payload: bytes, style: str, order: str, spaces: str) -> bytes:
    value = _value(payload, style)
    fields = f'"id":7,{spaces}"kind":"tls.write",{spaces}"dest":{{"host":"h.example","data":"QUJD"}}'
    data = f'"data"{spaces}:{spaces}"{value}"'
    if order == "first":
        body = f"{data},{spaces}{fields}"
    elif order == "duplicate":
        body = f'{fields},"data":"QUJDRA==",{data}'
    elif order == "duplicate-later":
        body = f'{fields},{data},"data":"QUJDRA=="'
    elif order == "null":
        body = f'{fields},"data":null'
    elif order == "nested-only":
        body = fields
    else:
        body = f"{fields},{spaces}{data},{spaces}\"headers\":[[\"a\\\\\",\"b\"]]"
    return ("{" + body + "}").encode()


LINES = st.builds(
    _line,
    payload=st.binary(max_size=300),
    style=st.sampled_from(["plain", "plain", "escaped", "bad-char", "bad-then-escaped", "inner-padding", "unpadded"]),
    order=st.sampled_from(["last", "first", "duplicate", "duplicate-later", "null", "nested-only"]),
    spaces=st.sampled_from(["", " ", "  \t"]),
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lines=st.lists(st.one_of(LINES, st.sampled_from([b"", b"[1]", b"{", b'{"data":"QUJD', b"  "])),
                      min_size=1, max_size=6),
       piece=st.sampled_from([8, 13, 64, 1 << 18]), final_newline=st.booleans())
def test_streamed_reading_equals_whole_line_parsing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                    lines: list[bytes], piece: int, final_newline: bool) -> None:
    monkeypatch.setattr(jsonl, "PIECE", piece)
    path = tmp_path / "events.jsonl"
    path.write_bytes(b"\n".join(lines) + (b"\n" if final_newline else b""))
    expected = _reference(path)
    got = _streamed(path)
    assert [e for e in got if isinstance(e, Event)] == [e for e in expected if isinstance(e, Event)]
    assert sorted(e for e in got if isinstance(e, int)) == sorted(e for e in expected if isinstance(e, int))


def test_a_long_record_is_decoded_in_pieces(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(jsonl, "PIECE", 1024)
    payload = bytes(range(256)) * 400
    event = Event(id=1, ts=0.0, kind="tls.write", api="SSL_write", process="p", pid=1, data=payload)
    path = tmp_path / "big.jsonl"
    path.write_text(json.dumps(event.to_json()) + "\n" + json.dumps(event.to_json()) + "\n")
    with path.open("rb") as handle:
        records = list(jsonl.records(handle))
    assert [r.data for r in records] == [payload, payload]
    assert all(json.loads(r.text)["data"] is None for r in records)
    assert list(inputs.iter_jsonl_events(path, pytest.fail)) == [event, event]


@pytest.mark.parametrize("piece", range(6, 48))
def test_padding_inside_the_value_is_an_error_wherever_the_pieces_end(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, piece: int) -> None:
    monkeypatch.setattr(jsonl, "PIECE", piece)
    path = tmp_path / "padded.jsonl"
    lines = [f'{{"id":{i},"kind":"tls.write","data":"{"QUJD" * i}YWJjZA==QUJD"}}' for i in range(4)]
    path.write_text("\n".join(lines) + "\n")
    assert _streamed(path) == _reference(path) == [1, 2, 3, 4]
