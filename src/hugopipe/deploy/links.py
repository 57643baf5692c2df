"""Which same-site objects an HTML page references, and whether it is a redirect.

The upload order (``order.assign_groups``) puts a page after the new pages it links to,
and the planner holds back a delete that an uploaded page still references; the crash
test checks the bucket with the same reading. Only pages that are uploaded are read,
so a deploy that changes nothing reads no HTML at all.

A reference is any ``href``/``src``/``srcset``/``poster``/``data-src`` value, and the
URL of a ``<meta http-equiv=refresh>``, quoted or not (Hugo's ``--minify`` drops the
quotes). It is same-site when it is relative, root-relative, or absolute on the host
of the site's ``baseURL``; it resolves to slash paths in ``public/`` (a trailing ``/``
means its ``index.html``).

The planner only needs the references to a few paths (the new pages and feeds, the
deleted objects: ``wanted``), so it reads a page for them only when its bytes contain
one of their names (``needles``), and each distinct reference is resolved once
(``_resolve``, cached): on a 5,000-post site adding a post re-uploads ~230 pages with
~8,000 references, and resolving each one with ``urljoin`` cost ~0.13 s per deploy.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from urllib.parse import unquote, urljoin, urlsplit

_ATTR = re.compile(
    rb"""\s(?:href|src|srcset|poster|data-src|content)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""",
    re.IGNORECASE,
)
_REFRESH = re.compile(rb"""http-equiv\s*=\s*["']?refresh""", re.IGNORECASE)
_SKIP = ("#", "mailto:", "javascript:", "data:", "tel:", "about:")
#: Characters a URL carries as they are (RFC 3986 "unreserved"): a name made of them appears
#: literally in every reference to it, so a page without that name cannot reference it.
_PLAIN_NAME = re.compile(r"[A-Za-z0-9._~-]+")
#: Past this many wanted paths every uploaded page is parsed instead (``needles``).
MAX_NEEDLES = 32


@dataclass(frozen=True, slots=True)
class PageRefs:
    """A page's same-site references (slash paths in ``public/``) and whether it only redirects."""

    refs: frozenset[str] = field(default_factory=frozenset)
    redirect: bool = False


NO_REFS = PageRefs()


def _site(base_url: str | None) -> tuple[str, str]:
    """(host, path prefix) of ``baseURL``: ``https://x.org/blog/`` → ``("x.org", "/blog/")``."""
    if not base_url:
        return "", "/"
    parts = urlsplit(base_url)
    path = parts.path if parts.path.endswith("/") else parts.path + "/"
    return parts.netloc.lower(), path


def _values(raw: bytes) -> list[str]:
    out: list[str] = []
    for m in _ATTR.finditer(raw):
        value = (m.group(1) or m.group(2) or m.group(3) or b"").decode("utf-8", "replace").strip()
        name = m.group(0).split(b"=", 1)[0].strip().lower()
        if name == b"content":
            low = value.lower()
            i = low.find("url=")
            if i < 0:
                continue  # an ordinary meta content (a description, a viewport)
            value = value[i + 4 :].strip().strip("'\"")
        if name == b"srcset":
            out += [c.strip().split(" ")[0] for c in value.split(",") if c.strip()]
        elif value:
            out.append(value)
    return out


def resolve(ref: str, page_path: str, base_url: str | None) -> str | None:
    """The slash path in ``public/`` that ``ref`` on ``page_path`` points at; None when off-site."""
    if not ref or ref.startswith(_SKIP):
        return None
    if ref.startswith("/") or ":" in ref.split("/", 1)[0]:
        page_dir = ""  # root-relative or absolute: the same on every page, so cached once
    else:
        page_dir = "/" + page_path.rsplit("/", 1)[0] + "/" if "/" in page_path else "/"
    return _resolve(ref, page_dir, base_url)


@lru_cache(maxsize=1 << 16)
def _resolve(ref: str, page_dir: str, base_url: str | None) -> str | None:
    host, prefix = _site(base_url)
    parts = urlsplit(ref)
    if parts.scheme or ref.startswith("//"):
        if parts.scheme not in {"", "http", "https"} or not host or parts.netloc.lower() != host:
            return None
        url_path = parts.path or "/"
    else:
        url_path = urlsplit(urljoin(prefix.rstrip("/") + (page_dir or "/"), ref)).path
    if prefix != "/" and url_path.startswith(prefix):
        url_path = "/" + url_path[len(prefix) :]
    path = unquote(url_path).lstrip("/")
    if path == "" or path.endswith("/"):
        path += "index.html"
    if ".." in path.split("/"):
        return None
    return path


