"""The event record: the contract between hooks, run store, detector and reports (see DESIGN.md).

One ``Event`` is one thing a hook saw inside a process: data leaving (egress kinds such as
``net.send``, ``http.request``, ``tls.write``, ``sms.send``) or a sensitive API returning a value
(``*.read`` kinds).  As JSON (``harness export --jsonl``) ``data`` is base64.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field
from typing import Any, Literal, get_args

from harness.errors import ConfigError

#: How the hook agent got into a target process (recorded per target): spawned with hooks from its
#: first instruction, attached to a running process, attached right after a launch (its first
#: instants may be missed), or attached again to a process of the same name after it restarted.
InstrumentMode = Literal["spawn", "attach", "attach-after-launch", "reattach"]
MODES: tuple[InstrumentMode, ...] = get_args(InstrumentMode)

#: Kinds whose ``data`` left the device (network and SMS); the detector scans these.
EGRESS_KINDS = frozenset(
    {"net.connect", "net.dns", "net.send", "http.request", "tls.write", "sms.send", "ws.send"}
)


@dataclass(frozen=True)
class Dest:
    """Where an egress event went: host/ip/port/scheme/url for network, address for SMS."""

    host: str | None = None
    ip: str | None = None
    port: int | None = None
    scheme: str | None = None
    url: str | None = None
    address: str | None = None

    def to_json(self) -> dict[str, Any]:
        if self.address is not None:
            return {"address": self.address}
        return {"host": self.host, "ip": self.ip, "port": self.port, "scheme": self.scheme, "url": self.url}

    @classmethod
    def from_json(cls, obj: dict[str, Any]) -> Dest:
        port = obj.get("port")
        return cls(
            host=obj.get("host"),
            ip=obj.get("ip"),
            port=int(port) if port is not None else None,
            scheme=obj.get("scheme"),
            url=obj.get("url"),
            address=obj.get("address"),
        )


@dataclass(frozen=True)
class Event:
    """One observation by a hook; emitted whenever a hooked API is called in a traced process."""

    id: int
    ts: float
    kind: str
    api: str
    process: str
    pid: int
    variant: str | None = None
    step: int | None = None
    dest: Dest | None = None
    data: bytes | None = None
    data_len: int | None = None
    value: str | None = None
    stack: tuple[str, ...] = field(default_factory=tuple)
    sdk: str | None = None
    headers: tuple[tuple[str, str], ...] = field(default_factory=tuple)
    #: which capture path saw it: None for the hooks; "mitm" (the proxy), "pcap" (PCAPdroid)
    source: str | None = None

    @property
    def is_egress(self) -> bool:
        return self.kind in EGRESS_KINDS

    def to_json(self) -> dict[str, Any]:
        """The DESIGN.md record, ``data`` as base64."""
        out: dict[str, Any] = {
            "id": self.id,
            "ts": self.ts,
            "variant": self.variant,
            "step": self.step,
            "process": self.process,
            "pid": self.pid,
            "kind": self.kind,
            "api": self.api,
            "dest": self.dest.to_json() if self.dest else None,
            "data": base64.b64encode(self.data).decode("ascii") if self.data is not None else None,
            "value": self.value,
            "stack": list(self.stack),
            "sdk": self.sdk,
        }
        if self.data_len is not None:
            out["data_len"] = self.data_len
        if self.headers:
            out["headers"] = [[k, v] for k, v in self.headers]
        if self.source is not None:
            out["source"] = self.source
        return out

    @classmethod
    def from_json(cls, obj: dict[str, Any], where: str = "event", data: bytes | None = None) -> Event:
        """Parse one record; ``where`` (e.g. ``"file.jsonl:12"``) prefixes any error.  ``data`` is the
        payload when the caller has already decoded it (and taken ``data`` out of ``obj``)."""
        try:
            raw = obj.get("data")
            if raw is not None:
                data = base64.b64decode(raw, validate=True)
            dest, stack, headers = obj.get("dest"), obj.get("stack"), obj.get("headers")
            return cls(
                id=int(obj["id"]),
                ts=float(obj.get("ts") or 0.0),
                kind=str(obj["kind"]),
                api=str(obj.get("api") or ""),
                process=str(obj.get("process") or ""),
                pid=int(obj.get("pid") or 0),
                variant=obj.get("variant"),
                step=obj.get("step"),
                dest=Dest.from_json(dest) if isinstance(dest, dict) else None,
                data=data,
                data_len=obj.get("data_len"),
                value=obj.get("value"),
                stack=tuple(map(str, stack)) if stack else (),
                sdk=obj.get("sdk"),
                headers=tuple((str(k), str(v)) for k, v in headers) if headers else (),
                source=obj.get("source"),
            )
        except (KeyError, TypeError, ValueError, binascii.Error) as exc:
            raise ConfigError(f"{where}: malformed event record: {exc!s}") from exc
