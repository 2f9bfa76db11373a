"""AgentSession's message handling: batches, skipped hooks, hook errors, script errors, bad batches."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from harness.errors import InstrumentError
from harness.events import Event
from harness.instrument.devices import FridaBackedDevice
from harness.instrument.session import AgentConfig, AgentSession, ensure_started
from harness.testing.agents import decode_contract_batch
from harness.testing.processes import ChildProcess
from harness.testing.sinks import ListSink

CHATTY_AGENT = r"""
rpc.exports = {
  init(params) {
    send({ type: 'harness:skipped', module: 'sms', target: 'android.telephony.SmsManager',
           reason: 'class not found' });
    send({ type: 'harness:error', module: 'location', message: 'boom' });
    const data = new Uint8Array([104, 105, 0, 255]);
    send({ type: 'harness:batch', events: [
      { type: 'id:read', ts: 1.5, api: 'TelephonyManager.getImei', value: '356938035643809' },
      { type: 'net:send', ts: 2.5, api: 'libc.send', data_off: 0, data_size: 4, data_len: 4000,
        dest: { ip: '10.1.2.3', port: 443 } } ] }, data.buffer);
    send({ type: 'harness:batch', events: 'not-a-list-of-events' });
    send({ type: 'harness:ready' });
    setTimeout(() => { throw new Error('late failure'); }, 10);
    return { hooked: ['id', 'net'], skipped: [] };
  },
  flush() {},
};
"""


def strict_decode(message: dict[str, object], data: bytes | None) -> list[Event]:
    if not isinstance(message.get("events"), list):
        raise ValueError("events is not a list")
    return decode_contract_batch(message, data)


def test_message_handling(local_device: FridaBackedDevice, popen: Callable[..., ChildProcess],
                          caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="harness.instrument.session")
    proc = popen("sleep", "30")
    sink = ListSink()
    detached: list[str] = []
    session = AgentSession(local_device, proc.pid, "sleep", "attach", source=CHATTY_AGENT,
                           config=AgentConfig(), sink=sink, decode=strict_decode,
                           on_detached=lambda s, reason: detached.append(reason))
    report = session.start()
    assert session.ready.wait(5)
    assert report.hooked == ["id", "net"]
    assert report.skipped == [{"module": "sms", "target": "android.telephony.SmsManager",
                               "reason": "class not found"}]
    assert session.agent_errors == [{"module": "location", "message": "boom"}]
    ident, send = sink.events
    assert (ident.kind, ident.value, ident.pid, ident.process) == ("id.read", "356938035643809", proc.pid, "sleep")
    assert (send.kind, send.data, send.data_len) == ("net.send", b"hi\x00\xff", 4000)
    assert session.batches == 2 and session.received == 2  # the second batch could not be decoded
    done = threading.Event()
    threading.Timer(0.3, done.set).start()
    done.wait()
    assert session.script_errors == 1
    assert any("late failure" in r.getMessage() for r in caplog.records)
    assert any("could not be decoded" in r.getMessage() for r in caplog.records)
    session.stop()
    assert session.detached.wait(5)
    assert detached == ["application-requested"] and session.detach_reason == "application-requested"


def test_a_broken_agent_is_an_instrument_error(local_device: FridaBackedDevice,
                                               popen: Callable[..., ChildProcess],
                                               tmp_path: Path) -> None:
    proc = popen("sleep", "30")
    session = AgentSession(local_device, proc.pid, "sleep", "attach", source="this is not javascript(",
                           config=AgentConfig(), sink=ListSink(), decode=decode_contract_batch)
    with pytest.raises(InstrumentError, match=r"local system: loading the hook agent into sleep"):
        ensure_started(session)
    failing = AgentSession(local_device, proc.pid, "sleep", "attach",
                           source="rpc.exports = { init() { throw new Error('no Java here'); } };",
                           config=AgentConfig(), sink=ListSink(), decode=decode_contract_batch)
    with pytest.raises(InstrumentError, match="no Java here"):
        ensure_started(failing)
