"""Hypothesis strategies of hostile detector inputs, the corpus of known cases, and the reader contract."""

from __future__ import annotations

import base64
import contextlib
import gzip
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from hostile_support import GOOD_URL, IMEI, har_entry, record
from hypothesis import strategies as st

from harness.detect import load_canaries
from harness.detect.har import iter_har_entries
from harness.detect.inputs import iter_jsonl_items
from harness.errors import HarnessError

#: What a reader's error may say where it is: ``FILE:LINE: `` or ``FILE: entry N: ``; or, for what
#: concerns the whole file, ``FILE: `` and one of these.
_LOCATED = re.compile(r":\d+: |: entry \d+: ")
_WHOLE_FILE = ("cannot read", "not a HAR file", "the canary file is empty", "larger than the")


def read_errors(kind: str, path: Path) -> list[HarnessError]:
    """Everything the reader of ``kind`` reports or raises on ``path``; anything but a HarnessError
    propagates (and fails the test)."""
    errors: list[HarnessError] = []
    try:
        if kind == "har":
            for _ in iter_har_entries(path, errors.append):
                pass
        elif kind == "jsonl":
            for _ in iter_jsonl_items(path, errors.append):
                pass
        else:
            load_canaries(path)
    except HarnessError as exc:
        errors.append(exc)
    return errors


def assert_located(errors: list[HarnessError], path: Path) -> None:
    for error in errors:
        text = str(error)
        assert text.startswith(str(path)), text
        rest = text[len(str(path)):]
        assert _LOCATED.match(rest) or any(phrase in rest for phrase in _WHOLE_FILE), text
        assert "\n" not in text, text


JSON = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.floats(allow_nan=False, allow_infinity=False),
              st.text(max_size=12)),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=6), inner, max_size=3)),
    max_leaves=8,
)
HOSTILE_TEXT = st.one_of(st.text(max_size=24), st.sampled_from([
    GOOD_URL, "http://[::1", "http://[::1]:x/", "https://x/\ud800", "\udc80\udcff", "http://[v1.x]/", "é" * 5,
    "\x00\x1b[2J", "%ff%00", f"imei={IMEI}", "http://a\uff03b/", "", "1e400",
]))
_HAR_FIELDS: tuple[tuple[Any, ...], ...] = (
    (), ("request",), ("request", "url"), ("request", "headers"), ("request", "headers", 0),
    ("request", "headers", 0, "name"), ("request", "headers", 0, "value"), ("request", "cookies"),
    ("request", "postData"), ("request", "postData", "text"), ("request", "postData", "encoding"),
    ("request", "postData", "params"),
)
_RECORD_FIELDS = ("id", "ts", "kind", "pid", "step", "process", "dest", "data", "stack", "headers", "sdk",
                  "variant", "value", "data_len", "api")
_INSERTS = (b"\xff", b"\xc3", b"\x00", b'"', b"\\", b"[", b"]", b"{", b"}", b",", b":", b"\n", b"\\ud800",
            b"\xed\xa0\x80", b"&a ", b"*a", b"<<: *a\n", b"- ", b"? ", b"!!binary ", b"\t", b"NaN", b"1e999")


def _set(target: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    with contextlib.suppress(KeyError, IndexError, TypeError):  # no such place in this entry: left as it is
        target[path[0]] = _set(target[path[0]], path[1:], value) if len(path) > 1 else value
    return target


@st.composite
def mutated(draw: st.DrawFn, document: bytes) -> bytes:
    """``document`` with a few byte-level mutations: bad bytes, syntax, cuts, deep nesting."""
    data = bytearray(document)
    for _ in range(draw(st.integers(0, 3))):
        kind = draw(st.sampled_from(["byte", "insert", "insert", "cut", "deep", "delete"]))
        at = draw(st.integers(0, len(data)))
        if kind == "byte" and data:
            data[min(at, len(data) - 1)] = draw(st.integers(0, 255))
        elif kind == "insert":
            data[at:at] = draw(st.sampled_from(_INSERTS))
        elif kind == "cut":
            del data[at:]
        elif kind == "deep":
            depth = draw(st.sampled_from([40, 300, 1500, 20_000]))
            data[at:at] = draw(st.sampled_from([b"[", b"{\"a\":", b"- ", b"{a: "])) * depth + b"]" * depth
        elif kind == "delete":
            del data[at:at + draw(st.integers(1, 12))]
    return bytes(data)


@st.composite
def har_documents(draw: st.DrawFn) -> bytes:
    entries: list[Any] = []
    for _ in range(draw(st.integers(0, 4))):
        entry = har_entry(draw(HOSTILE_TEXT), headers=[{"name": draw(HOSTILE_TEXT), "value": draw(HOSTILE_TEXT)}],
                          post=draw(st.sampled_from([None, {"text": f"imei={IMEI}"},
                                                     {"text": base64.b64encode(gzip.compress(IMEI.encode())).decode(),
                                                      "encoding": "base64"}])))
        for _ in range(draw(st.integers(0, 2))):
            entry = _set(entry, draw(st.sampled_from(_HAR_FIELDS)), draw(JSON))
        entries.append(entry)
    document = {"log": {"version": "1.2", "entries": entries}}
    return draw(mutated(json.dumps(document, ensure_ascii=draw(st.booleans())).encode("utf-8", "surrogatepass")))


@st.composite
def jsonl_documents(draw: st.DrawFn) -> bytes:
    lines = []
    for number in range(draw(st.integers(1, 4))):
        fields = {name: draw(JSON) for name in draw(st.lists(st.sampled_from(_RECORD_FIELDS), max_size=2))}
        if draw(st.booleans()):
            fields["dest"] = {"host": draw(st.one_of(HOSTILE_TEXT, JSON)), "url": draw(st.one_of(HOSTILE_TEXT, JSON))}
        line = json.dumps(record(**{"id": number, **fields}), ensure_ascii=draw(st.booleans()))
        lines.append(draw(mutated(line.encode("utf-8", "surrogatepass"))))
    return b"\n".join(lines) + b"\n"


_YAML_TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=16)
_YAML_VALUE = st.recursive(st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), _YAML_TEXT),
                           lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                   st.dictionaries(_YAML_TEXT, inner, max_size=3)), max_leaves=6)


