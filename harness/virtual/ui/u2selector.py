"""UiSelector over the virtual phone's UI model, and the errors the uiautomator2 server answers with.

A selector is the dict the uiautomator2 client sends for ``d(text=..., className=...)``: each field
is a test on a visible node (``textContains``, ``checked``, ``index``...), ``instance`` picks one of
the matches, and ``childOrSibling`` / ``childOrSiblingSelector`` chain ``.child(...)`` and
``.sibling(...)``.  The tree is the one ``harness.virtual.ui.screen`` builds for the current screen.

Errors carry the texts the real server sends, because the client maps them to its exceptions:
``...uiautomator.UiObjectNotFoundException`` becomes ``UiObjectNotFoundError``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from harness.virtual.ui.nodes import UiNode

ERROR_OBJECT_NOT_FOUND = -32002     # the real server's code for UiObjectNotFoundException
ERROR_METHOD_NOT_FOUND = -32601
ERROR_INTERNAL = -32001
_NOT_FOUND = "androidx.test.uiautomator.UiObjectNotFoundException"
_STRING_TESTS: dict[str, tuple[str, Callable[[str, str], bool]]] = {
    "text": ("text", lambda value, want: value == want),
    "textContains": ("text", lambda value, want: want in value),
    "textMatches": ("text", lambda value, want: re.fullmatch(want, value, re.S) is not None),
    "textStartsWith": ("text", lambda value, want: value.startswith(want)),
    "className": ("class_name", lambda value, want: value == want),
    "classNameMatches": ("class_name", lambda value, want: re.fullmatch(want, value) is not None),
    "description": ("content_desc", lambda value, want: value == want),
    "descriptionContains": ("content_desc", lambda value, want: want in value),
    "descriptionMatches": ("content_desc", lambda value, want: re.fullmatch(want, value, re.S) is not None),
    "descriptionStartsWith": ("content_desc", lambda value, want: value.startswith(want)),
    "packageName": ("package", lambda value, want: value == want),
    "packageNameMatches": ("package", lambda value, want: re.fullmatch(want, value) is not None),
    "resourceId": ("resource_id", lambda value, want: value == want),
    "resourceIdMatches": ("resource_id", lambda value, want: re.fullmatch(want, value) is not None),
}
_FLAG_TESTS = {"checkable": "checkable", "checked": "checked", "clickable": "clickable",
               "longClickable": "long_clickable", "scrollable": "scrollable", "enabled": "enabled",
               "focusable": "focusable", "focused": "focused", "selected": "selected"}
_CAMEL_HUMP = re.compile("[A-Z]")
_SELECTOR_BOOKKEEPING = ("mask", "childOrSibling", "childOrSiblingSelector", "instance")


class RpcError(Exception):
    """A JSON-RPC error reply: ``code`` and the message the real server would send."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class _Visible:
    """A visible node with its child index and parent, as UiSelector sees the tree."""

    def __init__(self, node: UiNode, index: int, parent: _Visible | None) -> None:
        self.node, self.index, self.parent = node, index, parent
        self.children = [_Visible(c, i, self) for i, c in enumerate(x for x in node.children if x.visible)]

    def walk(self) -> Iterator[_Visible]:
        yield self
        for child in self.children:
            yield from child.walk()


def _matches(item: _Visible, selector: dict[str, Any]) -> bool:
    node = item.node
    for key, want in selector.items():
        if key in _SELECTOR_BOOKKEEPING:
            continue
        if key in _STRING_TESTS:
            attribute, test = _STRING_TESTS[key]
            if not test(str(getattr(node, attribute)), str(want)):
                return False
        elif key in _FLAG_TESTS:
            if bool(getattr(node, _FLAG_TESTS[key])) != bool(want):
                return False
        elif key == "index":
            if item.index != int(want):
                return False
        else:
            raise RpcError(ERROR_INTERNAL, f"java.lang.IllegalArgumentException: unknown selector field {key}")
    return True


def _describe(selector: dict[str, Any]) -> str:
    """UiSelector.toString: ``UiSelector[TEXT=Nope]``."""
    fields = [_CAMEL_HUMP.sub(lambda hump: "_" + hump[0], key).upper() + f"={value}"
              for key, value in selector.items() if key not in ("mask", "childOrSibling", "childOrSiblingSelector")]
    return f"UiSelector[{', '.join(fields)}]"


def find(root: UiNode, selector: dict[str, Any]) -> list[UiNode]:
    """The visible nodes under ``root`` that ``selector`` picks, in document order."""
    found = [item for item in _Visible(root, 0, None).walk() if _matches(item, selector)]
    found = found[int(selector.get("instance", 0)):]
    # d(...).child(...) / .sibling(...): UiSelector.childSelector (any descendant) / fromParent.
    for relation, sub in zip(selector.get("childOrSibling") or [], selector.get("childOrSiblingSelector") or [],
                             strict=False):
        anchor = found[:1]
        pool = ([d for item in anchor for d in item.walk() if d is not item] if relation == "child"
                else [s for item in anchor if item.parent for s in item.parent.children if s is not item])
        found = [item for item in pool if _matches(item, sub)][int(sub.get("instance", 0)):]
    return [item.node for item in found]


def not_found(selector: dict[str, Any]) -> RpcError:
    """The error the real server answers when no object matches ``selector``."""
    return RpcError(ERROR_OBJECT_NOT_FOUND, f"{_NOT_FOUND}: {_describe(selector)}")
