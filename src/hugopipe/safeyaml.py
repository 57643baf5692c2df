"""YAML read with limits, for files a user or a run hands us (task files, result files).

YAML's safe loader runs no code, but it still expands aliases: ten nested lists of ten
aliases each are 10^10 nodes from a file under a kilobyte. Every limit here fails as a
``yaml.YAMLError`` with a mark (so callers report it like any other YAML error, with its
line): the text size, the nesting depth, the number of aliases, and the number of nodes
the document would expand to (counted on the node graph, where an alias is shared, so
counting costs no more than the file's own size).
"""

from __future__ import annotations

from typing import Any

import yaml

MAX_BYTES = 256 * 1024
MAX_DEPTH = 32
MAX_ALIASES = 64
MAX_NODES = 20_000


class LimitError(yaml.MarkedYAMLError):
    """The document is over one of the limits."""


class _Limited(yaml.SafeLoader):
    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0
        self._aliases = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            self._aliases += 1
            if self._aliases > MAX_ALIASES:
                mark = self.peek_event().start_mark
                raise LimitError(None, None, f"more than {MAX_ALIASES} aliases (*name)", mark)
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                mark = self.peek_event().start_mark
                raise LimitError(None, None, f"nested more than {MAX_DEPTH} levels deep", mark)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def get_single_node(self) -> Any:
        node = super().get_single_node()
        if node is not None:
            total = _expanded(node)
            if total > MAX_NODES:
                raise LimitError(
                    None,
                    None,
                    f"expands to {total:,} values (limit {MAX_NODES:,}): aliases repeat too much",
                    node.start_mark,
                )
        return node


def _expanded(root: yaml.Node) -> int:
    """Nodes the document expands to, aliases counted at every use (memoised per node)."""
    size: dict[int, int] = {}
    order: list[yaml.Node] = []
    stack = [root]
    seen: set[int] = set()
    while stack:  # post-order without recursion: children before parents
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        order.append(node)
        stack.extend(_children(node))
    for node in reversed(order):
        size[id(node)] = 1 + sum(size.get(id(c), 1) for c in _children(node))
        if size[id(node)] > MAX_NODES:  # stop early: the exact figure no longer matters
            return size[id(node)]
    return size[id(root)]


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def load_limited(text: str) -> Any:
    """``yaml.safe_load`` of ``text`` within the limits above."""
    if len(text) > MAX_BYTES:
        raise LimitError(
            None, None, f"is {len(text):,} characters, over the limit of {MAX_BYTES:,}", None
        )
    loader = _Limited(text)
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()
