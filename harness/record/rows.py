"""Converting ``Event`` records to ``events`` table rows and back (see ``schema.EVENT_COLUMNS``)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from harness.events import Dest, Event

Row = tuple[Any, ...]


def event_rows(
    events: Iterable[Event], first_id: int, variant: str | None, step: int | None
) -> list[Row]:
    """Rows for ``events`` with ids from ``first_id``; events without variant/step get the given ones.

    Kept to one tight loop: this runs for every event the harness receives.
    """
    rows: list[Row] = []
    append = rows.append
    dumps = json.dumps
    next_id = first_id
    for ev in events:
        dest = ev.dest
        stack = ev.stack
        headers = ev.headers
        append((
            next_id,
            ev.ts,
            ev.variant if ev.variant is not None else variant,
            ev.step if ev.step is not None else step,
            ev.process,
            ev.pid,
            ev.kind,
            ev.api,
            *((dest.host, dest.ip, dest.port, dest.scheme, dest.url, dest.address, 1) if dest is not None
              else (None, None, None, None, None, None, 0)),
            ev.data,
            ev.data_len,
            ev.value,
            dumps(list(stack)) if stack else None,
            ev.sdk,
            dumps([list(h) for h in headers]) if headers else None,
            ev.source,
        ))
        next_id += 1
    return rows


class RowError(ValueError):
    """A stored row that does not hold what the schema says (a tampered or damaged run)."""

    def __init__(self, event_id: object, field: str, problem: str) -> None:
        super().__init__(f"event {event_id!r}: {field}: {problem}")
        self.event_id = event_id
        self.field = field


_NUMBER = (int, float)


def _json_list(event_id: object, field: str, text: object) -> list[Any]:
    if not isinstance(text, str):
        raise RowError(event_id, field, f"expected JSON text, found {type(text).__name__}")
    try:
        value = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise RowError(event_id, field, f"not valid JSON ({exc})") from None
    if not isinstance(value, list):
        raise RowError(event_id, field, f"expected a JSON list, found {type(value).__name__}")
    return value


def _check(row: Row) -> None:
    """Raise ``RowError`` naming the first column whose value has the wrong type."""
    (ev_id, ts, variant, step, process, pid, kind, api, host, ip, port, scheme, url, address, _has_dest,
     data, data_len, value, _stack, sdk, _headers, source) = row
    checks: tuple[tuple[str, object, tuple[type, ...], bool], ...] = (
        ("id", ev_id, (int,), False), ("ts", ts, _NUMBER, False), ("variant", variant, (str,), True),
        ("step", step, (int,), True), ("process", process, (str,), False), ("pid", pid, (int,), False),
        ("kind", kind, (str,), False), ("api", api, (str,), False), ("dest_host", host, (str,), True),
        ("dest_ip", ip, (str,), True), ("dest_port", port, (int,), True), ("dest_scheme", scheme, (str,), True),
        ("dest_url", url, (str,), True), ("dest_address", address, (str,), True), ("data", data, (bytes,), True),
        ("data_len", data_len, (int,), True), ("value", value, (str,), True), ("sdk", sdk, (str,), True),
        ("source", source, (str,), True),
    )
    for name, val, types, nullable in checks:
        if (val is None and not nullable) or (val is not None and (not isinstance(val, types)
                                                                 or isinstance(val, bool))):
            found = "NULL" if val is None else type(val).__name__
            raise RowError(ev_id, name, f"expected {' or '.join(t.__name__ for t in types)}, found {found}")


def row_event(row: Row) -> Event:
    """The ``Event`` stored in one ``events`` row (columns in ``EVENT_COLUMNS`` order); a row that
    does not hold what the schema says is a ``RowError`` naming the event and the column."""
    (ev_id, ts, variant, step, process, pid, kind, api, host, ip, port, scheme, url, address, has_dest,
     data, data_len, value, stack, sdk, headers, source) = row
    if not (type(ev_id) is int and type(ts) in (float, int) and type(pid) is int and type(kind) is str
            and type(api) is str and type(process) is str and (data is None or type(data) is bytes)
            and (variant is None or type(variant) is str) and (step is None or type(step) is int)
            and (value is None or type(value) is str) and (sdk is None or type(sdk) is str)
            and (data_len is None or type(data_len) is int) and (source is None or type(source) is str)
            and (not has_dest or ((host is None or type(host) is str) and (ip is None or type(ip) is str)
                                  and (port is None or type(port) is int) and (url is None or type(url) is str)
                                  and (scheme is None or type(scheme) is str)
                                  and (address is None or type(address) is str)))):
        _check(row)
    frames = _json_list(ev_id, "stack", stack) if stack else ()
    pairs = _json_list(ev_id, "headers", headers) if headers else ()
    try:
        return Event(
            id=ev_id,
            ts=ts,
            kind=kind,
            api=api,
            process=process,
            pid=pid,
            variant=variant,
            step=step,
            dest=Dest(host=host, ip=ip, port=port, scheme=scheme, url=url, address=address) if has_dest else None,
            data=data,
            data_len=data_len,
            value=value,
            stack=tuple(frames) if all(type(f) is str for f in frames) else _bad(ev_id, "stack", "not a list of text"),
            sdk=sdk,
            headers=tuple((k, v) for k, v in pairs) if all(_is_pair(h) for h in pairs)
            else _bad(ev_id, "headers", "not a list of [name, value] text pairs"),
            source=source,
        )
    except (TypeError, ValueError) as exc:
        if isinstance(exc, RowError):
            raise
        _check(row)
        raise RowError(ev_id, "row", str(exc)) from None


def _is_pair(item: object) -> bool:
    return isinstance(item, list) and len(item) == 2 and type(item[0]) is str and type(item[1]) is str


def _bad(event_id: object, field: str, problem: str) -> Any:
    raise RowError(event_id, field, problem)
