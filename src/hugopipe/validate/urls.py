"""Map references in built pages to files in the output, the way a static host does.

Kept free of parsing so the worker processes and the parent resolve the same way:
``/x/`` is ``x/index.html``; ``/x`` is the file ``x``, else the directory ``x/``
(which works only through a redirect: rule L3); queries are dropped; the
site's own origin (scheme + host + baseURL path) counts as internal, so a site
served under ``https://host/docs/`` maps ``/docs/a/`` to ``a/index.html``.
"""

from __future__ import annotations

import posixpath
from collections.abc import Container
from dataclasses import dataclass
from functools import cached_property
from urllib.parse import unquote, urljoin, urlsplit

SKIP_SCHEMES = ("mailto:", "tel:", "data:", "javascript:", "sms:", "ftp:", "blob:", "about:")


@dataclass(frozen=True)
class Site:
    """Where the output will be served: scheme, host[:port] and the path prefix of baseURL."""

    scheme: str
    netloc: str
    base_path: str  # always starts and ends with "/"

    @classmethod
    def from_base_url(cls, base_url: str) -> Site:
        parts = urlsplit(base_url or "/")
        path = parts.path or "/"
        if not path.endswith("/"):
            path += "/"
        return cls(parts.scheme.lower(), parts.netloc.lower(), path)

    @cached_property
    def origin(self) -> str:  # asked for on every absolute reference: computed once
        return f"{self.scheme}://{self.netloc}" if self.netloc else ""

    @property
    def host(self) -> str:
        return self.netloc.rsplit("@", 1)[-1].split(":")[0].strip("[]")

    def page_url(self, rel_file: str) -> str:
        """URL path of a built file (``a/index.html`` → ``/base/a/``)."""
        if rel_file == "index.html":
            return self.base_path
        if rel_file.endswith("/index.html"):
            return self.base_path + rel_file[: -len("index.html")]
        return self.base_path + rel_file


# Outcomes of a lookup
OK, SLASHLESS, MISSING, OUTSIDE, EXTERNAL, SKIP, EMPTY = range(7)


def split_ref(ref: str) -> tuple[str, str | None]:
    """Split off the fragment and drop the query."""
    frag = None
    if "#" in ref:
        ref, frag = ref.split("#", 1)
    if "?" in ref:
        ref = ref.split("?", 1)[0]
    return ref, frag


def to_path(
    site: Site, page_dir: str, ref: str, base_href: str | None
) -> tuple[int, str, str | None]:
    """Resolve ``ref`` found on a page whose URL directory is ``page_dir``.

    Returns (kind, url_path_or_url, fragment). kind is EXTERNAL for other hosts
    (the url is returned whole), SKIP for mailto: and friends, EMPTY for "".
    """
    ref = ref.strip()
    if not ref:
        return EMPTY, "", None
    c = ref[0]
    if base_href is None:
        if c == "#":
            return OK, "", ref[1:]
        if c == "/" and not ref.startswith("//"):
            path, frag = split_ref(ref)
            return OK, path, frag
    low = ref[:12].lower()
    if low.startswith(SKIP_SCHEMES):
        return SKIP, ref, None
    if base_href is not None:
        if c == "#":
            # A fragment-only link stays on the page even with <base href> in browsers'
            # navigation semantics for our purposes (Hugo never emits <base>).
            return OK, "", ref[1:]
        ref = urljoin(base_href, ref)
        low = ref[:12].lower()
    if low.startswith(("http://", "https://", "//")):
        origin = site.origin
        if (
            origin
            and ref[: len(origin)].lower() == origin
            and ref[len(origin) : len(origin) + 1] in ("/", "")
        ):
            path, frag = split_ref(ref[len(origin) :] or "/")
            return OK, path, frag
        if ref.startswith("//"):
            ref = (site.scheme or "https") + ":" + ref
        parts = urlsplit(ref)
        if (
            site.netloc
            and parts.netloc.lower() == site.netloc
            and parts.scheme.lower()
            in (
                site.scheme,
                "http",
                "https",
            )
        ):
            return OK, parts.path or "/", parts.fragment or None
        return EXTERNAL, ref, None
    if ":" in ref.split("/", 1)[0]:
        return SKIP, ref, None  # some other scheme
    path, frag = split_ref(ref)
    if not path:
        return OK, "", frag
    return OK, join(page_dir, path), frag


_NORMAL_DIRS: dict[str, bool] = {}


def join(page_dir: str, path: str) -> str:
    """``page_dir`` + a relative ``path``, normalised like ``posixpath.normpath`` but keeping
    a trailing slash.

    The common shapes (``a/b/``, ``./a``, ``../../a/``) are joined by slicing; anything
    else (``.`` or ``..`` after a name, ``//``, an unusual page directory) goes through
    normpath. Relative links are a third of a Hugo page's references, so this matters.
    """
    normal = _NORMAL_DIRS.get(page_dir)
    if normal is None:
        # what normpath would leave alone: no empty, "." or ".." segment (a test checks
        # this against normpath); three substring tests cost a tenth of normpath
        normal = page_dir == "/" or (
            page_dir[:1] == "/"
            and page_dir[-1:] == "/"
            and "//" not in page_dir
            and "/./" not in page_dir
            and "/../" not in page_dir
        )
        if len(_NORMAL_DIRS) < 100_000:
            _NORMAL_DIRS[page_dir] = normal
    if normal:
        d, i = page_dir, 0
        while True:
            if path.startswith("../", i):
                if d != "/":
                    d = d[: d.rfind("/", 0, len(d) - 1) + 1]
                i += 3
            elif path.startswith("./", i):
                i += 2
            else:
                break
        rest = path[i:]
        probe = "/" + rest + "/"
        if "/./" not in probe and "/../" not in probe and "//" not in probe[:-1]:
            return d + rest
    joined = posixpath.normpath(page_dir + path)
    if path.endswith("/") and not joined.endswith("/"):
        joined += "/"
    if joined.startswith("//"):
        joined = joined[1:]
    return joined


def path_to_file(site: Site, path: str, files: Container[str]) -> tuple[int, str]:
    """Map an absolute URL path to a file of the output (kind, rel_file)."""
    if "%" in path:
        path = unquote(path)
    bp = site.base_path
    if not path.startswith(bp):
        if path + "/" == bp:
            return SLASHLESS, "index.html"
        return OUTSIDE, path
    rel = path[len(bp) :]
    if rel == "" or rel.endswith("/"):
        f = rel + "index.html"
        return (OK if f in files else MISSING), f
    if rel in files:
        return OK, rel
    f = rel + "/index.html"
    if f in files:
        return SLASHLESS, f
    return MISSING, rel
