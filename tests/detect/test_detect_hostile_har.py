"""Hostile HAR files: every bad entry is a located error, every other entry's findings still come out."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hostile_support import GOOD_URL, IMEI, detect, good_entry, har_entry, har_text, sources, write

from harness.detect.har import iter_har_entries
from harness.errors import DetectError

DEEP = "[" * 100_000 + "]" * 100_000


def test_an_invalid_utf8_byte_is_reported_and_its_entry_still_analysed(
        tmp_path: Path, canary_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = json.dumps(har_entry(f"https://x.example/p?i={IMEI}&q=BAD")).encode().replace(b"BAD", b"\xff\xfe")
    text = har_text([good_entry(), "ENTRY", good_entry()]).encode().replace(b"ENTRY", bad)
    har = write(tmp_path / "bad-utf8.har", text)
    code, findings, err = detect(capsys, "--canaries", str(canary_file), "--har", str(har))
    assert code == 1
    assert f"harness: {har}: entry 1: request.url: byte 0xff is not UTF-8 (kept as it was); the entry was still " \
           "analysed" in err
    assert sources(findings) == [0, 1, 2]
    errors: list[DetectError] = []
    items = list(iter_har_entries(har, errors.append))
    assert items[1].parts[0].data == f"https://x.example/p?i={IMEI}&q=".encode() + b"\xff\xfe"  # the bytes sent


def test_an_invalid_ipv6_url_is_reported_and_its_entry_analysed_without_a_host(
        tmp_path: Path, canary_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    har = write(tmp_path / "v6.har", har_text([good_entry(), json.dumps(har_entry(f"http://[::1/?imei={IMEI}")),
                                                 json.dumps(har_entry("http://[::1")), good_entry()]))
    code, findings, err = detect(capsys, "--canaries", str(canary_file), "--har", str(har))
    assert code == 1
    assert f"harness: {har}: entry 1: request.url: not a URL (Invalid IPv6 URL); its host is unknown" in err
    assert f"harness: {har}: entry 2: request.url: not a URL" in err
    assert [(next(iter(f["source"].values())), f["host"]) for f in findings if f["type"] == "imei"] == [
        (0, "t.example"), (1, None), (3, "t.example")]


@pytest.mark.parametrize("where", ["url", "header name", "header value", "post text"])
def test_a_lone_surrogate_escape_is_analysed_as_its_bytes(tmp_path: Path, canary_file: Path,
                                                          capsys: pytest.CaptureFixture[str], where: str) -> None:
    lone = "\ud800"
    entry = {
        "url": har_entry(f"https://x.example/{lone}?imei={IMEI}"),
        "header name": har_entry(GOOD_URL, headers=[{"name": f"X-{lone}", "value": lone + IMEI}]),
        "header value": har_entry(GOOD_URL, headers=[{"name": "X-A", "value": f"{IMEI}\udc80{lone}"}]),
        "post text": har_entry(GOOD_URL, post={"mimeType": "text/plain", "text": f"a={lone}&imei={IMEI}"}),
    }[where]
    har = write(tmp_path / "lone.har", har_text([good_entry(), json.dumps(entry), good_entry()]))
    assert "\\ud800" in har.read_text()  # written as a JSON escape
    code, findings, err = detect(capsys, "--canaries", str(canary_file), "--har", str(har))
    assert (code, err) == (0, "")
    assert 1 in sources(findings) and {0, 2} <= set(sources(findings))


@pytest.mark.parametrize("place", ["request", "post text", "header value"])
def test_json_nested_100000_deep_in_an_entry(tmp_path: Path, canary_file: Path,
                                             capsys: pytest.CaptureFixture[str], place: str) -> None:
    if place == "request":
        deep_entry = '{"request": ' + DEEP + "}"
    elif place == "post text":  # a body the detector peels (JSON escapes, percent, base64 ...)
        deep_entry = json.dumps(har_entry(GOOD_URL, post={"mimeType": "application/json", "text": DEEP}))
    else:
        deep_entry = json.dumps(har_entry(GOOD_URL, headers=[{"name": "X-J", "value": DEEP}]))
    har = write(tmp_path / "deep.har", har_text([good_entry(), deep_entry, good_entry()]))
    code, findings, err = detect(capsys, "--canaries", str(canary_file), "--har", str(har))
    if place == "request":
        assert code == 1 and f"harness: {har}:1: entry 1: JSON nested 100001 deep, too deep to decode" in err
        assert sources(findings) == [0, 2]
    else:
        assert (code, err, sources(findings)) == (0, "", [0, 1, 2])


def test_a_whole_document_nested_100000_deep(tmp_path: Path, canary_file: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    cases = [
        (DEEP, 2, "1: expected an object at the top level"),
        ('{"log": ' + DEEP + "}", 2, "1: expected an object at log"),
        ('{"log": {"entries": ' + DEEP + "}}", 2, "1: entry 0: JSON nested 99999 deep, too deep to decode"),
        ('{"x": ' + DEEP + ', "log": {"entries": [' + good_entry() + "]}}", 0, None),  # never decoded: not needed
    ]
    for text, expected_code, message in cases:
        har = write(tmp_path / "deep.har", text)
        code, findings, err = detect(capsys, "--canaries", str(canary_file), "--har", str(har))
        assert code == expected_code
        if message is None:
            assert err == "" and sources(findings) == [0]
        else:
            assert err == f"harness: {har}:{message}\n" and findings == []


def test_malformed_entries_are_skipped_and_the_reading_goes_on(tmp_path: Path, canary_file: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    broken = [
        '{"request": {"url": tru}}',  # invalid JSON, but its end is known
        '{"request": {"url": "https://a/", "headers": [{"name": 1, "value": "x"}]}}',
        '{"request": {"url": "https://a/", "postData": {"text": "@@", "encoding": "base64"}}}',
        '{"request": {"url": "https://a/", "postData": {"text": "\u00e9", "encoding": "base64"}}}',
        '{"request": {"url": "https://a/", "postData": []}}',
        '{"request": {"url": "https://a/", "cookies": "a=b"}}',
        '{"request": [1, 2]}', "[]", "17", "null", '"text"',
    ]
    har = write(tmp_path / "broken.har", har_text([good_entry(), *broken, good_entry()]))
    code, findings, err = detect(capsys, "--canaries", str(canary_file), "--har", str(har))
    assert code == 1
    assert sources(findings) == [0, len(broken) + 1]
    lines = err.splitlines()
    assert len(lines) == len(broken)
    assert all(re.match(rf"harness: {re.escape(str(har))}(:1)?: entry {i}: ", line) for i, line in enumerate(lines, 1))
    assert "request.headers must be a list of {name, value} objects" in lines[1]
    assert "request.postData.text is not valid base64" in lines[2] and "not valid base64" in lines[3]


def test_a_file_cut_inside_an_entry_keeps_what_came_before(tmp_path: Path, canary_file: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    har = write(tmp_path / "cut.har", har_text([good_entry(), good_entry()])[:-40])
    code, findings, err = detect(capsys, "--canaries", str(canary_file), "--har", str(har))
    assert code == 1 and sources(findings) == [0]
    assert f"harness: {har}:1: entry 1: invalid JSON: the file ends inside it" in err
