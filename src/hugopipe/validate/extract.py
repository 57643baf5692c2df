"""Phase 1 (runs in worker processes): read and parse each built file once.

Each worker gets the set of output files (inherited through fork, or sent once per
worker), resolves every reference it can on its own (``references``), runs the rules
that need only this page (``page_rules``, ``leaks``) and returns a record
(``records.Page``) with only what needs the whole site: the page's ids, its head
metadata, the cross-page fragment references and the set of pages it links to.

This module is the parse loop: which elements and attributes are read, and in what
order. A new rule on one page goes into ``page_rules``, not here.
"""

from __future__ import annotations

import os
import posixpath
import re
import sys

from selectolax.lexbor import LexborHTMLParser

from hugopipe.validate import leaks, lexbor_reuse, page_rules, references, urls
from hugopipe.validate.context import Context
from hugopipe.validate.page_rules import HTML_EXT
from hugopipe.validate.records import Page
from hugopipe.validate.references import Resolver

CSS_URL = re.compile(r"""url\(\s*(?:"([^"]*)"|'([^']*)'|([^)'"\s]*))\s*\)""")
CSS_IMPORT = re.compile(r"""@import\s+(?:"([^"]+)"|'([^']+)')""")

_CTX: Context | None = None


def init_worker(ctx: Context) -> None:
    """Set a worker up for ``ctx`` (the pool's initializer; also run before a serial scan)."""
    global _CTX
    _CTX = ctx
    _open_root(ctx.root)
    if not _WANTED_IDS:
        _WANTED_IDS.update(_wanted_ids())
    lexbor_reuse.prepare()
    references.configure(ctx)
    leaks.configure(ctx)


_ROOT_FD: int | None = None  # the output folder, opened by init_worker where supported


def _open_root(root: str) -> None:
    global _ROOT_FD
    if _ROOT_FD is not None:
        os.close(_ROOT_FD)
        _ROOT_FD = None
    if os.open in os.supports_dir_fd and hasattr(os, "O_DIRECTORY"):
        try:
            _ROOT_FD = os.open(root, os.O_RDONLY | os.O_DIRECTORY)
        except OSError:
            _ROOT_FD = None  # reads name the whole path and report the error there


def _read(rel: str) -> bytes:
    """The whole file; os.open/os.read costs half of open().read() for small pages, and
    opening relative to the output folder spares the kernel the walk down to it."""
    if _ROOT_FD is not None:
        fd = os.open(rel, os.O_RDONLY, dir_fd=_ROOT_FD)
    else:
        assert _CTX is not None
        fd = os.open(_CTX.root + "/" + rel, os.O_RDONLY)
    try:
        # one read of the exact size: a fixed 64 KiB buffer cost 2 us more per small page
        # (allocated, then shrunk), and a 30 MB feed is not joined from chunks
        size = os.fstat(fd).st_size
        data = os.read(fd, size + 1)
        if len(data) != size:  # a short read, or the file changed size meanwhile: to the end
            parts = [data]
            while chunk := os.read(fd, 1 << 20):
                parts.append(chunk)
            data = b"".join(parts)
    finally:
        os.close(fd)
    return data


WANTED = frozenset(
    ("a", "area", "link", "img", "script", "source", "video", "audio", "iframe", "track",
     "embed", "object", "meta", "title", "base", "style")
)  # fmt: skip
_WANTED_IDS: dict[int, str] = {}  # filled by init_worker


def _wanted_ids() -> dict[int, str]:
    """lexbor's tag id -> name for the WANTED tags (the ids are lexbor constants)."""
    doc = LexborHTMLParser("".join(f"<{t}></{t}>" for t in sorted(WANTED)))
    assert doc.root is not None
    ids = {n.tag_id: n.tag for n in doc.root.traverse() if n.tag in WANTED}
    assert set(ids.values()) == WANTED, ids
    return ids


