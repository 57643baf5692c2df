"""Which line of a TOML file sets a key: for errors that point at their line.

``tomllib`` gives values, not positions, so a ``ConfigError`` about ``hugopipe.toml`` or
``hugopipe-workspace.toml`` finds its line here. Standard library only (both readers run
before pydantic is imported, and in the Claude Code guard).
"""

from __future__ import annotations

import re

_BARE = r"[A-Za-z0-9_-]+|\"[^\"]*\"|'[^']*'"
_HEADER = re.compile(r"^\s*\[\[?\s*(?P<key>[^\]]+?)\s*\]\]?\s*(#.*)?$")
_ASSIGN = re.compile(rf"^\s*(?P<key>(?:{_BARE})(?:\s*\.\s*(?:{_BARE}))*)\s*=")


def _key_path(dotted: str) -> tuple[str, ...]:
    return tuple(m.strip("\"'") for m in re.findall(_BARE, dotted))


def line_of(text: str, *path: str) -> int | None:
    """The line of ``text`` that sets the key ``path`` (``"environments", "dev", "production"``).

    Best effort over the TOML forms people write: ``[a.b]`` headers, dotted keys and inline
    tables (the line that opens the enclosing value). Falls back to the header of the
    nearest enclosing table, else None. Used only to point an error at its line.
    """
    table: tuple[str, ...] = ()
    fallback: tuple[int, int] | None = None  # (depth, line) of the deepest enclosing header
    for i, line in enumerate(text.splitlines(), 1):
        m = _HEADER.match(line)
        if m:
            table = _key_path(m.group("key"))
            if table == path[: len(table)]:
                if table == path:
                    return i
                if fallback is None or len(table) > fallback[0]:
                    fallback = (len(table), i)
            continue
        m = _ASSIGN.match(line)
        if m:
            full = table + _key_path(m.group("key"))
            if full == path[: len(full)]:
                return i
    return fallback[1] if fallback else None


def item_line(text: str, table: tuple[str, ...], index: int, *key: str) -> int | None:
    """The line that sets ``key`` in the ``index``-th ``[[table]]`` entry (0-based), else the
    entry's header; for an inline array (``accept = [{...}]``), the line that opens it.

    ``[[validate.accept]]`` entries are a list, so :func:`line_of`'s key paths cannot name one.
    """
    seen = -1
    header: int | None = None
    for i, line in enumerate(text.splitlines(), 1):
        m = _HEADER.match(line)
        if m:
            if header is not None:
                break  # the entry ended without setting key
            if line.lstrip().startswith("[[") and _key_path(m.group("key")) == table:
                seen += 1
                if seen == index:
                    header = i
            continue
        if header is not None and key:
            m = _ASSIGN.match(line)
            if m and _key_path(m.group("key")) == key[: len(_key_path(m.group("key")))]:
                return i
    return header if header is not None else line_of(text, *table)
