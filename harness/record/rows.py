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
        ))
        next_id += 1
    return rows


def row_event(row: Row) -> Event:
    """The ``Event`` stored in one ``events`` row (columns in ``EVENT_COLUMNS`` order)."""
    (ev_id, ts, variant, step, process, pid, kind, api, host, ip, port, scheme, url, address, has_dest,
     data, data_len, value, stack, sdk, headers) = row
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
        data=bytes(data) if data is not None else None,
        data_len=data_len,
        value=value,
        stack=tuple(json.loads(stack)) if stack else (),
        sdk=sdk,
        headers=tuple((str(k), str(v)) for k, v in json.loads(headers)) if headers else (),
    )
