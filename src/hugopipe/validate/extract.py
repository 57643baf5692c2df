"""Phase 1 (runs in worker processes): read and parse each built file once.

Each worker gets the set of output files (inherited through fork, or sent once
per worker), resolves every reference it can on its own — existence, trailing
slash, case, same-page fragments, leaks, mixed content — and returns only what
needs the whole site: the page's ids, its head metadata, the cross-page
fragment references and the set of pages it links to.
"""

from __future__ import annotations

import gc
import os
import posixpath
import re
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from selectolax.lexbor import LexborHTMLParser

from hugopipe.validate import urls
from hugopipe.validate.urls import Site

CSS_URL = re.compile(r"""url\(\s*(?:"([^"]*)"|'([^']*)'|([^)'"\s]*))\s*\)""")
CSS_IMPORT = re.compile(r"""@import\s+(?:"([^"]+)"|'([^']+)')""")
PRIVATE_HOSTS = (
    r"localhost|127\.\d{1,3}\.\d{1,3}\.\d{1,3}|0\.0\.0\.0|\[::1?\]|10\.\d{1,3}\.\d{1,3}\.\d{1,3}"
    r"|192\.168\.\d{1,3}\.\d{1,3}|172\.(?:1[6-9]|2\d|3[01])\.\d{1,3}\.\d{1,3}"
    r"|[a-z0-9-]+(?:\.[a-z0-9-]+)*\.local(?![a-z0-9.-])"
)


def leak_pattern(other_hosts: list[str]) -> str:
    """Regex for URLs whose host is private, loopback or another environment's host."""
    hosts = PRIVATE_HOSTS
    if other_hosts:
        hosts += "|" + "|".join(re.escape(h) for h in other_hosts)
    return r"https?://(" + hosts + r")(?![a-z0-9.-])(?::\d+)?(?:[/?#][^\s\"'<>)\\]*)?"


SUBRESOURCE = {"img", "script", "iframe", "source", "video", "audio", "track", "embed", "object"}
FRAGMENT_EXEMPT = {"", "top"}


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


@dataclass(slots=True)
class Page:
    """What a worker learnt about one file.

    The three sets of strings (``ids``, ``links``, ``externals``) are kept as one string
    each, ``"\0a\0b\0"`` (``""`` when empty; see ``blob``): the parent unpickles 23,000
    records while the workers run, and building three sets per record cost it 0.1-0.2 s
    of CPU, more than the rules that read them. A NUL is in no path and in no parsed
    attribute (the HTML parser replaces it), so membership is one substring search.
    """

    path: str
    size: int = 0
    is_doc: bool = True  # a real HTML document (not a verification snippet)
    alias_target: str | None = None  # file the alias redirects to
    alias_url: str | None = None
    ids: str = ""  # a blob of every id and a[name]
    title: str | None = None
    description: str | None = None
    lang: bool = False
    doctype: bool = False
    canonical: str | None = None
    noindex: bool = False
    empty: bool = False
    links: str = ""  # a blob of the html files linked with <a>/<area>
    frag_refs: list[tuple[str, str, str]] = field(default_factory=list)  # (file, fragment, raw)
    externals: str = ""  # a blob of the external URLs (without fragment)
    findings: list[tuple[str, str | None, str, int | None]] = field(default_factory=list)
    # a parsed sitemap*.xml: its root kind and each <loc> with its verdict, or why it is not one
    sitemap: tuple[str, list[tuple[str, str, str]]] | str | None = None
    indexable: bool = False  # a document search engines should list (and the sitemap hold)

    def __reduce__(self):
        # Workers send 23,000 of these to the parent: one flat tuple pickles and unpickles
        # faster than the dataclass's own state (and empty lists cost nothing as None).
        return (
            _unpack,
            (
                self.path, self.size, self.is_doc, self.alias_target, self.alias_url,
                self.ids, self.title, self.description, self.lang, self.doctype,
                self.canonical, self.noindex, self.empty, self.links,
                self.frag_refs or None, self.externals, self.findings or None,
                self.sitemap, self.indexable,
            ),
        )  # fmt: skip

    def has_id(self, name: str) -> bool:
        return in_blob(name, self.ids)

    def linked(self) -> list[str]:
        return blob_items(self.links)

    def external_urls(self) -> list[str]:
        return blob_items(self.externals)


