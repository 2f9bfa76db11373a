from __future__ import annotations

import base64
import gzip
import json
from pathlib import Path

import pytest
from detect_support import http_request

from harness.cli import main
from harness.events import Dest
from harness.record.store import RunStore
from harness.testing import make_event

IMEI = "352099001761481"


def _har(tmp_path: Path, entries: list[object]) -> Path:
    path = tmp_path / "capture.har"
    path.write_text(json.dumps({"log": {"version": "1.2", "creator": {"name": "t", "version": "1"},
                                        "pages": [], "entries": entries}}), encoding="utf-8")
    return path


def _entry(url: str, headers: list[dict[str, str]] | None = None, cookies: list[dict[str, str]] | None = None,
           post: dict[str, str] | None = None) -> dict[str, object]:
    request: dict[str, object] = {"method": "POST" if post else "GET", "url": url, "httpVersion": "HTTP/1.1",
                                  "headers": headers or [], "cookies": cookies or [], "queryString": []}
    if post is not None:
        request["postData"] = post
    return {"startedDateTime": "2026-01-01T00:00:00Z", "request": request, "response": {}}


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_har_json_output_and_malformed_entry(tmp_path: Path, canary_file: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    gz = base64.b64encode(gzip.compress(b'{"imei":"' + IMEI.encode() + b'"}')).decode()
    har = _har(tmp_path, [
        _entry("https://app-measurement.com/a?aid=9774d56d682e549c"),
        {"request": {"url": 42}},
        _entry("https://api.example.com/v1", headers=[{"name": "X-Payload", "value": gz}],
               cookies=[{"name": "acct", "value": "seeded.user%40gmail.com"}],
               post={"mimeType": "application/x-www-form-urlencoded", "text": "name=Aoife+Byrne&x=1"}),
    ])
    code, out, err = _run(["detect", "--canaries", str(canary_file), "--har", str(har), "--json"], capsys)
    assert code == 1
    assert f"harness: {har}: entry 1: request.url is missing or not a string" in err
    assert json.loads(out) == {"findings": [
        {"source": {"har_entry": 0}, "type": "android_id", "canary": "9774d56d682e549c", "encoding": "plain",
         "where": "url", "host": "app-measurement.com", "confidence": "canary"},
        {"source": {"har_entry": 2}, "type": "imei", "canary": IMEI, "encoding": "base64>gzip>plain",
         "where": "header:x-payload", "host": "api.example.com", "confidence": "canary"},
        {"source": {"har_entry": 2}, "type": "account", "canary": "seeded.user@gmail.com",
         "encoding": "urlencode>plain", "where": "cookie:acct", "host": "api.example.com", "confidence": "canary"},
        {"source": {"har_entry": 2}, "type": "contact.name", "canary": "Aoife Byrne", "encoding": "form>plain",
         "where": "body", "host": "api.example.com", "confidence": "canary"},
    ]}


def test_har_that_breaks_off_keeps_earlier_findings(tmp_path: Path, canary_file: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    good = json.dumps(_entry(f"https://t.example/?imei={IMEI}"))
    har = tmp_path / "cut.har"
    har.write_text('{"log": {"entries": [' + good + ', {"request": {"url": "https://x', encoding="utf-8")
    code, out, err = _run(["detect", "--canaries", str(canary_file), "--har", str(har), "--json"], capsys)
    assert code == 1
    assert [f["type"] for f in json.loads(out)["findings"]] == ["imei"]
    assert "entry 1: invalid JSON" in err


def test_nothing_readable_exits_2(tmp_path: Path, canary_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.har"
    bad.write_text("this is not json", encoding="utf-8")
    code, out, err = _run(["detect", "--canaries", str(canary_file), "--har", str(bad)], capsys)
    assert code == 2 and out == "" and err.startswith(f"harness: {bad}:1: expected an object")
    code, _, err = _run(["detect", "--canaries", str(tmp_path / "none.yaml"), "--har", str(bad)], capsys)
    assert code == 2 and "cannot read canary file" in err
    code, _, err = _run(["detect", "--canaries", str(canary_file)], capsys)
    assert code == 2 and "give exactly one capture" in err


def test_jsonl_with_a_malformed_line(tmp_path: Path, canary_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    events = [
        make_event(id=10, data=http_request(body=b"mac=02-1A-11-F0-3C-5E")),
        make_event("sms.send", id=11, data=b"Meet me at the usual place at 7", dest=Dest(address="+15550001111")),
    ]
    path = tmp_path / "events.jsonl"
    lines = [json.dumps(events[0].to_json()), '{"id": 3, "kind": "net.send", "data": "%%%"}',
             json.dumps(events[1].to_json())]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, out, err = _run(["detect", "--canaries", str(canary_file), "--jsonl", str(path), "--json"], capsys)
    assert code == 1
    assert f"{path}:2: malformed event record" in err
    assert [(f["source"], f["type"], f["encoding"], f["where"]) for f in json.loads(out)["findings"]] == [
        ({"event_id": 10}, "wifi_mac", "dash", "body"),
        ({"event_id": 11}, "sms.body", "plain", "sms"),
    ]


def test_table_output_escapes_hostile_text(tmp_path: Path, canary_file: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    har = _har(tmp_path, [_entry("https://evil.example/[bold red]x[/]?e=someone@evil.example\x1b[2J")])
    code, out, _ = _run(["detect", "--canaries", str(canary_file), "--har", str(har)], capsys)
    assert code == 0
    assert "someone@evil.example" in out and "structural" in out
    assert "\x1b" not in out
    code, out, _ = _run(["detect", "--canaries", str(canary_file), "--har", str(_har(tmp_path, []))], capsys)
    assert code == 0 and "No findings in 0 egress items." in out


def test_run_store_is_read_through_harness_record(tmp_path: Path, canary_file: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    run = tmp_path / "trace.run"
    store = RunStore.create(run)
    writer = store.writer()
    writer.put([make_event(data=http_request(f"/p?i={IMEI}")), make_event(kind="id.read", value=IMEI)])
    writer.close()
    store.close()
    code, out, _ = _run(["detect", "--canaries", str(canary_file), str(run), "--json"], capsys)
    assert code == 0
    (finding,) = json.loads(out)["findings"]  # the id.read is not egress: only the request counts
    assert finding["source"] == {"event_id": 1} and finding["type"] == "imei" and finding["where"] == "url"
    code, _, err = _run(["detect", "--canaries", str(canary_file), str(tmp_path / "missing.run")], capsys)
    assert code == 2 and "missing.run" in err


def test_user_tracker_db(tmp_path: Path, canary_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    trackers = tmp_path / "trackers.txt"
    trackers.write_text("evil.example\n", encoding="utf-8")
    har = _har(tmp_path, [_entry(f"https://a.evil.example/?imei={IMEI}")])
    code, out, _ = _run(["detect", "--canaries", str(canary_file), "--har", str(har),
                         "--tracker-db", str(trackers)], capsys)
    assert code == 0 and "a.evil.example" in out