def scan_html(rel: str) -> Page:
    ctx = _CTX
    assert ctx is not None
    data = _read(rel)
    page = Page(path=rel, size=len(data))
    page.doctype = _DOCTYPE.match(data, 0, 300) is not None
    if _DOCUMENT.search(data, 0, 4000) is None:
        page.is_doc = False  # e.g. a search-console verification file
        page_rules.not_a_document(page, data)
        leaks.scan_leaks(data, rel, page.findings)
        return page
    # lexbor parses bytes without a re-encode; one tree walk in Python is ~4x cheaper
    # than one big comma-separated CSS selector (measured with selectolax 1.0.2)
    tree = lexbor_reuse.parse(data)
    page_url = ctx.site.page_url(rel)
    page_dir = page_url if page_url.endswith("/") else posixpath.dirname(page_url) + "/"
    base_href = None
    if _BASE.search(data, 0, 4000) is not None:
        base_node = tree.css_first("base[href]")
        if base_node is not None:
            from urllib.parse import urljoin

            base_href = urljoin(ctx.site.origin + page_url, base_node.attributes.get("href") or "")
    r = Resolver(ctx, page, page_dir, base_href, data, ctx.site.origin + page_url)
    ids = r.ids
    refresh = None
    has_css_url = b"url(" in data  # ASCII: in the bytes exactly when in the decoded text
    if has_css_url:
        for n in tree.css("[style]"):
            st = n.attributes.get("style") or ""
            if "url(" in st and "data-proofer-ignore" not in n.attributes:
                for u in css_urls(st):
                    r.ref(u, "res", "style url()")
    wanted = _WANTED_IDS
    check_names = page_rules.may_have_unnamed_links(data, r)
    root = tree.root
    for n in root.traverse() if root is not None else ():
        tag = wanted.get(n.tag_id)  # an int from lexbor: no string made for the other tags
        if tag is None:
            i = n.id
            if i:
                ids[i] = None
            continue
        a = n.attributes
        i = a.get("id")  # what n.id gives (lexbor drops repeated attributes), one C call less
        if i:
            ids[i] = None
        if "data-proofer-ignore" in a:
            continue
        if tag == "a" or tag == "area":
            if tag == "a":
                nm = a.get("name")
                if nm:
                    ids[nm] = None
            href = a.get("href")
            if href is not None:
                r.ref(href, "nav", tag)
                if check_names and tag == "a":
                    page_rules.unnamed_link(n, a, href, r)
        elif tag == "link":
            href = a.get("href")
            rel_attr = (a.get("rel") or "").lower()
            if href is None:
                page_rules.link_without_href(r)
                continue
            if "preconnect" in rel_attr or "dns-prefetch" in rel_attr:
                continue
            if "canonical" in rel_attr:
                page.canonical = href
                r.ref(href, "self", "link rel=canonical")
            else:
                r.ref(
                    href,
                    "res" if "stylesheet" in rel_attr or "icon" in rel_attr else "meta",
                    "link",
                )
        elif tag == "img" or tag == "source":
            src = a.get("src")
            if src is not None:
                r.ref(src, "res", tag)
            srcset = a.get("srcset")
            if srcset:
                for part in srcset.split(","):
                    u = part.strip().split(" ", 1)[0]
                    if u:
                        r.ref(u, "res", tag + " srcset")
            if tag == "img":
                page_rules.img(a, src, r)
        elif tag in ("script", "iframe", "track", "embed"):
            src = a.get("src")
            if src is not None:
                r.ref(src, "res", tag)
                if tag == "script":
                    page_rules.script(src, r)
        elif tag in ("video", "audio"):
            for attr in ("src", "poster"):
                v = a.get(attr)
                if v is not None:
                    r.ref(v, "res", tag)
        elif tag == "object":
            d = a.get("data")
            if d is not None:
                r.ref(d, "res", tag)
        elif tag == "meta":
            name = (a.get("name") or a.get("property") or "").lower()
            if name == "description":
                page.description = (a.get("content") or "").strip()
            elif name == "robots" or name == "googlebot":
                if "noindex" in (a.get("content") or "").lower():
                    page.noindex = True
            elif name in ("og:image", "twitter:image", "og:url"):
                c = a.get("content")
                if c:
                    r.ref(c, "self" if name == "og:url" else "meta", f"meta {name}")
            elif (a.get("http-equiv") or "").lower() == "refresh":
                c = a.get("content") or ""
                m = re.search(r"url\s*=\s*['\"]?([^'\"]+)", c, re.I)
                if m:
                    refresh = m.group(1).strip()
                    r.ref(refresh, "meta", "meta refresh")
        elif tag == "title":
            if page.title is None:
                page.title = n.text(strip=True)
        elif tag == "style" and has_css_url:
            for u in css_urls(n.text()):
                r.ref(u, "res", "style url()")
    for frag, raw in r.same_page:
        r.fragment(rel, frag, raw, same_page=True)
    r.close()
    html = tree.root
    # interned: one object per language, pickled once per batch (a string per page cost memory)
    page.lang = sys.intern((html.attributes.get("lang") or "").strip()) if html is not None else ""
    body = tree.body
    if refresh is not None and (body is None or not _has_children(body)):
        k, p, _ = urls.to_path(ctx.site, page_dir, refresh, base_href)
        page.alias_url = refresh
        if k == urls.OK:
            status, f = urls.path_to_file(ctx.site, p, ctx.files)
            page.alias_target = f if status in (urls.OK, urls.SLASHLESS) else None
    elif body is None or (
        # textContent has a non-space character exactly when some text node has one;
        # the one C call settles almost every page, the per-node walk only empty ones
        _blank(body.text_lexbor())
        and not body.text(deep=True, strip=True)
        and body.css_first("img,video,iframe,svg,canvas,object,input,picture") is None
    ):
        page.empty = True
    if page.alias_url is None and rel.endswith(HTML_EXT):
        page_rules.document_rules(page, ctx)
    leaks.scan_leaks(data, rel, page.findings)
    return page


