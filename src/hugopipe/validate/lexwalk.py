"""A page's references as one flat list of events, from C when it is there.

Walking a parsed page in Python costs a selectolax node object per element and a dict
of its attributes: about a third of a worker's time on a typical Hugo page. The
optional helper ``_lexwalk.c`` does the same walk in C and hands back only the
attributes the rules read. It is compiled when the package is installed (see
``hatch_build.py``); without a C compiler, or if it ever disagrees with
:func:`node_events` on the start-up probes, every page takes the Python walk, which
defines what the events mean.

Events are pairs ``code, value`` in document order:

====  ==========================================================================
``#``  an id, or an ``<a name>``: a fragment target
``a``  ``<a href>`` (``r``: ``<area href>``); ``2``: that link has no accessible name
``l``  the next ``<link>``'s ``rel``; then ``L``: its href, or :data:`NONE`
``s``  the next image's ``srcset``; ``n``: it has ``alt``; then ``I`` (``img``) or
       ``O`` (``source``): its ``src``, or :data:`NONE`
``S``  ``script src`` (``f`` iframe, ``t`` track, ``e`` embed, ``o`` object data,
       ``v`` video and ``u`` audio src/poster)
``p``  the next ``<meta>``'s property (``c`` content, ``h`` http-equiv); then ``M``:
       its name, or ""
``T``  a ``<title>``'s text, stripped (:data:`LOOKUP` from C: read it from the node)
``y``  a ``<style>`` element's text, only when asked for
====  ==========================================================================

Modifiers (``l s n p c h``) are emitted only when set, and hold until the element's
closing event. Elements with ``data-proofer-ignore`` give their id and nothing else.
"""

from __future__ import annotations

import ctypes
import threading
from pathlib import Path

from selectolax.lexbor import LexborHTMLParser

NONE = "\x1d"  # an attribute that is absent or has no value
LOOKUP = "\x1c"  # C does not copy text: the title is read from its node
KIND = {
    "a": "a", "area": "r", "link": "L", "img": "I", "source": "O", "script": "S",
    "iframe": "f", "track": "t", "embed": "e", "video": "v", "audio": "u", "object": "o",
    "meta": "M", "title": "T", "base": "b", "style": "y",
}  # fmt: skip
WANTED = frozenset(KIND)
LIBRARY = Path(__file__).with_name("_lexwalk.so")
# the lexbor functions _lexwalk.c calls, in the order of its hp_lexbor struct
_LEXBOR_FUNCTIONS = (
    "lxb_dom_node_first_child_noi",
    "lxb_dom_node_next_noi",
    "lxb_dom_node_parent_noi",
    "lxb_dom_node_tag_id_noi",
    "lxb_dom_node_type_noi",
    "lxb_dom_element_first_attribute_noi",
    "lxb_dom_element_next_attribute_noi",
    "lxb_dom_attr_qualified_name",
    "lxb_dom_attr_value_noi",
    "lxb_dom_element_attr_by_name",
)


def wanted_ids() -> dict[int, str]:
    """lexbor's tag id -> name for the WANTED tags (the ids are lexbor constants)."""
    doc = LexborHTMLParser("".join(f"<{t}></{t}>" for t in sorted(WANTED)))
    assert doc.root is not None
    ids = {n.tag_id: n.tag for n in doc.root.traverse() if n.tag in WANTED}
    assert set(ids.values()) == WANTED, ids
    return ids