def needles(wanted: frozenset[str]) -> tuple[bytes, ...] | None:
    """What a page must contain to reference a ``wanted`` path: the paths' names.

    The name of each path (a folder's name for its ``index.html``) appears as a whole path
    segment in every reference to it, relative or absolute, with or without the trailing
    ``index.html`` (``mentions``) -- or, for a reference made of dot segments (``../``), in
    the referring page's own path, which ``page_refs`` searches too. None (read every page)
    when a path has no such name: the site root, or a name with characters a URL may
    percent-encode; or more than ``MAX_NEEDLES`` names (each is a search through every
    uploaded page: past a few, one parse is cheaper).
    """
    if len(wanted) > MAX_NEEDLES:
        return None
    out: set[bytes] = set()
    for path in wanted:
        folder = path == "index.html" or path.endswith("/index.html")
        name = path[: -len("index.html")].rstrip("/") if folder else path
        name = name.rsplit("/", 1)[-1]
        if not name or not _PLAIN_NAME.fullmatch(name):
            return None
        out.add(name.encode())
    return tuple(sorted(out))


#: What may stand before a path segment in an attribute value as ``_values`` reads it (a
#: slash, the value's start after ``=`` or a quote, a ``srcset`` separator), and after it.
_BEFORE = frozenset(b"/=\"' \t\r\n,")
_AFTER = frozenset(b"/\"' \t\r\n,>?#")


def mentions(raw: bytes, name: bytes) -> bool:
    """Whether ``name`` occurs in ``raw`` as a whole path segment (a folder's may also end
    the reference: a link written without its trailing slash).

    A superset of the references ``page_refs`` resolves to it, and much cheaper than
    parsing: a number like ``13`` (a page of a list) occurs in most pages, as a segment in few.
    """
    i = raw.find(name)
    end = len(name)
    while i >= 0:
        after = raw[i + end] if i + end < len(raw) else None
        if (i == 0 or raw[i - 1] in _BEFORE) and (after is None or after in _AFTER):
            return True
        i = raw.find(name, i + 1)
    return False


def page_refs(
    raw: bytes,
    page_path: str,
    base_url: str | None,
    *,
    wanted: frozenset[str] | None = None,
    find: tuple[bytes, ...] | None = None,
) -> PageRefs:
    """The references in one page's bytes (pure); with ``wanted``, only those to its paths.

    ``find`` (``needles(wanted)``) skips the parse when neither the page nor its path
    names any of them.
    """
    redirect = bool(_REFRESH.search(raw))
    own = page_path.encode()
    if find is not None and not any(n in own or mentions(raw, n) for n in find):
        return PageRefs(redirect=redirect)
    refs = {r for v in _values(raw) if (r := resolve(v, page_path, base_url))}
    refs.discard(page_path)
    if wanted is not None:
        # a link written without its trailing slash (``/posts/new``) reaches the folder's
        # index.html too (S3's website endpoint redirects it), so it orders and holds alike
        refs = {r if r in wanted else _as_folder(r, wanted) for r in refs} & wanted
    return PageRefs(refs=frozenset(refs), redirect=redirect)


def _as_folder(ref: str, wanted: frozenset[str]) -> str:
    """``ref``'s folder index when ``ref`` has no suffix and that index is wanted."""
    index = f"{ref}/index.html"
    return index if "." not in ref.rsplit("/", 1)[-1] and index in wanted else ref


def read_refs(
    fs_path: str,
    page_path: str,
    base_url: str | None,
    *,
    wanted: frozenset[str] | None = None,
    find: tuple[bytes, ...] | None = None,
) -> PageRefs:
    """``page_refs`` of a file on disk; no references when it cannot be read."""
    if not fs_path:
        return NO_REFS
    try:
        with open(fs_path, "rb") as fh:
            raw = fh.read()
    except OSError:
        return NO_REFS
    return page_refs(raw, page_path, base_url, wanted=wanted, find=find)


def missing(refs: frozenset[str], present: set[str] | frozenset[str]) -> list[str]:
    """The references not in ``present`` (a path without a suffix may be a folder's index)."""
    return sorted(
        r
        for r in refs
        if r not in present
        and not (("." not in r.rsplit("/", 1)[-1]) and f"{r}/index.html" in present)
    )
