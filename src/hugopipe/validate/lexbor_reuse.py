"""Parse every page of a worker into one lexbor document, through ctypes.

Creating and destroying a lexbor document costs about a quarter of parsing a 1.6 KB
page (callgrind: 207k instructions per page fresh, 149k when one document is parsed
into again, which makes lexbor clean it and keep its memory pools and parser). A worker
parses pages one at a time and keeps no node of an earlier page, so it parses every
page into one document through lexbor's own entry point (``lxb_html_document_parse``).

The document's address comes from selectolax's public ``mem_id`` of the document node,
and ``reuse_check`` compares a few parses both ways before this path is trusted;
anything odd (no symbol, another selectolax), and each page gets a parser of its own.
Only the thread that made the document parses into it (ctypes lets go of the GIL
during the parse): a validation run in-process from another thread gets fresh parsers.
"""

from __future__ import annotations

import threading
from typing import Any

from selectolax.lexbor import LexborHTMLParser

# (the tree, lxb_html_document_parse, the document's address, the owning thread)
Reused = tuple[LexborHTMLParser, Any, int, int]

REUSED: Reused | None = None  # set by prepare(); None: every page gets a parser of its own
PROBES = (
    b"<!doctype html><html lang=en><head><title>a</title><base href=/x/></head>"
    b"<body><a href='/b/#c' id=d>e &amp; f</a><img src=g.png srcset='h 1x, i 2x'></body></html>",
    b"<p>no head<table><tr><td><a name=n href=#n>t</a></table><template><a href=/t/></a>"
    b"</template><svg><a href=/s/></a></svg>",
    b"",
    "<html><body><h1 id=\u00e9t\u00e9>\u00e9t\u00e9</h1><!-- <a href=/c/> --></body>".encode(),
)


def prepare() -> None:
    """Set up the reused document once per process (a scan worker's start)."""
    global REUSED
    if REUSED is None:
        REUSED = reuse_check()


def parse(data: bytes) -> LexborHTMLParser:
    """The page's tree; valid until the next call in this thread."""
    if REUSED is not None:
        tree, fn, addr, owner = REUSED
        if owner == threading.get_ident() and fn(addr, data, len(data)) == 0:
            return tree
    return LexborHTMLParser(data)


def _lexbor_parse_fn() -> Any:
    import ctypes

    import selectolax.lexbor as lexbor_module

    fn = ctypes.CDLL(lexbor_module.__file__).lxb_html_document_parse
    fn.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_size_t]
    fn.restype = ctypes.c_uint
    return fn


def reuse_check() -> Reused | None:
    """A document to parse every page into, once parses into it match fresh ones."""
    try:
        fn = _lexbor_parse_fn()
        tree = LexborHTMLParser(b"<p>")
        doc = tree.root.parent if tree.root is not None else None
        if doc is None or doc.tag != "-document":
            return None
        addr = doc.mem_id
        for probe in PROBES + PROBES[::-1]:
            if fn(addr, probe, len(probe)) != 0:
                return None
            fresh = LexborHTMLParser(probe)
            if _shape(tree) != _shape(fresh):
                return None
        return tree, fn, addr, threading.get_ident()
    except Exception:  # no symbol, another selectolax: parse page by page
        return None


def _shape(tree: LexborHTMLParser) -> tuple[Any, ...]:
    root = tree.root
    nodes = tuple((n.tag, n.attributes) for n in root.traverse(include_text=True)) if root else ()
    return (tree.html, nodes, tree.body.text_lexbor() if tree.body is not None else None)
