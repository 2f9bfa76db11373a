"""Strict field reading for profile files: every error names the file and the dotted field."""

from __future__ import annotations

import re
from typing import Any

from harness.errors import ProfileError

_MISSING: Any = object()
_PACKAGE_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z][A-Za-z0-9_]*)+$")
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class FieldReader:
    """Reads typed fields of one YAML mapping; ``path`` is where that mapping sits in the file."""

    def __init__(self, origin: str, path: tuple[str, ...] = (), data: dict[str, Any] | None = None) -> None:
        self.origin = origin
        self.path = path
        self._data = data if data is not None else {}
        self._seen: set[str] = set()

    def error(self, key: str, message: str) -> ProfileError:
        where = ".".join((*self.path, key)) if key else ".".join(self.path) or "(top level)"
        return ProfileError(f"{self.origin}: {where}: {message}")

    def child(self, key: str) -> FieldReader:
        return FieldReader(self.origin, (*self.path, key))

    def named(self, key: str) -> FieldReader:
        """This mapping's reader, addressed as ``path.key`` in errors (e.g. a package's name)."""
        reader = FieldReader(self.origin, (*self.path, key), self._data)
        reader._seen = self._seen
        return reader

    def mapping(self, data: Any) -> FieldReader:
        if not isinstance(data, dict) or not all(isinstance(k, str) for k in data):
            raise self.error("", "expected a mapping")
        return FieldReader(self.origin, self.path, data)

    def items(self, data: Any) -> list[Any]:
        if not isinstance(data, list):
            raise self.error("", "expected a list")
        return data

    def has(self, key: str) -> bool:
        """Whether ``key`` is given (and not null)."""
        return self._data.get(key) is not None

    def raw(self, key: str) -> Any:
        self._seen.add(key)
        if key not in self._data:
            raise self.error(key, "missing")
        return self._data[key]

    def _get(self, key: str, default: Any) -> Any:
        self._seen.add(key)
        value = self._data.get(key, _MISSING)
        if value is _MISSING or value is None:
            if default is _MISSING:
                raise self.error(key, "missing")
            return default
        return value

    def text(self, key: str, default: Any = _MISSING) -> str:
        value = self._get(key, default)
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            raise self.error(key, f"expected a string, got {type(value).__name__}")
        if str(value) == "":
            raise self.error(key, "must not be empty")
        return str(value)

    def optional_text(self, key: str) -> str | None:
        return self.text(key, default=None) if self._get(key, None) is not None else None

    def integer(self, key: str, default: Any = _MISSING, minimum: int | None = None) -> int:
        value = self._get(key, default)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.error(key, f"expected an integer, got {value!r}")
        if minimum is not None and value < minimum:
            raise self.error(key, f"must be at least {minimum}, got {value}")
        return value

    def flag(self, key: str, default: Any = _MISSING) -> bool:
        value = self._get(key, default)
        if not isinstance(value, bool):
            raise self.error(key, f"expected true or false, got {value!r}")
        return value

    def choice(self, key: str, choices: tuple[str, ...]) -> str:
        value = self.text(key)
        if value not in choices:
            raise self.error(key, f"must be one of {', '.join(choices)}, got {value!r}")
        return value

    def date(self, key: str) -> str:
        value = self._get(key, _MISSING)
        text = value.isoformat() if hasattr(value, "isoformat") else str(value)
        if not _DATE_RE.match(text):
            raise self.error(key, f"expected YYYY-MM-DD, got {value!r}")
        return text

    def package_name(self, key: str) -> str:
        value = self.text(key)
        if not _PACKAGE_RE.match(value):
            raise self.error(key, f"not a valid package name: {value!r}")
        return value

    def text_list(self, key: str) -> list[str]:
        value = self._get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise self.error(key, "expected a list of strings")
        if len(set(value)) != len(value):
            raise self.error(key, "contains duplicates")
        return list(value)

    def text_map(self, key: str) -> dict[str, str]:
        value = self._get(key, {})
        if not isinstance(value, dict):
            raise self.error(key, "expected a mapping of strings")
        for k, v in value.items():
            if not isinstance(k, str) or isinstance(v, (dict, list)) or v is None:
                raise self.error(f"{key}.{k}", "expected a string value")
        return {k: str(v).lower() if isinstance(v, bool) else str(v) for k, v in value.items()}

    def mappings(self, key: str) -> list[FieldReader]:
        """An optional list of mappings, each read as ``key[i]``."""
        value = self._get(key, [])
        if not isinstance(value, list):
            raise self.error(key, "expected a list of mappings")
        return [self.child(f"{key}[{i}]").mapping(item) for i, item in enumerate(value)]

    def opaque(self, key: str) -> dict[str, Any]:
        value = self._get(key, {})
        if not isinstance(value, dict):
            raise self.error(key, "expected a mapping")
        return dict(value)

    def done(self) -> None:
        """Reject keys nobody read: a typo in a profile must not pass silently."""
        unknown = sorted(set(self._data) - self._seen)
        if unknown:
            raise self.error(unknown[0], "unknown field")


def luhn_valid(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 1:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0
