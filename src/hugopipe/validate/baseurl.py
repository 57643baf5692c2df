"""The base URL of an output built elsewhere, worked out from the output itself.

``hugopipe validate --public DIR`` without ``--base-url`` and without a site to read the
configuration from would otherwise check every page against an empty host: each
``og:url`` "not on" the site, each page "not in the sitemap". The output names its own
URL in three places, tried in this order (the first that fits wins, and the report says
which, ``ValidationReport.base_url_from``):

1. ``sitemap.xml``: the ``<loc>`` URLs (of a sitemap index too). The base is the
   longest folder they all share *that maps their paths onto files of the output*
   (``/blog/a/`` under base ``/`` is ``blog/a/index.html``), so a sitemap that lists
   only ``/blog/…`` does not make ``/blog/`` the base.
2. the home page's ``<link rel=canonical>``,
3. the home page's ``<meta property=og:url>``; the home page (``index.html``) names the
   base itself. A home page that is a redirect (a multilingual site's language picker)
   is skipped: its canonical is the default language's home.

None found: ``/`` (links are then checked root-relative), from ``none``.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import urlsplit

_LOC = "{http://www.sitemaps.org/schemas/sitemap/0.9}loc"
_REFRESH = re.compile(rb"http-equiv=[\"']?refresh", re.I)


def infer(public: Path) -> tuple[str, str]:
    """(base URL, where it came from: ``sitemap.xml``, ``canonical``, ``og:url`` or ``none``)."""
    base = _from_sitemap(public)
    if base:
        return base, "sitemap.xml"
    found = _from_home(public)
    if found:
        return found
    return "/", "none"


def _exists(public: Path, rest: str) -> bool:
    rest = rest.lstrip("/")
    if rest == "" or rest.endswith("/"):
        return (public / rest / "index.html").is_file()
    return (public / rest).is_file() or (public / rest / "index.html").is_file()


def _from_sitemap(public: Path) -> str | None:
    try:
        root = ET.fromstring((public / "sitemap.xml").read_bytes())
    except (OSError, ET.ParseError):
        return None
    locs = [(e.text or "").strip() for e in root.iter(_LOC)]
    locs = [u for u in locs if u.lower().startswith(("http://", "https://"))]
    if not locs:
        return None
    first = urlsplit(locs[0])
    origin = f"{first.scheme}://{first.netloc}"
    paths = [urlsplit(u).path or "/" for u in locs if u.startswith(origin)]
    common = paths[0]
    for p in paths[1:]:
        while not p.startswith(common):
            common = common[: common.rstrip("/").rfind("/") + 1] or "/"
    common = common[: common.rfind("/") + 1] or "/"
    sample = paths[:20]
    while True:
        if all(_exists(public, p[len(common) :]) for p in sample):
            return origin + common
        if common == "/":
            return None
        common = common[: common.rstrip("/").rfind("/") + 1] or "/"


def _from_home(public: Path) -> tuple[str, str] | None:
    try:
        data = (public / "index.html").read_bytes()
    except OSError:
        return None
    if _REFRESH.search(data):
        return None
    from selectolax.lexbor import LexborHTMLParser

    tree = LexborHTMLParser(data)
    for selector, attr, name in (
        ("link[rel=canonical]", "href", "canonical"),
        ('meta[property="og:url"]', "content", "og:url"),
    ):
        node = tree.css_first(selector)
        url = (node.attributes.get(attr) or "").strip() if node is not None else ""
        if url.lower().startswith(("http://", "https://")):
            return url, name
    return None
