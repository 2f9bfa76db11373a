"""The Python side of the hook agent: batch decoding, the agent bundle cache, the javac cache."""

from __future__ import annotations

import shutil
import struct
import threading
from pathlib import Path

import pytest

from harness.errors import InstrumentError, ToolMissingError, VirtualPhoneError
from harness.events import Dest
from harness.instrument import agent as agent_mod
from harness.instrument.messages import batch_size, decode_batch, kind_of
from harness.virtual.runtime import javac

HDR = struct.Struct("<IHHiHH16sqII")


def record(kind: int, family: int, addr: bytes, port: int, data: bytes, true_len: int | None = None) -> bytes:
    size = (HDR.size + len(data) + 7) & ~7
    head = HDR.pack(size, kind, family, 7, port, 0, addr.ljust(16, b"\0"), 1_700_000_000_123_456,
                    true_len if true_len is not None else len(data), len(data))
    return (head + data).ljust(size, b"\0")


def test_kind_of() -> None:
    assert kind_of("net:send") == "net.send" and kind_of("id:read") == "id.read"


def test_decode_json_events() -> None:
    message = {"type": "harness:batch", "events": [
        {"type": "sms:send", "ts": 1.5, "api": "android.telephony.SmsManager.sendTextMessage",
         "dest": {"address": "+1555"}, "stack": ["a.B.c"], "sdk": "com.tracker.sdk",
         "data_off": 0, "data_size": 5, "data_len": 5},
        {"type": "http:request", "ts": 2.0, "api": "okhttp3.RealCall.execute",
         "dest": {"host": "h", "port": 80, "scheme": "http", "url": "http://h/"}, "headers": [["A", "b"]],
         "data_off": 5, "data_size": 3, "data_len": 10},
        {"type": "id:read", "ts": 3.0, "api": "x", "value": "356938035643809"},
    ]}
    ids = iter(range(100, 200))
    events = decode_batch(message, b"hello" + b"abc", process="p", pid=9, next_id=lambda: next(ids))
    assert [e.kind for e in events] == ["sms.send", "http.request", "id.read"]
    assert [e.id for e in events] == [100, 101, 102]
    sms, http, idr = events
    assert sms.data == b"hello" and sms.data_len is None and sms.dest == Dest(address="+1555")
    assert sms.stack == ("a.B.c",) and sms.sdk == "com.tracker.sdk" and sms.process == "p" and sms.pid == 9
    assert http.data == b"abc" and http.data_len == 10 and http.headers == (("A", "b"),)
    assert idr.value == "356938035643809" and idr.data is None
    with pytest.raises(InstrumentError, match="outside"):
        decode_batch({"type": "harness:batch", "events": [{"type": "x:y", "data_off": 4, "data_size": 9}]}, b"1234")
    with pytest.raises(InstrumentError, match="not a batch"):
        decode_batch({"type": "harness:ready"}, None)


def test_decode_native_records() -> None:
    blob = (record(2, 2, bytes([10, 0, 0, 1]), 53, b"dns?")
            + record(0, 0, b"", 0, b"pad-pad-pad")
            + record(5, 10, bytes(10) + b"\xff\xff" + bytes([192, 168, 1, 2]), 443, b"")
            + record(4, 10, bytes(15) + b"\x01", 8080, b"truncated", true_len=4096))
    message = {"type": "harness:batch", "events": [], "records": {"format": "ring-v1", "size": len(blob)}}
    events = decode_batch(message, blob)
    assert batch_size(message, blob) == 3
    assert [(e.kind, e.api) for e in events] == [("net.send", "libc.sendto"), ("net.connect", "libc.connect"),
                                                 ("net.send", "libc.write")]
    udp, conn, tcp6 = events
    assert udp.dest == Dest(ip="10.0.0.1", port=53) and udp.data == b"dns?"
    assert udp.ts == pytest.approx(1_700_000_000.123456)
    assert conn.dest == Dest(ip="192.168.1.2", port=443) and conn.data is None  # v4-mapped v6 shown as v4
    assert tcp6.dest == Dest(ip="::1", port=8080) and tcp6.data == b"truncated" and tcp6.data_len == 4096
    with pytest.raises(InstrumentError, match="format"):
        decode_batch({"type": "harness:batch", "records": {"format": "ring-v9", "size": 0}}, b"")
    with pytest.raises(InstrumentError, match="corrupt"):
        decode_batch({"type": "harness:batch", "records": {"format": "ring-v1", "size": 64}}, bytes(64))


