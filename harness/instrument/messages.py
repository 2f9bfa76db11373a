"""Decoding the hook agent's messages (the agent side is frida_hooks/src/envelope.ts).

A batch is one Frida message ``{"type": "harness:batch", "events": [...]}`` whose binary payload
holds the events' data bytes (``data_off``/``data_size`` per event, ``data_len`` the true length).
The native socket hooks may send their events as raw ring records instead: the message then has
``"records": {"format": "ring-v1", "size": N}`` and the payload holds N bytes of fixed-layout
records (see ``frida_hooks/src/native_ring.ts``).  ``decode_batch`` turns both into ``Event``s with
the stored kind (``"net:send"`` -> ``"net.send"``).
"""

from __future__ import annotations

import ipaddress
import logging
import struct
from collections.abc import Callable, Iterator
from typing import Any

from harness.errors import InstrumentError
from harness.events import Dest, Event

log = logging.getLogger(__name__)

BATCH = "harness:batch"
READY = "harness:ready"
SKIPPED = "harness:skipped"
ERROR = "harness:error"
DRAINED = "harness:drained"        # after quiesce: the agent has sent everything (flow control)
CRASH = "harness:crash"            # a native process about to die of a signal
# posted to the agent
ACK = "harness:ack"                # {seq}: batches up to seq are committed
CRASH_ACK = "harness:crash-ack"    # the crash report and everything before it arrived
RECORD_FORMAT = "ring-v1"

_HDR = struct.Struct("<IHHiHH16sqII")
_KINDS = {1: "send", 2: "sendto", 3: "sendmsg", 4: "write", 5: "connect"}


def kind_of(message_type: str) -> str:
    """The stored kind of a namespaced agent type: ``"net:send"`` -> ``"net.send"``."""
    return message_type.replace(":", ".", 1)


def _ip(family: int, raw: bytes) -> str | None:
    if family == 2:
        return str(ipaddress.IPv4Address(raw[:4]))
    if family == 10:
        addr = ipaddress.IPv6Address(raw)
        mapped = addr.ipv4_mapped
        return str(mapped) if mapped is not None else str(addr)
    return None


def iter_records(data: bytes, size: int) -> Iterator[tuple[dict[str, Any], bytes | None]]:
    """Yield ``(fields, data)`` for each ring record in ``data[:size]`` (padding skipped)."""
    for kind, ts, dest, fd, payload, data_len in _records(data, size):
        fields: dict[str, Any] = {
            "type": "net:connect" if kind == 5 else "net:send",
            "ts": ts,
            "api": f"libc.{_KINDS.get(kind, '?')}",
            "dest": dest.to_json(),
            "fd": fd,
        }
        if payload is not None:
            fields["data_len"] = data_len
        yield fields, payload


def _records(data: bytes, size: int) -> Iterator[tuple[int, float, Dest, int, bytes | None, int]]:
    """(kind, ts, dest, fd, data, data_len) per record; Dest objects are shared per peer."""
    off = 0
    view = memoryview(data)
    unpack = _HDR.unpack_from
    hsize = _HDR.size
    dests: dict[tuple[int, bytes, int], Dest] = {}
    while off + hsize <= size:
        rec_size, kind, family, fd, port, _flags, addr, ts_us, data_len, data_size = unpack(view, off)
        if rec_size == 0:
            raise InstrumentError(f"corrupt native record at offset {off} of a {size}-byte batch")
        if kind != 0:
            key = (family, addr, port)
            dest = dests.get(key)
            if dest is None:
                ip = _ip(family, addr)
                dest = dests[key] = Dest(ip=ip, port=port if ip is not None else None)
            payload = None if kind == 5 else data[off + hsize: off + hsize + data_size]
            yield kind, ts_us / 1e6, dest, fd, payload, data_len
        off += rec_size


def _event(fields: dict[str, Any], data: bytes | None, process: str, pid: int, event_id: int) -> Event:
    dest = fields.get("dest")
    headers = fields.get("headers") or ()
    data_len = fields.get("data_len")
    return Event(
        id=event_id,
        ts=float(fields.get("ts") or 0.0),
        kind=kind_of(str(fields.get("type", "?"))),
        api=str(fields.get("api") or ""),
        process=process,
        pid=pid,
        dest=Dest.from_json(dest) if isinstance(dest, dict) else None,
        data=data,
        data_len=int(data_len) if data_len is not None and data is not None and data_len != len(data) else None,
        value=None if fields.get("value") is None else str(fields["value"]),
        stack=tuple(str(s) for s in fields.get("stack") or ()),
        sdk=fields.get("sdk"),
        headers=tuple((str(k), str(v)) for k, v in headers),
    )


def decode_batch(
    message: dict[str, Any],
    data: bytes | None,
    *,
    process: str = "",
    pid: int = 0,
    next_id: Callable[[], int] | None = None,
) -> list[Event]:
    """The events of one ``harness:batch`` message (the ``payload`` of a Frida "send" message).

    ``next_id`` numbers the events (default 0: the run store assigns ids); ``data_len`` is set
    only when the data was truncated by the agent's cap.
    """
    if message.get("type") != BATCH:
        raise InstrumentError(f"not a batch message: {message.get('type')!r}")
    blob = data or b""
    new_id = next_id or (lambda: 0)
    out: list[Event] = []
    for fields in message.get("events") or ():
        payload = None
        off = fields.get("data_off")
        if off is not None:
            size = int(fields.get("data_size") or 0)
            if int(off) + size > len(blob):
                raise InstrumentError(f"batch event data [{off}:{int(off) + size}] outside a {len(blob)}-byte payload")
            payload = bytes(blob[int(off): int(off) + size])
        out.append(_event(fields, payload, process, pid, new_id()))
    records = message.get("records")
    if isinstance(records, dict):
        if records.get("format") != RECORD_FORMAT:
            raise InstrumentError(f"unknown native record format {records.get('format')!r}")
        size = int(records.get("size") or 0)
        if size > len(blob):
            raise InstrumentError(f"native records of {size} bytes in a {len(blob)}-byte payload")
        apis = {k: f"libc.{v}" for k, v in _KINDS.items()}
        for kind, ts, dest, _fd, payload, data_len in _records(blob, size):
            out.append(Event(
                id=new_id(), ts=ts, kind="net.connect" if kind == 5 else "net.send", api=apis.get(kind, "libc.?"),
                process=process, pid=pid, dest=dest, data=payload,
                data_len=data_len if payload is not None and data_len != len(payload) else None,
            ))
    return out


def batch_size(message: dict[str, Any], data: bytes | None) -> int:
    """How many events a batch holds (cheaper than decoding: counts native records by header)."""
    n = len(message.get("events") or ())
    records = message.get("records")
    if isinstance(records, dict) and data:
        size = int(records.get("size") or 0)
        off = 0
        while off + _HDR.size <= size:
            rec_size, kind = struct.unpack_from("<IH", data, off)
            if rec_size == 0:
                break
            n += kind != 0
            off += rec_size
    return n
