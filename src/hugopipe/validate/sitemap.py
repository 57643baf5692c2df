"""Sitemap rules: it parses, every URL exists and is indexable, every indexable page is listed."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from hugopipe.validate import urls
from hugopipe.validate.engine import Scan, _f
from hugopipe.validate.findings import Finding

NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
MAX_URLS = 50_000


def parse(data: bytes, rel: str) -> tuple[str, list[str]] | str:
    """(root element kind, <loc> values), or the reason it is not a sitemap.

    Runs in the scan workers for every ``sitemap*.xml`` (they read the file anyway), so the
    parent does not parse a 20,000-URL sitemap on its own after the scan.
    """
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        return f"{rel} does not parse as XML: {exc}"
    if not root.tag.startswith(NS):
        return f"{rel} is not in the sitemaps.org namespace (root is {root.tag})"
    return root.tag[len(NS) :], [(e.text or "").strip() for e in root.iter(NS + "loc")]


def _locs(sc: Scan, public: Path, rel: str, out: list[Finding]) -> tuple[str, list[str]] | None:
    page = sc.pages.get(rel)
    parsed = page.sitemap if page is not None else None
    if parsed is None:
        try:
            parsed = parse((public / rel).read_bytes(), rel)
        except OSError as exc:
            parsed = f"{rel} cannot be read: {exc}"
    if isinstance(parsed, str):
        out.append(_f("M1", rel, parsed))
        return None
    kind, locs = parsed
    if len(locs) > MAX_URLS:
        out.append(_f("M1", rel, f"{rel} lists {len(locs)} URLs (limit {MAX_URLS})"))
    return kind, locs


def sitemap_rules(sc: Scan, public: Path, production: bool = True) -> list[Finding]:
    """``production``: a noindex page in the sitemap matters only where the site is meant to be indexed."""
    out: list[Finding] = []
    if "sitemap.xml" not in sc.files:
        out.append(_f("M1", "sitemap.xml", "the output has no sitemap.xml"))
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
        for loc in locs:
            k, path, _ = urls.to_path(sc.site, "/", loc, None)
            if k == urls.EXTERNAL:
                out.append(_f("E3", rel, f"<loc> {loc} is not on {sc.site.origin}", url=loc))
                continue
            if k != urls.OK or not loc.lower().startswith(("http://", "https://")):
                out.append(_f("M1", rel, f"<loc> {loc} is not an absolute URL", url=loc))
                continue
            st, f = urls.path_to_file(sc.site, path, sc.files)
            if st not in (urls.OK, urls.SLASHLESS):
                out.append(_f("M2", rel, f"<loc> {loc} is not in the output ({f})", url=loc))
                continue
            if kind == "sitemapindex":
                todo.append(f)
                continue
            listed.add(f)
            p = sc.pages.get(f)
            if p is None:
                continue
            if p.alias_url is not None:
                out.append(_f("M2", rel, f"<loc> {loc} is an alias (redirect) page", url=loc))
            elif p.noindex and production:
                out.append(_f("M2", rel, f"<loc> {loc} is marked noindex", url=loc))
    for p in sc.pages.values():
        if sc.indexable(p) and p.path not in listed:
            out.append(
                _f(
                    "M3",
                    p.path,
                    f"{sc.site.page_url(p.path)} is indexable but not in the sitemap",
                    url=sc.site.page_url(p.path),
                )
            )
    return out
