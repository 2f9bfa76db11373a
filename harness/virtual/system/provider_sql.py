"""The small, safe SQL dialect ``content`` accepts for ``--where`` and ``--sort``.

Shell text is untrusted, so it never reaches SQLite as SQL: a where clause is parsed into
``column OP value`` conditions joined by AND, column names are checked against the table's own
columns, and values travel as SQLite parameters.  Anything else is a ``ProviderSqlError`` that the
``content`` tool reports the way Android reports an ``SQLiteException``.
"""

from __future__ import annotations

import re

_TOKEN_RE = re.compile(
    r"\s*(?:(?P<string>'(?:[^']|'')*')|(?P<dstring>\"(?:[^\"]|\"\")*\")"
    r"|(?P<number>-?\d+(?:\.\d+)?)|(?P<op><=|>=|!=|<>|==|=|<|>)"
    r"|(?P<word>[A-Za-z_][A-Za-z0-9_.]*)|(?P<bad>\S))"
)
_OPERATORS = {"=": "=", "==": "=", "!=": "!=", "<>": "!=", "<": "<", ">": ">", "<=": "<=", ">=": ">=",
              "LIKE": "LIKE"}

SqlValue = str | int | float | None


class ProviderSqlError(ValueError):
    """A where/sort/projection text outside the supported grammar or naming an unknown column."""


def _tokens(text: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    position = 0
    while position < len(text):
        match = _TOKEN_RE.match(text, position)
        if match is None or match.end() == position:
            break
        position = match.end()
        kind = match.lastgroup
        if kind is None:
            break
        if kind == "bad":
            raise ProviderSqlError(f'near "{match.group(kind)}": syntax error')
        tokens.append((kind, match.group(kind)))
    return tokens


def _literal(kind: str, raw: str) -> SqlValue:
    if kind == "string":
        return raw[1:-1].replace("''", "'")
    if kind == "number":
        return float(raw) if "." in raw else int(raw)
    raise ProviderSqlError(f'near "{raw}": syntax error')


def _column(name: str, columns: list[str]) -> str:
    if name not in columns:
        raise ProviderSqlError(f"no such column: {name}")
    return name


def parse_where(text: str | None, columns: list[str]) -> tuple[str, list[SqlValue]]:
    """``a=1 AND b='x'`` -> (``"a" = ? AND "b" = ?``, [1, "x"]); empty text -> ("", [])."""
    if text is None or not text.strip():
        return "", []
    tokens = _tokens(text)
    clauses: list[str] = []
    params: list[SqlValue] = []
    index = 0
    while True:
        # A double-quoted token is an identifier in SQLite, as in `"name"='x'`.
        if index >= len(tokens) or tokens[index][0] not in ("word", "dstring"):
            near = tokens[index][1] if index < len(tokens) else text.strip()[-1:]
            raise ProviderSqlError(f'near "{near}": syntax error')
        kind, raw = tokens[index]
        column = _column(raw[1:-1].replace('""', '"') if kind == "dstring" else raw, columns)
        index += 1
        if index < len(tokens) and tokens[index][1].upper() == "IS":
            negate = index + 1 < len(tokens) and tokens[index + 1][1].upper() == "NOT"
            index += 2 if negate else 1
            if index >= len(tokens) or tokens[index][1].upper() != "NULL":
                raise ProviderSqlError('near "IS": syntax error')
            clauses.append(f'"{column}" IS {"NOT " if negate else ""}NULL')
            index += 1
        else:
            if index + 1 >= len(tokens):
                raise ProviderSqlError("incomplete input")
            operator = _OPERATORS.get(tokens[index][1].upper())
            if operator is None:
                raise ProviderSqlError(f'near "{tokens[index][1]}": syntax error')
            value_kind, value_raw = tokens[index + 1]
            if value_kind == "word" and value_raw.upper() == "NULL":
                params.append(None)
            elif value_kind == "word":
                # SQLite would read a bare word as a column; Android users mean a string.
                params.append(value_raw)
            else:
                params.append(_literal(value_kind, value_raw))
            clauses.append(f'"{column}" {operator} ?')
            index += 2
        if index >= len(tokens):
            break
        if tokens[index][1].upper() != "AND":
            raise ProviderSqlError(f'near "{tokens[index][1]}": syntax error')
        index += 1
    return " AND ".join(clauses), params


def parse_sort(text: str | None, columns: list[str]) -> str:
    """``date DESC, _id`` -> ``"date" DESC, "_id"``; empty -> ""."""
    if text is None or not text.strip():
        return ""
    parts = []
    for term in text.split(","):
        words = term.split()
        if not words or len(words) > 2 or (len(words) == 2 and words[1].upper() not in ("ASC", "DESC")):
            raise ProviderSqlError(f'near "{term.strip() or ","}": syntax error')
        column = _column(words[0], columns)
        parts.append(f'"{column}"' + (f" {words[1].upper()}" if len(words) == 2 else ""))
    return ", ".join(parts)


def parse_projection(text: str | None, columns: list[str]) -> list[str]:
    """``a:b:c`` -> ["a", "b", "c"] (spaces around colons ignored); None -> every column."""
    if text is None:
        return list(columns)
    return [_column(name.strip(), columns) for name in text.split(":") if name.strip()]