def blob(items: Iterable[str]) -> str:
    """``"\0a\0b\0"`` for ``[a, b]``, ``""`` for none (see ``Page``)."""
    joined = "\0".join(items)
    return "\0" + joined + "\0" if joined else ""


def in_blob(item: str, blob: str) -> bool:
    return bool(blob) and "\0" + item + "\0" in blob


def blob_items(blob: str) -> list[str]:
    return blob[1:-1].split("\0") if blob else []


def _unpack(
    path, size, is_doc, alias_target, alias_url, ids, title, description, lang, doctype,
    canonical, noindex, empty, links, frag_refs, externals, findings, sitemap=None,
    indexable=False,
) -> Page:  # fmt: skip
    return Page(
        path, size, is_doc, alias_target, alias_url, ids, title, description, lang, doctype,
        canonical, noindex, empty, links, frag_refs or [], externals, findings or [], sitemap,
        indexable,
    )  # fmt: skip


_CTX: Context | None = None
_ENTITY = re.compile(r"&(?:#\d+|#x[0-9a-f]+|quot|lt|gt|apos);", re.I)
_CACHE: dict[str, tuple[int, str]] = {}
# kind -> reference -> its outcome on any page (link, fragment target, fragment, external)
_SEEN: dict[str, dict[str, tuple[str, str, str | None, str]]] = {
    "nav": {}, "res": {}, "meta": {}, "self": {}
}  # fmt: skip
_SEEN_MAX = 500_000  # per kind: bounds a worker's memory on a very large site
_NOTHING: tuple[str, str, str | None, str] = ("", "", None, "")
# Every match of _MAYBE_UNNAMED ends in ">", white space, "</a>", so in the bytes "</a>"
# follows ">" or the last byte of a white-space character (ASCII, or any byte of a UTF-8
# sequence): searched for from the literal "</", the cheap test costs half of searching
# the decoded text for ">\s*</a>", and it lets through everything that could match.
_UNNAMED_GATE = re.compile(rb"</a>(?<=[>\s\x1c-\x1f\x80-\xff]</a>)", re.I)
_MAYBE_UNNAMED = re.compile(
    r"<a\b[^>]*>\s*(?:<(?:img|svg|i|span)\b[^>]*>\s*(?:</(?:svg|i|span)>\s*)?)*</a>", re.I
)


_TRIGGER_RX: re.Pattern[bytes] = re.compile(b"(?!)")
LEAK_TRIGGERS = (
    "://localhost",
    "://127.",
    "://0.0.0.0",
    "://[",
    "://10.",
    "://192.168.",
    "://172.",
)
# A *.local host: "://", host characters, ".local". The leak regex matches its host
# letters case-insensitively on decoded text, where "K" (Kelvin) and "ſ" count as
# letters too: any byte of a UTF-8 sequence is let through for them.
_LOCAL_TRIGGER = rb"[a-z0-9.\x80-\xff-]*\.local"
# What Python's re matches case-insensitively to an ASCII letter besides its other case
# (a test checks every code point). The leak regex runs on decoded text, so it finds
# "https://ſtaging.example.org/", and browsers send that to staging.example.org
# (UTS #46 maps ſ to s, the Kelvin sign to k): the byte trigger must let it through.
NON_ASCII_FOLDS = {"i": "\u0130\u0131", "k": "\u212a", "s": "\u017f"}


def trigger_bytes(trigger: str) -> bytes:
    """A bytes pattern, searched with re.I, that matches wherever ``trigger`` matches
    the decoded text case-insensitively (it may match more; the text regex decides)."""
    out = []
    for ch in trigger:
        if ch.isascii():
            piece = re.escape(ch.encode())
            folds = NON_ASCII_FOLDS.get(ch.lower(), "")
            if folds:
                piece = b"(?:" + b"|".join([piece] + [f.encode() for f in folds]) + b")"
        else:  # any UTF-8 sequence, or an ASCII character re would take for it
            twins = [chr(a) for a in range(128) if re.fullmatch("(?i)" + re.escape(ch), chr(a))]
            piece = (
                b"(?:"
                + b"|".join([rb"[\x80-\xff]{2,4}"] + [re.escape(t.encode()) for t in twins])
                + b")"
            )
        out.append(piece)
    return b"".join(out)


