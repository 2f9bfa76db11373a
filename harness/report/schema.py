"""The JSON Schema of the report and diff documents, made from ``harness.report.shape`` itself.

The TypedDicts in ``shape`` are the one source: the schema is derived from their annotations
(``harness schema report``), so the documented keys can never drift from what is written.
Every object lists all its keys as required and allows no others: the keys are stable.
"""

from __future__ import annotations

import json
import types
from typing import Any, Literal, Union, get_args, get_origin, get_type_hints, is_typeddict

from harness.report import shape

_SCALARS: dict[type, str] = {str: "string", int: "integer", float: "number", bool: "boolean", type(None): "null"}


def _schema_of(tp: Any, defs: dict[str, Any]) -> dict[str, Any]:
    origin = get_origin(tp)
    if is_typeddict(tp):
        name = tp.__name__
        if name not in defs:
            defs[name] = {}  # placeholder: a type that refers to itself
            hints = get_type_hints(tp)
            defs[name] = {
                "type": "object",
                "description": (tp.__doc__ or "").strip() or name,
                "properties": {key: _schema_of(value, defs) for key, value in hints.items()},
                "required": list(hints),
                "additionalProperties": False,
            }
        return {"$ref": f"#/$defs/{name}"}
    if origin is Literal:
        return {"enum": list(get_args(tp))}
    if origin in (list, tuple):
        (item,) = get_args(tp)[:1] or (Any,)
        return {"type": "array", "items": _schema_of(item, defs)}
    if origin is dict:
        return {"type": "object", "additionalProperties": _schema_of(get_args(tp)[1], defs)}
    if origin in (Union, types.UnionType):
        return {"anyOf": [_schema_of(arg, defs) for arg in get_args(tp)]}
    if tp is float:
        return {"type": "number"}
    if tp in _SCALARS:
        return {"type": _SCALARS[tp]}
    if tp is Any:
        return {}
    raise TypeError(f"no JSON Schema for {tp!r}")


def json_schema(kind: str) -> dict[str, Any]:
    """The schema of ``kind``: "report" (``ReportDoc``) or "diff" (``DiffDoc``)."""
    root, schema_id = (shape.ReportDoc, shape.SCHEMA_ID) if kind == "report" else (shape.DiffDoc, shape.DIFF_SCHEMA_ID)
    defs: dict[str, Any] = {}
    ref = _schema_of(root, defs)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"urn:{schema_id}",
        "title": f"harness {kind} document ({schema_id})",
        "description": (shape.__doc__ or "").strip().splitlines()[0],
        **ref, "$defs": defs,
    }


def schema_text(kind: str) -> str:
    return json.dumps(json_schema(kind), indent=1) + "\n"
