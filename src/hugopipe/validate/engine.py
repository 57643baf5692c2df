"""Run phase 1 over the output in a process pool, then the whole-site rules in the parent.

Each file is read and parsed exactly once (in a worker). The parent holds only
compact per-page records — ids, head metadata, links — and resolves what needs
the whole site: cross-page fragments, alias links, duplicate titles, sitemap,
robots.txt and publication state.
"""

from __future__ import annotations

import multiprocessing as mp
import os
from collections import defaultdict
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote

from hugopipe import outputwalk
from hugopipe.validate import extract
from hugopipe.validate.config import ValidateConfig
from hugopipe.validate.extract import Context, Page
from hugopipe.validate.findings import Finding
from hugopipe.validate.rules import RULES
from hugopipe.validate.urls import Site

HTML_EXT = extract.HTML_EXT
TEXT_EXT = (".xml", ".txt", ".json", ".js", ".mjs", ".webmanifest", ".rss", ".atom", ".svg")
IMAGE_EXT = (".jpg", ".jpeg", ".png", ".gif", ".webp", ".avif", ".svg", ".bmp", ".tif", ".tiff")


@dataclass
class Scan:
    """The output of phase 1 for a whole site."""

    site: Site
    files: dict[str, int]  # rel path -> size
    pages: dict[str, Page] = field(default_factory=dict)  # html and css records
    findings: list[Finding] = field(default_factory=list)


def walk(public: Path, exclude: list[str], sizes: bool = True) -> dict[str, int]:
    """Every file in the output with its size, less the excluded ones (see ``outputwalk``)."""
    return _exclude(outputwalk.walk(public, sizes), exclude)


def _exclude(files: dict[str, int], exclude: list[str]) -> dict[str, int]:
    if not exclude:
        return files
    import fnmatch

    return {k: v for k, v in files.items() if not any(fnmatch.fnmatchcase(k, g) for g in exclude)}