def init_worker(ctx: Context) -> None:
    global _CTX, _COMPILED, _TRIGGER_RX, _REUSED
    _CTX = ctx
    triggers = LEAK_TRIGGERS + tuple("://" + h.lower() for h in ctx.other_hosts)
    assert all(t.startswith("://") for t in triggers)
    # one search for the "://host" triggers, in any letter case: the literal "://" lets the
    # regex engine skip ahead, so this costs about what a case-sensitive search does
    alternatives = [trigger_bytes(t[3:]) for t in triggers] + [_LOCAL_TRIGGER]
    _TRIGGER_RX = re.compile(b"://(?:" + b"|".join(alternatives) + b")", re.I)
    _open_root(ctx.root)
    if not _WANTED_IDS:
        _WANTED_IDS.update(_wanted_ids())
    if _REUSED is None:
        _REUSED = _reuse_check()
    _CACHE.clear()
    for known in _SEEN.values():
        known.clear()
    leak = ctx.leak_re
    _COMPILED = (
        [re.compile(p) for p in ctx.skip_fragments],
        [re.compile(p) for p in ctx.ignore_urls],
        re.compile(leak, re.I) if leak else None,
        re.compile(leak[len(_SCHEME) :], re.I) if leak.startswith(_SCHEME) else None,
    )


_SCHEME = "https?"
_COMPILED: tuple[
    list[re.Pattern[str]], list[re.Pattern[str]], re.Pattern[str] | None, re.Pattern[str] | None
] = ([], [], None, None)


def line_of(text: str, needle: str | None) -> int | None:
    if not needle:
        return None
    i = text.find(needle)
    if i < 0:
        return None
    return text.count("\n", 0, i) + 1


def _trigger_lines(data: bytes) -> list[tuple[int, int]]:
    """(start, end) of each line of ``data`` that holds a trigger in any letter case, in
    order, each once. One search over the bytes; nothing is decoded or copied."""
    if _TRIGGER_RX.search(data) is None:
        return []  # almost every page: one search, no lists
    spans: list[tuple[int, int]] = []
    end = -1
    for h in [m.start() for m in _TRIGGER_RX.finditer(data)]:
        if h < end:
            continue  # on the line just taken
        a = data.rfind(b"\n", 0, h) + 1
        end = data.find(b"\n", h)
        if end < 0:
            end = len(data)
        spans.append((a, end))
    return spans


def scan_leaks(data: bytes, rel: str, out: list) -> None:
    """E1: URLs that point at localhost, a private address or another environment.

    Feeds run to tens of megabytes, and a case-insensitive regex over a whole decoded
    feed cost 0.1 s per pass. So only the lines that hold a trigger are decoded and
    searched: a match never spans lines (URLs stop at white space), so the matches are
    the ones a search of the whole text finds, in the same order.
    """
    if _COMPILED[2] is None:
        return
    spans = _trigger_lines(data)
    if not spans:
        return
    seen: set[str] = set()
    own = _CTX.site.host if _CTX is not None else ""
    for a, b in spans:
        for url, host in leak_matches(data[a:b].decode("utf-8", "replace")):
            url = _ENTITY.split(url, 1)[0]
            if url in seen or host.lower() == own:
                continue
            seen.add(url)
            out.append(("E1", url, f"{url} points at {host}", _line_in(data, url)))


def _line_in(data: bytes, url: str) -> int | None:
    """Line of the first occurrence of ``url``, counted in the bytes (no decode)."""
    i = data.find(url.encode("utf-8"))
    if i < 0:  # the URL holds a replacement character: count in the decoded text
        return line_of(data.decode("utf-8", "replace"), url)
    return data.count(b"\n", 0, i) + 1


def leak_matches(text: str) -> list[tuple[str, str]]:
    """(url, host) for each match of the leak regex, as ``finditer`` would give them.

    The regex itself is case-insensitive from its first letter, which leaves the regex
    engine no literal to skip ahead with; on a 30 MB feed that costs half a second.
    So we search for the part after the scheme (its literal prefix ``://`` is found at
    memchr speed) and check the scheme in front by hand. A match without the scheme is
    searched past its ``://`` only, so a URL inside its tail is still found.
    """
    tail = _COMPILED[3]
    found: list[tuple[str, str]] = []
    if tail is None:
        return found
    pos = 0
    while True:
        m = tail.search(text, pos)
        if m is None:
            return found
        s = m.start()
        if text[max(0, s - 5) : s].lower() == "https":
            start = s - 5
        elif text[max(0, s - 4) : s].lower() == "http":
            start = s - 4
        else:
            pos = s + 3
            continue
        found.append((text[start : m.end()], m.group(1)))
        pos = m.end()