def test_agent_bundle_is_cached_by_source_hash(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    src_root = agent_mod.hooks_root()
    copy = tmp_path / "frida_hooks"
    shutil.copytree(src_root, copy, ignore=shutil.ignore_patterns("node_modules"))
    (copy / "node_modules").symlink_to(src_root / "node_modules")
    monkeypatch.setenv("HARNESS_FRIDA_HOOKS", str(copy))
    monkeypatch.setenv("HARNESS_CACHE_DIR", str(tmp_path / "cache"))
    index = copy / "src" / "index.ts"
    index.write_text(index.read_text() + f"\n// {tmp_path.name}\n")  # a key no other test has compiled
    first = agent_mod.agent_source()
    assert "harness:batch" in first
    cached = list((tmp_path / "cache" / "agent").glob("*.js"))
    assert len(cached) == 1
    assert agent_mod.agent_source() == first  # unchanged: served from the cache
    index.write_text(index.read_text() + "\n// changed\n")
    agent_mod.agent_source()
    assert len(list((tmp_path / "cache" / "agent").glob("*.js"))) == 2
    (copy / "node_modules").unlink()
    index.write_text(index.read_text() + "\n// changed again\n")
    with pytest.raises(InstrumentError, match=r"scripts/setup\.sh"):
        agent_mod.agent_source()


def test_agent_compile_errors_are_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    src_root = agent_mod.hooks_root()
    copy = tmp_path / "frida_hooks"
    shutil.copytree(src_root, copy, ignore=shutil.ignore_patterns("node_modules"))
    (copy / "node_modules").symlink_to(src_root / "node_modules")
    (copy / "src" / "index.ts").write_text("const x: number = 'not a number';\n")
    monkeypatch.setenv("HARNESS_FRIDA_HOOKS", str(copy))
    monkeypatch.setenv("HARNESS_CACHE_DIR", str(tmp_path / "cache"))
    with pytest.raises(InstrumentError, match=r"does not compile.*index\.ts"):
        agent_mod.agent_source()


def test_javac_cache_and_concurrency(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if shutil.which("javac") is None:
        pytest.skip("javac is not installed")
    monkeypatch.setenv("HARNESS_CACHE_DIR", str(tmp_path / "cache"))
    src = tmp_path / "src" / "p"
    src.mkdir(parents=True)
    (src / "A.java").write_text("package p; public class A { public static int f() { return 1; } }\n")
    results: list[Path] = []
    threads = [threading.Thread(target=lambda: results.append(javac.compile_sources([tmp_path / "src"])))
               for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(results)) == 1 and (results[0] / "p" / "A.class").is_file()
    assert [p.name for p in (tmp_path / "cache" / "java").iterdir()] == [results[0].name]  # no temp left over
    mtime = (results[0] / "p" / "A.class").stat().st_mtime_ns
    assert javac.compile_sources([tmp_path / "src"]) == results[0]
    assert (results[0] / "p" / "A.class").stat().st_mtime_ns == mtime  # reused, not recompiled
    (src / "A.java").write_text("package p; public class A { public static int f() { return 2; } }\n")
    assert javac.compile_sources([tmp_path / "src"]) != results[0]
    (src / "B.java").write_text("package p; class B { int x = ; }\n")
    with pytest.raises(VirtualPhoneError, match="javac failed"):
        javac.compile_sources([tmp_path / "src"])


def test_javac_missing_names_the_package(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(ToolMissingError, match="openjdk-17-jdk-headless"):
        javac.compile_sources([tmp_path])
    with pytest.raises(ToolMissingError, match="openjdk-17-jdk-headless"):
        javac.java_executable()


def test_stubs_classpath_has_the_android_classes() -> None:
    if shutil.which("javac") is None:
        pytest.skip("javac is not installed")
    cp = javac.stubs_classpath()
    for cls in ("android/telephony/SmsManager", "android/vphone/SystemBridge", "okhttp3/RealCall",
                "android/provider/Settings$Secure", "com/google/android/gms/ads/identifier/AdvertisingIdClient$Info"):
        assert (cp / f"{cls}.class").is_file(), cls
