"""The per-page record a scan worker sends to the parent, and how it crosses the pipe.

A worker reads and parses a file once and keeps only what the whole-site rules need
(``Page``); the parent unpickles 23,000 of these on a large site while the workers run,
so the format is kept flat:

- the three sets of strings (ids, links, external URLs) travel as one string each, a
  *blob* ``"\\0a\\0b\\0"`` (``""`` when empty): building three sets per record cost the
  parent 0.1-0.2 s of CPU, more than the rules that read them. A NUL is in no path and
  in no parsed attribute (the HTML parser replaces it), so membership is one substring
  search;
- a record pickles as one flat tuple of its fields, in field order, which pickles and
  unpickles faster than the dataclass's own state. ``__reduce__`` is written from
  ``dataclasses.fields`` (``_flat_reduce``), so a new field is one edit here
  (``tests/validate/test_structure.py`` round-trips every field).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from typing import Any

Finding = tuple[str, str | None, str, int | None]  # (rule, url, message, line)


@dataclass(slots=True)
class Page:
    """What a worker learnt about one file."""

    path: str
    size: int = 0
    is_doc: bool = True  # a real HTML document (not a verification snippet)
    alias_target: str | None = None  # file the alias redirects to
    alias_url: str | None = None
    ids: str = ""  # a blob of every id and a[name]
    title: str | None = None
    description: str | None = None
    lang: str = ""  # <html lang>, as written ("" when missing)
    doctype: bool = False
    canonical: str | None = None
    noindex: bool = False
    empty: bool = False
    links: str = ""  # a blob of the html files linked with <a>/<area>
    frag_refs: list[tuple[str, str, str]] = field(default_factory=list)  # (file, fragment, raw)
    externals: str = ""  # a blob of the external URLs (without fragment)
    findings: list[Finding] = field(default_factory=list)
    # a parsed sitemap*.xml: its root kind and each <loc> with its verdict, or why it is not one
    sitemap: tuple[str, list[tuple[str, str, str]]] | str | None = None
    indexable: bool = False  # a document search engines should list (and the sitemap hold)

    def has_id(self, name: str) -> bool:
        return in_blob(name, self.ids)

    def linked(self) -> list[str]:
        return blob_items(self.links)

    def external_urls(self) -> list[str]:
        return blob_items(self.externals)


def _flat_reduce(cls: type) -> None:
    """Give ``cls`` a ``__reduce__`` returning ``(cls, (every field, in order))``.

    Written out from ``dataclasses.fields`` the way dataclasses write ``__init__``: a
    tuple of ``self.<field>`` loads runs on the interpreter's cached attribute access,
    where ``operator.attrgetter`` looks every name up again (15M instructions more on
    5,000 records), and unpickling calls the dataclass's ``__init__`` directly.
    """
    values = "".join(f"self.{f.name}, " for f in fields(cls))
    namespace: dict[str, Any] = {"cls": cls}
    exec(f"def __reduce__(self):\n    return (cls, ({values}))\n", namespace)
    cls.__reduce__ = namespace["__reduce__"]  # type: ignore[method-assign]


_flat_reduce(Page)


def blob(items: Iterable[str]) -> str:
    """``"\\0a\\0b\\0"`` for ``[a, b]``, ``""`` for none (see the module docstring)."""
    joined = "\0".join(items)
    return "\0" + joined + "\0" if joined else ""


def in_blob(item: str, blob: str) -> bool:
    return bool(blob) and "\0" + item + "\0" in blob


def blob_items(blob: str) -> list[str]:
    return blob[1:-1].split("\0") if blob else []
