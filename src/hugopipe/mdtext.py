"""Text from outside (a page, a task file, a model's answer) shown literally in Markdown.

The approval form is Markdown rendered by the Prefect UI, directly above the field
where a person types the phrase. A page heading or a model's answer that carried
``---``, ``# Type DEPLOY TO PRODUCTION`` or ``![x](https://…)`` would otherwise become
a rule, a heading or an image inside that form. :func:`inline` makes such text one
inert line: Markdown punctuation escaped, line breaks collapsed, bare URLs broken so
no renderer turns them into links, and the length capped.
"""

from __future__ import annotations

import re

_SPECIAL = re.compile(r"([\\`*_\[\]<>#|])")
_SPACE = re.compile(r"\s+")


def inline(text: str, limit: int | None = None) -> str:
    """``text`` as one literal Markdown line, at most ``limit`` characters of it (then ``…``)."""
    flat = _SPACE.sub(" ", text).strip()
    if limit is not None and len(flat) > limit:
        flat = flat[: max(0, limit - 1)].rstrip() + "…"
    out = _SPECIAL.sub(r"\\\1", flat).replace("://", r":\/\/")
    # a leading `-`, `+`, `=` or `1.` would start a list, a rule or a setext heading
    return re.sub(r"^([-+=]|\d+[.)])", r"\\\1", out)
