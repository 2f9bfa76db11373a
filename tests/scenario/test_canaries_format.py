"""What the detector's canary format gained for runs: call log and clipboard sections, several values
per identifier, reading from text (a run's stored canaries), and merging several sets."""

from __future__ import annotations

import json
import logging

import pytest

from harness.detect.canaries import (
    MAX_CANARIES,
    Canary,
    CanarySet,
    Location,
    load_canaries_text,
    merge_canary_sets,
)
from harness.detect.canary_yaml import MAX_FILE_BYTES
from harness.detect.forms import canary_forms
from harness.errors import DetectError


def test_call_log_clipboard_and_identifier_lists() -> None:
    text = ("identifiers:\n  imei: ['358752114029584', '490154203237518']\n  serial: R58N1234ABC\n"
            "call_log:\n  - {number: '+12015550123', name: Aoife Byrne}\n  - {number: '+12015550124'}\n"
            "clipboard: door code 4821\n")
    loaded = load_canaries_text(text, "stored")
    assert loaded.values == (Canary("imei", "358752114029584"), Canary("imei", "490154203237518"),
                             Canary("serial", "R58N1234ABC"), Canary("call_log.number", "+12015550123"),
                             Canary("call_log.name", "Aoife Byrne"), Canary("call_log.number", "+12015550124"),
                             Canary("clipboard", "door code 4821"))
    assert load_canaries_text('{"clipboard": ["one clip", "two clip"]}', "json").values == (
        Canary("clipboard", "one clip"), Canary("clipboard", "two clip"))


@pytest.mark.parametrize(("text", "expected"), [
    ("identifiers:\n  imei: ['358752114029584', {a: b}]\n", "stored:2: identifiers.imei[1]: expected a string"),
    ("call_log:\n  - {number: '+12015550123', type: missed}\n", "stored:2: call_log[0]: unknown key 'type'"),
    ("clipboard: {text: x}\n", "stored:1: clipboard: expected a list"),
    ("clipboard: abc\n", "stored:1: clipboard: value 'abc' is too short"),
    ("", "stored: the canaries are empty"),
    ("call_log: [\n", "stored:2: not valid YAML"),
])
def test_errors_name_the_origin_line_and_field(text: str, expected: str) -> None:
    with pytest.raises(DetectError) as info:
        load_canaries_text(text, "stored")
    assert str(info.value).startswith(expected)


def test_text_is_bounded_like_a_file() -> None:
    with pytest.raises(DetectError, match=f"larger than the {MAX_FILE_BYTES} bytes"):
        load_canaries_text("accounts:\n" + "  - a@example.com\n" * (MAX_FILE_BYTES // 10), "stored")


def test_call_log_numbers_and_clipboard_have_their_forms() -> None:
    number = {f.pattern for f in canary_forms(Canary("call_log.number", "+12015550123"))}
    assert {b"+12015550123", b"2015550123", b"12015550123"} <= number
    clip = {f.pattern for f in canary_forms(Canary("clipboard", "door  code 4821"))}
    assert b"door code 4821" in clip and b"DOOR  CODE 4821" in clip


def test_merging_sets(caplog: pytest.LogCaptureFixture) -> None:
    one = CanarySet((Canary("imei", "358752114029584"), Canary("account", "a@example.com")), Location(1.5, 2.5))
    two = CanarySet((Canary("account", "a@example.com"), Canary("serial", "R58N1234ABC")), Location(3.5, 4.5))
    with caplog.at_level(logging.WARNING):
        merged = merge_canary_sets([one, two, CanarySet()], "run")
    assert merged.values == (Canary("imei", "358752114029584"), Canary("account", "a@example.com"),
                             Canary("serial", "R58N1234ABC"))
    assert merged.location == Location(1.5, 2.5) and "searching for 1.5,2.5 only, not 3.5,4.5" in caplog.text
    many = [CanarySet(tuple(Canary("account", f"user{n}-{i}@example.com") for i in range(MAX_CANARIES // 2 + 1)))
            for n in range(2)]
    with pytest.raises(DetectError, match=f"at most {MAX_CANARIES} are accepted"):
        merge_canary_sets(many, "run")


def test_the_file_format_is_unchanged_for_what_it_accepted() -> None:
    doc = {"identifiers": {"imei": "358752114029584"}, "contacts": [{"name": "Aoife Byrne"}],
           "sms": [{"body": "hello there"}], "location": {"lat": 53.3438, "lon": -6.2546}, "accounts": ["a@b.cd"]}
    assert load_canaries_text(json.dumps(doc), "json") == CanarySet.from_mapping(doc)
