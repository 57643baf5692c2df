"""An indentation-based YAML subset (maps, lists, scalars): enough for Hugo's ``[deployment]``.

The guard runs under the system ``python3`` without PyYAML. Anything this reader cannot
read raises ``ValueError``, and ``config`` cross-checks what it read (every bucket and
distribution the file mentions must belong to a parsed target), so a misread fails closed.
"""

from __future__ import annotations

import re
from typing import Any

_ITEM_KEY_RE = re.compile(r"^([^:'\"\s][^:]*):(?:\s+(.*))?$")
_KEY_RE = re.compile(r"^([^:'\"]+|'[^']*'|\"[^\"]*\"):(?:\s+(.*))?$")


def parse_yaml(text: str) -> dict[str, Any]:
    root: dict[str, Any] = {}
    # indent, container (None = not decided yet), owner, key
    stack: list[list[Any]] = [[-1, root, None, None]]
    for raw in text.splitlines():
        line = re.sub(r"\s+#.*$", "", raw).rstrip()
        if not line.strip() or line.lstrip().startswith("#") or line.strip() in ("---", "..."):
            continue
        indent = len(line) - len(line.lstrip())
        body = line.strip()
        is_item = body == "-" or body.startswith("- ")
        while len(stack) > 1 and indent <= stack[-1][0]:
            # "key:" followed by "- item" at the same indent is still that key's list
            if (
                indent == stack[-1][0]
                and is_item
                and (stack[-1][1] is None or isinstance(stack[-1][1], list))
            ):
                break
            stack.pop()
        top = stack[-1]
        if top[1] is None:
            top[1] = [] if is_item else {}
            top[2][top[3]] = top[1]
        parent = top[1]
        if is_item:
            if not isinstance(parent, list):
                raise ValueError("list item where a mapping was expected")
            item_body = body[1:].strip()
            m = _ITEM_KEY_RE.match(item_body)
            if m:
                item: dict[str, Any] = {}
                parent.append(item)
                stack.append([indent, item, None, None])
                key, val = m.group(1).strip(), (m.group(2) or "").strip()
                if val:
                    item[key] = scalar(val)
                else:
                    stack.append([indent + 2, None, item, key])
            else:
                parent.append(scalar(item_body))
            continue
        m = _KEY_RE.match(body)
        if not m or not isinstance(parent, dict):
            raise ValueError("unsupported YAML line: " + body[:60])
        key, val = m.group(1).strip().strip("'\""), (m.group(2) or "").strip()
        if val:
            parent[key] = scalar(val)
        else:
            stack.append([indent, None, parent, key])
    return root


def scalar(val: str) -> Any:
    val = val.strip()
    if len(val) >= 2 and val[0] == val[-1] and val[0] in "'\"":
        return val[1:-1]
    if val in ("true", "True", "yes"):
        return True
    if val in ("false", "False", "no"):
        return False
    return val