class _Resolver:
    """Resolve references of one page; results for repeated targets are cached per worker."""

    def __init__(
        self,
        ctx: Context,
        page: Page,
        page_dir: str,
        base_href: str | None,
        content: bytes | str,
        own_url: str | None = None,
    ):
        self.ctx, self.page, self.page_dir, self.base = ctx, page, page_dir, base_href
        self._content = content  # decoded when a finding needs its line
        self._text = content if isinstance(content, str) else None
        self.skip_frag, self.ignore = _COMPILED[0], _COMPILED[1]
        self.same_page: list[tuple[str, str]] = []  # checked once all ids are known
        # ordered sets (dicts): the page's blobs come out the same on every run
        self.ids: dict[str, None] = {}
        self.links: dict[str, None] = {}
        self.externals: dict[str, None] = {}
        self.own = own_url  # the page's own absolute URL, as canonical and og:url give it

    @property
    def text(self) -> str:
        if self._text is None:
            assert isinstance(self._content, bytes)
            self._text = self._content.decode("utf-8", "replace")
        return self._text

    def add(self, rule: str, url: str | None, msg: str) -> None:
        self.page.findings.append((rule, url, msg, line_of(self.text, url)))

    def close(self) -> None:
        """Hand the page its blobs."""
        page = self.page
        page.ids, page.links, page.externals = (
            blob(self.ids),
            blob(self.links),
            blob(self.externals),
        )

    def ref(self, raw: str, kind: str, tag: str) -> None:
        """kind: 'nav' (a/area: L3/L4 apply), 'res' (subresource), 'meta', 'self' (canonical/og:url)."""
        if kind == "self" and raw == self.own:
            return  # canonical/og:url naming the page itself: a new string on every page
        # Fast path: what a reference that does not depend on the page's own URL (root-
        # relative, absolute, mailto:) did on an earlier page of this worker, replayed with
        # one dict lookup: menus, assets, cross links, canonical images, outside links.
        known = _SEEN[kind]
        hit = known.get(raw)
        if hit is not None and self.base is None:
            link, target, frag, ext = hit
            if link:
                self.links[link] = None
            if frag is not None:
                if target == self.page.path:
                    self.same_page.append((frag, raw))
                else:
                    self.page.frag_refs.append((target, frag, raw))
            if ext:
                self.externals[ext] = None
            return
        before = len(self.page.findings)
        outcome = self._resolve(raw, kind, tag)
        if (
            outcome is not None
            and self.base is None
            and len(self.page.findings) == before
            and len(known) < _SEEN_MAX
        ):
            known[raw] = outcome

    def _resolve(self, raw: str, kind: str, tag: str) -> tuple[str, str, str | None, str] | None:
        """Resolve one reference; returns its outcome (link, fragment target, fragment,
        external URL) when that outcome is the same from every page, else None."""
        ctx = self.ctx
        if self.ignore and any(p.search(raw) for p in self.ignore):
            return _NOTHING
        k, path, frag = urls.to_path(ctx.site, self.page_dir, raw, self.base)
        if k == urls.EMPTY:
            self.add("L5", raw, f"empty reference in <{tag}>")
            return None
        if k == urls.SKIP:
            return _NOTHING
        if k == urls.EXTERNAL:
            if kind == "self":
                self.add("E3", raw, f"{tag} {raw} is not on {ctx.site.origin}")
                return None
            if ctx.check_mixed and kind == "res" and path.startswith("http://"):
                self.add("E4", raw, f"<{tag}> loads {raw} over http:// on an https site")
            if kind == "nav" or kind == "res":
                ext = path.split("#", 1)[0]
                self.externals[ext] = None
                return ("", "", None, ext)
            return _NOTHING
        if path == "":
            if frag is not None:
                self.same_page.append((frag, raw))
            return None
        hit = _CACHE.get(path)
        if hit is None:
            hit = urls.path_to_file(ctx.site, path, ctx.files)
            _CACHE[path] = hit
        status, f = hit
        if status == urls.OK:
            pass
        elif status == urls.SLASHLESS:
            if kind == "nav":
                self.add(
                    "L3",
                    raw,
                    f"{raw} is a directory; link to {path}/ (it works only through a redirect)",
                )
        elif status == urls.OUTSIDE:
            self.add("L1", raw, f"{raw} is outside the site's base path {ctx.site.base_path}")
            return None
        else:
            lower = _lower_files(ctx)
            other = lower.get(f.lower()) or lower.get((f + "/index.html").lower())
            if other:
                self.add("L6", raw, f"{raw} matches {other} only with different letter case")
            else:
                self.add("L1", raw, f"<{tag}> {raw} does not resolve: {f} is not in the output")
            return None
        link = ""
        if kind == "nav" and f.endswith(".html"):
            link = f
            self.links[f] = None
        if kind == "nav" and raw[:1] != "/" and "//" in raw[:8] and ctx.l7:
            self.add("L7", raw, f"{raw} is this site's own URL written absolutely")
        target = ""
        if frag is not None and f.endswith(".html"):
            if self._frag_exempt(frag, raw):
                frag = None
            elif f == self.page.path:
                self.same_page.append((frag, raw))
                target = f
            else:
                self.page.frag_refs.append((f, frag, raw))
                target = f
        else:
            frag = None
        # the same outcome from any page: root-relative, or this site's own absolute URL
        # (canonical, og:url, og:image); a relative reference depends on the page's folder
        stripped = raw.lstrip()
        if stripped[:1] == "/" or stripped[:8].lower().startswith(("http://", "https://")):
            return (link, target, frag, "")
        return None

    def _frag_exempt(self, frag: str, raw: str) -> bool:
        if frag in FRAGMENT_EXEMPT or frag.startswith(":~:"):
            return True
        return bool(self.skip_frag) and any(p.search(raw) for p in self.skip_frag)

    def fragment(self, f: str, frag: str, raw: str, same_page: bool) -> None:
        if self._frag_exempt(frag, raw):
            return
        if frag in self.ids:
            return
        from urllib.parse import unquote

        if unquote(frag) in self.ids:
            return
        self.add("L2", raw, f"#{frag} is not an id on this page")


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


