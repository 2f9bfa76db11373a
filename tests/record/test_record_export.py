"""`harness export RUN --jsonl/--har`: DESIGN.md records and HAR 1.2 entries."""

from __future__ import annotations

import base64
import json
from datetime import datetime
from pathlib import Path

import pytest

from harness.cli import main
from harness.events import Dest, Event
from harness.record.har import entry_for, parse_http1_request
from harness.record.store import RunStore
from harness.testing.factories import make_event

HTTP = (b"POST /v1/collect?imei=356938035643809&x= HTTP/1.1\r\nHost: analytics.tracker.example\r\n"
        b"Content-Type: application/json\r\nCookie: sid=abc; lang=en\r\n\r\n{\"imei\":\"356938035643809\"}")


@pytest.fixture
def run(tmp_path: Path) -> Path:
    path = tmp_path / "r.run"
    tls = Dest(host="api.example", ip="10.0.0.9", port=443, scheme="https")
    with RunStore.create(path) as store:
        store.writer().put([
            make_event("http.request", data=b"a=1", value="PUT",
                       headers=(("Content-Type", "application/x-www-form-urlencoded"),),
                       dest=Dest(host="h.example", url="https://h.example/p?q=1")),
            make_event("tls.write", api="SSL_write", data=HTTP, dest=tls),
            make_event("tls.write", api="SSL_write", data=b"\x16\x03\x01\xfe</script>", dest=tls,
                       data_len=5000),
            make_event("net.send", data=b"udp"),
            make_event("sms.send"),
        ])
    return path


def test_jsonl_is_the_design_record(run: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["export", str(run), "--jsonl"]) == 0
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["kind"] for r in records] == ["http.request", "tls.write", "tls.write", "net.send", "sms.send"]
    assert set(records[0]) >= {"id", "ts", "variant", "step", "process", "pid", "kind", "api", "dest", "data",
                               "value", "stack", "sdk"}
    assert base64.b64decode(records[1]["data"]) == HTTP
    assert records[2]["data_len"] == 5000
    assert Event.from_json(records[4]).dest == Dest(address="+15550001111")


def test_har_entries(run: Path, tmp_path: Path) -> None:
    out = tmp_path / "r.har"
    assert main(["export", str(run), "--har", str(out)]) == 0
    log = json.loads(out.read_text())["log"]
    assert log["version"] == "1.2" and log["creator"]["name"] == "android-privacy-harness"
    first, second, third = log["entries"]
    for entry in log["entries"]:
        datetime.fromisoformat(entry["startedDateTime"])
        assert entry["response"]["status"] == 0 and entry["cache"] == {} and "timings" in entry
    assert (first["request"]["method"], first["request"]["url"]) == ("PUT", "https://h.example/p?q=1")
    assert first["request"]["postData"] == {"mimeType": "application/x-www-form-urlencoded", "text": "a=1",
                                            "params": []}
    req = second["request"]
    assert (req["method"], req["httpVersion"]) == ("POST", "HTTP/1.1")
    assert req["url"] == "https://analytics.tracker.example/v1/collect?imei=356938035643809&x="
    assert req["queryString"] == [{"name": "imei", "value": "356938035643809"}, {"name": "x", "value": ""}]
    assert req["cookies"] == [{"name": "sid", "value": "abc"}, {"name": "lang", "value": "en"}]
    assert req["postData"]["text"] == '{"imei":"356938035643809"}' and req["bodySize"] == 26
    assert {"name": "Host", "value": "analytics.tracker.example"} in req["headers"]
    pseudo = third["request"]
    assert (pseudo["method"], pseudo["url"]) == ("TLS-WRITE", "tls://api.example:443/")
    assert base64.b64decode(pseudo["postData"]["text"]) == b"\x16\x03\x01\xfe</script>"
    assert pseudo["postData"]["encoding"] == "base64" and third["_truncated_from"] == 5000


def test_http1_parser_rejects_non_requests() -> None:
    assert parse_http1_request(b"\x16\x03\x01\x00") is None
    assert parse_http1_request(b"GET / HTTP/1.1\r\nbroken header line\r\n\r\n") is None
    parsed = parse_http1_request(b"GET /x HTTP/1.0\r\n\r\n")
    assert parsed is not None and (parsed.method, parsed.target, parsed.body) == ("GET", "/x", b"")
    assert entry_for(make_event("net.send")) is None


def test_export_of_a_missing_run_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["export", str(tmp_path / "none.run"), "--har", str(tmp_path / "x.har")]) == 2
    assert "none.run: no such run file" in capsys.readouterr().err
