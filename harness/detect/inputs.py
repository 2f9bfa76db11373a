"""Captures the detector reads: HAR files (``har``), JSONL event exports and run stores, all streamed.

A JSONL line is read by ``jsonl`` (its base64 ``data`` decoded while it is read), parsed and checked
field by field by ``records``; a malformed line is reported through ``on_error`` as a
``DetectError`` naming the file, the line number and the field, and skipped, and the rest is still
read.  A line that is not valid UTF-8 is reported too, but still analysed (its bytes kept).
"""

from __future__ import annotations

import binascii
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from harness.detect import jsonl
from harness.detect.har import OnError, har_entry_item, iter_har_entries
from harness.detect.items import EgressItem, items_from_events
from harness.detect.records import check_record, parse_record
from harness.errors import ConfigError, DetectError
from harness.events import Event

__all__ = ["OnError", "har_entry_item", "iter_har_entries", "iter_jsonl_events", "iter_jsonl_items",
           "iter_run_items", "jsonl_events"]


def iter_jsonl_events(path: Path, on_error: OnError) -> Iterator[Event]:
    """Events of a ``harness export --jsonl`` file; a malformed line is reported and skipped."""
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise DetectError(f"{path}: cannot read JSONL file: {exc}") from exc
    with handle:
        yield from jsonl_events(handle, str(path), on_error)


def jsonl_events(handle: BinaryIO, origin: str, on_error: OnError, first_number: int = 1,
                 end: int | None = None) -> Iterator[Event]:
    """Events of the lines of an open JSONL file from its position (line ``first_number``) to ``end``."""
    # each record's base64 payload is decoded while it is read (see ``jsonl``), so the event
    # is held once, never next to its base64 text
    for record in jsonl.records(handle, first_number, end):
        if not record.text.strip():
            continue
        where = f"{origin}:{record.number}"
        try:
            event, invalid_utf8 = _event(record, where)
        except DetectError as exc:
            on_error(DetectError(f"{where}: malformed event record: {exc}"))
            continue
        except ConfigError as exc:  # Event.from_json names the place itself
            on_error(DetectError(str(exc)))
            continue
        except (ValueError, TypeError, binascii.Error, OverflowError) as exc:
            on_error(DetectError(f"{where}: malformed event record: {exc}"))
            continue
        del record
        if invalid_utf8:
            on_error(DetectError(f"{where}: the line is not valid UTF-8 (its bytes were kept); "
                                 "the record was still analysed"))
        # hold no reference here while the consumer analyses it (one copy of a large body)
        box = [event]
        del event
        yield box.pop()


def _event(record: jsonl.Record, where: str) -> tuple[Event, bool]:
    obj, invalid_utf8 = parse_record(record.text)
    encoded = obj.pop("data", None) if isinstance(obj, dict) else None  # a later duplicate key wins
    check_record(obj)
    if isinstance(encoded, str):
        data: bytes | binascii.Error | None = jsonl.strict_b64decode(encoded.encode("ascii"))
    elif encoded is not None:
        raise DetectError(f"data: expected a base64 string or null, got {type(encoded).__name__}")
    else:
        data = record.data
    del encoded
    if isinstance(data, binascii.Error):
        raise DetectError(f"data: not valid base64 ({data})")
    return Event.from_json(obj, where=where, data=data), invalid_utf8


def iter_jsonl_items(path: Path, on_error: OnError) -> Iterator[EgressItem]:
    return items_from_events(iter_jsonl_events(path, on_error))


def iter_run_items(run_path: Path, on_error: OnError | None = None) -> Iterator[EgressItem]:
    """Egress items of a run store (the store is imported only when a run is read); a stored event
    that cannot be read (a damaged row) goes to ``on_error`` and the rest is read."""
    from harness.record.reader import iter_events

    report = None if on_error is None else (lambda exc: on_error(DetectError(str(exc))))
    return items_from_events(iter_events(run_path, on_error=report))