def _lower_files(ctx: Context) -> dict[str, str]:
    """For L6 (a link that matches a file only in another letter case): built by the worker
    on its first broken link, so a site without any costs nothing. Where names differ only
    in case, the first in sorted order wins, so a clash resolves the same way on every run."""
    if ctx.lower_files is None:
        lower = {f.lower(): f for f in ctx.files}
        if len(lower) != len(ctx.files):  # names that differ only in case: sort, first wins
            lower = {}
            for f in sorted(ctx.files):
                lower.setdefault(f.lower(), f)
        ctx.lower_files = lower
    return ctx.lower_files


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


def _wanted_ids() -> dict[int, str]:
    """lexbor's tag id -> name for the WANTED tags (the ids are lexbor constants)."""
    doc = LexborHTMLParser("".join(f"<{t}></{t}>" for t in sorted(WANTED)))
    ids = {n.tag_id: n.tag for n in doc.root.traverse() if n.tag in WANTED}
    assert set(ids.values()) == WANTED, ids
    return ids


_WANTED_IDS: dict[int, str] = {}  # filled by init_worker

# Creating and destroying a lexbor document costs about a quarter of parsing a 1.6 KB
# page (callgrind: 207k instructions per page fresh, 149k when one document is parsed
# into again, which makes lexbor clean it and keep its memory pools and parser). A
# worker parses pages one at a time and keeps no node of an earlier page, so it parses
# every page into one document through lexbor's own entry point. The document's address
# comes from selectolax's public ``mem_id`` of the document node, and ``_reuse_check``
# compares a few parses both ways before this path is trusted; anything odd, and each
# page gets a parser of its own as before. Only the thread that made the document parses
# into it (ctypes lets go of the GIL during the parse): a validation run in-process from
# another thread gets fresh parsers.
_REUSED: tuple[LexborHTMLParser, object, int, int] | None = None
_REUSE_PROBES = (
    b"<!doctype html><html lang=en><head><title>a</title><base href=/x/></head>"
    b"<body><a href='/b/#c' id=d>e &amp; f</a><img src=g.png srcset='h 1x, i 2x'></body></html>",
    b"<p>no head<table><tr><td><a name=n href=#n>t</a></table><template><a href=/t/></a>"
    b"</template><svg><a href=/s/></a></svg>",
    b"",
    "<html><body><h1 id=\u00e9t\u00e9>\u00e9t\u00e9</h1><!-- <a href=/c/> --></body>".encode(),
)


