"""The rules on one page that need no other page (P1, S1, S2, S4, S6, S7, A1, A2, E2, L5).

They run in the scan worker right after the page is parsed (``extract.scan_html``), so
the parent keeps only what compares pages (duplicate titles and descriptions, sitemap,
fragments on other pages). Two kinds:

- ``document_rules`` reads the page's record (``records.Page``: title, description,
  lang, doctype, canonical, noindex, empty) once the parse is done. A rule about the
  page as a whole goes here, and a fact it needs becomes a field of the record.
- the element rules (``img``, ``script``, ``link_without_href``, ``unnamed_link``) are
  called by the parse loop for each element of their kind, with its attributes.

An element rule reports through ``out.add(rule, url, message)`` (the line is found from
``url``); the rule id must be in the catalogue (``rules.RULES``), which gives its
severity and hint. (An element the loop does not read yet is one name in
``extract.WANTED`` and one branch that calls its rule.)

Link and asset rules (L1-L7, E3, E4) live in ``references``, the leak rule (E1) in ``leaks``.
"""

from __future__ import annotations

import re
from typing import Any, Protocol

from hugopipe.validate.context import Context
from hugopipe.validate.records import Page


class PageOut(Protocol):
    """Where an element rule reports: the parse loop's ``references.Resolver``."""

    @property
    def text(self) -> str:
        """The page's decoded text (decoded on first need)."""
        ...

    def add(self, rule: str, url: str | None, msg: str) -> None: ...


HTML_EXT = (".html", ".htm")
PAGER = re.compile(r"(^|/)page/\d+/index\.html$")


def not_a_document(page: Page, data: bytes) -> None:
    """P1 for a .html file that is empty (a file without <html>/<head>/<body> is
    otherwise fine: e.g. a search-console verification file)."""
    if not data and page.path.endswith(HTML_EXT):
        page.findings.append(("P1", None, "the file is empty", None))


def document_rules(page: Page, ctx: Context) -> None:
    """The rules on one parsed document (not an alias page), from its record."""
    add = page.findings.append
    if page.empty:
        add(("P1", None, "the page has no visible content", None))
    if not page.title:
        add(("S1", None, "no <title> (or it is empty)", None))
    else:
        n = len(page.title)
        lo, hi = ctx.title_range
        if n < lo or n > hi:
            add(("S2", None, f"title is {n} characters: {page.title!r}", None))
    if not page.lang:
        add(("S6", None, "<html> has no lang attribute", None))
    if not page.doctype:
        add(("S6", None, "no <!doctype html>", None))
    path = page.path
    page.indexable = not page.noindex and not path.endswith("404.html") and not PAGER.search(path)
    if not page.indexable:
        return
    if not page.description:
        add(("S4", None, "no meta description", None))
    else:
        n = len(page.description)
        lo, hi = ctx.description_range
        if n < lo or n > hi:
            add(("S4", None, f"meta description is {n} characters", None))
    if not page.canonical:
        add(("S7", None, "no <link rel=canonical>", None))


# -- element rules: called by the parse loop -------------------------------------------------


def img(attrs: Any, src: str | None, out: PageOut) -> None:
    """L5 and A1 for one <img>."""
    if src is None:
        out.add("L5", None, "<img> without src")
    if "alt" not in attrs:
        out.add("A1", src, f"<img src={src}> has no alt attribute")


def script(src: str, out: PageOut) -> None:
    """E2 for one <script src>."""
    if "livereload" in src:
        out.add("E2", src, "livereload script: this is `hugo server` output")


def link_without_href(out: PageOut) -> None:
    out.add("L5", None, "<link> without href")


# A2 needs the DOM only where the raw HTML has an <a> with no text at all. Every match of
# _MAYBE_UNNAMED ends in ">", white space, "</a>", so in the bytes "</a>" follows ">" or
# the last byte of a white-space character (ASCII, or any byte of a UTF-8 sequence):
# searched for from the literal "</", the cheap test costs half of searching the decoded
# text for ">\s*</a>", and it lets through everything that could match.
_UNNAMED_GATE = re.compile(rb"</a>(?<=[>\s\x1c-\x1f\x80-\xff]</a>)", re.I)
_MAYBE_UNNAMED = re.compile(
    r"<a\b[^>]*>\s*(?:<(?:img|svg|i|span)\b[^>]*>\s*(?:</(?:svg|i|span)>\s*)?)*</a>", re.I
)


def may_have_unnamed_links(data: bytes, out: PageOut) -> bool:
    """Whether A2 must look at this page's links at all (``data``: the page's bytes)."""
    return _UNNAMED_GATE.search(data) is not None and _MAYBE_UNNAMED.search(out.text) is not None


def unnamed_link(node: Any, attrs: Any, href: str, out: PageOut) -> None:
    """A2 for one <a href> (on a page ``may_have_unnamed_links`` let through)."""
    if _no_name(node, attrs):
        out.add("A2", href, f"link to {href} has no text, aria-label or image alt")


def _no_name(n: Any, a: Any) -> bool:
    """True when a link has no accessible name; the common case returns on the first child."""
    if a.get("aria-label") or a.get("title"):
        return False
    c = n.child
    if c is not None and c.tag == "-text" and (c.text_content or "").strip():
        return False
    if n.text(deep=True, strip=True):
        return False
    return not any((im.attributes.get("alt") or "").strip() for im in n.css("img[alt]"))