def node_events(
    tree: LexborHTMLParser, wanted: dict[int, str], check_names: bool, style_text: bool
) -> list[str]:
    """The events of a page, from selectolax nodes: the reference for the C walk."""
    ev: list[str] = []
    root = tree.root
    for n in root.traverse() if root is not None else ():
        tag = wanted.get(n.tag_id)  # an int from lexbor: no string made for the other tags
        if tag is None:
            i = n.id
            if i:
                ev += ("#", i)
            continue
        a = n.attributes
        i = a.get("id")
        if i:
            ev += ("#", i)
        if "data-proofer-ignore" in a:
            continue
        k = KIND[tag]
        if k == "a":
            nm = a.get("name")
            if nm:
                ev += ("#", nm)
            href = a.get("href")
            if href is not None:
                ev += ("a", href)
                if check_names and no_name(n, a):
                    ev += ("2", href)
        elif k == "r":
            href = a.get("href")
            if href is not None:
                ev += ("r", href)
        elif k == "L":
            rel = a.get("rel")
            if rel:
                ev += ("l", rel)
            href = a.get("href")
            ev += ("L", NONE if href is None else href)
        elif k == "I" or k == "O":
            srcset = a.get("srcset")
            if srcset:
                ev += ("s", srcset)
            if "alt" in a:
                ev += ("n", "")
            src = a.get("src")
            ev += (k, NONE if src is None else src)
        elif k in "Sfteo":
            src = a.get("data" if k == "o" else "src")
            if src is not None:
                ev += (k, src)
        elif k == "v" or k == "u":
            for attr in ("src", "poster"):
                v = a.get(attr)
                if v is not None:
                    ev += (k, v)
        elif k == "M":
            for code, attr in (("p", "property"), ("c", "content"), ("h", "http-equiv")):
                v = a.get(attr)
                if v:
                    ev += (code, v)
            ev += ("M", a.get("name") or "")
        elif k == "T":
            ev += ("T", n.text(strip=True))
        elif k == "y" and style_text:
            ev += ("y", n.text())
    return ev


def first_title(tree: LexborHTMLParser, title_id: int) -> str:
    """The text of the first title the walk did not skip (what a ``T`` event names)."""
    root = tree.root
    for n in root.traverse() if root is not None else ():
        if n.tag_id == title_id and "data-proofer-ignore" not in n.attributes:
            return n.text(strip=True)
    return ""


def no_name(n, a) -> bool:
    """True when a link has no accessible name (A2); the common case returns on the first child."""
    if a.get("aria-label") or a.get("title"):
        return False
    c = n.child
    if c is not None and c.tag == "-text" and (c.text_content or "").strip():
        return False
    if n.text(deep=True, strip=True):
        return False
    return not any((im.attributes.get("alt") or "").strip() for im in n.css("img[alt]"))


class CWalk:
    """The C walk over one lexbor document, for the thread that made it."""

    def __init__(self, library: Path, wanted: dict[int, str]):
        import selectolax.lexbor as lexbor_module

        lexbor = ctypes.CDLL(lexbor_module.__file__)
        functions = [
            ctypes.cast(getattr(lexbor, f), ctypes.c_void_p).value for f in _LEXBOR_FUNCTIONS
        ]
        self._api = (ctypes.c_void_p * len(functions))(*functions)
        kinds = bytearray(max(wanted) + 1)
        for tag_id, tag in wanted.items():
            kinds[tag_id] = ord(KIND[tag])
        self._kinds = bytes(kinds)
        fn = ctypes.CDLL(str(library)).hp_events
        fn.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_char_p, ctypes.c_size_t]
        fn.argtypes += [ctypes.c_void_p, ctypes.c_size_t]
        fn.restype = ctypes.c_long
        self._fn = fn
        self._buf = ctypes.create_string_buffer(1 << 16)
        self.owner = threading.get_ident()

    def events(self, doc_addr: int, size: int) -> list[str] | None:
        """The events of the page parsed into ``doc_addr`` (``size``: its length in bytes),
        or None when this page needs the Python walk."""
        if len(self._buf) < 4 * size + 4096:  # room for any page that is not contrived
            self._buf = ctypes.create_string_buffer(4 * size + 4096)
        buf = self._buf
        n = self._fn(self._api, doc_addr, self._kinds, len(self._kinds), buf, len(buf))
        if n < 0:
            return None  # a value holds a separator byte, or the buffer was too small
        # lexbor passes invalid UTF-8 through; selectolax decodes each value with
        # "replace", and the ASCII separators end a bad sequence just as a string end does
        fields = ctypes.string_at(buf, n).decode("utf-8", "replace").split("\x1f")
        fields.pop()  # after the last separator
        return fields
