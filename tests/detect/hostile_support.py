"""Builders of hostile captures for the robustness tests (imported by the test modules)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from harness.cli import main

IMEI = "352099001761481"
GOOD_URL = f"https://t.example/collect?imei={IMEI}"


def har_entry(url: str, *, headers: list[dict[str, str]] | None = None,
              post: dict[str, str] | None = None) -> dict[str, Any]:
    request: dict[str, Any] = {"method": "POST" if post else "GET", "url": url, "httpVersion": "HTTP/1.1",
                               "headers": headers or [], "cookies": [], "queryString": []}
    if post is not None:
        request["postData"] = post
    return {"startedDateTime": "2026-01-01T00:00:00Z", "request": request, "response": {}}


def har_text(entries: list[str]) -> str:
    """A HAR document around entries given as raw JSON text (so they can be broken at will)."""
    return '{"log": {"version": "1.2", "creator": {"name": "t"}, "entries": [' + ", ".join(entries) + "]}}"


def good_entry() -> str:
    return json.dumps(har_entry(GOOD_URL))


def record(**fields: Any) -> dict[str, Any]:
    """A JSONL event record (an http.request carrying the IMEI in its URL), with ``fields`` replaced."""
    base: dict[str, Any] = {"id": 1, "ts": 1.5, "variant": None, "step": None, "process": "com.x", "pid": 7,
                            "kind": "http.request", "api": "okhttp3.RealCall.execute",
                            "dest": {"host": "t.example", "ip": None, "port": 443, "scheme": "https",
                                     "url": GOOD_URL},
                            "data": None, "value": None, "stack": [], "sdk": None}
    base.update(fields)
    return base


def jsonl_text(lines: list[str]) -> str:
    return "\n".join(lines) + "\n"


def detect(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, list[dict[str, Any]], str]:
    """``harness detect ARGV --json``: exit code, findings, stderr (no traceback may be in it)."""
    code = main(["detect", *argv, "--json"])
    out, err = capsys.readouterr()
    assert "Traceback" not in err and "Traceback" not in out
    findings: list[dict[str, Any]] = json.loads(out)["findings"] if out else []
    return code, findings, err


def sources(findings: list[dict[str, Any]]) -> list[int]:
    return [next(iter(f["source"].values())) for f in findings]


def write(path: Path, text: str | bytes) -> Path:
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8", errors="surrogatepass")
    return path
