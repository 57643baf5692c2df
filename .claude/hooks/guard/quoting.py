"""Shell quoting helpers the lexer and the text rules share: ANSI-C ``$'...'`` and bracket matching."""

from __future__ import annotations

import re

_ANSI = {"n": "\n", "t": "\t", "r": "\r", "a": "\a", "b": "\b", "e": "\x1b", "E": "\x1b"}
_ANSI.update({"f": "\f", "v": "\v", "\\": "\\", "'": "'", '"': '"', "?": "?"})
_HEX = {"x": r"[0-9a-fA-F]{1,2}", "u": r"[0-9a-fA-F]{1,4}", "U": r"[0-9a-fA-F]{1,8}"}  # as bash


def ansi_c(body: str) -> str:
    """The text of ``$'body'`` (``\\x2d`` is ``-``): an old trick for hiding a bucket name.

    As bash has it, so the guard sees the word bash passes on: a NUL ends the text
    (``s3://acme-prod$'\\0x'-www`` is ``s3://acme-prod-www``).
    """
    out, i = [], 0
    while i < len(body):
        c = body[i]
        if c != "\\" or i + 1 >= len(body):
            out.append(c)
            i += 1
            continue
        n = body[i + 1]
        if n in _ANSI:
            out.append(_ANSI[n])
            i += 2
        elif n == "x" or n in "uU":
            m = re.match(_HEX[n], body[i + 2 :])
            out.append(chr(int(m.group(0), 16)) if m else "\\" + n)  # bash keeps a bare \x
            i += 2 + (len(m.group(0)) if m else 0)
        elif n in "01234567":
            m = re.match(r"[0-7]{1,3}", body[i + 1 :])
            assert m is not None  # n itself is an octal digit
            out.append(chr(int(m.group(0), 8) & 0xFF))  # one byte: \400 is NUL
            i += 1 + len(m.group(0))
        elif n == "c" and i + 2 < len(body):
            out.append(chr(ord(body[i + 2]) & 31))
            i += 3
        else:
            out.append("\\" + n)
            i += 2
    return "".join(out).split("\x00", 1)[0]  # bash's strings end at NUL: $'a\0b' is a


def _match(s: str, i: int, opening: str, closing: str) -> int:
    """Index just after the ``closing`` that closes the ``opening`` at s[i-1], skipping
    backslash escapes and quoted text and counting nesting, as bash does."""
    depth, n = 1, len(s)
    while i < n:
        c = s[i]
        if c == "\\":
            i += 2
            continue
        if c == "'":
            j = s.find("'", i + 1)
            i = n if j < 0 else j + 1
            continue
        if c == '"':
            i += 1
            while i < n and s[i] != '"':
                i += 2 if s[i] == "\\" else 1
            i += 1
            continue
        if c == opening:
            depth += 1
        elif c == closing:
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return n


def match_paren(s: str, i: int) -> int:
    """Index just after the ')' closing the '(' at s[i-1]; respects quotes and nesting."""
    return _match(s, i, "(", ")")


def match_brace(s: str, i: int) -> int:
    """Index just after the '}' closing the '{' at s[i-1]; respects quotes and nesting, as
    bash does inside ``${...}`` (``${x:-'}'}`` is one expansion), quoted or not."""
    return _match(s, i, "{", "}")