def _lexbor_parse_fn():
    import ctypes

    import selectolax.lexbor as lexbor_module

    fn = ctypes.CDLL(lexbor_module.__file__).lxb_html_document_parse
    fn.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_size_t]
    fn.restype = ctypes.c_uint
    return fn


def _reuse_check() -> tuple[LexborHTMLParser, object, int, int] | None:
    """A document to parse every page into, once parses into it match fresh ones."""
    try:
        fn = _lexbor_parse_fn()
        tree = LexborHTMLParser(b"<p>")
        doc = tree.root.parent if tree.root is not None else None
        if doc is None or doc.tag != "-document":
            return None
        addr = doc.mem_id
        for probe in _REUSE_PROBES + _REUSE_PROBES[::-1]:
            if fn(addr, probe, len(probe)) != 0:
                return None
            fresh = LexborHTMLParser(probe)
            if _shape(tree) != _shape(fresh):
                return None
        return tree, fn, addr, threading.get_ident()
    except Exception:  # no symbol, another selectolax: parse page by page as before
        return None


def _shape(tree: LexborHTMLParser) -> tuple:
    root = tree.root
    nodes = tuple((n.tag, n.attributes) for n in root.traverse(include_text=True)) if root else ()
    return (tree.html, nodes, tree.body.text_lexbor() if tree.body is not None else None)


def _parse(data: bytes) -> LexborHTMLParser:
    """The page's tree; valid until the next call (see _REUSED)."""
    if _REUSED is not None:
        tree, fn, addr, owner = _REUSED
        if owner == threading.get_ident() and fn(addr, data, len(data)) == 0:  # type: ignore[operator]
            return tree
    return LexborHTMLParser(data)


def scan_html(rel: str) -> Page:
    ctx = _CTX
    assert ctx is not None
    data = _read(rel)
    page = Page(path=rel, size=len(data))
    page.doctype = _DOCTYPE.match(data, 0, 300) is not None
    if _DOCUMENT.search(data, 0, 4000) is None:
        page.is_doc = False  # e.g. a search-console verification file
        if not data and rel.endswith(HTML_EXT):
            page.findings.append(("P1", None, "the file is empty", None))
        scan_leaks(data, rel, page.findings)
        return page
    # lexbor parses bytes without a re-encode; one tree walk in Python is ~4x cheaper
    # than one big comma-separated CSS selector (measured with selectolax 1.0.2)
    tree = _parse(data)
    page_url = ctx.site.page_url(rel)
    page_dir = page_url if page_url.endswith("/") else posixpath.dirname(page_url) + "/"
    base_href = None
    if _BASE.search(data, 0, 4000) is not None:
        base_node = tree.css_first("base[href]")
        if base_node is not None:
            from urllib.parse import urljoin

            base_href = urljoin(ctx.site.origin + page_url, base_node.attributes.get("href") or "")
    r = _Resolver(ctx, page, page_dir, base_href, data, ctx.site.origin + page_url)
    ids = r.ids
    refresh = None
    has_css_url = b"url(" in data  # ASCII: in the bytes exactly when in the decoded text
    if has_css_url:
        for n in tree.css("[style]"):
            st = n.attributes.get("style") or ""
            if "url(" in st and "data-proofer-ignore" not in n.attributes:
                for u in css_urls(st):
                    r.ref(u, "res", "style url()")
    # A2 needs the DOM only where the raw HTML has an <a> with no text at all
    wanted = _WANTED_IDS
    check_names = (
        _UNNAMED_GATE.search(data) is not None and _MAYBE_UNNAMED.search(r.text) is not None
    )
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
                if tag == "a" and check_names and _no_name(n, a):
                    r.add("A2", href, f"link to {href} has no text, aria-label or image alt")
        elif tag == "link":
            href = a.get("href")
            rel_attr = (a.get("rel") or "").lower()
            if href is None:
                r.add("L5", None, "<link> without href")
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
            elif tag == "img":
                r.add("L5", None, "<img> without src")
            srcset = a.get("srcset")
            if srcset:
                for part in srcset.split(","):
                    u = part.strip().split(" ", 1)[0]
                    if u:
                        r.ref(u, "res", tag + " srcset")
            if tag == "img" and "alt" not in a:
                r.add("A1", src, f"<img src={src}> has no alt attribute")
        elif tag in ("script", "iframe", "track", "embed"):
            src = a.get("src")
            if src is not None:
                r.ref(src, "res", tag)
                if tag == "script" and "livereload" in src:
                    r.add("E2", src, "livereload script: this is `hugo server` output")
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
    page.lang = bool(html is not None and (html.attributes.get("lang") or "").strip())
    body = tree.body
    if refresh is not None and (body is None or not _has_children(body)):
        k, p, _ = urls.to_path(ctx.site, page_dir, refresh, base_href)
        page.alias_url = refresh
        if k == urls.OK:
            st, f = urls.path_to_file(ctx.site, p, ctx.files)
            page.alias_target = f if st in (urls.OK, urls.SLASHLESS) else None
    elif body is None or (
        # textContent has a non-space character exactly when some text node has one;
        # the one C call settles almost every page, the per-node walk only empty ones
        _blank(body.text_lexbor())
        and not body.text(deep=True, strip=True)
        and body.css_first("img,video,iframe,svg,canvas,object,input,picture") is None
    ):
        page.empty = True
    if page.alias_url is None and rel.endswith(HTML_EXT):
        _page_rules(page, ctx)
    scan_leaks(data, rel, page.findings)
    return page


