"""Reading a scenario or flow file into YAML node trees, bounded, with every problem located.

A scenario file is untrusted text, and YAML can cost far more than its size (aliases expand a few
KB into gigabytes; a file nested thousands deep exhausts the parser's recursion).  So, as for canary
files (``harness.detect.canary_yaml``), the file's events are first read by PyYAML's iterative
parser while counting, and the file is refused, naming the line and column where a limit was
passed, if

- it is larger than ``MAX_FILE_BYTES`` (1 MiB: a long flow is a few KB);
- a node sits deeper than ``MAX_DEPTH`` (64: each nesting ``runFlow``/``repeat``/``retry`` takes 3);
- its nodes, every alias counted as the whole node it stands for, number more than ``MAX_NODES``
  (100,000).

Only then is it composed into node trees (one a YAML document), whose marks give every problem its
``FILE:LINE:COL``.  ``Problems`` collects those lines; ``suggest`` makes the "did you mean" hints.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

from harness.scenario.model import Location
from harness.yaml_bounds import YamlLimit, check_bounds

MAX_FILE_BYTES = 1 << 20
MAX_DEPTH = 64
MAX_NODES = 100_000

_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class Problems:
    """Every problem found, as ``FILE:LINE:COL: message`` lines: each once, a file's in the order of
    its lines (files in the order they were first named)."""

    def __init__(self) -> None:
        self._found: dict[str, Location] = {}
        self._files: dict[str, int] = {}

    def add(self, where: Location, message: str) -> None:
        self._files.setdefault(where.file, len(self._files))
        self._found.setdefault(f"{where}: {message}".replace("\n", " "), where)

    def lines(self) -> list[str]:
        order = sorted(self._found.items(), key=lambda item: (self._files[item[1].file], item[1].line, item[1].col))
        return [line for line, _ in order]

    def __len__(self) -> int:
        return len(self._found)


class SourceError(Exception):
    """A file that cannot be read as YAML at all (carries where and why)."""

    def __init__(self, where: Location, message: str) -> None:
        self.where = where
        self.message = message
        super().__init__(f"{where}: {message}")


def mark_location(file: str, mark: Any) -> Location:
    """A YAML mark (PyYAML's or libyaml's: 0-based line and column) as a ``Location``."""
    if mark is None:
        return Location(file, 1, 1)
    return Location(file, mark.line + 1, mark.column + 1)


def node_location(file: str, node: yaml.Node) -> Location:
    return mark_location(file, node.start_mark)


def suggest(word: str, choices: Iterable[str]) -> str:
    """`` (did you mean 'X'?)`` for the closest of ``choices``, or nothing."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    if not close:
        lowered = {c.lower(): c for c in choices}
        if word.lower() in lowered:
            close = [lowered[word.lower()]]
    return f" (did you mean {close[0]!r}?)" if close else ""


def read_documents(path: Path, shown: str) -> list[yaml.Node]:
    """The YAML documents of ``path`` as node trees (empty documents left out); errors name
    ``shown`` (the path as the user wrote it) with line and column.  Raises ``SourceError``."""
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)  # never more, whatever the file is
    except OSError as exc:
        raise SourceError(Location(shown, 1, 1), f"cannot read the file: {exc.strerror or exc}") from exc
    if len(raw) > MAX_FILE_BYTES:
        raise SourceError(_offset_location(shown, raw, MAX_FILE_BYTES),
                          f"the file passes {MAX_FILE_BYTES} bytes here; a scenario or flow file is at most "
                          f"{MAX_FILE_BYTES // 1024} KiB")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SourceError(_offset_location(shown, raw, exc.start),
                          f"byte 0x{raw[exc.start]:02x} is not UTF-8; the file must be UTF-8 text") from exc
    return compose_documents(text, shown)


def compose_documents(text: str, shown: str) -> list[yaml.Node]:
    """``yaml.compose_all(text)`` once ``check_events`` has passed; raises ``SourceError``."""
    try:
        check_events(text, shown)
        return [node for node in yaml.compose_all(text, Loader=_Loader) if node is not None]
    except yaml.MarkedYAMLError as exc:
        where = mark_location(shown, exc.problem_mark or exc.context_mark)
        context = f" ({exc.context})" if exc.context else ""
        raise SourceError(where, f"not valid YAML: {exc.problem}{context}") from exc
    except yaml.reader.ReaderError as exc:  # a character YAML does not allow (located by offset)
        code = ord(exc.character) if isinstance(exc.character, str) else int(exc.character)
        raise SourceError(_text_location(shown, text, exc.position),
                          f"not valid YAML: character U+{code:04X} is not allowed") from exc
    except yaml.YAMLError as exc:
        raise SourceError(Location(shown, 1, 1), f"not valid YAML: {exc}") from exc
    except RecursionError as exc:  # not expected once the depth is checked; never a traceback
        raise SourceError(Location(shown, 1, 1), "the YAML is nested too deep") from exc


def check_events(text: str, shown: str) -> None:
    """Raise ``SourceError`` if a document nests deeper than ``MAX_DEPTH``, the file expands
    (aliases included) to more than ``MAX_NODES`` nodes, or an alias loops, without composing it
    (``harness.yaml_bounds``)."""
    try:
        check_bounds(text, _Loader, max_depth=MAX_DEPTH, max_nodes=MAX_NODES)
    except YamlLimit as exc:
        raise SourceError(mark_location(shown, exc.mark), exc.message) from None


def _offset_location(shown: str, raw: bytes, offset: int) -> Location:
    line_start = raw.rfind(b"\n", 0, offset) + 1
    column = len(raw[line_start:offset].decode("utf-8", errors="replace"))
    return Location(shown, raw.count(b"\n", 0, offset) + 1, column + 1)


def _text_location(shown: str, text: str, offset: int) -> Location:
    return Location(shown, text.count("\n", 0, offset) + 1, offset - (text.rfind("\n", 0, offset) + 1) + 1)
