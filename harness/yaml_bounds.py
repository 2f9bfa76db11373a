"""Bounding a YAML document before it is composed: hostile files cannot exhaust the harness.

``check_bounds(text, loader, max_depth=, max_nodes=)`` walks the parser's events (no document is
built) and raises ``YamlLimit`` at the first place where collections nest deeper than
``max_depth``, where the document would expand (aliases count as what they stand for: the
"billion laughs" file) to more than ``max_nodes`` nodes, or where an alias stands inside the node
it names (a loop).  Callers turn ``YamlLimit`` into their own located error.
"""

from __future__ import annotations

from typing import Any

import yaml


class YamlLimit(Exception):
    """A YAML document over a bound; ``mark`` is where (a yaml Mark, or None)."""

    def __init__(self, mark: Any, message: str) -> None:
        super().__init__(message)
        self.mark = mark
        self.message = message


def check_bounds(text: str, loader: type[yaml.SafeLoader], *, max_depth: int, max_nodes: int) -> None:
    anchored: dict[str, int] = {}  # anchor -> expanded size of its node
    open_nodes: list[tuple[str | None, int]] = []  # (anchor, expanded count when it started)
    expanded = 0
    for event in yaml.parse(text, Loader=loader):
        if isinstance(event, yaml.AliasEvent) and any(event.anchor == anchor for anchor, _ in open_nodes):
            raise YamlLimit(event.start_mark, f"alias *{event.anchor} is inside the node it stands for (a loop)")
        if isinstance(event, yaml.CollectionStartEvent):
            expanded += 1
            open_nodes.append((event.anchor, expanded - 1))
            if len(open_nodes) > max_depth:
                raise YamlLimit(event.start_mark, f"nested more than {max_depth} deep")
        elif isinstance(event, yaml.CollectionEndEvent):
            anchor, before = open_nodes.pop()
            if anchor is not None:
                anchored[anchor] = expanded - before
        elif isinstance(event, yaml.ScalarEvent):
            expanded += 1
            if event.anchor is not None:
                anchored[event.anchor] = 1
        elif isinstance(event, yaml.AliasEvent):
            expanded += anchored.get(event.anchor or "", 1)  # unknown: composing will say
        if expanded > max_nodes:
            raise YamlLimit(event.start_mark, f"the file expands to more than {max_nodes} YAML nodes "
                                              "(aliases count as what they stand for)")
