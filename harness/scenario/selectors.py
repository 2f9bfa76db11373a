"""Maestro's element selectors, points and conditions, read into ``harness.ui.selector`` forms.

A selector is a string (the text, a regular expression as in Maestro) or a mapping of ``text``,
``id``, ``index`` and ``point`` (``"50%,80%"`` of the screen, or ``"540,1600"`` pixels), plus the
options of the command that uses it.  Maestro's relational and state selectors (``below``,
``childOf``, ``enabled``, ``traits``, sizes, ``css``...) and a ``point`` inside an element are
errors that say the harness does not support them: ``Selector`` cannot express them, and a flow
that silently tapped something else would record the wrong thing.

A condition (``runFlow``'s ``when``, ``repeat``'s ``while``) is ``{visible: SELECTOR}`` or
``{notVisible: SELECTOR}``.  ``platform: Android`` holds on every phone the harness drives (so it
is dropped); ``platform: iOS`` or ``Web`` never holds (``NEVER``: the loader leaves the flow out).
Maestro's ``true:`` (a JavaScript condition) is refused.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from typing import Final

import yaml

from harness.scenario.model import Condition, Point, Selector
from harness.scenario.reader import Reader

#: a condition that can never hold on an Android phone (``platform: iOS``)
NEVER: Final = "never"

SELECTOR_KEYS = ("text", "id", "index", "point")
_RELATIONAL = "relational and state selectors cannot be expressed by the harness's selectors (text, id, index, point)"
UNSUPPORTED_SELECTOR_KEYS = {
    **{key: _RELATIONAL for key in ("below", "above", "leftOf", "rightOf", "containsChild", "containsDescendants",
                                    "childOf", "traits", "enabled", "selected", "checked", "focused")},
    **{key: "selecting by size is not supported" for key in ("width", "height", "tolerance")},
    "css": "web only",
}
_POINT = re.compile(r"^\s*(-?[0-9]+(?:\.[0-9]+)?)(%?)\s*,\s*(-?[0-9]+(?:\.[0-9]+)?)(%?)\s*$")


def read_selector(r: Reader, node: yaml.Node, what: str, *, options: Collection[str] = (),
                  unsupported: dict[str, str] | None = None) -> tuple[Selector, dict[str, yaml.Node]] | None:
    """The selector ``node`` names, with the nodes of the command ``options`` it also carries."""
    if isinstance(node, yaml.ScalarNode):
        text = r.text(node, what)
        return None if text is None else (Selector(text=text), {})
    reported = len(r.problems)
    fields = r.fields(node, what, (*SELECTOR_KEYS, *options),
                      unsupported={**UNSUPPORTED_SELECTOR_KEYS, **(unsupported or {})})
    if fields is None:
        return None
    text = r.text(fields["text"], f"{what}.text") if "text" in fields else None
    id_ = r.text(fields["id"], f"{what}.id") if "id" in fields else None
    index = r.integer(fields["index"], f"{what}.index") if "index" in fields else None
    point = read_point(r, fields["point"], f"{what}.point") if "point" in fields else None
    extra = {k: v for k, v in fields.items() if k not in SELECTOR_KEYS}
    if "point" in fields:
        if "text" in fields or "id" in fields:
            r.fail(fields["point"], f"{what}: `point` with `text` or `id` (a point inside an element) is not "
                                    "supported by the harness; give the point on the screen alone")
            return None
        if "index" in fields:
            r.fail(fields["index"], f"{what}: `index` has no meaning with `point`")
            return None
        return None if point is None else (Selector(point=point), extra)
    if "text" not in fields and "id" not in fields:
        if len(r.problems) == reported:  # not when a misspelt key already explains it
            r.fail(node, f"{what}: give `text`, `id` or `point` to say what to select")
        return None
    if ("text" in fields and text is None) or ("id" in fields and id_ is None) or ("index" in fields and index is None):
        return None
    return Selector(text=text, id=id_, index=index or 0), extra


def read_point(r: Reader, node: yaml.Node, what: str) -> Point | None:
    """``"50%,80%"`` (a fraction of the screen) or ``"540,1600"`` (pixels)."""
    text = r.text(node, what)
    if text is None:
        return None
    match = _POINT.match(text)
    if match is None or bool(match[2]) != bool(match[4]):
        r.fail(node, f"{what}: expected \"X%,Y%\" (of the screen) or \"X,Y\" (pixels), got {text!r}")
        return None
    x, y = float(match[1]), float(match[3])
    if match[2]:
        if not (0 <= x <= 100 and 0 <= y <= 100):
            r.fail(node, f"{what}: percentages must be between 0% and 100%, got {text!r}")
            return None
        return Point(x / 100, y / 100, relative=True)
    if x < 0 or y < 0:
        r.fail(node, f"{what}: pixel coordinates must not be negative, got {text!r}")
        return None
    return Point(x, y, relative=False)


def read_condition(r: Reader, node: yaml.Node, what: str) -> Condition | str | None:
    """``{"visible": Selector}`` / ``{"notVisible": Selector}``, ``NEVER``, or None (always holds, or
    reported)."""
    fields = r.fields(node, what, ("visible", "notVisible", "platform", "label"),
                      unsupported={"true": "JavaScript conditions are not supported"})
    if fields is None:
        return None
    if "platform" in fields:
        platform = r.choice(fields["platform"], f"{what}.platform", ("Android", "iOS", "Web"), fold=True)
        if platform is not None and platform != "Android":
            return NEVER
    present = [key for key in ("visible", "notVisible") if key in fields]
    if len(present) > 1:
        r.fail(node, f"{what}: give one of `visible` and `notVisible`, not both")
        return None
    if not present:
        if "platform" not in fields:
            r.fail(node, f"{what}: give `visible` or `notVisible` (or `platform`)")
        return None
    key = present[0]
    read = read_selector(r, fields[key], f"{what}.{key}")
    if read is None:
        return None
    selector, _ = read
    if selector.point is not None:
        r.fail(fields[key], f"{what}.{key}: a point is never visible; select an element")
        return None
    return {key: selector}
