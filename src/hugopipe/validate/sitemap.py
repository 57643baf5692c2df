"""Sitemap rules: it parses, every URL exists and is indexable, every indexable page is listed."""

from __future__ import annotations

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
    parent does not parse a 20,000-URL sitemap on its own after the scan.
    """
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        return f"{rel} does not parse as XML: {exc}"
    if not root.tag.startswith(NS):
        return f"{rel} is not in the sitemaps.org namespace (root is {root.tag})"
    return root.tag[len(NS) :], [(e.text or "").strip() for e in root.iter(NS + "loc")]


def resolve_locs(
    site: urls.Site, files: Container[str], parsed: tuple[str, list[str]]
) -> tuple[str, list[tuple[str, str, str]]]:
    """Each <loc> with its verdict: ("ok", file), ("external", ""), ("relative", "") or
    ("missing", what was looked for). Runs in the worker that parsed the sitemap."""
    kind, locs = parsed
    out: list[tuple[str, str, str]] = []
    for loc in locs:
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