def _batches(items: list[tuple[str, str]], jobs: int) -> list[list[tuple[str, str]]]:
    """Batches that shrink towards the end (guided scheduling): large ones keep the
    per-task overhead low, small last ones keep one worker from finishing a big batch
    alone while the others wait."""
    out: list[list[tuple[str, str]]] = []
    i, n = 0, len(items)
    while i < n:
        size = max(16, min(256, (n - i) // (jobs * 4)))
        out.append(items[i : i + size])
        i += size
    return out


def _pool_context() -> mp.context.BaseContext:
    # fork shares the file set with workers for free; spawn is the portable fallback.
    if "fork" in mp.get_all_start_methods():
        return mp.get_context("fork")
    return mp.get_context("spawn")


def _fill_sizes(public: Path, files: dict[str, int]) -> None:
    """Stat the files no worker reads (images, fonts, PDFs): their size is all we need."""
    root = str(public) + "/"
    for rel, size in files.items():
        if size == -1:
            try:
                files[rel] = os.stat(root + rel).st_size
            except OSError:
                files[rel] = 0


def scan(
    public: Path,
    site: Site,
    cfg: ValidateConfig,
    jobs: int | None = None,
    prewalk: outputwalk.Prewalk | None = None,
) -> Scan:
    # No stat in the walk: workers learn the size of what they read, and the parent
    # stats the rest while they work.
    if prewalk is not None:
        files = _exclude(prewalk.files(), cfg.exclude_files)
    else:
        files = walk(public, cfg.exclude_files, sizes=False)
    ctx = Context(
        root=str(public),
        site=site,
        files=frozenset(files),
        lower_files=None,
        skip_fragments=cfg.skip_fragments,
        ignore_urls=cfg.ignore_urls,
        leak_re=extract.leak_pattern(cfg.other_hosts),
        other_hosts=cfg.other_hosts,
        l7=cfg.enabled("L7"),
        check_mixed=site.scheme == "https",
        max_page_bytes=cfg.max_page_kb * 1024,
        title_range=(cfg.title_min, cfg.title_max),
        description_range=(cfg.description_min, cfg.description_max),
    )
    work: list[tuple[str, str]] = []
    text: list[str] = []
    for rel in sorted(files):
        low = rel.lower()
        if low.endswith(HTML_EXT):
            work.append(("html", rel))
            files[rel] = -2  # a worker reads it and reports the size
        elif low.endswith(".css"):
            work.append(("css", rel))
            files[rel] = -2
        elif low.endswith(TEXT_EXT):
            text.append(rel)
    # feeds and other text files are read whole and are the largest items: size them now
    # (the 20 MB cap needs it) and put them first so no worker is left with one at the end
    root = str(public) + "/"
    for rel in text:
        try:
            files[rel] = os.stat(root + rel).st_size
        except OSError:
            files[rel] = 0
    text = [r for r in text if files[r] < 20 * 1024 * 1024]
    text.sort(key=lambda r: -files[r])
    work = [("text", r) for r in text] + work
    result = Scan(site=site, files=files)
    jobs = jobs or cfg.jobs or os.cpu_count() or 1
    pages: Iterable[Page]
    if jobs <= 1 or len(work) < 200:
        extract.init_worker(ctx)
        pages = extract.scan_batch(work)
        _fill_sizes(public, files)
    else:
        with ProcessPoolExecutor(
            max_workers=jobs,
            mp_context=_pool_context(),
            initializer=extract.init_worker,
            initargs=(ctx,),
        ) as ex:
            batches = ex.map(extract.scan_batch, _batches(work, jobs))
            _fill_sizes(public, files)  # overlaps the workers
            pages = [p for b in batches for p in b]
    for p in pages:
        result.pages[p.path] = p
        files[p.path] = p.size
        for rule, url, msg, line in p.findings:
            result.findings.append(_f(rule, p.path, msg, url=url, line=line))
    return result


def _f(
    rule: str, file: str, message: str, *, url: str | None = None, line: int | None = None
) -> Finding:
    r = RULES[rule]
    return Finding(
        rule=rule,
        severity="error" if r.production == "error" else "warning",
        file=file,
        line=line,
        url=url,
        message=message,
        hint=r.hint,
    )


def _line(public: Path, rel: str, needle: str) -> int | None:
    try:
        return extract.line_of((public / rel).read_text("utf-8", "replace"), needle)
    except OSError:
        return None


def site_rules(sc: Scan, public: Path, cfg: ValidateConfig) -> list[Finding]:
    """Phase 2: rules that need every page (fragments, aliases, duplicates, sizes, empties)."""
    out: list[Finding] = []
    pages = sc.pages
    # L4: one C-level set intersection per page instead of a lookup per link
    aliases = {path for path, p in pages.items() if p.alias_url is not None}
    check_l4 = cfg.enabled("L4") and bool(aliases)
    # L2 cross-page fragments, L4 links to alias pages, and the S3/S5 duplicates (the
    # per-page S/A/P rules ran in the workers): one pass over the page records
    titles: dict[str, list[str]] = defaultdict(list)
    descs: dict[str, list[str]] = defaultdict(list)
    for p in pages.values():
        if p.frag_refs:
            out += _fragment_findings(p, pages, public)
        if check_l4 and p.alias_url is None and not p.links.isdisjoint(aliases):
            for target in sorted(p.links.intersection(aliases)):
                out.append(
                    _f(
                        "L4",
                        p.path,
                        f"links to alias page {target}, which redirects to {pages[target].alias_url}",
                        url=sc.site.page_url(target),
                    )
                )
        if p.indexable:
            if p.title:
                titles[p.title].append(p.path)
            if p.description:
                descs[p.description].append(p.path)
    for title, paths in titles.items():
        if len(paths) > 1:
            for other in paths[1:]:
                out.append(_f("S3", other, f"title {title!r} is also used by {paths[0]}"))
    for paths in descs.values():
        if len(paths) > 1:
            for other in paths[1:]:
                out.append(_f("S5", other, f"description is also used by {paths[0]}"))
    # P2 sizes
    page_max, image_max = cfg.max_page_kb * 1024, cfg.max_image_kb * 1024
    small = min(page_max, image_max)
    for rel, size in sc.files.items():
        if size <= small:
            continue
        low = rel.lower()
        if low.endswith(HTML_EXT) and size > page_max:
            out.append(_f("P2", rel, f"page is {size // 1024} KB (limit {cfg.max_page_kb} KB)"))
        elif low.endswith(IMAGE_EXT) and size > image_max:
            out.append(_f("P2", rel, f"image is {size // 1024} KB (limit {cfg.max_image_kb} KB)"))
    return out


def _fragment_findings(p: Page, pages: dict[str, Page], public: Path) -> list[Finding]:
    """L2 for the links of ``p`` to a #fragment on another page."""
    out: list[Finding] = []
    for target, frag, raw in p.frag_refs:
        tp = pages.get(target)
        if tp is None:
            continue
        if tp.alias_target and tp.alias_target in pages:
            tp = pages[tp.alias_target]
        if frag in tp.ids or unquote(frag) in tp.ids:
            continue
        out.append(
            _f(
                "L2",
                p.path,
                f"{raw}: #{frag} is not an id on {tp.path}",
                url=raw,
                line=_line(public, p.path, raw),
            )
        )
    return out
