"""What a scan worker is given: the ``Context``, built once in the parent.

With the fork start method the workers inherit it; with spawn it is pickled once per
worker. Every module of the worker (``extract``, ``references``, ``leaks``,
``page_rules``) reads its settings from here.
"""

from __future__ import annotations

from dataclasses import dataclass

from hugopipe.validate.urls import Site


@dataclass
class Context:
    """Everything a worker needs, built once in the parent."""

    root: str
    site: Site
    files: frozenset[str]
    lower_files: dict[str, str] | None  # lower-cased path -> path; None: built on first need
    skip_fragments: list[str]
    ignore_urls: list[str]
    leak_re: str
    other_hosts: list[str]
    check_mixed: bool
    max_page_bytes: int
    l7: bool = False  # L7 is off by default: Hugo themes often use .Permalink in menus
    title_range: tuple[int, int] = (0, 1 << 30)  # S2
    description_range: tuple[int, int] = (0, 1 << 30)  # S4
