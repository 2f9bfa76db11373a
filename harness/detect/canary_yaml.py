"""The canary file's YAML, composed only after its size, depth and alias expansion have been checked.

A YAML file can cost far more than its size: aliases let a 33 KB file expand to 9 million entries
(a gigabyte: the "billion laughs"), and a file nested 5,000 deep exhausts PyYAML's recursion.  So
the file's events are first read by PyYAML's parser (iterative) while counting, and the file is
refused, naming the line where a limit was passed, if

- it is larger than ``MAX_FILE_BYTES`` (4 MiB: a few thousand canaries take a few hundred KB);
- a node sits deeper than ``MAX_DEPTH`` (32; the canary format is four levels deep);
- its nodes, every alias counted as the whole node it stands for, number more than ``MAX_NODES``
  (50,000: ``canaries.MAX_CANARIES`` contacts of name, phone and e-mail take about 10 nodes each).

Only then is it composed into the node tree whose marks give ``canaries`` its line numbers.  Both
passes use libyaml when PyYAML has it (about twenty times faster); libyaml refuses flow collections
nested 1,000 deep itself, before the depth check sees them.  Every error is one line, naming the file
and the line.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from harness.errors import DetectError
from harness.yaml_bounds import YamlLimit, check_bounds

MAX_FILE_BYTES = 4 << 20
MAX_DEPTH = 32
MAX_NODES = 50_000

_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_yaml(path: Path) -> yaml.Node | None:
    """The composed node tree of the YAML file ``path`` (None if it holds no document)."""
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)  # never more, whatever the file is
    except OSError as exc:
        raise DetectError(f"{path}: cannot read canary file: {exc}") from exc
    if len(raw) > MAX_FILE_BYTES:
        raise DetectError(f"{path}: the canary file is larger than the {MAX_FILE_BYTES} bytes accepted")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise DetectError(f"{path}:{line}: cannot read canary file: byte 0x{raw[exc.start]:02x} is not UTF-8") from exc
    return compose_checked(text, str(path))


def compose_checked(text: str, origin: str) -> yaml.Node | None:
    """``yaml.compose(text)`` once ``check_events`` has passed; errors name ``origin`` and the line."""
    try:
        check_events(text, origin)
        return yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{origin}:{mark.line + 1}" if mark is not None else origin
        context = f" ({exc.context})" if exc.context else ""
        raise DetectError(f"{where}: not valid YAML: {exc.problem}{context}".replace("\n", " ")) from exc
    except yaml.reader.ReaderError as exc:  # a character YAML does not allow (located by offset)
        line = text.count("\n", 0, exc.position) + 1
        code = ord(exc.character) if isinstance(exc.character, str) else int(exc.character)
        raise DetectError(f"{origin}:{line}: not valid YAML: character U+{code:04X} is not allowed") from exc
    except yaml.YAMLError as exc:
        raise DetectError(f"{origin}: not valid YAML: {exc}".replace("\n", " ")) from exc
    except RecursionError as exc:  # not expected once the depth is checked; never a traceback
        raise DetectError(f"{origin}: the YAML is nested too deep") from exc


def check_events(text: str, origin: str) -> None:
    """Raise ``DetectError`` if the document nests deeper than ``MAX_DEPTH`` or expands (aliases
    included) to more than ``MAX_NODES`` nodes, without composing it (``harness.yaml_bounds``)."""
    try:
        check_bounds(text, _Loader, max_depth=MAX_DEPTH, max_nodes=MAX_NODES)
    except YamlLimit as exc:
        where = f"{origin}:{exc.mark.line + 1}" if exc.mark is not None else origin
        raise DetectError(f"{where}: {exc.message}") from None