def _blank(s: str) -> bool:
    return not s or s.isspace()  # not s.strip(), without copying a page of text


# the tests in the first bytes, without lower-casing a copy of them
_DOCTYPE = re.compile(rb"\s*<!doctype", re.I)  # \s is what bytes.lstrip() strips
_DOCUMENT = re.compile(rb"<(?:html|head|body)", re.I)
_BASE = re.compile(rb"<base", re.I)


def _has_children(node) -> bool:
    n = node.child
    while n is not None:
        if n.tag == "-text":
            if (n.text_content or "").strip():
                return True
        elif n.tag != "_comment" and n.tag != "-comment":
            return True
        n = n.next
    return False


def css_urls(css: str) -> list[str]:
    out = [next(g for g in m.groups() if g is not None) for m in CSS_URL.finditer(css)]
    out += [m.group(1) or m.group(2) for m in CSS_IMPORT.finditer(css)]
    return [u for u in out if u and not u.startswith(("data:", "#"))]


def scan_css(rel: str) -> Page:
    ctx = _CTX
    assert ctx is not None
    data = _read(rel)
    text = data.decode("utf-8", "replace")
    page = Page(path=rel, size=len(data), is_doc=False)
    url = ctx.site.page_url(rel)
    r = Resolver(ctx, page, posixpath.dirname(url) + "/", None, text)
    if "url(" in text or "@import" in text:
        for u in css_urls(text):
            r.ref(u, "res", "css url()")
    r.close()
    leaks.scan_leaks(data, rel, page.findings)
    return page


def scan_text(rel: str) -> Page:
    """Feeds, sitemaps, JSON, JS: only the leak rule reads them; most are never decoded."""
    ctx = _CTX
    assert ctx is not None
    data = _read(rel)
    page = Page(path=rel, size=len(data), is_doc=False)
    leaks.scan_leaks(data, rel, page.findings)
    if rel.endswith(".xml") and rel.rsplit("/", 1)[-1].startswith("sitemap"):
        from hugopipe.validate.sitemap import parse, resolve_locs

        parsed = parse(data, rel)
        page.sitemap = (
            parsed if isinstance(parsed, str) else resolve_locs(ctx.site, ctx.files, parsed)
        )
    return page


def scan_batch(batch: list[tuple[str, str]]) -> list[Page]:
    """The records of a batch of (kind, path): kind is "html", "css" or "text"."""
    out = []
    for kind, rel in batch:
        if kind == "html":
            out.append(scan_html(rel))
        elif kind == "css":
            out.append(scan_css(rel))
        else:
            out.append(scan_text(rel))
    return out