@st.composite
def canary_documents(draw: st.DrawFn) -> bytes:
    document: dict[str, Any] = {
        "identifiers": {"imei": IMEI, draw(st.sampled_from(["android_id", "serial", "colour"])): draw(_YAML_VALUE)},
        "contacts": [{"name": draw(_YAML_TEXT), "phones": draw(st.one_of(_YAML_VALUE, st.lists(_YAML_TEXT)))}],
        "sms": draw(st.one_of(_YAML_VALUE, st.just([{"address": "+353869998888", "body": "hello there"}]))),
        "location": {"lat": draw(_YAML_VALUE), "lon": draw(st.floats())},
        "accounts": draw(st.lists(_YAML_TEXT, max_size=3)),
    }
    for key in draw(st.lists(st.sampled_from(list(document)), max_size=2)):
        document.pop(key, None)
    return draw(mutated(yaml.safe_dump(document, allow_unicode=draw(st.booleans())).encode("utf-8")))


def _corpus() -> dict[str, tuple[str, Callable[[], bytes]]]:
    deep = b"[" * 100_000 + b"]" * 100_000
    good = json.dumps(har_entry(GOOD_URL)).encode()

    def har(*entries: bytes) -> bytes:
        return b'{"log": {"entries": [' + b", ".join(entries) + b"]}}"

    def jsonl(**fields: Any) -> bytes:
        return (json.dumps(record(id=1)) + "\n" + json.dumps(record(id=2, **fields)) + "\n").encode()

    phones = ", ".join(f'"+3538{i:07d}"' for i in range(2000))
    laughs = f'contacts:\n  - &c {{name: "Aoife Byrne", phones: [{phones}]}}\n' + "  - *c\n" * 3000
    accounts = "accounts:\n" + "".join(f"  - user{i:05d}@example.org\n" for i in range(10_000))
    bad_byte = json.dumps(har_entry("https://x/Z")).encode().replace(b"Z", b"\xff")
    return {
        "har-invalid-utf8": ("har", lambda: har(good, bad_byte)),
        "har-ipv6": ("har", lambda: har(good, json.dumps(har_entry("http://[::1")).encode())),
        "har-surrogates": ("har", lambda: har(json.dumps(har_entry(
            "https://x/\ud800", headers=[{"name": "\ud800", "value": "\udfff"}])).encode())),
        "har-deep-post": ("har", lambda: har(json.dumps(har_entry(GOOD_URL, post={"text": deep.decode()})).encode())),
        "har-deep-entry": ("har", lambda: har(good, b'{"request": ' + deep + b"}", good)),
        "har-deep-document": ("har", lambda: deep),
        "har-cut": ("har", lambda: har(good, good)[:-30]),
        "har-empty": ("har", lambda: b""),
        "jsonl-ipv6": ("jsonl", lambda: jsonl(dest={"host": "[::1", "url": "http://[::1"})),
        "jsonl-surrogates": ("jsonl", lambda: jsonl(dest={"host": "\ud800", "url": "https://x/\udc80"},
                                                    headers=[["\ud800", "\udfff"]])),
        "jsonl-deep": ("jsonl", lambda: jsonl() + deep + b"\n"),
        "jsonl-host-number": ("jsonl", lambda: jsonl(dest={"host": 5, "url": [1]})),
        "jsonl-host-null-url-object": ("jsonl", lambda: jsonl(dest={"host": None, "url": {"a": 1}})),
        "jsonl-wrong-types": ("jsonl", lambda: jsonl(ts="now", stack=3, headers=[[1]], data="**")),
        "jsonl-invalid-utf8": ("jsonl", lambda: jsonl(value="Z").replace(b'"Z"', b'"\xff"')),
        "yaml-deep-flow": ("canary", lambda: b"accounts: " + b"[" * 5000 + b"]" * 5000),
        "yaml-deep-block": ("canary", lambda: b"contacts:\n  " + b"- " * 5000 + b"x\n"),
        "yaml-laughs": ("canary", laughs.encode),
        "yaml-10k-accounts": ("canary", accounts.encode),
        "yaml-recursive-alias": ("canary", lambda: b"contacts: &a [*a]\naccounts: &b [*b]\n"),
        "yaml-bad-bytes": ("canary", lambda: b"accounts: [\"\xff\xfe\"]\n"),
        "yaml-nul": ("canary", lambda: b"accounts: [\"a\x00bcd\"]\n"),
    }


CORPUS = _corpus()
