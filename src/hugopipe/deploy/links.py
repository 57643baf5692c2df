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
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import unquote, urljoin, urlsplit

_ATTR = re.compile(
    rb"""\s(?:href|src|srcset|poster|data-src|content)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""",
    re.IGNORECASE,
)
_REFRESH = re.compile(rb"""http-equiv\s*=\s*["']?refresh""", re.IGNORECASE)
_SKIP = ("#", "mailto:", "javascript:", "data:", "tel:", "about:")


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
    host, prefix = _site(base_url)
    parts = urlsplit(ref)
    if parts.scheme or ref.startswith("//"):
        if parts.scheme not in {"", "http", "https"} or not host or parts.netloc.lower() != host:
            return None
        url_path = parts.path or "/"
    else:
        page_dir = "/" + page_path.rsplit("/", 1)[0] + "/" if "/" in page_path else "/"
        url_path = urlsplit(urljoin(prefix.rstrip("/") + page_dir, ref)).path
    if prefix != "/" and url_path.startswith(prefix):
        url_path = "/" + url_path[len(prefix) :]
    path = unquote(url_path).lstrip("/")
    if path == "" or path.endswith("/"):
        path += "index.html"
    if ".." in path.split("/"):
        return None
    return path


def page_refs(raw: bytes, page_path: str, base_url: str | None) -> PageRefs:
    """The references in one page's bytes (pure)."""
    refs = {resolve(v, page_path, base_url) for v in _values(raw)}
    refs.discard(None)
    refs.discard(page_path)
    return PageRefs(refs=frozenset(r for r in refs if r), redirect=bool(_REFRESH.search(raw)))


def read_refs(fs_path: str, page_path: str, base_url: str | None) -> PageRefs:
    """``page_refs`` of a file on disk; no references when it cannot be read."""
    if not fs_path:
        return NO_REFS
    try:
        with open(fs_path, "rb") as fh:
            raw = fh.read()
    except OSError:
        return NO_REFS
    return page_refs(raw, page_path, base_url)


def missing(refs: frozenset[str], present: set[str] | frozenset[str]) -> list[str]:
    """The references not in ``present`` (a path without a suffix may be a folder's index)."""
    return sorted(
        r
        for r in refs
        if r not in present
        and not (("." not in r.rsplit("/", 1)[-1]) and f"{r}/index.html" in present)
    )
