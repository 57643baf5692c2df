"""Sitemap rules: it parses, every URL exists and is indexable, every indexable page is listed."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Container
from pathlib import Path

from hugopipe.validate import urls
from hugopipe.validate.findings import Finding
from hugopipe.validate.sitescan import Scan

NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
MAX_URLS = 50_000


def parse(data: bytes, rel: str) -> tuple[str, list[str]] | str:
    """(root element kind, <loc> values), or the reason it is not a sitemap.

    Runs in the scan workers for every ``sitemap*.xml`` (they read the file anyway), so the
    parent does not parse a 20,000-URL sitemap on its own after the scan. A sitemap as
    Hugo writes it is read by ``plain_locs`` without building a tree; anything else, and
    every file that does not parse, goes through ElementTree, which words the error.
    """
    plain = plain_locs(data)
    if plain is not None:
        return plain
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        return f"{rel} does not parse as XML: {exc}"
    if not root.tag.startswith(NS):
        return f"{rel} is not in the sitemaps.org namespace (root is {root.tag})"
    return root.tag[len(NS) :], [(e.text or "").strip() for e in root.iter(NS + "loc")]


_NS_URI = NS[1:-1].encode()
_DEFAULT_NS = (b'xmlns="' + _NS_URI + b'"', b"xmlns='" + _NS_URI + b"'")
_PLAIN_LOC = re.compile(rb"<loc>([^<&\r]*)</loc>")
_DECL = re.compile(rb"""<\?xml[^>]*?encoding\s*=\s*["']([^"']*)["']""")


def plain_locs(data: bytes) -> tuple[str, list[str]] | None:
    """What ``parse`` returns, for a sitemap in the plain form Hugo writes; None for any
    other (the caller then builds the tree).

    Building an ElementTree of a 20,000-URL sitemap cost 65 ms in a scan worker; expat
    checks the same file is well-formed XML without calling back into Python (10 ms), and
    the <loc> texts are then cut out of the bytes (``fastpath``, trick 7). That is exact
    only when the text is what the tree would hold, so the file must: be UTF-8 with no
    DOCTYPE, comment, CDATA or processing instruction past the declaration; name the
    sitemaps namespace once, as the root's default namespace, with no other default
    namespace anywhere (so every unprefixed <loc> is a sitemap <loc>); and write every
    ``<loc`` as ``<loc>text</loc>`` with no entity, markup or carriage return inside.
    """
    if not data.startswith(b"<") or b"<!" in data or data.count(b"<?") > data.startswith(b"<?xml"):
        return None
    if data.startswith(b"<?xml"):
        m = _DECL.match(data)
        if m is not None and m.group(1).lower() not in (b"utf-8", b"utf8"):
            return None
    if (
        data.count(_NS_URI) != 1
        or not (_DEFAULT_NS[0] in data or _DEFAULT_NS[1] in data)
        or data.count(b"xmlns") != data.count(b"xmlns=") + data.count(b"xmlns:")
        or data.count(b"xmlns=") != 1
    ):
        return None
    from xml.parsers import expat

    parser = expat.ParserCreate(namespace_separator="}")
    root: list[str] = []

    def first(name: str, attrs: object) -> None:
        root.append(name)
        parser.StartElementHandler = None  # only the root's name is wanted

    parser.StartElementHandler = first
    try:
        parser.Parse(data, True)
    except expat.ExpatError:
        return None  # ElementTree says why, with the line
    tag = "{" + root[0] if root else ""
    if not tag.startswith(NS):
        return None
    found = _PLAIN_LOC.findall(data)
    if len(found) != data.count(b"<loc"):
        return None  # a <loc> with attributes, entities, markup, or <locale>: the tree decides
    try:
        return tag[len(NS) :], [v.decode("utf-8").strip() for v in found]
    except UnicodeDecodeError:
        return None


def resolve_locs(
    site: urls.Site, files: Container[str], parsed: tuple[str, list[str]]
) -> tuple[str, list[tuple[str, str, str]]]:
    """Each <loc> with its verdict: ("ok", file), ("external", ""), ("relative", "") or
    ("missing", what was looked for). Runs in the worker that parsed the sitemap.

    ``locs`` as ``parse`` gives them (stripped). A <loc> on the site's own origin with no
    query or fragment, nearly all of them, goes straight to ``urls.path_to_file`` with the
    path ``urls.to_path`` would have cut out (``fastpath``, trick 7).
    """
    kind, locs = parsed
    out: list[tuple[str, str, str]] = []
    origin = site.origin
    own = origin + "/" if origin.startswith(("http://", "https://")) else None
    cut = len(origin)
    for loc in locs:
        if own is not None and loc.startswith(own) and "#" not in loc and "?" not in loc:
            st, f = urls.path_to_file(site, loc[cut:], files)
            out.append((loc, "ok" if st in (urls.OK, urls.SLASHLESS) else "missing", f))
            continue
        k, path, _ = urls.to_path(site, "/", loc, None)
        if k == urls.EXTERNAL:
            out.append((loc, "external", ""))
        elif k != urls.OK or not loc.lower().startswith(("http://", "https://")):
            out.append((loc, "relative", ""))
        else:
            st, f = urls.path_to_file(site, path, files)
            out.append((loc, "ok" if st in (urls.OK, urls.SLASHLESS) else "missing", f))
    return kind, out


def _locs(
    sc: Scan, public: Path, rel: str, out: list[Finding]
) -> tuple[str, list[tuple[str, str, str]]] | None:
    page = sc.pages.get(rel)
    parsed = page.sitemap if page is not None else None
    if parsed is None:  # not read by a worker (e.g. above the size cap for text files)
        try:
            raw = parse((public / rel).read_bytes(), rel)
        except OSError as exc:
            raw = f"{rel} cannot be read: {exc}"
        parsed = raw if isinstance(raw, str) else resolve_locs(sc.site, sc.files, raw)
    if isinstance(parsed, str):
        out.append(Finding.of("M1", rel, parsed))
        return None
    kind, locs = parsed
    if len(locs) > MAX_URLS:
        out.append(Finding.of("M1", rel, f"{rel} lists {len(locs)} URLs (limit {MAX_URLS})"))
    return kind, locs


def sitemap_rules(sc: Scan, public: Path, production: bool = True) -> list[Finding]:
    """``production``: a noindex page in the sitemap matters only where the site is meant to be indexed."""
    out: list[Finding] = []
    if "sitemap.xml" not in sc.files:
        out.append(Finding.of("M1", "sitemap.xml", "the output has no sitemap.xml"))
        return out
    listed: set[str] = set()
    todo = ["sitemap.xml"]
    seen: set[str] = set()
    while todo:
        rel = todo.pop()
        if rel in seen:
            continue
        seen.add(rel)
        parsed = _locs(sc, public, rel, out)
        if parsed is None:
            continue
        kind, locs = parsed
        for loc, verdict, f in locs:
            if verdict == "external":
                out.append(
                    Finding.of("E3", rel, f"<loc> {loc} is not on {sc.site.origin}", url=loc)
                )
                continue
            if verdict == "relative":
                out.append(Finding.of("M1", rel, f"<loc> {loc} is not an absolute URL", url=loc))
                continue
            if verdict != "ok":
                out.append(
                    Finding.of("M2", rel, f"<loc> {loc} is not in the output ({f})", url=loc)
                )
                continue
            if kind == "sitemapindex":
                todo.append(f)
                continue
            listed.add(f)
            if f in sc.aliases:
                out.append(
                    Finding.of("M2", rel, f"<loc> {loc} is an alias (redirect) page", url=loc)
                )
            elif production and f in sc.noindex:
                out.append(Finding.of("M2", rel, f"<loc> {loc} is marked noindex", url=loc))
    for path in sc.indexable:
        if path not in listed:
            out.append(
                Finding.of(
                    "M3",
                    path,
                    f"{sc.site.page_url(path)} is indexable but not in the sitemap",
                    url=sc.site.page_url(path),
                )
            )
    return out