def _blank(s: str) -> bool:
    return not s or s.isspace()  # not s.strip(), without copying a page of text


HTML_EXT = (".html", ".htm")
# the tests in the first bytes, without lower-casing a copy of them
_DOCTYPE = re.compile(rb"\s*<!doctype", re.I)  # \s is what bytes.lstrip() strips
_DOCUMENT = re.compile(rb"<(?:html|head|body)", re.I)
_BASE = re.compile(rb"<base", re.I)
PAGER = re.compile(r"(^|/)page/\d+/index\.html$")


def _page_rules(page: Page, ctx: Context) -> None:
    """The rules on one document that need no other page, run where it was parsed.

    The parent keeps only what compares pages (duplicate titles and descriptions).
    """
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


def _no_name(n, a) -> bool:
    """True when a link has no accessible name (A2); the common case returns on the first child."""
    if a.get("aria-label") or a.get("title"):
        return False
    c = n.child
    if c is not None and c.tag == "-text" and (c.text_content or "").strip():
        return False
    if n.text(deep=True, strip=True):
        return False
    return not any((im.attributes.get("alt") or "").strip() for im in n.css("img[alt]"))


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
    r = _Resolver(ctx, page, posixpath.dirname(url) + "/", None, text)
    if "url(" in text or "@import" in text:
        for u in css_urls(text):
            r.ref(u, "res", "css url()")
    r.close()
    scan_leaks(data, rel, page.findings)
    return page


def scan_text(rel: str) -> Page:
    """Feeds, sitemaps, JSON, JS: only the leak rule reads them; most are never decoded."""
    ctx = _CTX
    assert ctx is not None
    data = _read(rel)
    page = Page(path=rel, size=len(data), is_doc=False)
    scan_leaks(data, rel, page.findings)
    if rel.endswith(".xml") and rel.rsplit("/", 1)[-1].startswith("sitemap"):
        from hugopipe.validate.sitemap import parse, resolve_locs

        parsed = parse(data, rel)
        page.sitemap = (
            parsed if isinstance(parsed, str) else resolve_locs(ctx.site, ctx.files, parsed)
        )
    return page


@contextmanager
def no_cyclic_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector.

    Scanning a site allocates hundreds of thousands of small containers that all stay
    alive (page records, their sets and lists) and form no cycles; the collector would
    walk them again and again for nothing. Unpickling 5,000 page records costs 38 us
    each with it and 13 us without.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def scan_batch(batch: list[tuple[str, str]]) -> list[Page]:
    with no_cyclic_gc():
        return _scan_batch(batch)


def _scan_batch(batch: list[tuple[str, str]]) -> list[Page]:
    out = []
    for kind, rel in batch:
        if kind == "html":
            out.append(scan_html(rel))
        elif kind == "css":
            out.append(scan_css(rel))
        else:
            out.append(scan_text(rel))
    return out
